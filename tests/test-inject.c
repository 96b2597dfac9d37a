// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * hwpi_inject and hwpi_unpoison against the fake trees: the interface files
 * are plain files there, so what the library wrote can be read back.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "testing.h"

#define CORRUPT "sys/kernel/debug/hwpoison/corrupt-pfn"
#define UNPOISON "sys/kernel/debug/hwpoison/unpoison-pfn"
#define SOFT_PAGE "sys/devices/system/memory/soft_offline_page"
#define HARD_PAGE "sys/devices/system/memory/hard_offline_page"

/* no ptrace of host processes (the fake pids are not real), no perf events */
static const struct hwpi_inject_opts plain = { .flags = HWPI_INJECT_NO_HOLD |
							HWPI_INJECT_NO_TRACE,
					       .early_kill = -1 };

static void pfn_target(struct hwpi_ctx *ctx, uint64_t pfn, struct hwpi_target *t)
{
	CHECK_OK(hwpi_resolve_pfn(ctx, pfn, t));
}

static void test_corrupt_pfn(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;
	struct hwpi_report r;

	pfn_target(ctx, 0x2005, &t);
	memset(&r, 0x55, sizeof(r));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_FILE(root, CORRUPT, "0x2005\n");
	CHECK_FILE(root, HARD_PAGE, "");
	CHECK_INT(r.err, 0);
	CHECK_INT(r.method, HWPI_METHOD_CORRUPT_PFN);
	CHECK(!r.dry_run);
	CHECK_U64(r.target.pfn, 0x2005);
	CHECK_STR(r.release, "6.12.117+deb13-amd64");
	/* observations: kpageflags afterwards (the fake page stays unpoisoned) */
	CHECK(r.poisoned_known);
	CHECK(!r.poisoned);
	CHECK(r.hwcorrupted_known);
	CHECK_U64(r.hwcorrupted_before_kb, 8);
	CHECK_U64(r.hwcorrupted_after_kb, 8);
	CHECK_INT(r.n_messages, 0);
	CHECK_INT(r.n_signals, 0);
	CHECK_STR(r.page_type, "");
	CHECK(!r.have_new_pfn);
	CHECK_STR(hwpi_report_outcome(&r), "unknown");
	CHECK_INT(r.target_state, HWPI_TARGET_UNKNOWN); /* no pid */

	/* the largest pfn of the machine */
	pfn_target(ctx, 0x7ffff, &t);
	t.kpageflags = 0x5828; /* pretend it is an anon page */
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_FILE(root, CORRUPT, "0x7ffff\n");

	/* NULL options: the defaults; tracepoints cannot work in a fake tree, and say why */
	tfile_write(root, CORRUPT, "");
	pfn_target(ctx, 0x2006, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, NULL, &r));
	CHECK_FILE(root, CORRUPT, "0x2006\n");
	CHECK_INT(r.err, 0);
	CHECK(r.trace_error[0] != '\0');
	hwpi_ctx_free(ctx);
}

/* the number of open file descriptors of this process */
static int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own */
}

/*
 * Without opts.observer the context's observer serves every injection: it is
 * opened once (no descriptor more per injection), restarted each time (its
 * "before" values are those of that injection) and closed by hwpi_ctx_free().
 */
static void test_ctx_observer(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;
	struct hwpi_report r;
	int base = count_fds(), kept, i;

	pfn_target(ctx, 0x2005, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_U64(r.hwcorrupted_before_kb, 8);
	CHECK_OK(hwpi_unpoison(ctx, 0x2005, &r));	/* its own, without tracepoints */
	kept = count_fds();
	CHECK(kept > base);
	for (i = 0; i < 5; i++) {
		CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
		CHECK_OK(hwpi_unpoison(ctx, 0x2005, &r));
	}
	CHECK_INT(count_fds(), kept);
	/* restarted: "before" is read again */
	tfile_write(root, "proc/meminfo", "MemTotal: 1024 kB\nHardwareCorrupted:    12 kB\n");
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_U64(r.hwcorrupted_before_kb, 12);
	hwpi_ctx_free(ctx);
	CHECK_INT(count_fds(), base);
}

static void test_phys_methods(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;
	struct hwpi_report r;

	pfn_target(ctx, 0x2003, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_HARD_OFFLINE_PAGE, &plain, &r));
	CHECK_FILE(root, HARD_PAGE, "0x2003000\n");
	CHECK_FILE(root, SOFT_PAGE, "");
	CHECK_FILE(root, CORRUPT, "");
	CHECK_INT(r.err, 0);

	/* a physical address inside a page: the page's address is written */
	CHECK_OK(hwpi_resolve_phys(ctx, 0x2004abc, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_SOFT_OFFLINE_PAGE, &plain, &r));
	CHECK_FILE(root, SOFT_PAGE, "0x2004000\n");
	CHECK_INT(r.err, 0);
	CHECK_STR(hwpi_report_outcome(&r), "unknown");
	hwpi_ctx_free(ctx);
}

