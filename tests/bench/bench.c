// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench — the measuring half of tests/bench/run; it runs inside the test VM.
 *
 *   bench victim N [SPARSE_MIB]      map and fill N anonymous pages (and a SPARSE_MIB region of
 *                                    which one page in 8 is filled); print one "@V ..." line with
 *                                    the addresses, then wait (SIGBUS is counted, SIGTERM ends it)
 *   bench raw METHOD N               the raw C loop: N pages of its own, then only the injector
 *                                    calls timed (corrupt-pfn: one write per pfn to debugfs;
 *                                    hwpoison, soft-offline: one madvise per page)
 *   bench shell N [hwpinject|campaign|campaign-fast]
 *                                    a busybox sh loop writing N pfns (of its own pages) to
 *                                    corrupt-pfn, timed; or a sh loop running "hwpinject inject
 *                                    --pfn P --json" per pfn; or one "hwpinject campaign" of N
 *                                    such steps (campaign-fast: each with --no-observe; fresh
 *                                    pages each time: no page twice)
 *   bench lib METHOD N [FLAGS]       the library in a loop: a child victim with N pages, then
 *                                    hwpi_resolve_vaddr() + hwpi_inject() per page, timed;
 *                                    FLAGS (comma-separated): notrace, nohold, observer (one
 *                                    of the caller's), fresh (a new observer per page), many
 *                                    (all pages resolved by one hwpi_resolve_vaddrs(), then one
 *                                    hwpi_inject_many(): how a program does many pages),
 *                                    noobserve (HWPI_INJECT_NO_OBSERVE: the fast path)
 *   bench pagemap PID ADDR LEN REPS [flags]
 *                                    the raw batched pread of /proc/PID/pagemap over LEN bytes,
 *                                    collecting the pfns of the present pages; with "flags" also
 *                                    one kpageflags pread per pfn, as page-types -p does
 *   bench translate PID SPEC N REPS [full]
 *                                    the library's translation of the whole region SPEC (its N
 *                                    present pages) to pfns: hwpi_region_entries, then
 *                                    hwpi_pagemap_pfn of each entry; with "full", every page's facts (mapping, pfn,
 *                                    flags, page size): hwpi_region_select + hwpi_resolve_vaddrs
 *   bench exec REPS CMD [ARG]...     fork+exec+wait REPS times: mean wall time and peak RSS
 *
 * Every result is one line "@B name=... key=value ...", nanoseconds as integers; the host side
 * (tests/bench/report) turns them into ratios.  Absolute times in a TCG guest mean little.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hwpinject.h>

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#define CORRUPT_PFN "/sys/kernel/debug/hwpoison/corrupt-pfn"
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define BATCH 4096

static long page_size;

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t sigbus_count;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	sigbus_count++;
}

