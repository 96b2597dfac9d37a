/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hwpinject probe: what does this kernel do?  For each page kind x method x
 * kill policy, a forked child of hwpinject owns one page of that kind; the
 * page is injected with the library, the child touches it when told, and the
 * row records the kernel's action, the signals at injection and on access,
 * the child's fate and whether the kernel gave the page back (unpoison).
 * --compare A B prints the rows in which two probe outputs differ.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "inject-common.h"
#include "json.h"
#include "jsonread.h"

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif

enum kind {
	K_ANON = 0,
	K_THP,
	K_HUGETLB,
	K_SHMEM,
	K_FILE_DIRTY,
	K_FILE_CLEAN,
	K_MLOCKED,
	K_COUNT,
};

static const char *const kind_names[K_COUNT] = {
	"anon", "thp", "hugetlb", "shmem", "file-dirty", "file-clean", "mlocked",
};

#define HUGE_SIZE (2u << 20)
#define PROBE_WATCH_MS 100
#define SETUP_TIMEOUT_MS 20000
#define TOUCH_TIMEOUT_MS 3000
#define MAX_LEFT 256
#define MAX_RECORDS 8

enum {
	OPT_KINDS = 0x100,
	OPT_METHODS,
	OPT_DIR,
	OPT_NO_LOAD,
	OPT_COMPARE,
};

struct probe_opts {
	struct cli *cli;
	unsigned int kinds;	/* bit per enum kind */
	unsigned int methods;	/* bit per enum hwpi_method */
	const char *dir;
	bool no_load;
	bool compare;
	const char *files[2];
	size_t n_files;
};

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

/* Bits of the comma-separated LIST of NAMES; 0 (error recorded) on an unknown name. */
static unsigned int parse_list(struct cli *cli, const char *opt, const char *list,
			       const char *(*name)(unsigned int), unsigned int n, const char *all)
{
	unsigned int bits = 0, i;
	const char *p = list, *e;
	size_t len;

	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < n; i++)
			if (strlen(name(i)) == len && !strncmp(name(i), p, len))
				break;
		if (i == n) {
			cli_fail(cli, EXIT_USAGE, "%s: unknown name '%.*s'; give a comma-separated list of %s",
				 opt, (int)len, p, all);
			return 0;
		}
		bits |= 1u << i;
		if (!e)
			return bits;
		p = e + 1;
	}
}

static const char *kind_name(unsigned int i)
{
	return kind_names[i];
}

static const char *method_name(unsigned int i)
{
	return hwpi_method_name((enum hwpi_method)i);
}