static void test_vaddr_target(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;
	struct hwpi_report r;

	/* pid + vaddr resolved, injected by pfn */
	CHECK_OK(hwpi_resolve_vaddr(ctx, 4242, 0x7f0000001000ULL, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_FILE(root, CORRUPT, "0x2001\n");
	CHECK_INT(r.target.pid, 4242);
	CHECK_U64(r.target.vaddr, 0x7f0000001000ULL);
	/* the fake victim's /proc/4242/stat says it is sleeping: alive */
	CHECK_INT(r.target_state, HWPI_TARGET_ALIVE);

	/* a zombie is gone */
	tfile_write(root, "proc/4242/stat", "4242 (vic tim) Z 4100 4242 4100 0 -1 0 0 0\n");
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_HARD_OFFLINE_PAGE, &plain, &r));
	CHECK_FILE(root, HARD_PAGE, "0x2001000\n");
	CHECK_INT(r.target_state, HWPI_TARGET_GONE);
	/* ... and is refused as a target, as is a kernel thread (PF_KTHREAD in field 9) */
	CHECK_ERR(hwpi_resolve_vaddr(ctx, 4242, 0x7f0000001000ULL, &t), -ESRCH);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "zombie");
	tfile_write(root, "proc/4242/stat", "4242 (kworker/0:1) I 2 0 0 0 -1 2129984 0 0\n");
	CHECK_ERR(hwpi_resolve_vaddr(ctx, 4242, 0x7f0000001000ULL, &t), -EPERM);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "kernel thread");
	tfile_write(root, "proc/4242/stat", "4242 (victim) S 4100 4242 4100 0 -1 4194304 0 0\n");

	/* a page that is not present has no pfn for the pfn methods */
	CHECK_OK(hwpi_resolve_vaddr(ctx, 4242, 0x555555562000ULL, &t));
	tfile_write(root, CORRUPT, "");
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r), -EINVAL);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "not present");
	CHECK_FILE(root, CORRUPT, "");

	/* the madvise methods need a vaddr */
	pfn_target(ctx, 0x2000, &t);
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_HWPOISON, &plain, &r), -EINVAL);
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_SOFT_OFFLINE, &plain, &r), -EINVAL);
	CHECK_ERR(hwpi_inject(ctx, NULL, HWPI_METHOD_CORRUPT_PFN, &plain, &r), -EINVAL);
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, NULL), -EINVAL);
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_COUNT, &plain, &r), -EINVAL);
	CHECK_FILE(root, CORRUPT, "");
	hwpi_ctx_free(ctx);
}

