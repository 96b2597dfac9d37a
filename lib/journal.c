// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The write-ahead journal: every page is recorded (and the record on disk,
 * fsync) before it is poisoned, every sysctl before it is changed, so that
 * hwpinject unpoison --journal can undo everything after a crash or kill -9.
 *
 * Format (hwpinject-journal(5)): plain text, one record a line, fields
 * KEY=VALUE separated by single spaces; numbers decimal or 0x-hex.
 *
 *   hwpinject-journal 1
 *   sysctl vm.memory_failure_early_kill=0
 *   inject method=corrupt-pfn pfn=0x2000 phys=0x2000000 pid=0 vaddr=0x0 already=0 time=1700000000
 *   done pfn=0x2000 err=0 poisoned=1
 *   sysctl-restored vm.memory_failure_early_kill=0
 *   unpoison pfn=0x2000 err=0 poisoned=0
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define JOURNAL_MAGIC "hwpinject-journal"
#define JOURNAL_VERSION 1
#define JOURNAL_LINE_MAX 4096
#define JOURNAL_SIZE_MAX (256u << 20)

struct hwpi_journal {
	struct hwpi_ctx *ctx;
	int fd;
	bool unsynced;		/* a record written since the last fsync */
	char path[HWPI_PATH_MAX];
};

