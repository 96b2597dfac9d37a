// SPDX-License-Identifier: LGPL-2.1-or-later
/* The write-ahead journal: writing it safely, reading it back strictly. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testing.h"

/* fsync(2) of the (statically linked) library, counted: which records are made durable when */
static unsigned int n_fsync;

int fsync(int fd)
{
	n_fsync++;
	return (int)syscall(SYS_fsync, fd);
}

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define CHECK_PREFIX(s, prefix) CHECK(!strncmp((s), (prefix), strlen(prefix)))

static char logbuf[1024];

static void log_cb(void *data, int prio, const char *msg)
{
	(void)data;
	(void)prio;
	snprintf(logbuf, sizeof(logbuf), "%s", msg);
}

/* A fresh directory for journals (below a fake tree, removed at exit). */
static const char *jdir(void)
{
	return test_fake("mf-6.12");
}

static void jpath(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static struct hwpi_target pfn_target(uint64_t pfn)
{
	struct hwpi_target t = { 0 };

	t.have_pfn = true;
	t.pfn = pfn;
	t.phys = pfn << 12;
	t.page_size = 4096;
	return t;
}

static void test_create_append(void)
{
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	struct hwpi_target t = pfn_target(0x2000);
	struct hwpi_report r = { 0 };
	struct hwpi_journal *j;
	char p[4096], *text;
	struct stat st;
	mode_t old = umask(0);

	jpath(p, sizeof(p), dir, "j");
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	umask(old);
	CHECK(stat(p, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_CORRUPT_PFN));
	r.target = t;
	r.poisoned_known = r.poisoned = true;
	CHECK_OK(hwpi_journal_result(j, &r));
	hwpi_journal_close(j);
	hwpi_journal_close(NULL);

	/* appending: no second header */
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	t = pfn_target(0x2001);
	CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_HARD_OFFLINE_PAGE));
	/* the same page again: listed once */
	t = pfn_target(0x2000);
	CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_CORRUPT_PFN));
	hwpi_journal_close(j);
	CHECK_ERR(hwpi_journal_open(ctx, p, 1, &j), -EINVAL);

	text = tfile_read(dir, "j");
	CHECK_PREFIX(text, "hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000 "
			   "phys=0x2000000 pid=0 vaddr=0x0 time=");
	CHECK_CONTAINS(text, "\ndone pfn=0x2000 err=0 poisoned=1\ninject method=hard-offline-page "
			     "pfn=0x2001 ");
	CHECK(strstr(text + 1, "hwpinject-journal") == NULL);
	free(text);

	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_pfns, 2);
	CHECK_U64(c.pfns[0], 0x2000);
	CHECK_U64(c.pfns[1], 0x2001);
	CHECK_INT(c.n_injections, 3);
	CHECK_INT(c.n_sysctls, 0);
	CHECK(!c.truncated);
	hwpi_journal_contents_free(&c);
	hwpi_journal_contents_free(NULL);
	hwpi_ctx_free(ctx);
}

static void test_unsafe(void)
{
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	struct hwpi_journal *j = (void *)1;
	char p[4096], l[4096];

	jpath(p, sizeof(p), dir, "real");
	jpath(l, sizeof(l), dir, "link");
	tfile_write(dir, "real", "hwpinject-journal 1\n");
	CHECK(chmod(p, 0600) == 0);
	CHECK(symlink(p, l) == 0);
	CHECK_ERR(hwpi_journal_open(ctx, l, 0, &j), -EPERM);
	CHECK_NULL(j);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "symbolic link");
	CHECK_ERR(hwpi_journal_read(ctx, l, &c), -EPERM);
	/* a dangling link is not followed to create its target either */
	jpath(l, sizeof(l), dir, "dangling");
	jpath(p, sizeof(p), dir, "nothere");
	CHECK(symlink(p, l) == 0);
	CHECK_ERR(hwpi_journal_open(ctx, l, 0, &j), -EPERM);
	CHECK(access(p, F_OK) < 0);

	/* group- or world-writable */
	jpath(p, sizeof(p), dir, "real");
	CHECK(chmod(p, 0620) == 0);
	CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j), -EPERM);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "writable by others");
	CHECK_ERR(hwpi_journal_read(ctx, p, &c), -EPERM);
	CHECK(chmod(p, 0602) == 0);
	CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j), -EPERM);
	CHECK(chmod(p, 0644) == 0);
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	hwpi_journal_close(j);

	/* not a regular file */
	CHECK_ERR(hwpi_journal_open(ctx, dir, 0, &j), -EPERM);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "not a regular file");
	CHECK_ERR(hwpi_journal_read(ctx, dir, &c), -EPERM);
	jpath(p, sizeof(p), dir, "fifo");
	CHECK(mkfifo(p, 0600) == 0);
	CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j), -EPERM);
	CHECK_ERR(hwpi_journal_read(ctx, p, &c), -EPERM);

	/* missing */
	jpath(p, sizeof(p), dir, "missing");
	CHECK_ERR(hwpi_journal_read(ctx, p, &c), -ENOENT);
	jpath(p, sizeof(p), dir, "nodir/j");
	CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j), -ENOENT);
	CHECK_ERR(hwpi_journal_open(ctx, "", 0, &j), -EINVAL);
	hwpi_ctx_free(ctx);
}