static void test_unsafe(void)
{
	static const struct {
		uint64_t pfn;
		const char *why;
	} pages[] = {
		{ 0x10, "reserved" },	{ 0x11, "slab" },      { 0x12, "buddy" },
		{ 0x13, "without flags" }, { 0x14, "page table" }, { 0x15, "zero page" },
		{ 0x9000, "reserved" },
	};
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts force = plain;
	struct hwpi_target t;
	struct hwpi_report r;
	char expect[32];
	unsigned int i, m;

	force.flags |= HWPI_INJECT_FORCE;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		fprintf(stderr, "  pfn 0x%" PRIx64 "\n", pages[i].pfn);
		pfn_target(ctx, pages[i].pfn, &t);
		for (m = HWPI_METHOD_CORRUPT_PFN; m < HWPI_METHOD_COUNT; m++) {
			CHECK_ERR(hwpi_inject(ctx, &t, (enum hwpi_method)m, &plain, &r), -EPERM);
			CHECK_CONTAINS(hwpi_ctx_strerror(ctx), pages[i].why);
			CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "force");
		}
		/* also refused in a dry run: the dry run checks everything */
		force.flags |= HWPI_INJECT_DRY_RUN;
		CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &force, &r));
		force.flags &= ~HWPI_INJECT_DRY_RUN;
		{
			struct hwpi_inject_opts dry = plain;

			dry.flags |= HWPI_INJECT_DRY_RUN;
			CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &dry, &r), -EPERM);
		}
		CHECK_FILE(root, CORRUPT, "");
		CHECK_FILE(root, HARD_PAGE, "");
		CHECK_FILE(root, SOFT_PAGE, "");
	}

	/* with FORCE, the page is injected */
	pfn_target(ctx, 0x11, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &force, &r));
	snprintf(expect, sizeof(expect), "0x%x\n", 0x11);
	CHECK_FILE(root, CORRUPT, expect);

	/* the vdso page of the victim: reserved */
	tfile_write(root, CORRUPT, "");
	CHECK_OK(hwpi_resolve_vaddr(ctx, 4242, 0x7ffc00100000ULL, &t));
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r), -EPERM);
	CHECK_FILE(root, CORRUPT, "");
	hwpi_ctx_free(ctx);
}

static void test_dry_run(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts dry = plain;
	struct hwpi_target t;
	struct hwpi_report r;
	unsigned int m;

	dry.flags |= HWPI_INJECT_DRY_RUN;
	dry.early_kill = 1;
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "0");
	pfn_target(ctx, 0x2000, &t);
	for (m = HWPI_METHOD_CORRUPT_PFN; m < HWPI_METHOD_COUNT; m++) {
		CHECK_OK(hwpi_inject(ctx, &t, (enum hwpi_method)m, &dry, &r));
		CHECK(r.dry_run);
		CHECK_INT(r.err, 0);
		CHECK_STR(hwpi_report_outcome(&r), "dry-run");
	}
	/* the madvise methods on a pid target: checked, not run */
	CHECK_OK(hwpi_resolve_vaddr(ctx, 4242, 0x7f0000002000ULL, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_HWPOISON, &dry, &r));
	CHECK(r.dry_run);
	CHECK_U64(r.target.pfn, 0x2002);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_SOFT_OFFLINE, &dry, &r));
	CHECK(r.dry_run);
	/* nothing written anywhere, not even the sysctl */
	CHECK_FILE(root, CORRUPT, "");
	CHECK_FILE(root, HARD_PAGE, "");
	CHECK_FILE(root, SOFT_PAGE, "");
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0");
	hwpi_ctx_free(ctx);
}

static void test_early_kill(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts o = plain;
	struct hwpi_target t;
	struct hwpi_report r;

	/* set to 1 for the injection, then the old value (0) written back */
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "0");
	o.early_kill = 1;
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r));
	CHECK_FILE(root, CORRUPT, "0x2000\n");
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");

	/* already the wanted value: left alone */
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "1");
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r));
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "1");

	/* late kill over early kill: restored to 1 */
	o.early_kill = 0;
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r));
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "1\n");

	/* restored also when the injector fails */
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "0");
	o.early_kill = 1;
	tfile_unlink(root, HARD_PAGE);
	{
		char p[4096];

		CHECK(mkdir(tfile_path(p, sizeof(p), root, HARD_PAGE), 0755) == 0);
	}
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_HARD_OFFLINE_PAGE, &o, &r));
	CHECK_INT(r.err, EISDIR);
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");
	hwpi_ctx_free(ctx);
}

/* What test_inject_many's callback saw of each page, and when it stops. */
struct many_seen {
	const char *root;
	size_t calls, stop_at;
	bool grow;	/* HardwareCorrupted 8 -> 12 kB after the first page */
	uint64_t pfn[8];
	char corrupt[8][32], early_kill[8][8];
	uint64_t hc_before[8], hc_after[8];
};