/* The file behind FD may hold a journal of ours: regular, ours, not writable by others. */
static int check_file(struct hwpi_ctx *ctx, int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return hwpi__err(ctx, -errno, "cannot stat journal %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return hwpi__err(ctx, -EPERM, "journal %s is not a regular file", path);
	if (st.st_uid != geteuid())
		return hwpi__err(ctx, -EPERM, "journal %s belongs to uid %u, not to uid %u", path,
				 (unsigned int)st.st_uid, (unsigned int)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return hwpi__err(ctx, -EPERM, "journal %s is writable by others (mode %04o)", path,
				 (unsigned int)(st.st_mode & 07777));
	return 0;
}

/* open(2) of a journal, refusing symlinks and other unsafe files. */
static int open_journal(struct hwpi_ctx *ctx, const char *path, int flags)
{
	int fd, r;

	if (!path || !*path)
		return hwpi__err(ctx, -EINVAL, "no journal file given");
	if (strlen(path) >= HWPI_PATH_MAX)
		return hwpi__err(ctx, -ENAMETOOLONG, "journal path too long");
	/* O_NONBLOCK: a FIFO must not block the open */
	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			return hwpi__err(ctx, -EPERM, "journal %s is a symbolic link", path);
		if (r == -EISDIR || r == -ENXIO)
			return hwpi__err(ctx, -EPERM, "journal %s is not a regular file", path);
		errno = -r;
		return hwpi__err(ctx, r, "cannot open journal %s: %m", path);
	}
	r = check_file(ctx, fd, path);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Whether a record must be on disk before the call that writes it returns:
 * what is about to be done (a page, a sysctl) must, so that a crash that
 * doing it causes finds it written.  What was done (a result, an unpoison)
 * need not: the next record that must (the next page) or the close takes
 * it to disk with it -- one fsync a page instead of two.
 */
enum durability { SYNC_NOW, SYNC_LATER };

/* Append the line BUF (with its newline); SYNC_NOW: and make it (and all before it) durable. */
static int append(struct hwpi_journal *j, enum durability d, const char *buf)
{
	size_t len = strlen(buf), n = 0;

	while (n < len) {
		ssize_t k = write(j->fd, buf + n, len - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return hwpi__err(j->ctx, -errno, "cannot write journal %s: %m", j->path);
		}
		n += (size_t)k;
	}
	if (d == SYNC_LATER) {
		j->unsynced = true;
		return 0;
	}
	if (fsync(j->fd) < 0)
		return hwpi__err(j->ctx, -errno, "cannot sync journal %s: %m", j->path);
	j->unsynced = false;
	return 0;
}

static int appendf(struct hwpi_journal *j, enum durability d, const char *fmt, ...)
	HWPI_PRINTF(3, 4);
static int appendf(struct hwpi_journal *j, enum durability d, const char *fmt, ...)
{
	char line[JOURNAL_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return hwpi__err(j->ctx, -EOVERFLOW, "journal record too long");
	return append(j, d, line);
}

/* A new file's directory entry must survive a crash too. */
static void sync_dir(const char *path)
{
	char copy[HWPI_PATH_MAX];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	fsync(fd);
	close(fd);
}

/*
 * A writer that died while writing left an incomplete last record: cut it
 * off, else the next record would be glued to it.  SIZE is the file's size.
 */
static int drop_partial(struct hwpi_journal *j, off_t size)
{
	char buf[JOURNAL_LINE_MAX + 2];
	off_t from = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
	size_t len = (size_t)(size - from);
	char *nl;
	int r;

	r = hwpi__pread_full(j->fd, buf, len, from);
	if (r < 0)
		return hwpi__err(j->ctx, r, "cannot read journal %s: %s", j->path, strerror(-r));
	if (buf[len - 1] == '\n')
		return 0;
	nl = memrchr(buf, '\n', len);
	if (!nl && from > 0)
		return hwpi__err(j->ctx, -EBADMSG, "journal %s ends in an overlong line", j->path);
	if (ftruncate(j->fd, nl ? from + (nl - buf) + 1 : 0) < 0)
		return hwpi__err(j->ctx, -errno,
				 "cannot cut the incomplete last record of journal %s: %m", j->path);
	hwpi__log(j->ctx, LOG_WARNING, "journal %s: incomplete last record removed", j->path);
	return 0;
}

/*
 * A file that is not empty must begin with our header (or a piece of it, cut
 * short by a crash): never append to -- or cut -- a file that is not a journal.
 */
static int check_header(struct hwpi_journal *j, off_t size)
{
	char want[32], buf[32];
	size_t len;
	int r;

	len = (size_t)snprintf(want, sizeof(want), "%s %d\n", JOURNAL_MAGIC, JOURNAL_VERSION);
	if (size < (off_t)len)
		len = (size_t)size;
	r = hwpi__pread_full(j->fd, buf, len, 0);
	if (r < 0)
		return hwpi__err(j->ctx, r, "cannot read journal %s: %s", j->path, strerror(-r));
	if (memcmp(buf, want, len))
		return hwpi__err(j->ctx, -EINVAL,
				 "%s is not a hwpinject journal (it does not begin with \"%s %d\"), "
				 "nothing written to it", j->path, JOURNAL_MAGIC, JOURNAL_VERSION);
	return 0;
}

HWPI_EXPORT int hwpi_journal_open(struct hwpi_ctx *ctx, const char *path, unsigned int flags,
				  struct hwpi_journal **out)
{
	struct hwpi_journal *j;
	struct stat st;
	int r;

	if (!out)
		return hwpi__err(ctx, -EINVAL, "no journal handle");
	*out = NULL;
	if (flags)
		return hwpi__err(ctx, -EINVAL, "unknown journal flags 0x%x", flags);
	j = calloc(1, sizeof(*j));
	if (!j)
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	j->ctx = ctx;
	r = open_journal(ctx, path, O_RDWR | O_APPEND | O_CREAT);
	if (r < 0) {
		free(j);
		return r;
	}
	j->fd = r;
	snprintf(j->path, sizeof(j->path), "%s", path);
	/* one writer at a time; the lock goes with the writer's death */
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ?
			hwpi__err(ctx, -EBUSY, "journal %s is in use by another process", path) :
			hwpi__err(ctx, -errno, "cannot lock journal %s: %m", path);
		goto err;
	}
	if (fstat(j->fd, &st) < 0) {
		r = hwpi__err(ctx, -errno, "cannot stat journal %s: %m", path);
		goto err;
	}
	if (st.st_size > 0) {
		r = check_header(j, st.st_size);
		if (r < 0)
			goto err;
		r = drop_partial(j, st.st_size);
		if (r < 0)
			goto err;
		if (fstat(j->fd, &st) < 0) {
			r = hwpi__err(ctx, -errno, "cannot stat journal %s: %m", path);
			goto err;
		}
	}
	if (st.st_size == 0) {
		r = appendf(j, SYNC_NOW, "%s %d\n", JOURNAL_MAGIC, JOURNAL_VERSION);
		if (r < 0)
			goto err;
		sync_dir(path);
	}
	*out = j;
	return 0;
err:
	close(j->fd);
	free(j);
	return r;
}

HWPI_EXPORT void hwpi_journal_close(struct hwpi_journal *j)
{
	if (!j)
		return;
	if (j->unsynced)
		fsync(j->fd);	/* the results written since the last page */
	close(j->fd);
	free(j);
}

HWPI_EXPORT int hwpi_journal_record(struct hwpi_journal *j, const struct hwpi_target *t,
				    enum hwpi_method m)
{
	char pfn[48] = "", already[16] = "";
	bool poisoned;

	if (!j || !t || !hwpi_method_name(m))
		return -EINVAL;
	if (t->have_pfn)
		snprintf(pfn, sizeof(pfn), " pfn=0x%" PRIx64 " phys=0x%" PRIx64, t->pfn, t->phys);
	if (t->have_kpageflags || t->poisoned_entry) {
		poisoned = t->poisoned_entry ||
			   (t->have_kpageflags && (t->kpageflags & (1ULL << HWPI_KPF_HWPOISON)));
		snprintf(already, sizeof(already), " already=%d", poisoned ? 1 : 0);
	}
	return appendf(j, SYNC_NOW, "inject method=%s%s pid=%d vaddr=0x%" PRIx64 "%s time=%lld\n",
		       hwpi_method_name(m), pfn, (int)t->pid, t->have_vaddr ? t->vaddr : 0,
		       already, (long long)time(NULL));
}

static const char *poisoned_word(const struct hwpi_report *r)
{
	if (!r->poisoned_known)
		return "unknown";
	return r->poisoned ? "1" : "0";
}

int hwpi__journal_done(struct hwpi_journal *j, bool have_pfn, uint64_t pfn,
		       const struct hwpi_report *r)
{
	char p[32] = "", np[40] = "";

	if (have_pfn)
		snprintf(p, sizeof(p), " pfn=0x%" PRIx64, pfn);
	if (r->have_new_pfn)
		snprintf(np, sizeof(np), " new_pfn=0x%" PRIx64, r->new_pfn);
	/* a pfn learnt after the injection: its HWPOISON was not read */
	return appendf(j, SYNC_LATER, "done%s err=%d poisoned=%s%s\n", p, abs(r->err),
		       have_pfn && (!r->target.have_pfn || r->target.pfn == pfn) ?
			       poisoned_word(r) : "unknown", np);
}

HWPI_EXPORT int hwpi_journal_result(struct hwpi_journal *j, const struct hwpi_report *r)
{
	if (!j || !r)
		return -EINVAL;
	return hwpi__journal_done(j, r->target.have_pfn, r->target.pfn, r);
}

HWPI_EXPORT int hwpi_journal_record_sysctl(struct hwpi_journal *j, enum hwpi_sysctl s,
					   long old_value, bool restored)
{
	if (!j || !hwpi_sysctl_name(s))
		return -EINVAL;
	return appendf(j, SYNC_NOW, "%s %s=%ld\n", restored ? "sysctl-restored" : "sysctl",
		       hwpi_sysctl_name(s), old_value);
}

HWPI_EXPORT int hwpi_journal_record_unpoison(struct hwpi_journal *j, uint64_t pfn,
					     const struct hwpi_report *r)
{
	if (!j || !r)
		return -EINVAL;
	return appendf(j, SYNC_LATER, "unpoison pfn=0x%" PRIx64 " err=%d poisoned=%s\n", pfn, abs(r->err),
		       poisoned_word(r));
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

enum page_state { PAGE_POISONED, PAGE_CLEAR, PAGE_FOREIGN };

struct page {
	uint64_t pfn;
	enum page_state state;
};

struct reader {
	struct hwpi_ctx *ctx;
	const char *path;
	size_t line;
	struct page *pages;
	size_t n_pages, cap;
	bool pending[HWPI_SYSCTL_COUNT];
	unsigned int depth[HWPI_SYSCTL_COUNT];	/* sysctl records not restored yet */
	long old[HWPI_SYSCTL_COUNT];
	size_t n_injections, n_unknown;
	bool last_inject_unknown;
};

static int bad(struct reader *rd, const char *why, const char *what)
{
	return hwpi__err(rd->ctx, -EBADMSG, "journal %s, line %zu: %s%s%s", rd->path, rd->line, why,
			 what ? ": " : "", what ? what : "");
}

static struct page *page_find(struct reader *rd, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < rd->n_pages; i++)
		if (rd->pages[i].pfn == pfn)
			return &rd->pages[i];
	return NULL;
}

static struct page *page_add(struct reader *rd, uint64_t pfn, enum page_state st)
{
	struct page *p;

	if (rd->n_pages == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 64;

		p = realloc(rd->pages, cap * sizeof(*p));
		if (!p)
			return NULL;
		rd->pages = p;
		rd->cap = cap;
	}
	p = &rd->pages[rd->n_pages++];
	p->pfn = pfn;
	p->state = st;
	return p;
}

/* The fields of one record. */
struct fields {
	bool have_pfn, have_err, have_method, have_already;
	uint64_t pfn, err;
	int poisoned;		/* 0, 1, -1 unknown */
	bool already;
};

static bool numeric_field(const char *key)
{
	static const char *const keys[] = {
		"pfn", "err", "poisoned", "already", "phys", "pid", "vaddr", "time", "new_pfn",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static int parse_fields(struct reader *rd, char *save, struct fields *f)
{
	enum hwpi_method m;
	char *tok, *eq;
	uint64_t v;

	memset(f, 0, sizeof(*f));
	f->poisoned = -1;
	while ((tok = strtok_r(NULL, " ", &save))) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return bad(rd, "not KEY=VALUE", tok);
		*eq++ = '\0';
		if (!strcmp(tok, "method")) {
			if (hwpi_method_from_name(eq, &m) < 0)
				return bad(rd, "unknown method", eq);
			f->have_method = true;
			continue;
		}
		if (!strcmp(tok, "poisoned") && !strcmp(eq, "unknown"))
			continue;
		/* fields of later versions of this format are ignored */
		if (!numeric_field(tok))
			continue;
		if (hwpi_parse_u64(eq, &v) < 0)
			return bad(rd, "bad number for", tok);
		if (!strcmp(tok, "pfn")) {
			f->have_pfn = true;
			f->pfn = v;
		} else if (!strcmp(tok, "err")) {
			f->have_err = true;
			f->err = v;
		} else if (!strcmp(tok, "poisoned") || !strcmp(tok, "already")) {
			if (v > 1)
				return bad(rd, "not 0, 1 or unknown", tok);
			if (tok[0] == 'p') {
				f->poisoned = (int)v;
			} else {
				f->have_already = true;
				f->already = v;
			}
		}
		/* other fields (phys, pid, vaddr, time, new_pfn, ...) are informative */
	}
	return 0;
}

static int parse_sysctl(struct reader *rd, char *save, bool restored)
{
	char *tok = strtok_r(NULL, " ", &save), *eq, *end;
	unsigned int i;
	long v;

	if (!tok || strtok_r(NULL, " ", &save))
		return bad(rd, "expected one NAME=VALUE", NULL);
	eq = strchr(tok, '=');
	if (!eq)
		return bad(rd, "not NAME=VALUE", tok);
	*eq++ = '\0';
	errno = 0;
	v = strtol(eq, &end, 10);
	if (errno || end == eq || *end)
		return bad(rd, "bad sysctl value", eq);
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++)
		if (!strcmp(tok, hwpi_sysctl_name(i)))
			break;
	if (i == HWPI_SYSCTL_COUNT)
		return bad(rd, "unknown sysctl", tok);
	if (restored) {
		/*
		 * A writer restores what it changed last: a writer killed before its
		 * restore leaves its record open under the records of later writers.
		 * Writing back the oldest open value closes them all.
		 */
		if (rd->depth[i] > 0 && (--rd->depth[i] == 0 || v == rd->old[i]))
			rd->depth[i] = 0;
		rd->pending[i] = rd->depth[i] > 0;
	} else {
		/* the oldest unrestored value is the one from before */
		if (rd->depth[i]++ == 0)
			rd->old[i] = v;
		rd->pending[i] = true;
	}
	return 0;
}

static int parse_line(struct reader *rd, char *line)
{
	char *save = NULL, *type;
	struct fields f;
	struct page *p;
	int r;

	if (!*line || *line == '#')
		return 0;
	if (strchr(line, '\t') || strchr(line, '\r'))
		return bad(rd, "unexpected control character", NULL);
	type = strtok_r(line, " ", &save);
	if (!type)
		return 0;
	if (!strcmp(type, "sysctl") || !strcmp(type, "sysctl-restored"))
		return parse_sysctl(rd, save, type[6] == '-');
	if (strcmp(type, "inject") && strcmp(type, "done") && strcmp(type, "unpoison"))
		return bad(rd, "unknown record", type);
	r = parse_fields(rd, save, &f);
	if (r < 0)
		return r;

	if (!strcmp(type, "inject")) {
		if (!f.have_method)
			return bad(rd, "inject record without method=", NULL);
		rd->n_injections++;
		rd->last_inject_unknown = !f.have_pfn;
		if (!f.have_pfn) {
			rd->n_unknown++;
			return 0;
		}
		p = page_find(rd, f.pfn);
		if (!p)
			p = page_add(rd, f.pfn,
				     f.have_already && f.already ? PAGE_FOREIGN : PAGE_POISONED);
		else if (p->state != PAGE_FOREIGN)
			p->state = PAGE_POISONED;
		return p ? 0 : hwpi__err(rd->ctx, -ENOMEM, "out of memory");
	}
	if (!f.have_pfn) {
		if (!strcmp(type, "unpoison"))
			return bad(rd, "unpoison record without pfn=", NULL);
		return 0;
	}
	if (!strcmp(type, "done")) {
		if (rd->last_inject_unknown && rd->n_unknown) {
			/* the pfn of a page the injection faulted in */
			rd->n_unknown--;
			rd->last_inject_unknown = false;
		}
		p = page_find(rd, f.pfn);
		if (f.poisoned == 0) {
			if (p && p->state == PAGE_POISONED)
				p->state = PAGE_CLEAR;
			return 0;
		}
		if (!p)
			p = page_add(rd, f.pfn, PAGE_POISONED);
		else if (p->state == PAGE_CLEAR)
			p->state = PAGE_POISONED;
		return p ? 0 : hwpi__err(rd->ctx, -ENOMEM, "out of memory");
	}
	/* unpoison */
	if (!f.have_err)
		return bad(rd, "unpoison record without err=", NULL);
	/* clear: known not poisoned, or the kernel took it back and nobody looked */
	p = page_find(rd, f.pfn);
	if (p && p->state == PAGE_POISONED && (f.poisoned == 0 || (f.err == 0 && f.poisoned < 0)))
		p->state = PAGE_CLEAR;
	return 0;
}

static int read_all(struct hwpi_ctx *ctx, int fd, const char *path, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t k;

		if (n + 1 >= cap) {
			if (cap >= JOURNAL_SIZE_MAX) {
				free(buf);
				return hwpi__err(ctx, -EFBIG, "journal %s is larger than %u MiB", path,
						 JOURNAL_SIZE_MAX >> 20);
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return hwpi__err(ctx, -ENOMEM, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		k = read(fd, buf + n, cap - 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			k = -errno;
			free(buf);
			errno = (int)-k;
			return hwpi__err(ctx, (int)k, "cannot read journal %s: %m", path);
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int parse_all(struct reader *rd, char *buf, size_t len, bool *truncated)
{
	char *line = buf, *nl, *end = buf + len;
	char header[32];
	int r;

	*truncated = false;
	snprintf(header, sizeof(header), "%s %d", JOURNAL_MAGIC, JOURNAL_VERSION);
	while (line < end) {
		rd->line++;
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl) {
			/* a crash while the last record was written */
			*truncated = true;
			hwpi__log(rd->ctx, LOG_WARNING,
				  "journal %s, line %zu: incomplete last record ignored (its writer died writing it)",
				  rd->path, rd->line);
			return 0;
		}
		*nl = '\0';
		if ((size_t)(nl - line) > JOURNAL_LINE_MAX)
			return bad(rd, "line too long", NULL);
		if (memchr(line, '\0', (size_t)(nl - line)))
			return bad(rd, "NUL byte in the line", NULL);
		if (rd->line == 1) {
			if (strncmp(line, JOURNAL_MAGIC " ", sizeof(JOURNAL_MAGIC)))
				return bad(rd, "not a hwpinject journal (no header)", NULL);
			if (strcmp(line, header))
				return bad(rd, "unsupported journal version", line);
		} else {
			r = parse_line(rd, line);
			if (r < 0)
				return r;
		}
		line = nl + 1;
	}
	return 0;
}

HWPI_EXPORT int hwpi_journal_read(struct hwpi_ctx *ctx, const char *path,
				  struct hwpi_journal_contents *c)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!c)
		return hwpi__err(ctx, -EINVAL, "no journal contents");
	memset(c, 0, sizeof(*c));
	fd = open_journal(ctx, path, O_RDONLY);
	if (fd < 0)
		return fd;
	r = read_all(ctx, fd, path, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	r = hwpi__journal_parse(ctx, path, buf, len, c);
	free(buf);
	return r;
}

int hwpi__journal_parse(struct hwpi_ctx *ctx, const char *path, char *buf, size_t len,
			struct hwpi_journal_contents *c)
{
	struct reader rd = { .ctx = ctx, .path = path };
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	r = parse_all(&rd, buf, len, &c->truncated);
	/* a malformed record: C still says what the lines before it record */
	if (r < 0 && (r != -EBADMSG || rd.line < 2))
		goto out;

	c->pfns = calloc(rd.n_pages ? rd.n_pages : 1, sizeof(*c->pfns));
	c->sysctls = calloc(HWPI_SYSCTL_COUNT, sizeof(*c->sysctls));
	if (!c->pfns || !c->sysctls) {
		hwpi_journal_contents_free(c);
		if (r < 0)	/* keep the message naming the malformed line */
			goto out;
		r = hwpi__err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rd.n_pages; i++)
		if (rd.pages[i].state == PAGE_POISONED)
			c->pfns[c->n_pfns++] = rd.pages[i].pfn;
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++) {
		if (!rd.pending[i])
			continue;
		c->sysctls[c->n_sysctls].sysctl = (enum hwpi_sysctl)i;
		c->sysctls[c->n_sysctls++].value = rd.old[i];
	}
	c->n_injections = rd.n_injections;
	c->n_unknown = rd.n_unknown;
	if (rd.n_unknown)
		hwpi__log(ctx, LOG_WARNING,
			  "journal %s: %zu injections into pages not present have no pfn (ended before the kernel answered?)",
			  path, rd.n_unknown);
out:
	free(rd.pages);
	return r;
}

HWPI_EXPORT void hwpi_journal_contents_free(struct hwpi_journal_contents *c)
{
	if (!c)
		return;
	free(c->pfns);
	free(c->sysctls);
	c->pfns = NULL;
	c->sysctls = NULL;
	c->n_pfns = c->n_sysctls = 0;
}