static void catch_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* N filled anonymous pages (not THP: each is its own 4 KiB page). */
static char *fill_pages(size_t n)
{
	char *p = mmap(NULL, n * (size_t)page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, n * (size_t)page_size, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		memset(p + i * (size_t)page_size, (int)(i & 0xff) | 1, (size_t)page_size);
	return p;
}

/* The pfns of N pages of this process from ADDR, by batched pread of pagemap. */
static uint64_t *own_pfns(const char *addr, size_t n)
{
	uint64_t *pfn = calloc(n, sizeof(*pfn));
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;

	if (!pfn || fd < 0)
		die("pagemap");
	if (pread(fd, pfn, n * 8, (off_t)((uintptr_t)addr / (uintptr_t)page_size * 8)) !=
	    (ssize_t)(n * 8))
		die("pread pagemap");
	close(fd);
	for (i = 0; i < n; i++) {
		if (!(pfn[i] & PM_PRESENT) || !(pfn[i] & PM_PFN_MASK)) {
			fprintf(stderr, "bench: page %zu not present (or pfns hidden)\n", i);
			exit(1);
		}
		pfn[i] &= PM_PFN_MASK;
	}
	return pfn;
}

static int cmd_victim(int argc, char **argv)
{
	size_t n = argc > 0 ? strtoul(argv[0], NULL, 0) : 1;
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 0, i;
	char *p = fill_pages(n), *big = NULL;
	sigset_t none;

	catch_sigbus();
	if (mib) {
		/* not accounted: 1 GiB is refused by the overcommit heuristic of a 1 GiB guest */
		big = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (big == MAP_FAILED)
			die("mmap sparse");
		madvise(big, mib << 20, MADV_NOHUGEPAGE);
		for (i = 0; i < (mib << 20); i += 8 * (size_t)page_size)
			big[i] = 1;
	}
	printf("@V pid=%d addr=0x%" PRIxPTR " end=0x%" PRIxPTR " sparse=0x%" PRIxPTR
	       " sparse_end=0x%" PRIxPTR "\n", (int)getpid(), (uintptr_t)p,
	       (uintptr_t)(p + n * (size_t)page_size), (uintptr_t)big,
	       (uintptr_t)(big ? big + (mib << 20) : NULL));
	fflush(stdout);
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
	return 0;
}

static int advice_of(const char *method)
{
	if (!strcmp(method, "hwpoison"))
		return MADV_HWPOISON;
	if (!strcmp(method, "soft-offline"))
		return MADV_SOFT_OFFLINE;
	return -1;
}

static int cmd_raw(int argc, char **argv)
{
	size_t n, i;
	uint64_t t0, t1;
	char *p, num[32];
	int advice;

	if (argc < 2)
		return 64;
	n = strtoul(argv[1], NULL, 0);
	advice = advice_of(argv[0]);
	catch_sigbus();
	p = fill_pages(n);
	if (!strcmp(argv[0], "corrupt-pfn")) {
		uint64_t *pfn = own_pfns(p, n);
		int fd = open(CORRUPT_PFN, O_WRONLY);

		if (fd < 0)
			die(CORRUPT_PFN);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			int len = snprintf(num, sizeof(num), "0x%" PRIx64 "\n", pfn[i]);

			if (write(fd, num, (size_t)len) < 0)
				die("write corrupt-pfn");
		}
		t1 = now_ns();
		close(fd);
		free(pfn);
	} else if (advice >= 0) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			if (madvise(p + i * (size_t)page_size, (size_t)page_size, advice) < 0)
				die("madvise");
		t1 = now_ns();
	} else {
		return 64;
	}
	printf("@B name=raw method=%s n=%zu ns=%" PRIu64 " sigbus=%d\n", argv[0], n, t1 - t0,
	       (int)sigbus_count);
	return 0;
}

static int cmd_shell(int argc, char **argv)
{
	size_t n = argc > 0 ? strtoul(argv[0], NULL, 0) : 1, i;
	const char *how = argc > 1 ? argv[1] : "echo";
	char *p, *script, *w;
	uint64_t *pfn, t0, t1;
	char cfile[] = "/tmp/bench-campaign-XXXXXX";
	int status;
	pid_t c;

	bool fast = !strcmp(how, "campaign-fast");

	if (strcmp(how, "echo") && strcmp(how, "hwpinject") && strcmp(how, "campaign") && !fast)
		return 64;
	p = fill_pages(n);
	pfn = own_pfns(p, n);
	script = malloc(n * 24 + 256);
	if (!script)
		die("malloc");
	if (!strcmp(how, "campaign") || fast) {
		/* one campaign of N "inject --pfn" steps (campaign-fast: with --no-observe) */
		FILE *f = fdopen(mkstemp(cfile), "w");

		if (!f)
			die("campaign file");
		for (i = 0; i < n; i++)
			fprintf(f, "inject --pfn 0x%" PRIx64 " --method corrupt-pfn%s\n", pfn[i],
				fast ? " --no-observe" : "");
		if (fclose(f) != 0)
			die("campaign file");
		sprintf(script, "exec hwpinject campaign %s >/dev/null", cfile);
	} else {
		w = script + sprintf(script, "for p in");
		for (i = 0; i < n; i++)
			w += sprintf(w, " 0x%" PRIx64, pfn[i]);
		if (!strcmp(how, "hwpinject"))
			sprintf(w, "; do hwpinject inject --pfn $p --method corrupt-pfn --json"
				   " >/dev/null || exit; done");
		else
			sprintf(w, "; do echo $p > " CORRUPT_PFN "; done");
	}
	t0 = now_ns();
	c = fork();
	if (c == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	if (c < 0 || waitpid(c, &status, 0) < 0)
		die("sh");
	t1 = now_ns();
	printf("@B name=shell method=corrupt-pfn how=%s n=%zu ns=%" PRIu64 " status=%d\n", how, n,
	       t1 - t0, status);
	if (!strcmp(how, "campaign") || fast)
		unlink(cfile);
	free(script);
	free(pfn);
	return status != 0;
}

/* A child that fills N pages, tells their address through a pipe, and waits. */
static pid_t child_victim(size_t n, uintptr_t *addr)
{
	int fds[2];
	pid_t c;

	if (pipe(fds) < 0)
		die("pipe");
	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		char *p = fill_pages(n);
		sigset_t none;

		catch_sigbus();
		close(fds[0]);
		if (write(fds[1], &p, sizeof(p)) != (ssize_t)sizeof(p))
			_exit(1);
		close(fds[1]);
		sigemptyset(&none);
		for (;;)
			sigsuspend(&none);
	}
	close(fds[1]);
	if (read(fds[0], addr, sizeof(*addr)) != (ssize_t)sizeof(*addr))
		die("child victim");
	close(fds[0]);
	return c;
}