static int many_each(const struct hwpi_report *r, size_t i, void *data)
{
	struct many_seen *s = data;
	char *f;

	CHECK_U64(i, s->calls);
	CHECK(i < 8);
	s->calls++;
	s->pfn[i] = r->target.pfn;
	s->hc_before[i] = r->hwcorrupted_before_kb;
	s->hc_after[i] = r->hwcorrupted_after_kb;
	f = tfile_read(s->root, CORRUPT);
	snprintf(s->corrupt[i], sizeof(s->corrupt[i]), "%s", f ? f : "");
	free(f);
	f = tfile_read(s->root, "proc/sys/vm/memory_failure_early_kill");
	snprintf(s->early_kill[i], sizeof(s->early_kill[i]), "%s", f ? f : "");
	free(f);
	/* HardwareCorrupted grows between the first and the second page */
	if (i == 0 && s->grow) {
		char *mi = tfile_read(s->root, "proc/meminfo"), *p;

		CHECK(mi != NULL);
		p = strstr(mi, "HardwareCorrupted:     8 kB");
		CHECK(p != NULL);
		memcpy(p, "HardwareCorrupted:    12 kB", strlen("HardwareCorrupted:    12 kB"));
		tfile_write(s->root, "proc/meminfo", mi);
		free(mi);
	}
	return i + 1 == s->stop_at;
}

static void test_inject_many(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts o = plain;
	struct many_seen seen = { .root = root, .grow = true };
	struct hwpi_target t[4];
	struct hwpi_report r;
	size_t done = 99, i;

	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "0");
	o.early_kill = 1;
	for (i = 0; i < 4; i++)
		pfn_target(ctx, 0x2000 + i, &t[i]);

	/* each page written, then reported, in order; the kill policy set once around all */
	CHECK_OK(hwpi_inject_many(ctx, t, 4, HWPI_METHOD_CORRUPT_PFN, &o, &r, many_each, &seen,
				  &done));
	CHECK_U64(done, 4);
	CHECK_U64(seen.calls, 4);
	for (i = 0; i < 4; i++) {
		char want[32];

		snprintf(want, sizeof(want), "0x%" PRIx64 "\n", (uint64_t)0x2000 + i);
		CHECK_U64(seen.pfn[i], 0x2000 + i);
		CHECK_STR(seen.corrupt[i], want);
		CHECK_STR(seen.early_kill[i], "1\n");
	}
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");
	/* a page's "before" is the page before's "after": the change between goes to page 2 */
	CHECK_U64(seen.hc_before[0], 8);
	CHECK_U64(seen.hc_after[0], 8);
	CHECK_U64(seen.hc_before[1], 8);
	CHECK_U64(seen.hc_after[1], 12);
	CHECK_U64(seen.hc_before[2], 12);
	CHECK_U64(seen.hc_after[2], 12);

	/* the callback stops the call: nothing injected after that page */
	memset(&seen, 0, sizeof(seen));
	seen.root = root;
	seen.stop_at = 2;
	tfile_write(root, CORRUPT, "");
	CHECK_OK(hwpi_inject_many(ctx, t, 4, HWPI_METHOD_CORRUPT_PFN, &o, &r, many_each, &seen,
				  &done));
	CHECK_U64(done, 2);
	CHECK_U64(seen.calls, 2);
	CHECK_FILE(root, CORRUPT, "0x2001\n");
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");

	/* a page that cannot be attempted: its errno, the pages before reported, it named */
	memset(&seen, 0, sizeof(seen));
	seen.root = root;
	t[2].have_pfn = false;
	CHECK_ERR(hwpi_inject_many(ctx, t, 4, HWPI_METHOD_CORRUPT_PFN, &o, &r, many_each, &seen,
				   &done), -EINVAL);
	CHECK_U64(done, 2);
	CHECK_U64(seen.calls, 2);
	CHECK_U64(r.target.pfn, 0x2002);
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");

	/* no callback, no count: as many hwpi_inject() calls; nothing to do: nothing done */
	t[2].have_pfn = true;
	CHECK_OK(hwpi_inject_many(ctx, t, 4, HWPI_METHOD_CORRUPT_PFN, &o, &r, NULL, NULL, NULL));
	CHECK_FILE(root, CORRUPT, "0x2003\n");
	CHECK_U64(r.target.pfn, 0x2003);
	CHECK_OK(hwpi_inject_many(ctx, NULL, 0, HWPI_METHOD_CORRUPT_PFN, &o, &r, NULL, NULL,
				  &done));
	CHECK_U64(done, 0);
	CHECK_ERR(hwpi_inject_many(ctx, NULL, 1, HWPI_METHOD_CORRUPT_PFN, &o, &r, NULL, NULL,
				   NULL), -EINVAL);
	CHECK_ERR(hwpi_inject_many(ctx, t, 1, HWPI_METHOD_CORRUPT_PFN, &o, NULL, NULL, NULL,
				   NULL), -EINVAL);
	hwpi_ctx_free(ctx);
}