/* A file that is not a journal is neither appended to nor cut (its last line has no newline). */
static void test_not_a_journal(void)
{
	static const char *const texts[] = { "hello\nworld", "root:x:0:0::/root:/bin/sh\n",
					     "hwpinject-journal 2\n", "hwpinject-journalX" };
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal *j = (void *)1;
	char p[4096], *got;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		fprintf(stderr, "  \"%s\"\n", texts[i]);
		tfile_write(dir, "other", texts[i]);
		jpath(p, sizeof(p), dir, "other");
		CHECK(chmod(p, 0600) == 0);
		CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j), -EINVAL);
		CHECK_NULL(j);
		CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "is not a hwpinject journal");
		got = tfile_read(dir, "other");
		CHECK_STR(got, texts[i]);
		free(got);
	}
	/* a header cut short by a crash is a journal that lost its first line: begun again */
	tfile_write(dir, "other", "hwpinject-jour");
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	hwpi_journal_close(j);
	got = tfile_read(dir, "other");
	CHECK_STR(got, "hwpinject-journal 1\n");
	free(got);
	hwpi_ctx_free(ctx);
}

/* Write TEXT as journal NAME (mode 0600) in DIR; its path in P. */
static void jwrite(char *p, size_t len, const char *dir, const char *name, const char *text)
{
	tfile_write(dir, name, text);
	jpath(p, len, dir, name);
	CHECK(chmod(p, 0600) == 0);
}

static void test_truncated(void)
{
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	char p[4096];

	hwpi_ctx_set_log(ctx, log_cb, NULL, 7);
	jwrite(p, sizeof(p), dir, "j",
	       "hwpinject-journal 1\n"
	       "inject method=corrupt-pfn pfn=0x2000\n"
	       "inject method=corrupt-pfn pfn=0x2001\n"
	       "done pfn=0x20");
	logbuf[0] = '\0';
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK(c.truncated);
	CHECK_INT(c.n_pfns, 2);
	CHECK_U64(c.pfns[1], 0x2001);
	CHECK_CONTAINS(logbuf, "line 4");
	CHECK_CONTAINS(logbuf, "incomplete");
	hwpi_journal_contents_free(&c);

	/* cut in the middle of a number that would have been valid */
	jwrite(p, sizeof(p), dir, "j2", "hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x20");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK(c.truncated);
	CHECK_INT(c.n_pfns, 0);
	hwpi_journal_contents_free(&c);

	/* a writer appending after the crash cuts the incomplete record off first */
	jpath(p, sizeof(p), dir, "j");
	{
		struct hwpi_journal *j, *j2;
		struct hwpi_target t = pfn_target(0x2002);

		CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
		/* one writer at a time */
		CHECK_ERR(hwpi_journal_open(ctx, p, 0, &j2), -EBUSY);
		CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_CORRUPT_PFN));
		hwpi_journal_close(j);
		CHECK_OK(hwpi_journal_read(ctx, p, &c));
		CHECK(!c.truncated);
		CHECK_INT(c.n_pfns, 3);
		CHECK_U64(c.pfns[2], 0x2002);
		hwpi_journal_contents_free(&c);
		/* a header cut short: rewritten */
		jwrite(p, sizeof(p), dir, "j5", "hwpinject-jour");
		CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
		hwpi_journal_close(j);
		CHECK_FILE(dir, "j5", "hwpinject-journal 1\n");
	}

	/* empty (died before the header was written) and header only */
	jwrite(p, sizeof(p), dir, "j3", "");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_pfns, 0);
	hwpi_journal_contents_free(&c);
	jwrite(p, sizeof(p), dir, "j4", "hwpinject-jour");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK(c.truncated);
	hwpi_journal_contents_free(&c);
	hwpi_ctx_free(ctx);
}