/*
 * hwpi_inject_many()'s callback of cmd_lib: count, and stop if the victim died (unobserved:
 * its state is not known, and the count of ok pages says it all).
 */
struct lib_count {
	size_t ok, seen;
};

static int lib_each(const struct hwpi_report *r, size_t i, void *data)
{
	struct lib_count *c = data;

	c->seen = i + 1;
	c->ok += r->err == 0;
	if (r->target_state != HWPI_TARGET_ALIVE && !r->unobserved) {
		fprintf(stderr, "bench: the victim's state is %d (status %d) after page %zu\n",
			(int)r->target_state, r->target_status, i);
		return 1;
	}
	return 0;
}

static int cmd_lib(int argc, char **argv)
{
	struct hwpi_inject_opts io = HWPI_INJECT_OPTS_INIT;
	struct hwpi_observer *obs = NULL;
	struct hwpi_report *r;
	struct hwpi_target t;
	struct hwpi_ctx *ctx;
	enum hwpi_method m;
	uintptr_t addr;
	uint64_t t0, t1, resolve_ns = 0;
	size_t n, i, ok = 0;
	bool notrace, reuse, fresh, many;
	pid_t c;
	int rc;

	if (argc < 2 || hwpi_method_from_name(argv[0], &m) < 0)
		return 64;
	n = strtoul(argv[1], NULL, 0);
	notrace = argc > 2 && strstr(argv[2], "notrace");
	reuse = argc > 2 && strstr(argv[2], "observer");
	fresh = argc > 2 && strstr(argv[2], "fresh");
	many = argc > 2 && strstr(argv[2], "many");
	if (notrace)
		io.flags |= HWPI_INJECT_NO_TRACE;
	if (argc > 2 && strstr(argv[2], "nohold"))
		io.flags |= HWPI_INJECT_NO_HOLD;
	if (argc > 2 && strstr(argv[2], "noobserve"))
		io.flags |= HWPI_INJECT_NO_OBSERVE;
	r = calloc(1, sizeof(*r));
	if (!r || hwpi_ctx_new(&ctx) < 0)
		die("hwpi_ctx_new");
	c = child_victim(n, &addr);
	if (reuse && hwpi_observer_new(ctx, notrace ? HWPI_OBSERVE_NO_TRACE : 0, &obs) < 0)
		die("hwpi_observer_new");
	io.observer = obs;
	if (many) {
		/* every page resolved first, then one call for all of them */
		struct hwpi_target *ts = calloc(n, sizeof(*ts));
		uint64_t *va = calloc(n, sizeof(*va));
		struct lib_count cnt = { 0 };

		if (!ts || !va)
			die("calloc");
		for (i = 0; i < n; i++)
			va[i] = addr + i * (uint64_t)page_size;
		memset(ts, 0xff, n * sizeof(*ts));	/* faulted in before the clock runs */
		t0 = now_ns();
		if (hwpi_resolve_vaddrs(ctx, c, va, n, ts) < 0)
			die("hwpi_resolve_vaddrs");
		resolve_ns = now_ns() - t0;
		free(va);
		rc = hwpi_inject_many(ctx, ts, n, m, &io, r, lib_each, &cnt, NULL);
		if (rc < 0)
			fprintf(stderr, "bench: inject: %s\n", hwpi_ctx_strerror(ctx));
		i = cnt.seen;
		ok = cnt.ok;
		free(ts);
		goto done;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint64_t a = now_ns();

		if (hwpi_resolve_vaddr(ctx, c, addr + i * (uintptr_t)page_size, &t) < 0) {
			fprintf(stderr, "bench: resolve: %s\n", hwpi_ctx_strerror(ctx));
			break;
		}
		resolve_ns += now_ns() - a;
		if (fresh && hwpi_observer_new(ctx, notrace ? HWPI_OBSERVE_NO_TRACE : 0,
					       &io.observer) < 0)
			die("hwpi_observer_new");
		rc = hwpi_inject(ctx, &t, m, &io, r);
		if (fresh) {
			hwpi_observer_free(io.observer);
			io.observer = NULL;
		}
		if (rc < 0) {
			fprintf(stderr, "bench: inject: %s\n", hwpi_ctx_strerror(ctx));
			break;
		}
		ok += r->err == 0;
		if (r->target_state != HWPI_TARGET_ALIVE) {
			fprintf(stderr, "bench: the victim's state is %d (status %d) after page %zu\n",
				(int)r->target_state, r->target_status, i);
			i++;
			break;
		}
	}
done:
	t1 = now_ns();
	hwpi_observer_free(obs);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	printf("@B name=lib method=%s n=%zu ns=%" PRIu64 " resolve_ns=%" PRIu64
	       " ok=%zu trace=%s observer=%s hold=%s call=%s\n", argv[0], i, t1 - t0, resolve_ns,
	       ok, notrace ? "off" : "on",
	       io.flags & HWPI_INJECT_NO_OBSERVE ? "none" :
	       reuse ? "reused" : fresh ? "per-injection" : "context",
	       io.flags & HWPI_INJECT_NO_HOLD ? "off" : "on", many ? "many" : "each");
	hwpi_ctx_free(ctx);
	free(r);
	return i == n ? 0 : 1;
}