static void test_kernel_refuses(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;
	struct hwpi_report r;
	char p[4096];

	/* the write fails (EISDIR here; EBUSY/ENXIO/EIO on real kernels): attempted, refused */
	tfile_unlink(root, CORRUPT);
	CHECK(mkdir(tfile_path(p, sizeof(p), root, CORRUPT), 0755) == 0);
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_INT(r.err, EISDIR);
	CHECK_STR(hwpi_report_outcome(&r), "refused");
	hwpi_ctx_free(ctx);
}

static void test_kmsg(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	static const char rec[] =
		"3,2001,9000000,-;Memory failure: 0x2000: recovery action for dirty LRU page: "
		"Recovered\n";
	struct hwpi_target t;
	struct hwpi_report r;
	int w;

	/* /dev/kmsg as a FIFO holding one record: read after the injection */
	w = test_kmsg_fifo(root);
	CHECK(write(w, rec, strlen(rec)) == (ssize_t)strlen(rec));
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_FILE(root, CORRUPT, "0x2000\n");
	CHECK_INT(r.n_messages, 1);
	CHECK_STR(r.messages[0], "Memory failure: 0x2000: recovery action for dirty LRU page: "
				 "Recovered");
	CHECK_STR(r.page_type, "dirty LRU page");
	CHECK_STR(r.result, "Recovered");
	CHECK_STR(r.action_source, "kmsg");
	CHECK_STR(hwpi_report_outcome(&r), "recovered");
	close(w);
	hwpi_ctx_free(ctx);
}

/* HWPI_INJECT_NO_OBSERVE: the kernel's answer and the page's flags, nothing read besides. */
static void test_no_observe(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	static const char rec[] = "3,2001,9000000,-;Memory failure: 0x2000: recovery action for "
				  "dirty LRU page: Recovered\n";
	struct hwpi_inject_opts fast = HWPI_INJECT_OPTS_INIT;
	struct hwpi_target t;
	struct hwpi_report r;
	char buf[512];
	ssize_t n;
	int w;

	fast.flags = HWPI_INJECT_NO_OBSERVE;
	w = test_kmsg_fifo(root);
	CHECK(write(w, rec, strlen(rec)) == (ssize_t)strlen(rec));
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &fast, &r));
	CHECK_FILE(root, CORRUPT, "0x2000\n");
	CHECK(r.unobserved);
	CHECK_INT(r.err, 0);
	CHECK_INT(r.n_messages, 0);
	CHECK_STR(r.page_type, "");
	CHECK(!r.hwcorrupted_known);
	CHECK(!r.counters_known);
	CHECK(r.trace_error[0]);
	CHECK(r.poisoned_known);
	CHECK_STR(hwpi_report_outcome(&r), "injected");
	/* the kernel's record was left where it was, after it the audit line */
	n = read(w, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(!strncmp(buf, rec, strlen(rec)));
	CHECK(strstr(buf, "op=inject method=corrupt-pfn pfn=0x2000") != NULL);
	close(w);	/* the reader goes: a kept write end would raise SIGPIPE below */

	/* the kernel's refusal is still its answer (EISDIR here) */
	tfile_unlink(root, CORRUPT);
	CHECK(mkdir(tfile_path(buf, sizeof(buf), root, CORRUPT), 0755) == 0);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &fast, &r));
	CHECK_INT(r.err, EISDIR);
	CHECK_STR(hwpi_report_outcome(&r), "refused");
	CHECK(rmdir(buf) == 0);

	/* a watch needs what is not observed: refused before anything */
	tfile_write(root, CORRUPT, "");
	fast.watch_ms = 10;
	CHECK_INT(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &fast, &r), -EINVAL);
	CHECK_FILE(root, CORRUPT, "");
	hwpi_ctx_free(ctx);
}

static unsigned int n_warnings;

static void count_warnings(void *data, int prio, const char *msg)
{
	(void)data;
	if (prio <= LOG_WARNING) {
		fprintf(stderr, "  log: %s\n", msg);
		n_warnings++;
	}
}