static error_t probe_parse(int key, char *arg, struct argp_state *state)
{
	struct probe_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o->cli;
		break;
	case OPT_KINDS:
		o->kinds = parse_list(o->cli, "--kinds", arg, kind_name, K_COUNT,
				      "anon, thp, hugetlb, shmem, file-dirty, file-clean, mlocked");
		return o->kinds ? 0 : EINVAL;
	case OPT_METHODS:
		o->methods = parse_list(o->cli, "--methods", arg, method_name, HWPI_METHOD_COUNT,
					"hwpoison, soft-offline, corrupt-pfn, soft-offline-page, hard-offline-page");
		return o->methods ? 0 : EINVAL;
	case OPT_DIR:
		o->dir = arg;
		break;
	case OPT_NO_LOAD:
		o->no_load = true;
		break;
	case OPT_COMPARE:
		o->compare = true;
		break;
	case ARGP_KEY_ARG:
		if (o->n_files >= 2) {
			cli_fail(o->cli, EXIT_USAGE,
				 "unexpected argument '%s'; --compare takes two files", arg);
			return EINVAL;
		}
		o->files[o->n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (o->compare && o->n_files != 2) {
			cli_fail(o->cli, EXIT_USAGE,
				 "--compare needs two files; give A.json B.json, outputs of 'hwpinject probe --json'");
			return EINVAL;
		}
		if (!o->compare && o->n_files) {
			cli_fail(o->cli, EXIT_USAGE, "unexpected argument '%s'; see 'hwpinject probe --help'",
				 o->files[0]);
			return EINVAL;
		}
		if (o->compare && (o->kinds || o->methods || o->dir || o->no_load)) {
			cli_fail(o->cli, EXIT_USAGE,
				 "--compare takes no --kinds, --methods, --dir or --no-load; it only reads two files");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option probe_options[] = {
	{ NULL, 0, NULL, 0, "Probe:", 1 },
	{ "kinds", OPT_KINDS, "LIST", 0,
	  "Page kinds, comma-separated: anon, thp, hugetlb, shmem, file-dirty, file-clean, "
	  "mlocked (default: all)", 0 },
	{ "methods", OPT_METHODS, "LIST", 0,
	  "Methods, comma-separated: hwpoison, soft-offline, corrupt-pfn, soft-offline-page, "
	  "hard-offline-page (default: all)", 0 },
	{ "dir", OPT_DIR, "DIR", 0,
	  "Directory for the file pages (default: a new temporary directory under /var/tmp, "
	  "removed afterwards)", 0 },
	{ "no-load", OPT_NO_LOAD, NULL, 0, "Do not load hwpoison-inject or mount debugfs", 0 },
	{ "compare", OPT_COMPARE, NULL, 0,
	  "Read two probe --json outputs A B and print the rows that differ", 0 },
	{ 0 }
};

static const struct argp_child probe_children[] = {
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp probe_argp = {
	.options = probe_options,
	.parser = probe_parse,
	.args_doc = "\n--compare A.json B.json",
	.doc = "Find out what this kernel does with a memory error: for each page kind, method "
	       "and kill policy, a scratch child process of hwpinject owns one page, the page is "
	       "injected, the child touches it, the page is unpoisoned.  Prints the kernel's "
	       "action, the signal at injection and on access, the child's fate and the unpoison "
	       "result per row, and the pages the kernel would not give back."
	       "\v"
	       "Run it as root in a VM: pages the kernel keeps stay lost until reboot.  "
	       "--compare exits 0 if the rows are identical, 1 if they differ.",
	.children = probe_children,
};

/* ------------------------------------------------------------------------ */
/* The child                                                                */

struct sig_record {
	int signo, code, lsb;
	int touching;		/* 0: before the touch (injection), 1: on access */
	uint64_t addr;
};

/* Shared between hwpinject and its child (MAP_SHARED anonymous, made before fork). */
struct shared {
	volatile int n;
	struct sig_record rec[MAX_RECORDS];
	volatile uint64_t vaddr;
	char setup_error[160];
};

static struct shared *child_shared;
static sigjmp_buf child_jmp;
static volatile sig_atomic_t child_touching;

static void child_sigbus(int sig, siginfo_t *si, void *uc)
{
	int i = child_shared->n;

	(void)uc;
	if (i < MAX_RECORDS) {
		child_shared->rec[i].signo = sig;
		child_shared->rec[i].code = si->si_code;
		child_shared->rec[i].addr = (uint64_t)(uintptr_t)si->si_addr;
		child_shared->rec[i].lsb = si->si_addr_lsb;
		child_shared->rec[i].touching = child_touching;
		child_shared->n = i + 1;
	}
	/* returning would fault again on the same access */
	if (child_touching)
		siglongjmp(child_jmp, 1);
}

static void child_fail(int ack, const char *what)
{
	snprintf(child_shared->setup_error, sizeof(child_shared->setup_error), "%s: %s", what,
		 strerror(errno));
	if (write(ack, "E", 1) < 0)
		_exit(2);
	_exit(1);
}

/* Map and populate one page of KIND; returns its address. */
static volatile char *child_page(enum kind k, int fd, int ack)
{
	char *p;
	uintptr_t a;

	switch (k) {
	case K_THP:
		p = mmap(NULL, 2 * HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap");
		a = ((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
		p = (char *)a;
		if (madvise(p, HUGE_SIZE, MADV_HUGEPAGE))
			child_fail(ack, "madvise(MADV_HUGEPAGE)");
		memset(p, 0x5a, HUGE_SIZE);
		return p;
	case K_HUGETLB:
		p = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap(MAP_HUGETLB)");
		p[0] = 0x5a;
		return p;
	case K_SHMEM:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap");
		memset(p, 0x5a, 4096);
		return p;
	case K_FILE_DIRTY:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap of the file");
		p[0] = 0x5a;
		return p;
	case K_FILE_CLEAN:
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap of the file");
		(void)*(volatile char *)p;
		return p;
	default:	/* anon, mlocked */
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			child_fail(ack, "mmap");
		memset(p, 0x5a, 4096);
		if (k == K_MLOCKED && mlock(p, 4096))
			child_fail(ack, "mlock");
		return p;
	}
}

/*
 * The child: own a page of KIND, say "R" with its address in the shared
 * area, then on "t" touch it (recording the SIGBUS of the access) and say
 * "T"; exit at end of input.
 */
static void __attribute__((noreturn)) child_main(enum kind k, int fd, int cmd, int ack)
{
	volatile char *p;
	struct sigaction sa;
	ssize_t n;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = child_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);

	p = child_page(k, fd, ack);
	child_shared->vaddr = (uint64_t)(uintptr_t)p;
	if (write(ack, "R", 1) != 1)
		_exit(1);
	for (;;) {
		/* a SIGBUS at injection interrupts the read: not the end */
		n = read(cmd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1 || c != 't')
			break;
		child_touching = 1;
		if (!sigsetjmp(child_jmp, 1))
			(void)p[0];
		child_touching = 0;
		if (write(ack, "T", 1) != 1)
			break;
	}
	_exit(0);
}

/* ------------------------------------------------------------------------ */
/* The parent                                                               */

struct sig_seen {
	bool have;
	int signo;
	bool have_code;
	int code;
	bool have_addr;
	uint64_t addr;
	int lsb;
};

struct row {
	enum kind kind;
	enum hwpi_method method;
	int kill;			/* 1 early, 0 late, -1 not set (soft methods) */
	const char *status;		/* "done", "unavailable", "error" */
	char reason[HWPI_MSG_MAX + 64];
	pid_t pid;
	struct hwpi_report *rep;	/* NULL if nothing was injected */
	struct sig_seen at_injection, on_access;
	struct shared child;		/* what the child recorded */
	enum hwpi_target_state fate;
	int fate_status;
	const char *unpoison;		/* "unpoisoned", "refused", "failed" or NULL */
};

struct probe {
	struct cli *cli;
	const struct probe_opts *o;
	sigset_t stop;
	struct shared *sh;
	char release[65];
	/* file pages */
	char dir[HWPI_PATH_MAX];
	bool dir_made;
	char fs[64];
	unsigned int file_seq;
	/* hugetlb */
	long nr_hugepages_orig;		/* at the start, -1: unknown */
	bool hugepages_changed;
	/* what the kernel kept */
	uint64_t left[MAX_LEFT];
	size_t n_left;
	size_t rows;
	bool thp_off;
	struct hwpi_method_status mst[HWPI_METHOD_COUNT];
	bool have_hc;
	uint64_t hc_before;
	bool header_done;
};

static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int write_long(const char *path, long v)
{
	char buf[32];
	int fd, n, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	if (write(fd, buf, (size_t)n) != n)
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	return r;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static long free_huge_pages(void)
{
	char buf[4096], *p;

	if (read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "HugePages_Free:");
	return p ? strtol(p + strlen("HugePages_Free:"), NULL, 10) : -1;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/*
 * A free huge page for the next hugetlb row: raise nr_hugepages by one if
 * none is free.  (A poisoned or soft-offlined huge page is dissolved, so
 * each hugetlb row may use one up; probe_cleanup() asks for them back.)
 */
static bool ensure_huge_page(struct probe *p)
{
	long nr;

	if (free_huge_pages() > 0)
		return true;
	nr = read_long(NR_HUGEPAGES);
	if (nr < 0 || write_long(NR_HUGEPAGES, nr + 1) < 0)
		return false;
	p->hugepages_changed = true;
	return free_huge_pages() > 0;
}

static const char *fs_name(long type, char *buf, size_t len)
{
	switch ((unsigned long)type) {
	case 0x01021994: return "tmpfs";
	case 0xef53: return "ext2/ext3/ext4";
	case 0x58465342: return "xfs";
	case 0x9123683e: return "btrfs";
	case 0x137f: case 0x138f: case 0x2468: case 0x2478: case 0x4d5a: return "minix";
	case 0xf2f52010: return "f2fs";
	case 0x794c7630: return "overlayfs";
	case 0x6969: return "nfs";
	default:
		snprintf(buf, len, "0x%lx", (unsigned long)type);
		return buf;
	}
}

static bool want_file_kinds(const struct probe_opts *o)
{
	return o->kinds & ((1u << K_FILE_DIRTY) | (1u << K_FILE_CLEAN));
}

static int setup_dir(struct probe *p)
{
	struct statfs sfs;
	char buf[32];

	if (!want_file_kinds(p->o))
		return 0;
	if (p->o->dir) {
		if (snprintf(p->dir, sizeof(p->dir), "%s", p->o->dir) >= (int)sizeof(p->dir))
			return cli_fail(p->cli, EXIT_USAGE, "--dir: path too long; give a shorter one");
	} else {
		snprintf(p->dir, sizeof(p->dir), "/var/tmp/hwpinject-probe.XXXXXX");
		if (!mkdtemp(p->dir))
			return cli_fail(p->cli, errno == ENOENT ? EXIT_NOINPUT : EXIT_SOFTWARE,
					"cannot create a temporary directory under /var/tmp: %s; give --dir DIR",
					strerror(errno));
		p->dir_made = true;
	}
	if (statfs(p->dir, &sfs))
		return cli_fail(p->cli, errno == ENOENT || errno == ENOTDIR ? EXIT_NOINPUT : EXIT_SOFTWARE,
				"--dir %s: %s; give an existing directory", p->dir, strerror(errno));
	snprintf(p->fs, sizeof(p->fs), "%s", fs_name((long)sfs.f_type, buf, sizeof(buf)));
	return 0;
}

/* The file of a file row: 4096 bytes, written and synced for file-clean. */
static int make_file(struct probe *p, enum kind k, char *path, size_t len, char *err,
		     size_t errlen)
{
	char page[4096];
	int fd;

	if ((size_t)snprintf(path, len, "%s/hwpinject-probe-%d-%u", p->dir, (int)getpid(),
			     p->file_seq++) >= len) {
		snprintf(err, errlen, "--dir path too long");
		path[0] = '\0';
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		path[0] = '\0';
		return -1;
	}
	memset(page, 0x5a, sizeof(page));
	if (k == K_FILE_CLEAN ? write(fd, page, sizeof(page)) != (ssize_t)sizeof(page) || fsync(fd)
			      : ftruncate(fd, sizeof(page)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to MS for one byte from FD; 0 at end of input or timeout. */
static char wait_byte(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	while (poll(&pfd, 1, ms) < 0)
		if (errno != EINTR)
			return 0;
	if (!(pfd.revents & (POLLIN | POLLHUP)) || read(fd, &c, 1) != 1)
		return 0;
	return c;
}

static void set_sig(struct sig_seen *s, const struct sig_record *rec)
{
	s->have = true;
	s->signo = rec->signo;
	s->have_code = true;
	s->code = rec->code;
	s->have_addr = true;
	s->addr = rec->addr;
	s->lsb = rec->lsb;
}

/* The report's first signal at injection to the child (or to anyone). */
static void sig_at_injection(struct row *row)
{
	const struct hwpi_report *r = row->rep;
	const struct hwpi_signal *best = NULL;
	unsigned int i, n = r->n_signals < HWPI_MAX_SIGNALS ? r->n_signals : HWPI_MAX_SIGNALS;

	for (i = 0; i < n; i++) {
		if (r->signals[i].when != HWPI_SIG_AT_INJECTION)
			continue;
		if (!best || (r->signals[i].pid == row->pid && best->pid != row->pid))
			best = &r->signals[i];
	}
	if (!best)
		return;
	row->at_injection.have = true;
	row->at_injection.signo = best->signo;
	row->at_injection.have_code = best->have_code;
	row->at_injection.code = best->code;
	row->at_injection.have_addr = best->have_addr;
	row->at_injection.addr = best->addr;
	row->at_injection.lsb = best->addr_lsb;
}

/* Reap the child (killing it if it still runs); its fate unless known. */
static void reap(struct row *row, bool fate_known)
{
	int status;
	pid_t r;

	if (!row->pid)
		return;
	r = waitpid(row->pid, &status, WNOHANG);
	if (r == 0) {
		if (!fate_known) {
			row->fate = HWPI_TARGET_ALIVE;
			fate_known = true;
		}
		kill(row->pid, SIGKILL);
		while ((r = waitpid(row->pid, &status, 0)) < 0 && errno == EINTR)
			;
	} else if (r < 0 && !fate_known && row->rep) {
		/* the library reaped it while holding it */
		row->fate = row->rep->target_state;
		row->fate_status = row->rep->target_status;
		fate_known = true;
	}
	if (r == row->pid && !fate_known) {
		if (WIFSIGNALED(status)) {
			row->fate = HWPI_TARGET_KILLED;
			row->fate_status = WTERMSIG(status);
		} else {
			row->fate = HWPI_TARGET_EXITED;
			row->fate_status = WEXITSTATUS(status);
		}
	}
}

static void unpoison(struct probe *p, struct row *row, uint64_t pfn)
{
	const struct hwpi_report *r = row->rep;
	struct hwpi_report *u;
	int err;

	/* only a page that is (or may be) poisoned; a soft offline poisons the old frame */
	if (r->poisoned_known && !r->poisoned)
		return;
	if (!r->poisoned_known && (r->err || hwpi_method_is_soft(row->method)))
		return;
	u = calloc(1, sizeof(*u));
	if (!u) {
		row->unpoison = "failed";
	} else {
		err = hwpi_unpoison(p->cli->ctx, pfn, u);
		row->unpoison = err < 0 ? "failed" :
				u->err || (u->poisoned_known && u->poisoned) ? "refused" : "unpoisoned";
		free(u);
	}
	if (strcmp(row->unpoison, "unpoisoned") && p->n_left < MAX_LEFT)
		p->left[p->n_left++] = pfn;
}

/* One row: a fresh child, inject, touch, reap, unpoison. */
static void probe_one(struct probe *p, struct row *row)
{
	struct inject_opts io = { .cli = p->cli, .have_method = true, .no_load = p->o->no_load };
	int cmd[2] = { -1, -1 }, ack[2] = { -1, -1 }, fd = -1, i, r;
	char file[HWPI_PATH_MAX] = "";
	struct hwpi_target t;
	bool fate_known = false, injected = false;
	char c;

	row->status = "error";
	if (!p->mst[row->method].available) {
		row->status = "unavailable";
		snprintf(row->reason, sizeof(row->reason), "%s", p->mst[row->method].reason);
		return;
	}
	if (row->kind == K_THP && p->thp_off) {
		row->status = "unavailable";
		snprintf(row->reason, sizeof(row->reason), "transparent huge pages are off");
		return;
	}
	if (row->kind == K_HUGETLB && !ensure_huge_page(p)) {
		row->status = "unavailable";
		snprintf(row->reason, sizeof(row->reason), "no huge page");
		return;
	}
	if (row->kind == K_FILE_DIRTY || row->kind == K_FILE_CLEAN) {
		fd = make_file(p, row->kind, file, sizeof(file), row->reason, sizeof(row->reason));
		if (fd < 0)
			goto out;
	}
	row->rep = calloc(1, sizeof(*row->rep));
	if (!row->rep || pipe2(cmd, O_CLOEXEC) || pipe2(ack, O_CLOEXEC)) {
		snprintf(row->reason, sizeof(row->reason), "cannot set up: %s", strerror(errno));
		goto out;
	}
	memset(p->sh, 0, sizeof(*p->sh));
	row->pid = fork();
	if (row->pid < 0) {
		row->pid = 0;
		snprintf(row->reason, sizeof(row->reason), "fork: %s", strerror(errno));
		goto out;
	}
	if (row->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		child_shared = p->sh;
		child_main(row->kind, fd, cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	cmd[0] = ack[1] = -1;

	c = wait_byte(ack[0], SETUP_TIMEOUT_MS);
	if (c != 'R') {
		row->status = c == 'E' && row->kind == K_HUGETLB ? "unavailable" : "error";
		snprintf(row->reason, sizeof(row->reason), "%s%s",
			 c == 'E' && row->kind == K_HUGETLB ? "no huge page: " : "",
			 c == 'E' ? p->sh->setup_error : "the child did not set up its page");
		goto out;
	}
	r = hwpi_resolve_vaddr(p->cli->ctx, row->pid, p->sh->vaddr, &t);
	if (r < 0 || !t.have_pfn) {
		snprintf(row->reason, sizeof(row->reason), "cannot resolve the child's page: %s",
			 r < 0 ? hwpi_ctx_strerror(p->cli->ctx) : "not present");
		goto out;
	}
	if (row->kind == K_THP && t.kind != HWPI_MAP_THP) {
		row->status = "unavailable";
		snprintf(row->reason, sizeof(row->reason), "the kernel gave no transparent huge page");
		goto out;
	}

	io.method = row->method;
	io.early_kill = row->kill == 1;
	io.late_kill = row->kill == 0;
	r = inject_page(p->cli, &io, &t, PROBE_WATCH_MS, row->rep);
	if (r < 0) {
		snprintf(row->reason, sizeof(row->reason), "cannot inject: %s",
			 hwpi_ctx_strerror(p->cli->ctx)[0] ? hwpi_ctx_strerror(p->cli->ctx) :
							     strerror(-r));
		free(row->rep);
		row->rep = NULL;
		goto out;
	}
	row->status = "done";
	injected = true;
	sig_at_injection(row);

	/* touch, unless the child died at injection */
	if (write(cmd[1], "t", 1) == 1)
		wait_byte(ack[0], TOUCH_TIMEOUT_MS);
	if (row->rep->target_state == HWPI_TARGET_KILLED ||
	    row->rep->target_state == HWPI_TARGET_EXITED) {
		row->fate = row->rep->target_state;
		row->fate_status = row->rep->target_status;
		fate_known = true;
	}
out:
	/* reaped before its pipe closes: at end of input it would exit by itself */
	reap(row, fate_known);
	if (cmd[1] >= 0)
		close(cmd[1]);
	if (ack[0] >= 0)
		close(ack[0]);
	if (row->pid) {
		row->child = *p->sh;
		for (i = 0; i < row->child.n && i < MAX_RECORDS; i++)
			if (row->child.rec[i].touching && !row->on_access.have)
				set_sig(&row->on_access, &row->child.rec[i]);
		/* the child saw a signal at injection that the report missed */
		for (i = 0; !row->at_injection.have && i < row->child.n && i < MAX_RECORDS; i++)
			if (!row->child.rec[i].touching)
				set_sig(&row->at_injection, &row->child.rec[i]);
	}
	if (fd >= 0)
		close(fd);
	if (file[0])
		unlink(file);
	if (injected)
		unpoison(p, row, t.pfn);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static const char *kill_name(int kill)
{
	return kill < 0 ? NULL : kill ? "early" : "late";
}

/* The fields of a signal, in the current object. */
static void sig_fields(struct json *j, const struct sig_seen *s)
{
	char buf[16];

	json_kv_string(j, "signal", cli_signal_name(s->signo, buf, sizeof(buf)));
	json_kv_string(j, "code", s->have_code && s->signo == SIGBUS ?
				  hwpi_sigbus_code_name(s->code) : NULL);
	if (s->have_addr) {
		json_kv_hex(j, "addr", s->addr);
		json_kv_i64(j, "addr_lsb", s->lsb);
	} else {
		json_kv_null(j, "addr");
		json_kv_null(j, "addr_lsb");
	}
}

static void sig_json(struct json *j, const char *key, const struct sig_seen *s)
{
	json_key(j, key);
	if (!s->have) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	sig_fields(j, s);
	json_object_end(j);
}

static void fate_json(struct json *j, const struct row *row)
{
	char buf[16];

	json_key(j, "fate");
	if (!row->pid) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_string(j, "state", inject_target_state_name(row->fate));
	if (row->fate == HWPI_TARGET_KILLED)
		json_kv_string(j, "signal", cli_signal_name(row->fate_status, buf, sizeof(buf)));
	else if (row->fate == HWPI_TARGET_EXITED)
		json_kv_i64(j, "status", row->fate_status);
	json_object_end(j);
}

static void print_row_json(const struct probe *p, const struct row *row)
{
	/* a report only for a row that injected */
	const struct hwpi_report *r = strcmp(row->status, "done") ? NULL : row->rep;
	struct sig_seen s;
	struct json j;
	int i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "kind", kind_names[row->kind]);
	json_kv_string(&j, "method", hwpi_method_name(row->method));
	json_kv_string(&j, "kill", kill_name(row->kill));
	json_kv_string(&j, "status", row->status);
	json_kv_string_or_null(&j, "reason", row->reason);
	json_kv_string_or_null(&j, "filesystem",
			       row->kind == K_FILE_DIRTY || row->kind == K_FILE_CLEAN ? p->fs : NULL);
	if (row->pid)
		json_kv_i64(&j, "pid", row->pid);
	else
		json_kv_null(&j, "pid");
	if (r) {
		json_kv_hex(&j, "vaddr", r->target.vaddr);
		json_kv_hex(&j, "pfn", r->target.pfn);
		json_kv_u64(&j, "page_size", r->target.page_size);
		json_kv_i64(&j, "errno", r->err);
		json_kv_string(&j, "error", r->err ? strerror(abs(r->err)) : NULL);
		json_key(&j, "action");
		if (r->result[0] || r->page_type[0]) {
			json_object_begin(&j);
			json_kv_string_or_null(&j, "page_type", r->page_type);
			json_kv_string_or_null(&j, "result", r->result);
			json_kv_string_or_null(&j, "source", r->action_source);
			json_object_end(&j);
		} else {
			json_null(&j);
		}
	} else {
		json_kv_null(&j, "vaddr");
		json_kv_null(&j, "pfn");
		json_kv_null(&j, "page_size");
		json_kv_null(&j, "errno");
		json_kv_null(&j, "error");
		json_kv_null(&j, "action");
	}
	sig_json(&j, "at_injection", &row->at_injection);
	sig_json(&j, "on_access", &row->on_access);
	/* everything the child's own handler saw */
	json_key(&j, "child_signals");
	json_array_begin(&j);
	for (i = 0; i < row->child.n && i < MAX_RECORDS; i++) {
		memset(&s, 0, sizeof(s));
		set_sig(&s, &row->child.rec[i]);
		json_object_begin(&j);
		json_kv_string(&j, "when", row->child.rec[i].touching ? "access" : "injection");
		sig_fields(&j, &s);
		json_object_end(&j);
	}
	json_array_end(&j);
	fate_json(&j, row);
	if (r && r->poisoned_known)
		json_kv_bool(&j, "poisoned", r->poisoned);
	else
		json_kv_null(&j, "poisoned");
	json_kv_bool(&j, "migrated", r && r->have_new_pfn);
	if (r && r->have_new_pfn)
		json_kv_hex(&j, "new_pfn", r->new_pfn);
	json_kv_string(&j, "outcome", r ? hwpi_report_outcome(r) : NULL);
	json_kv_string(&j, "unpoison", row->unpoison);
	json_object_end(&j);
	json_end_line(&j);
}

/* "AR", "AO", "SIGBUS", "SIGKILL" ... or "-" */
static const char *sig_short(const struct sig_seen *s, char *buf, size_t len)
{
	const char *name;

	if (!s->have)
		return "-";
	if (s->signo == SIGBUS && s->have_code) {
		name = hwpi_sigbus_code_name(s->code);
		if (name && !strncmp(name, "BUS_MCEERR_", 11)) {
			snprintf(buf, len, "%s/%d", name + 11, s->lsb);
			return buf;
		}
	}
	return cli_signal_name(s->signo, buf, len);
}

#define ROW_FMT "%-10s %-17s %-5s %-34s %-9s %-9s %-15s %s\n"

static void print_row_text(const struct row *row)
{
	const struct hwpi_report *r = row->rep;
	char action[HWPI_MSG_MAX + 96], fate[32], a[16], b[16], sig[16];

	if (r && !strcmp(row->status, "done")) {
		if (r->err)
			snprintf(action, sizeof(action), "error: %s", strerror(abs(r->err)));
		else if (r->have_new_pfn)
			snprintf(action, sizeof(action), "migrated");
		else if (r->result[0])
			snprintf(action, sizeof(action), "%s%s%s%s", r->result,
				 r->page_type[0] ? " (" : "", r->page_type, r->page_type[0] ? ")" : "");
		else
			snprintf(action, sizeof(action), "%s", hwpi_report_outcome(r));
	} else {
		snprintf(action, sizeof(action), "%s: %s", row->status, row->reason);
	}
	if (!row->pid)
		snprintf(fate, sizeof(fate), "-");
	else if (row->fate == HWPI_TARGET_KILLED)
		snprintf(fate, sizeof(fate), "killed %s", cli_signal_name(row->fate_status, sig,
									 sizeof(sig)));
	else if (row->fate == HWPI_TARGET_EXITED)
		snprintf(fate, sizeof(fate), "exited %d", row->fate_status);
	else
		snprintf(fate, sizeof(fate), "%s", inject_target_state_name(row->fate));
	printf(ROW_FMT, kind_names[row->kind], hwpi_method_name(row->method),
	       row->kill < 0 ? "-" : kill_name(row->kill), action,
	       sig_short(&row->at_injection, a, sizeof(a)), sig_short(&row->on_access, b, sizeof(b)),
	       fate, row->unpoison ? row->unpoison : "-");
}

static void print_row(struct probe *p, const struct row *row)
{
	if (p->cli->json) {
		print_row_json(p, row);
		return;
	}
	if (p->cli->quiet)
		return;
	if (!p->header_done) {
		cli_kv(stdout, "kernel", "%s", p->release);
		if (p->fs[0])
			cli_kv(stdout, "file pages", "%s on %s%s", p->dir, p->fs,
			       !strcmp(p->fs, "tmpfs") ? " (tmpfs: the file pages are shmem)" : "");
		printf(ROW_FMT, "KIND", "METHOD", "KILL", "ACTION/RESULT", "AT-INJ", "ON-ACCESS",
		       "FATE", "UNPOISON");
		p->header_done = true;
	}
	print_row_text(row);
	fflush(stdout);
}

static void print_summary(struct probe *p, int interrupted)
{
	char buf[16];
	uint64_t hc;
	bool have_hc = p->have_hc && hwpi_hardware_corrupted_kb(p->cli->ctx, &hc) == 0;
	struct json j;
	size_t i;

	if (p->cli->json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "kernel", p->release);
		json_kv_u64(&j, "rows", p->rows);
		json_kv_string_or_null(&j, "filesystem", p->fs);
		json_key(&j, "left_poisoned");
		json_array_begin(&j);
		for (i = 0; i < p->n_left; i++)
			json_hex(&j, p->left[i]);
		json_array_end(&j);
		json_key(&j, "hardware_corrupted_kb");
		if (have_hc) {
			json_object_begin(&j);
			json_kv_u64(&j, "before", p->hc_before);
			json_kv_u64(&j, "after", hc);
			json_object_end(&j);
		} else {
			json_null(&j);
		}
		json_kv_string(&j, "interrupted",
			       interrupted ? cli_signal_name(interrupted, buf, sizeof(buf)) : NULL);
		json_object_end(&j);
		json_end_line(&j);
		return;
	}
	if (p->cli->quiet)
		return;
	if (!p->header_done)
		cli_kv(stdout, "kernel", "%s", p->release);
	cli_kv(stdout, "rows", "%zu", p->rows);
	if (!p->n_left) {
		cli_kv(stdout, "left poisoned", "none");
	} else {
		printf("left poisoned:  ");
		for (i = 0; i < p->n_left; i++)
			printf("%s0x%" PRIx64, i ? " " : "", p->left[i]);
		printf("\n");
	}
	if (have_hc)
		cli_kv(stdout, "HardwareCorrupted", "%" PRIu64 " kB before, %" PRIu64 " kB after",
		       p->hc_before, hc);
	if (interrupted)
		cli_kv(stdout, "interrupted", "by %s", cli_signal_name(interrupted, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------------ */
/* Probe                                                                    */

/* Give back what the probe changed (again: no-op). */
static void probe_cleanup(struct probe *p)
{
	if (p->nr_hugepages_orig >= 0 &&
	    (p->hugepages_changed || read_long(NR_HUGEPAGES) != p->nr_hugepages_orig))
		write_long(NR_HUGEPAGES, p->nr_hugepages_orig);
	p->nr_hugepages_orig = -1;
	if (p->dir_made)
		rmdir(p->dir);
	p->dir_made = false;
	if (p->sh)
		munmap(p->sh, sizeof(*p->sh));
	p->sh = NULL;
}

static void check_thp(struct probe *p)
{
	char buf[256];

	p->thp_off = read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) < 0 ||
		     strstr(buf, "[never]");
}

/* Run the rows; returns the stop signal that ended it early, or 0. */
static int probe_rows(struct probe *p)
{
	static const int kills[] = { 0, 1 };
	unsigned int k, m, i;
	struct row row;
	int sig;

	for (k = 0; k < K_COUNT; k++) {
		if (!(p->o->kinds & (1u << k)))
			continue;
		for (m = 0; m < HWPI_METHOD_COUNT; m++) {
			if (!(p->o->methods & (1u << m)))
				continue;
			for (i = 0; i < ARRAY_SIZE(kills); i++) {
				bool soft = hwpi_method_is_soft((enum hwpi_method)m);

				if (soft && i)
					break;
				sig = inject_take_pending(&p->stop);
				if (sig)
					return sig;
				memset(&row, 0, sizeof(row));
				row.kind = (enum kind)k;
				row.method = (enum hwpi_method)m;
				row.kill = soft ? -1 : kills[i];
				probe_one(p, &row);
				p->rows++;
				print_row(p, &row);
				free(row.rep);
			}
		}
	}
	return inject_take_pending(&p->stop);
}

static int probe_run(struct cli *cli, const struct probe_opts *o)
{
	struct probe p = { .cli = cli, .o = o, .nr_hugepages_orig = -1 };
	struct sigaction ign, old_pipe;
	sigset_t old;
	int sig = 0;
	char buf[16];
	unsigned int m;
	int r;

	/* before creating anything: the kernel and the permission */
	if (hwpi_ctx_get_root(cli->ctx) && strcmp(hwpi_ctx_get_root(cli->ctx), "/"))
		return cli_fail(cli, EXIT_USAGE,
				"probe works on the running kernel only; unset HWPINJECT_ROOT");
	if (!hwpi_kernel_has_memory_failure(cli->ctx))
		return cli_fail(cli, EXIT_UNAVAIL,
				"this kernel was built without CONFIG_MEMORY_FAILURE, there is nothing to probe; %s",
				cli_errno_hint(-ENOSYS));
	if (geteuid() != 0)
		return cli_fail(cli, EXIT_NOPERM, "probe injects into pages of its own children; %s",
				cli_errno_hint(-EPERM));

	inject_stop_signals(&p.stop);
	sigprocmask(SIG_BLOCK, &p.stop, &old);
	/* a child that died before it was told to touch its page: EPIPE, not death */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	hwpi_kernel_release(cli->ctx, p.release, sizeof(p.release));
	p.have_hc = hwpi_hardware_corrupted_kb(cli->ctx, &p.hc_before) == 0;
	for (m = 0; m < HWPI_METHOD_COUNT; m++) {
		if (!(o->methods & (1u << m)))
			continue;
		r = hwpi_method_check(cli->ctx, (enum hwpi_method)m, o->no_load ? 0 : HWPI_CHECK_LOAD,
				      &p.mst[m]);
		if (r < 0) {
			p.mst[m].available = false;
			snprintf(p.mst[m].reason, sizeof(p.mst[m].reason), "%s",
				 hwpi_ctx_strerror(cli->ctx));
		}
	}
	check_thp(&p);
	if (o->kinds & (1u << K_HUGETLB))
		p.nr_hugepages_orig = read_long(NR_HUGEPAGES);
	r = setup_dir(&p);
	if (r)
		goto out;
	p.sh = mmap(NULL, sizeof(*p.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p.sh == MAP_FAILED) {
		p.sh = NULL;
		r = cli_fail(cli, EXIT_SOFTWARE, "cannot map shared memory: %s; try again",
			     strerror(errno));
		goto out;
	}
	fflush(stdout);
	sig = probe_rows(&p);
	probe_cleanup(&p);
	print_summary(&p, sig);
	if (sig) {
		cli->reraise = sig;
		cli_fail(cli, 128 + sig, "interrupted by %s after %zu rows; cleaned up, the summary lists what the kernel kept",
			 cli_signal_name(sig, buf, sizeof(buf)), p.rows);
	}
	r = cli->status;
out:
	probe_cleanup(&p);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Compare                                                                  */

#define PROBE_MAX_INPUT (64u << 20)
#define MAX_ROWS 4096

struct probe_file {
	const char *path;
	const char *kernel;
	struct jr_value *lines[MAX_ROWS + 1];
	size_t n;
	struct jr_value *rows[MAX_ROWS];
	char keys[MAX_ROWS][96];
	size_t n_rows;
};

static void free_file(struct probe_file *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		jr_free(f->lines[i]);
	f->n = 0;
}

static int row_key(const struct jr_value *v, char *buf, size_t len)
{
	const char *kind = jr_string(jr_get(v, "kind")), *method = jr_string(jr_get(v, "method"));
	const struct jr_value *kill = jr_get(v, "kill");

	if (!kind || !method || !kill || (kill->type != JR_STRING && kill->type != JR_NULL))
		return -1;
	snprintf(buf, len, "%s %s %s", kind, method, kill->type == JR_STRING ? kill->str : "-");
	return 0;
}

static int load_file(struct cli *cli, struct probe_file *f)
{
	char err[128], *text = NULL;
	size_t len = 0, cap = 0, start, end, line = 0, i;
	struct jr_value *v;
	ssize_t n;
	int fd, r;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_fail(cli, errno == EACCES ? EXIT_NOPERM : EXIT_NOINPUT,
				"cannot open %s: %s; give the output of 'hwpinject probe --json'", f->path,
				strerror(errno));
	for (;;) {
		if (len + 65536 > cap) {
			char *q;

			if (cap >= PROBE_MAX_INPUT) {
				free(text);
				close(fd);
				return cli_fail(cli, EXIT_DATAERR, "%s is larger than %u MiB; not a probe output",
						f->path, PROBE_MAX_INPUT >> 20);
			}
			cap = cap ? cap * 2 : 65536;
			q = realloc(text, cap);
			if (!q) {
				free(text);
				close(fd);
				return cli_fail(cli, EXIT_SOFTWARE, "out of memory reading %s; try again",
						f->path);
			}
			text = q;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno;
			free(text);
			close(fd);
			return cli_fail(cli, EXIT_NOINPUT, "cannot read %s: %s; check the file", f->path,
					strerror(r));
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);

	r = 0;
	for (start = 0; start < len && !r; start = end + 1) {
		line++;
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		for (i = start; i < end && strchr(" \t\r", text[i]); i++)
			;
		if (i == end)
			continue;
		if (f->n > MAX_ROWS) {
			r = cli_fail(cli, EXIT_DATAERR, "%s: more than %d lines; not a probe output",
				     f->path, MAX_ROWS);
			break;
		}
		if (jr_parse(text + start, end - start, &v, err, sizeof(err)) < 0) {
			r = cli_fail(cli, EXIT_DATAERR, "%s:%zu: malformed JSON %s; give the output of 'hwpinject probe --json'",
				     f->path, line, err[0] ? err : "(out of memory)");
			break;
		}
		f->lines[f->n++] = v;
		if (v->type != JR_OBJECT) {
			r = cli_fail(cli, EXIT_DATAERR, "%s:%zu: not a JSON object; give the output of 'hwpinject probe --json'",
				     f->path, line);
		} else if (jr_get(v, "kind")) {
			if (row_key(v, f->keys[f->n_rows], sizeof(f->keys[0])) < 0) {
				r = cli_fail(cli, EXIT_DATAERR, "%s:%zu: a row without string kind, method and kill; give the output of 'hwpinject probe --json'",
					     f->path, line);
				break;
			}
			for (i = 0; i < f->n_rows; i++)
				if (!strcmp(f->keys[i], f->keys[f->n_rows]))
					break;
			if (i < f->n_rows)
				r = cli_fail(cli, EXIT_DATAERR, "%s:%zu: row '%s' appears twice; give one probe output per file",
					     f->path, line, f->keys[i]);
			else
				f->rows[f->n_rows++] = v;
		} else if (jr_string(jr_get(v, "kernel"))) {
			f->kernel = jr_string(jr_get(v, "kernel"));
		} else {
			r = cli_fail(cli, EXIT_DATAERR, "%s:%zu: neither a probe row nor its summary; give the output of 'hwpinject probe --json'",
				     f->path, line);
		}
	}
	free(text);
	if (!r && !f->n_rows)
		r = cli_fail(cli, EXIT_DATAERR, "%s holds no probe rows; give the output of 'hwpinject probe --json'",
			     f->path);
	return r;
}

/* A field as text: string, number, true/false, "null" (missing or null). */
static const char *field_text(const struct jr_value *row, const char *key, const char *sub)
{
	const struct jr_value *v = jr_get(row, key);

	if (sub)
		v = jr_get(v, sub);
	if (!v)
		return "null";
	switch (v->type) {
	case JR_STRING:
	case JR_NUMBER:
		return v->str;
	case JR_TRUE:
		return "true";
	case JR_FALSE:
		return "false";
	case JR_NULL:
		return "null";
	default:
		return "(structure)";
	}
}

/* What a row says about the kernel (not pids, addresses or pfns). */
static const struct {
	const char *key, *sub;
} compared[] = {
	{ "status", NULL }, { "reason", NULL }, { "errno", NULL },
	{ "action", "page_type" }, { "action", "result" },
	{ "at_injection", "signal" }, { "at_injection", "code" }, { "at_injection", "addr_lsb" },
	{ "on_access", "signal" }, { "on_access", "code" }, { "on_access", "addr_lsb" },
	{ "fate", "state" }, { "fate", "signal" }, { "fate", "status" },
	{ "poisoned", NULL }, { "migrated", NULL }, { "unpoison", NULL },
};

/* Whether the rows with KEY differ; prints the differences if PRINT. */
static bool compare_row(const char *key, const struct jr_value *a, const struct jr_value *b,
			bool print)
{
	bool differ = false;
	const char *x, *y;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compared); i++) {
		x = field_text(a, compared[i].key, compared[i].sub);
		y = field_text(b, compared[i].key, compared[i].sub);
		if (!strcmp(x, y))
			continue;
		if (!print)
			return true;
		if (!differ)
			printf("%s:\n", key);
		differ = true;
		printf("  %s%s%s: ", compared[i].key, compared[i].sub ? "." : "",
		       compared[i].sub ? compared[i].sub : "");
		cli_put_text(stdout, x);
		printf(" -> ");
		cli_put_text(stdout, y);
		printf("\n");
	}
	return differ;
}

static int probe_compare(struct cli *cli, const struct probe_opts *o)
{
	struct probe_file *f;
	size_t i, k, n_diff = 0;
	int r;

	f = calloc(2, sizeof(*f));
	if (!f)
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; try again");
	f[0].path = o->files[0];
	f[1].path = o->files[1];
	r = load_file(cli, &f[0]);
	if (!r)
		r = load_file(cli, &f[1]);
	if (r)
		goto out;

	if (!cli->quiet) {
		printf("--- %s (%s)\n", f[0].path, f[0].kernel ? f[0].kernel : "kernel unknown");
		printf("+++ %s (%s)\n", f[1].path, f[1].kernel ? f[1].kernel : "kernel unknown");
	}
	for (i = 0; i < f[0].n_rows; i++) {
		for (k = 0; k < f[1].n_rows && strcmp(f[0].keys[i], f[1].keys[k]); k++)
			;
		if (k == f[1].n_rows) {
			n_diff++;
			if (!cli->quiet)
				printf("%s: only in %s\n", f[0].keys[i], f[0].path);
			continue;
		}
		if (compare_row(f[0].keys[i], f[0].rows[i], f[1].rows[k], !cli->quiet))
			n_diff++;
	}
	for (k = 0; k < f[1].n_rows; k++) {
		for (i = 0; i < f[0].n_rows && strcmp(f[0].keys[i], f[1].keys[k]); i++)
			;
		if (i == f[0].n_rows) {
			n_diff++;
			if (!cli->quiet)
				printf("%s: only in %s\n", f[1].keys[k], f[1].path);
		}
	}
	if (!cli->quiet)
		printf("%zu of %zu rows differ\n", n_diff, f[0].n_rows > f[1].n_rows ?
			f[0].n_rows : f[1].n_rows);
	if (n_diff)
		r = cli_fail(cli, EXIT_KERNEL, "%zu rows differ between %s and %s; see the list above",
			     n_diff, f[0].path, f[1].path);
out:
	free_file(&f[0]);
	free_file(&f[1]);
	free(f);
	return r;
}

int cmd_probe(struct cli *cli, int argc, char **argv)
{
	struct probe_opts o = { .cli = cli };
	int r;

	r = cli_argp_parse(cli, &probe_argp, argc, argv, 0, &o);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;
	if (o.compare)
		return probe_compare(cli, &o);
	if (!o.kinds)
		o.kinds = (1u << K_COUNT) - 1;
	if (!o.methods)
		o.methods = (1u << HWPI_METHOD_COUNT) - 1;
	return probe_run(cli, &o);
}