static int cmd_pagemap(int argc, char **argv)
{
	uint64_t *buf, start, len, t0, t1, best = UINT64_MAX, f;
	size_t reps, k, present = 0, i;
	bool flags = argc > 4 && !strcmp(argv[4], "flags");
	char path[64];
	int fd, kfd = -1;

	if (argc < 4)
		return 64;
	start = strtoull(argv[1], NULL, 0);
	len = strtoull(argv[2], NULL, 0);
	reps = strtoul(argv[3], NULL, 0);
	snprintf(path, sizeof(path), "/proc/%s/pagemap", argv[0]);
	buf = malloc(BATCH * 8);
	if (!buf)
		die("malloc");
	for (k = 0; k < reps; k++) {
		uint64_t p = start / (uint64_t)page_size, last = (start + len) / (uint64_t)page_size;
		uint64_t *pfns = malloc((size_t)(last - p) * 8);

		present = 0;
		t0 = now_ns();
		fd = open(path, O_RDONLY);
		if (fd < 0 || !pfns)
			die(path);
		for (; p < last; p += BATCH) {
			size_t cnt = last - p < BATCH ? (size_t)(last - p) : BATCH;

			if (pread(fd, buf, cnt * 8, (off_t)(p * 8)) != (ssize_t)(cnt * 8))
				die("pread");
			for (i = 0; i < cnt; i++)
				if (buf[i] & PM_PRESENT)
					pfns[present++] = buf[i] & PM_PFN_MASK;
		}
		close(fd);
		if (flags) {
			kfd = open("/proc/kpageflags", O_RDONLY);
			if (kfd < 0)
				die("/proc/kpageflags");
			for (i = 0; i < present; i++)
				if (pread(kfd, &f, 8, (off_t)(pfns[i] * 8)) != 8)
					die("pread kpageflags");
			close(kfd);
		}
		t1 = now_ns();
		free(pfns);
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	free(buf);
	printf("@B name=%s bytes=%" PRIu64 " present=%zu ns=%" PRIu64 "\n",
	       flags ? "page-types" : "pagemap", len, present, best);
	return 0;
}

static int cmd_translate(int argc, char **argv)
{
	struct hwpi_selection sel = { 0 };
	uint64_t t0, t1, best = UINT64_MAX, *va, *entry, *pfn;
	bool full = argc > 4 && !strcmp(argv[4], "full");
	struct hwpi_target *t;
	struct hwpi_ctx *ctx;
	size_t reps, k, i, n = 0, want;
	pid_t pid;
	int r;

	if (argc < 4)
		return 64;
	pid = (pid_t)atoi(argv[0]);
	want = strtoul(argv[2], NULL, 0);
	reps = strtoul(argv[3], NULL, 0);
	va = malloc(want * sizeof(*va));
	entry = malloc(want * sizeof(*entry));
	pfn = malloc(want * sizeof(*pfn));
	t = full ? malloc(want * sizeof(*t)) : NULL;
	if (!va || !entry || !pfn || (full && !t) || hwpi_ctx_new(&ctx) < 0)
		die("setup");
	for (k = 0; k < reps; k++) {
		t0 = now_ns();
		if (full) {
			r = hwpi_region_select(ctx, pid, argv[1], &sel, va, want, &n);
			if (r == 0)
				r = hwpi_resolve_vaddrs(ctx, pid, va, n, t);
		} else {
			r = hwpi_region_entries(ctx, pid, argv[1], &sel, va, entry, want, &n);
			for (i = 0; r == 0 && i < n; i++)
				pfn[i] = hwpi_pagemap_pfn(entry[i]);
		}
		t1 = now_ns();
		if (r < 0) {
			fprintf(stderr, "bench: translate: %s\n", hwpi_ctx_strerror(ctx));
			break;
		}
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	if (k == reps)
		printf("@B name=translate how=%s present=%zu ns=%" PRIu64 "\n",
		       full ? "full" : "pfns", n, best);
	hwpi_ctx_free(ctx);
	free(va);
	free(entry);
	free(pfn);
	free(t);
	return k == reps ? 0 : 1;
}

static int cmd_exec(int argc, char **argv)
{
	uint64_t t0, total = 0;
	long rss = 0;
	size_t reps, k;
	int status = 0, null;

	if (argc < 2)
		return 64;
	reps = strtoul(argv[0], NULL, 0);
	if (!reps)
		return 64;
	null = open("/dev/null", O_WRONLY);
	for (k = 0; k < reps; k++) {
		struct rusage ru;
		pid_t c;

		t0 = now_ns();
		c = fork();
		if (c == 0) {
			dup2(null, 1);
			execvp(argv[1], argv + 1);
			_exit(127);
		}
		if (c < 0 || wait4(c, &status, 0, &ru) < 0)
			die("wait4");
		total += now_ns() - t0;
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
	}
	printf("@B name=exec cmd=%s reps=%zu ns=%" PRIu64 " rss_kb=%ld status=%d\n",
	       argv[1], reps, total / reps, rss, status);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "victim", cmd_victim }, { "raw", cmd_raw },   { "shell", cmd_shell },
		     { "lib", cmd_lib },       { "pagemap", cmd_pagemap },
		     { "translate", cmd_translate }, { "exec", cmd_exec } };
	size_t i;

	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench victim|raw|shell|lib|pagemap|translate|exec ...\n");
	return 64;
}