/* The audit line (audit.c): /dev/kmsg a plain file here, so it can be read back. */
static void test_audit(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts dry = plain;
	struct hwpi_target t;
	struct hwpi_report r;
	char want[512], p[4096], *got;
	int w, fd, i;

	hwpi_ctx_set_log(ctx, count_warnings, NULL, LOG_WARNING);
	CHECK(mkdir(tfile_path(p, sizeof(p), root, "dev"), 0755) == 0);
	tfile_write(root, "dev/kmsg", "");

	/* a pfn target */
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	snprintf(want, sizeof(want),
		 "<13>hwpinject[%d]: op=inject method=corrupt-pfn pfn=0x2000 phys=0x2000000 "
		 "pid=- vaddr=- uid=%u auid=- comm=test-inject\n", (int)getpid(),
		 (unsigned int)getuid());
	CHECK_FILE(root, "dev/kmsg", want);
	/* the audit line names the pfn but is not the kernel's: not in the messages */
	CHECK_INT(r.n_messages, 0);

	/* a pid + vaddr target, by phys */
	tfile_write(root, "dev/kmsg", "");
	CHECK_OK(hwpi_resolve_vaddr(ctx, 4242, 0x7f0000001000ULL, &t));
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_HARD_OFFLINE_PAGE, &plain, &r));
	snprintf(want, sizeof(want),
		 "<13>hwpinject[%d]: op=inject method=hard-offline-page pfn=0x2001 "
		 "phys=0x2001000 pid=4242 vaddr=0x7f0000001000 uid=%u auid=- comm=test-inject\n",
		 (int)getpid(), (unsigned int)getuid());
	CHECK_FILE(root, "dev/kmsg", want);

	/* never on a dry run, nor when the injection is refused before the kernel */
	tfile_write(root, "dev/kmsg", "");
	dry.flags |= HWPI_INJECT_DRY_RUN;
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &dry, &r));
	pfn_target(ctx, 0x10, &t); /* RESERVED */
	CHECK_ERR(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r), -EPERM);
	CHECK_FILE(root, "dev/kmsg", "");

	/* unpoison */
	CHECK_OK(hwpi_unpoison(ctx, 0x3000, &r));
	snprintf(want, sizeof(want),
		 "<13>hwpinject[%d]: op=unpoison method=unpoison-pfn pfn=0x3000 phys=0x3000000 "
		 "pid=- vaddr=- uid=%u auid=- comm=test-inject\n", (int)getpid(),
		 (unsigned int)getuid());
	CHECK_FILE(root, "dev/kmsg", want);
	CHECK_INT(r.n_messages, 0);
	CHECK_INT(n_warnings, 0);

	/* no /dev/kmsg: logged, the injection goes on (the context's kept one closed first) */
	CHECK_OK(hwpi_ctx_set_root(ctx, root));
	tfile_unlink(root, "dev/kmsg");
	pfn_target(ctx, 0x2000, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_INT(n_warnings, 1);
	CHECK_FILE(root, CORRUPT, "0x2000\n");

	/* a FIFO (the observer reads it: the line goes in), and a full one (EAGAIN): nothing blocks */
	CHECK(mkfifo(tfile_path(p, sizeof(p), root, "dev/kmsg"), 0600) == 0);
	/* the context keeps its observer, which read the old file: start afresh */
	CHECK_OK(hwpi_ctx_set_root(ctx, root));
	CHECK_OK(hwpi_unpoison(ctx, 0x3000, &r));
	CHECK_INT(n_warnings, 1);
	CHECK_INT(r.n_messages, 0);
	tfile_unlink(root, "dev/kmsg");
	w = test_kmsg_fifo(root);
	fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	CHECK(fd >= 0);
	for (i = 0; i < 100000 && write(fd, "3,1,1,-;x\n", 10) == 10; i++)
		;
	CHECK(i < 100000);
	close(fd);
	CHECK_OK(hwpi_ctx_set_root(ctx, root));	/* let go of the FIFO unlinked above */
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &plain, &r));
	CHECK_INT(n_warnings, 2);
	CHECK_INT(r.n_messages, 0);
	close(w);
	got = tfile_read(root, CORRUPT);
	CHECK_STR(got, "0x2000\n");
	free(got);
	hwpi_ctx_free(ctx);
}