static void test_corrupt(void)
{
	static const struct {
		const char *text, *line;
	} cases[] = {
		{ "hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\ninject method=corrupt-pfn pfn=0xzz\ndone pfn=0x2000 err=0 poisoned=1\n", "line 3" },
		{ "hwpinject-journal 1\nbogus pfn=1\n", "line 2" },
		{ "hwpinject-journal 1\n\ninject pfn=0x1\n", "line 3" },
		{ "hwpinject-journal 1\ninject method=nosuch pfn=0x1\n", "line 2" },
		{ "hwpinject-journal 1\ninject method=corrupt-pfn pfn\n", "line 2" },
		{ "hwpinject-journal 1\ndone pfn=0x1 poisoned=2\n", "line 2" },
		{ "hwpinject-journal 1\nsysctl vm.nosuch=1\n", "line 2" },
		{ "hwpinject-journal 1\nsysctl vm.memory_failure_early_kill=x\n", "line 2" },
		{ "hwpinject-journal 1\nunpoison pfn=0x1\n", "line 2" },
		{ "hwpinject-journal 1\ninject\tmethod=corrupt-pfn\n", "line 2" },
		{ "hwpinject-journal 2\n", "line 1" },
		{ "something else\ninject method=corrupt-pfn pfn=0x1\n", "line 1" },
	};
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	char p[4096], *big;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fprintf(stderr, "   case %zu\n", i);
		jwrite(p, sizeof(p), dir, "j", cases[i].text);
		CHECK_ERR(hwpi_journal_read(ctx, p, &c), -EBADMSG);
		CHECK_CONTAINS(hwpi_ctx_strerror(ctx), cases[i].line);
		CHECK_CONTAINS(hwpi_ctx_strerror(ctx), p);
		/* what the lines before the malformed one record: only the first case has some */
		CHECK_INT(c.n_pfns, i == 0 ? 1 : 0);
		if (i == 0)
			CHECK_U64(c.pfns[0], 0x2000);
		hwpi_journal_contents_free(&c);
	}
	/* a line longer than the bound */
	big = malloc(10000);
	CHECK(big);
	memset(big, 'a', 9999);
	memcpy(big, "hwpinject-journal 1\n# ", 22);
	big[9998] = '\n';
	big[9999] = '\0';
	jwrite(p, sizeof(p), dir, "big", big);
	CHECK_ERR(hwpi_journal_read(ctx, p, &c), -EBADMSG);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "line 2");
	hwpi_journal_contents_free(&c);
	free(big);
	hwpi_ctx_free(ctx);
}

/*
 * A writer killed with its sysctl changed, then other writers on the same journal
 * (each restoring what it changed): the value from before the first one is still due.
 */
static void test_sysctl_nesting(void)
{
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	char p[4096];

	jwrite(p, sizeof(p), dir, "n1",
	       "hwpinject-journal 1\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       "sysctl vm.memory_failure_early_kill=1\n"
	       "sysctl-restored vm.memory_failure_early_kill=1\n"
	       "sysctl vm.memory_failure_early_kill=1\n"
	       "sysctl-restored vm.memory_failure_early_kill=1\n");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_sysctls, 1);
	CHECK_INT(c.sysctls[0].value, 0);
	hwpi_journal_contents_free(&c);
	/* unpoison --journal then writes the oldest value back: nothing left */
	jwrite(p, sizeof(p), dir, "n2",
	       "hwpinject-journal 1\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       "sysctl vm.memory_failure_early_kill=1\n"
	       "sysctl-restored vm.memory_failure_early_kill=0\n");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_sysctls, 0);
	hwpi_journal_contents_free(&c);
	/* an ordinary writer: changed and restored */
	jwrite(p, sizeof(p), dir, "n3",
	       "hwpinject-journal 1\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       "sysctl-restored vm.memory_failure_early_kill=0\n"
	       "sysctl vm.memory_failure_early_kill=0\n");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_sysctls, 1);
	CHECK_INT(c.sysctls[0].value, 0);
	hwpi_journal_contents_free(&c);
	hwpi_ctx_free(ctx);
}

static void test_states(void)
{
	const char *dir = jdir();
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct hwpi_journal_contents c;
	char p[4096];

	jwrite(p, sizeof(p), dir, "j",
	       "hwpinject-journal 1\n"
	       "# comments and blank lines are allowed\n"
	       "\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       /* the kernel did not poison it */
	       "inject method=corrupt-pfn pfn=0x1000 already=0 future=field\n"
	       "done pfn=0x1000 err=16 poisoned=0\n"
	       /* poisoned before: not ours */
	       "inject method=corrupt-pfn pfn=0x1001 already=1\n"
	       "done pfn=0x1001 err=0 poisoned=1\n"
	       /* unpoisoned since */
	       "inject method=corrupt-pfn pfn=0x1002 already=0\n"
	       "done pfn=0x1002 err=0 poisoned=1\n"
	       "unpoison pfn=0x1002 err=0 poisoned=0\n"
	       /* the kernel refused the unpoison */
	       "inject method=corrupt-pfn pfn=0x1003\n"
	       "unpoison pfn=0x1003 err=16 poisoned=1\n"
	       /* soft offline: the old pfn is the one retired */
	       "inject method=soft-offline pfn=0x1004 pid=42 vaddr=0x7f0000000000 already=0\n"
	       "done pfn=0x1004 err=0 poisoned=1 new_pfn=0x9999\n"
	       "sysctl-restored vm.memory_failure_early_kill=0\n"
	       /* a page not present: its pfn comes with the result */
	       "inject method=hwpoison pid=42 vaddr=0x7f0000001000\n"
	       "done pfn=0x1005 err=0 poisoned=unknown\n"
	       /* and one whose result never came */
	       "sysctl vm.memory_failure_early_kill=1\n"
	       "sysctl vm.memory_failure_early_kill=0\n"
	       "inject method=hwpoison pid=42 vaddr=0x7f0000002000\n");
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	CHECK_INT(c.n_pfns, 3);
	CHECK_U64(c.pfns[0], 0x1003);
	CHECK_U64(c.pfns[1], 0x1004);
	CHECK_U64(c.pfns[2], 0x1005);
	CHECK_INT(c.n_injections, 7);
	CHECK_INT(c.n_unknown, 1);
	/* the oldest unrestored value */
	CHECK_INT(c.n_sysctls, 1);
	CHECK_INT(c.sysctls[0].sysctl, HWPI_SYSCTL_EARLY_KILL);
	CHECK_INT(c.sysctls[0].value, 1);
	hwpi_journal_contents_free(&c);
	hwpi_ctx_free(ctx);
}