static void expect_unavailable(const char *fake, enum hwpi_method m, int err, const char *why)
{
	const char *root = test_fake(fake);
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts dry = plain;
	struct hwpi_target t;
	struct hwpi_report r;

	fprintf(stderr, "  %s: %s\n", fake, hwpi_method_name(m));
	pfn_target(ctx, 0x2000, &t);
	if (hwpi_method_needs_vaddr(m)) {
		t.have_vaddr = true;
		t.vaddr = 0x7f0000000000ULL;
		t.pid = 4242;
	}
	CHECK_ERR(hwpi_inject(ctx, &t, m, &plain, &r), err);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), why);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), hwpi_method_name(m));
	dry.flags |= HWPI_INJECT_DRY_RUN;
	CHECK_ERR(hwpi_inject(ctx, &t, m, &dry, &r), err);
	hwpi_ctx_free(ctx);
}

/* ROOT's dev/kmsg replaced by a new, empty file: an open of the old one writes elsewhere */
static void new_kmsg(const char *root)
{
	tfile_unlink(root, "dev/kmsg");
	tfile_write(root, "dev/kmsg", "");
}

/* test_audit_batch's callback: /dev/kmsg replaced by a new file after the third page */
static int swap_kmsg(const struct hwpi_report *r, size_t i, void *data)
{
	(void)r;
	if (i == 2)
		new_kmsg(data);
	return 0;
}

/*
 * A batch keeps /dev/kmsg open for its audit lines, but never for more than
 * 8 (the kernel drops what an open file writes beyond 10 in 5 s): the
 * lines from the ninth on go to the file that is there when it reopens.
 */
static void test_audit_batch(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts o = plain;
	struct hwpi_target t[20];
	struct hwpi_report r;
	char p[4096], comm[17] = "", *got, *line, *save = NULL;
	size_t i, done, n = 0;

	o.flags |= HWPI_INJECT_FORCE;	/* some of the fake's pfns look unsafe */

	CHECK(mkdir(tfile_path(p, sizeof(p), root, "dev"), 0755) == 0);
	tfile_write(root, "dev/kmsg", "");
	for (i = 0; i < 20; i++)
		pfn_target(ctx, 0x2000 + i, &t[i]);
	CHECK_OK(hwpi_inject_many(ctx, t, 20, HWPI_METHOD_CORRUPT_PFN, &o, &r, swap_kmsg,
				  (void *)root, &done));
	CHECK_U64(done, 20);
	got = tfile_read(root, "dev/kmsg");
	CHECK(got != NULL);
	CHECK(prctl(PR_GET_NAME, comm, 0, 0, 0) == 0);
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char want[64];

		snprintf(want, sizeof(want), " pfn=0x%zx ", 0x2008 + n);
		CHECK_CONTAINS(line, want);
		CHECK_CONTAINS(line, "op=inject method=corrupt-pfn");
		/* who wrote it: this process, on every line of the batch */
		snprintf(want, sizeof(want), "hwpinject[%d]: ", (int)getpid());
		CHECK_CONTAINS(line, want);
		snprintf(want, sizeof(want), " uid=%u auid=", (unsigned int)getuid());
		CHECK_CONTAINS(line, want);
		snprintf(want, sizeof(want), " comm=%s", comm);
		CHECK_CONTAINS(line, want);
		n++;
	}
	CHECK_U64(n, 12);
	free(got);
	hwpi_ctx_free(ctx);
}

/* the pfns of the audit lines in ROOT's dev/kmsg, as a string "2000 2001 ..." */
static char *audit_pfns(const char *root)
{
	char *got = tfile_read(root, "dev/kmsg"), *line, *save = NULL, *out, *w;

	CHECK(got != NULL);
	out = calloc(1, strlen(got) + 1);
	CHECK(out != NULL);
	w = out;
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = strstr(line, " pfn=0x");

		CHECK(p != NULL);
		w += sprintf(w, "%s%.*s", w == out ? "" : " ", (int)strcspn(p + 7, " "), p + 7);
	}
	free(got);
	return out;
}

/*
 * The context keeps /dev/kmsg open across calls for its audit lines (an open
 * costs far more than a line once the kernel's log has wrapped), for at most
 * 8 lines, and never into a forked child: a child opens its own.
 */