/* hwpi_inject() writes the journal itself, before the kernel sees the page. */
static void test_inject(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts o = HWPI_INJECT_OPTS_INIT;
	struct hwpi_journal_contents c;
	struct hwpi_journal *j;
	struct hwpi_report *r = calloc(1, sizeof(*r));
	struct hwpi_target t;
	char p[4096], *text;

	CHECK(r);
	CHECK_NULL(o.journal);
	jpath(p, sizeof(p), root, "journal");
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	o.journal = j;
	o.early_kill = 1;
	o.flags = HWPI_INJECT_NO_TRACE;
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "0\n");
	CHECK_OK(hwpi_resolve_pfn(ctx, 0x2000, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, r));
	CHECK_FILE(root, "sys/kernel/debug/hwpoison/corrupt-pfn", "0x2000\n");
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");
	/* soft offline by phys */
	o.early_kill = -1;
	CHECK_OK(hwpi_resolve_pfn(ctx, 0x2001, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_SOFT_OFFLINE_PAGE, &o, r));
	/* a dry run records nothing */
	o.flags |= HWPI_INJECT_DRY_RUN;
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, r));
	hwpi_journal_close(j);

	text = tfile_read(root, "journal");
	CHECK_PREFIX(text, "hwpinject-journal 1\nsysctl vm.memory_failure_early_kill=0\n"
			   "inject method=corrupt-pfn pfn=0x2000 phys=0x2000000 pid=0 vaddr=0x0 "
			   "already=0 time=");
	CHECK_CONTAINS(text, "\ndone pfn=0x2000 err=0 poisoned=0\n"
			     "sysctl-restored vm.memory_failure_early_kill=0\n"
			     "inject method=soft-offline-page pfn=0x2001 phys=0x2001000 ");
	CHECK_CONTAINS(text, "\ndone pfn=0x2001 err=0 poisoned=0\n");
	CHECK(strstr(text, "0x2001 err=0 poisoned=0\n")[24] == '\0');
	free(text);
	CHECK_OK(hwpi_journal_read(ctx, p, &c));
	/* the fake kernel left both pages unpoisoned, and the sysctl was restored */
	CHECK_INT(c.n_pfns, 0);
	CHECK_INT(c.n_sysctls, 0);
	CHECK_INT(c.n_injections, 2);
	hwpi_journal_contents_free(&c);

	free(r);
	hwpi_ctx_free(ctx);
}

/*
 * A page and a sysctl are on disk before the call that records them
 * returns; a result or an unpoison goes to disk with the next of those, or
 * at the close: one fsync a page, not two.
 */
static void test_durability(void)
{
	const char *root = jdir();
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_report *r = calloc(1, sizeof(*r));
	struct hwpi_target t = pfn_target(0x2000);
	struct hwpi_journal *j;
	unsigned int before;
	char p[4096], *text;

	CHECK(r);
	jpath(p, sizeof(p), root, "durable");
	before = n_fsync;
	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	CHECK(n_fsync >= before + 1);	/* the header (and the new file's directory) */
	before = n_fsync;
	CHECK_OK(hwpi_journal_record_sysctl(j, HWPI_SYSCTL_EARLY_KILL, 0, false));
	CHECK_INT(n_fsync, before + 1);
	CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_CORRUPT_PFN));
	CHECK_INT(n_fsync, before + 2);
	r->target = t;
	r->poisoned_known = r->poisoned = true;
	CHECK_OK(hwpi_journal_result(j, r));
	CHECK_INT(n_fsync, before + 2);		/* written, not yet synced */
	text = tfile_read(root, "durable");
	CHECK_CONTAINS(text, "\ndone pfn=0x2000 err=0 poisoned=1\n");
	free(text);
	t = pfn_target(0x2001);
	CHECK_OK(hwpi_journal_record(j, &t, HWPI_METHOD_CORRUPT_PFN));
	CHECK_INT(n_fsync, before + 3);		/* the page, and the result before it */
	CHECK_OK(hwpi_journal_record_unpoison(j, 0x2000, r));
	CHECK_INT(n_fsync, before + 3);
	CHECK_OK(hwpi_journal_record_sysctl(j, HWPI_SYSCTL_EARLY_KILL, 0, true));
	CHECK_INT(n_fsync, before + 4);
	hwpi_journal_close(j);			/* nothing left unsynced */
	CHECK_INT(n_fsync, before + 4);

	CHECK_OK(hwpi_journal_open(ctx, p, 0, &j));
	before = n_fsync;
	r->target = t;
	CHECK_OK(hwpi_journal_result(j, r));
	CHECK_INT(n_fsync, before);
	hwpi_journal_close(j);			/* the result written last */
	CHECK_INT(n_fsync, before + 1);
	text = tfile_read(root, "durable");
	CHECK_CONTAINS(text, "sysctl-restored vm.memory_failure_early_kill=0\n"
			     "done pfn=0x2001 err=0 poisoned=1\n");
	free(text);
	free(r);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_create_append);
	RUN(test_unsafe);
	RUN(test_not_a_journal);
	RUN(test_truncated);
	RUN(test_corrupt);
	RUN(test_sysctl_nesting);
	RUN(test_states);
	RUN(test_inject);
	RUN(test_durability);
	return 0;
}