static void test_audit_across_calls(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_inject_opts o = plain;
	struct hwpi_target t;
	struct hwpi_report r;
	char p[4096], *got;
	int i, status;
	pid_t c;

	o.flags |= HWPI_INJECT_FORCE;
	CHECK(mkdir(tfile_path(p, sizeof(p), root, "dev"), 0755) == 0);
	tfile_write(root, "dev/kmsg", "");
	for (i = 0; i < 10; i++) {
		pfn_target(ctx, 0x2000 + (uint64_t)i, &t);
		CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r));
		if (i == 0)	/* a new file: the kept one gets lines 2..8 */
			new_kmsg(root);
	}
	got = audit_pfns(root);
	CHECK_STR(got, "2008 2009");
	free(got);

	/* lines 9 and 10 went through the open now kept: a forked child opens its own */
	new_kmsg(root);
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		pfn_target(ctx, 0x2100, &t);
		_exit(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r) == 0 ? 0 : 1);
	}
	CHECK(waitpid(c, &status, 0) == c);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pfn_target(ctx, 0x2101, &t);
	CHECK_OK(hwpi_inject(ctx, &t, HWPI_METHOD_CORRUPT_PFN, &o, &r));
	got = audit_pfns(root);	/* the parent's line went to the file it kept */
	CHECK_STR(got, "2100");
	free(got);
	hwpi_ctx_free(ctx);
}

static void test_unavailable(void)
{
	unsigned int m;

	for (m = 0; m < HWPI_METHOD_COUNT; m++)
		expect_unavailable("nomf", (enum hwpi_method)m, -ENOSYS, "CONFIG_MEMORY_FAILURE");
	expect_unavailable("no-debugfs", HWPI_METHOD_CORRUPT_PFN, -ENODEV, "debugfs");
	expect_unavailable("nomodule", HWPI_METHOD_CORRUPT_PFN, -ENODEV, "hwpoison-inject");
	expect_unavailable("lockdown", HWPI_METHOD_CORRUPT_PFN, -EPERM, "lockdown");
	for (m = 0; m < HWPI_METHOD_COUNT; m++)
		expect_unavailable("nocap", (enum hwpi_method)m, -EPERM, "CAP_SYS_ADMIN");
}

static void test_unpoison(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_report r;

	CHECK_OK(hwpi_unpoison(ctx, 0x3000, &r));
	CHECK_FILE(root, UNPOISON, "0x3000\n");
	CHECK_FILE(root, CORRUPT, "");
	CHECK_INT(r.err, 0);
	CHECK_U64(r.target.pfn, 0x3000);
	CHECK_STR(r.release, "6.12.117+deb13-amd64");
	/* the fake kpageflags still say HWPOISON */
	CHECK(r.poisoned_known);
	CHECK(r.poisoned);
	CHECK(r.hwcorrupted_known);
	CHECK_U64(r.hwcorrupted_before_kb, 8);

	CHECK_ERR(hwpi_unpoison(ctx, 0x80000, &r), -EINVAL);
	CHECK_ERR(hwpi_unpoison(ctx, 0x3000, NULL), -EINVAL);
	CHECK_FILE(root, UNPOISON, "0x3000\n");
	hwpi_ctx_free(ctx);

	ctx = test_ctx(test_fake("nomf"));
	CHECK_ERR(hwpi_unpoison(ctx, 0x3000, &r), -ENOSYS);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "CONFIG_MEMORY_FAILURE");
	hwpi_ctx_free(ctx);
	ctx = test_ctx(test_fake("no-debugfs"));
	CHECK_ERR(hwpi_unpoison(ctx, 0x3000, &r), -ENODEV);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "debugfs");
	hwpi_ctx_free(ctx);
	ctx = test_ctx(test_fake("nocap"));
	CHECK_ERR(hwpi_unpoison(ctx, 0x3000, &r), -EPERM);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_corrupt_pfn);
	RUN(test_ctx_observer);
	RUN(test_phys_methods);
	RUN(test_vaddr_target);
	RUN(test_unsafe);
	RUN(test_dry_run);
	RUN(test_early_kill);
	RUN(test_inject_many);
	RUN(test_kernel_refuses);
	RUN(test_kmsg);
	RUN(test_no_observe);
	RUN(test_audit);
	RUN(test_audit_batch);
	RUN(test_audit_across_calls);
	RUN(test_unavailable);
	RUN(test_unpoison);
	return 0;
}
