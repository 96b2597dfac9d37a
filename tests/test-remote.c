// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Remote syscall injection (lib/remote.c) against live processes of this
 * machine: tests/remote-target in each of its modes.
 *
 *   test-remote PATH-TO-remote-target
 *
 * Needs ptrace permission over its own children (root, or Yama scope <= 1);
 * skips (exit 77) without it.  Exit 0 pass, 1 fail (each failure printed).
 *
 * Harmless syscalls prove the mechanism: getpid/gettid (the return value),
 * madvise WILLNEED / bad advice (0 / -EINVAL), MADV_HWPOISON (-EINVAL on a
 * kernel without CONFIG_MEMORY_FAILURE; in a VM it poisons the target's
 * victim page, and on 6.11+ the target's handler must see the real SIGBUS
 * of the madvise: "# ... saw the real SIGBUS" lines, which
 * tests/vm/arm64/check.py counts; later threads of the same target get
 * EFAULT for the poisoned page).  A SIGBUS arriving during the injected syscall is simulated
 * with rt_tgsigqueueinfo(BUS_MCEERR_AR, addr, lsb 12) from the target
 * itself: the target's own SA_SIGINFO handler must see exactly that.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define MAX_TIDS 8

/* what pause() and nanosleep() are made of (arm64 has neither syscall) */
#ifdef SYS_pause
#define BLOCKING_PAUSE SYS_pause
#else
#define BLOCKING_PAUSE SYS_ppoll
#endif
#ifdef SYS_nanosleep
#define BLOCKING_NANOSLEEP SYS_nanosleep
#else
#define BLOCKING_NANOSLEEP SYS_clock_nanosleep
#endif
#define LINE_TIMEOUT_MS 3000

static int failures;
static const char *target_path;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			failures++;                                        \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                               \
			printf("\n");                                      \
		}                                                          \
	} while (0)

struct target {
	pid_t pid;
	int fd;
	char rbuf[16384];
	size_t rlen;
	unsigned long victim, bus, segv, usr1;
	pid_t tids[MAX_TIDS];	/* [0] the main thread */
	int ntids;
	bool reaped;
	bool blocking;	/* pause or sleep mode: the main thread blocks */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Next line from the target within TIMEOUT_MS: 1, 0 on timeout, -1 on EOF. */
static int read_line(struct target *t, char *line, size_t size, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		char *nl = memchr(t->rbuf, '\n', t->rlen);
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
		ssize_t n;
		int64_t left;

		if (nl) {
			size_t len = (size_t)(nl - t->rbuf);

			snprintf(line, size, "%.*s", (int)len, t->rbuf);
			memmove(t->rbuf, nl + 1, t->rlen - len - 1);
			t->rlen -= len + 1;
			if (!strncmp(line, "bad ", 4)) {
				failures++;
				printf("FAIL target %d reports: %s\n", t->pid, line);
			}
			return 1;
		}
		left = (int64_t)(end - now_ms());
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(t->fd, t->rbuf + t->rlen, sizeof(t->rbuf) - t->rlen - 1);
		if (n <= 0)
			return -1;
		t->rlen += (size_t)n;
	}
}

/* Read lines until one starts with PREFIX; false on timeout/EOF. */
static bool expect_line(struct target *t, const char *prefix, char *line, size_t size)
{
	while (read_line(t, line, size, LINE_TIMEOUT_MS) == 1) {
		if (!strncmp(line, prefix, strlen(prefix)))
			return true;
	}
	snprintf(line, size, "(nothing)");
	return false;
}

/*
 * pause and sleep modes: wait until the main thread is blocked in its
 * syscall again, so that a signal sent now wakes it (one sent just before
 * it calls pause() would run its handler and leave pause() blocked).
 */
static void settle(struct target *t)
{
	char path[64], line[128];
	FILE *f;

	if (!t->blocking)
		return;
	snprintf(path, sizeof(path), "/proc/%d/syscall", t->pid);
	for (int i = 0; i < 300; i++) {
		long nr = -1;

		f = fopen(path, "re");
		if (!f)
			return;
		if (fgets(line, sizeof(line), f))
			nr = strtol(line, NULL, 10);
		fclose(f);
		if (nr == BLOCKING_PAUSE || nr == BLOCKING_NANOSLEEP || nr == SYS_clock_nanosleep)
			return;
		sleep_ms(2);
	}
	printf("# target %d did not block in its syscall\n", t->pid);
}

static bool spawn(const char *mode, struct target *t)
{
	char line[512];
	int p[2];

	memset(t, 0, sizeof(*t));
	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	t->pid = fork();
	if (t->pid < 0)
		return false;
	if (t->pid == 0) {
		dup2(p[1], 1);
		execl(target_path, "remote-target", mode, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	t->fd = p[0];
	t->blocking = !strcmp(mode, "pause") || !strcmp(mode, "sleep");
	while (read_line(t, line, sizeof(line), LINE_TIMEOUT_MS) == 1) {
		int tid;

		if (sscanf(line, "thread tid=%d", &tid) == 1 && t->ntids < MAX_TIDS - 1) {
			t->tids[1 + t->ntids++] = tid;
			continue;
		}
		if (sscanf(line, "ready pid=%*d tid=%d victim=%lx bus=%lx segv=%lx usr1=%lx", &tid,
			   &t->victim, &t->bus, &t->segv, &t->usr1) == 5) {
			t->tids[0] = tid;
			t->ntids++;
			return true;
		}
	}
	printf("FAIL remote-target %s did not start\n", mode);
	failures++;
	return false;
}

static void stop_target(struct target *t)
{
	int st;

	if (t->pid > 0 && !t->reaped) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, &st, 0);
	}
	if (t->fd > 0)
		close(t->fd);
	t->pid = 0;
}

/* Fields of /proc/PID/task/TID/status. */
struct tstatus {
	char state;
	int tracer;
	unsigned long long sigblk;
};

static bool read_tstatus(pid_t pid, pid_t tid, struct tstatus *s)
{
	char path[64], line[256];
	FILE *f;

	memset(s, 0, sizeof(*s));	/* also for the messages of a failed CHECK */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "State: %c", &s->state);
		sscanf(line, "TracerPid: %d", &s->tracer);
		sscanf(line, "SigBlk: %llx", &s->sigblk);
	}
	fclose(f);
	return true;
}

/* No thread of T traced or stopped; state letter expected ('T' if job-stopped). */
static void check_released(struct target *t, const char *what, bool job_stopped)
{
	struct tstatus s;

	for (int i = 0; i < t->ntids; i++) {
		CHECK(read_tstatus(t->pid, t->tids[i], &s), "%s: tid %d vanished", what, t->tids[i]);
		CHECK(s.tracer == 0, "%s: tid %d still traced by %d", what, t->tids[i], s.tracer);
		CHECK(s.state != 't', "%s: tid %d left in trace stop", what, t->tids[i]);
		if (!job_stopped)
			CHECK(s.state != 'T', "%s: tid %d left stopped", what, t->tids[i]);
	}
}

static long inject(struct hwpi_ctx *ctx, pid_t tid, long nr, long a0, long a1, long a2, long a3,
		   struct hwpi_report *r, int *err)
{
	const long args[6] = { a0, a1, a2, a3, 0, 0 };
	long ret = -12345;

	*err = hwpi__remote_syscall(ctx, tid, nr, args, &ret, r);
	return ret;
}

/* The target answers SIGUSR2 with a status line: bad=0, and iter as it goes. */
static unsigned long status_of(struct target *t, const char *what)
{
	char line[512];
	unsigned long iter = 0, nbad = 1;

	settle(t);
	kill(t->pid, SIGUSR2);
	CHECK(expect_line(t, "status ", line, sizeof(line)), "%s: no status line from %d", what,
	      t->pid);
	CHECK(sscanf(line, "status mode=%*s iter=%lu bad=%lu", &iter, &nbad) == 2 && nbad == 0,
	      "%s: target says: %s", what, line);
	return iter;
}

static void test_mode(struct hwpi_ctx *ctx, const char *mode)
{
	struct target t;
	struct hwpi_report r;
	struct tstatus before, after;
	char line[512], want[256];
	unsigned long iter0, iter1;
	bool poisoned = false;	/* the victim page is poisoned for real */
	long ret;
	int err;

	printf("# mode %s\n", mode);
	if (!spawn(mode, &t))
		return;
	CHECK(!strcmp(mode, "threads") ? t.ntids == 4 : t.ntids == 1, "%s: %d threads", mode,
	      t.ntids);
	sleep_ms(50);	/* let it reach its pause()/nanosleep()/loop */
	iter0 = status_of(&t, mode);
	sleep_ms(50);

	for (int i = 0; i < t.ntids; i++) {
		pid_t tid = t.tids[i];

		settle(&t);
		read_tstatus(t.pid, tid, &before);

		ret = inject(ctx, tid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
		CHECK(err == 0 && ret == t.pid, "%s tid %d: getpid: err %d ret %ld (%s)", mode, tid,
		      err, ret, hwpi_ctx_strerror(ctx));
		check_released(&t, "getpid", false);

		ret = inject(ctx, tid, SYS_gettid, 0, 0, 0, 0, NULL, &err);
		CHECK(err == 0 && ret == tid, "%s tid %d: gettid: err %d ret %ld (%s)", mode, tid,
		      err, ret, hwpi_ctx_strerror(ctx));

		err = hwpi__remote_madvise(ctx, tid, t.victim, 4096, 3 /* MADV_WILLNEED */, &ret,
					   NULL, NULL);
		CHECK(err == 0 && ret == 0, "%s tid %d: madvise WILLNEED: err %d ret %ld (%s)",
		      mode, tid, err, ret, hwpi_ctx_strerror(ctx));

		err = hwpi__remote_madvise(ctx, tid, t.victim, 4096, 12345, &ret, NULL, NULL);
		CHECK(err == 0 && ret == -EINVAL, "%s tid %d: madvise bad advice: err %d ret %ld",
		      mode, tid, err, ret);

		memset(&r, 0, sizeof(r));
		err = hwpi__remote_madvise(ctx, tid, t.victim, 4096, MADV_HWPOISON, &ret, &r, NULL);
		if (err == 0 && ret == 0) {
			/*
			 * A kernel with CONFIG_MEMORY_FAILURE (the VMs): the victim page is
			 * poisoned for real; 6.11+ sends SIGBUS BUS_MCEERR_AR during the
			 * madvise, which is passed on: the target's own handler must see
			 * it, exactly (6.1 sends none at injection).
			 */
			printf("# %s tid %d: MADV_HWPOISON accepted (kernel has MEMORY_FAILURE), "
			       "%u signal(s) at injection\n",
			       mode, tid, r.n_signals);
			poisoned = true;
			if (r.n_signals) {
				CHECK(r.signals[0].signo == SIGBUS && r.signals[0].addr == t.victim,
				      "hwpoison: signal %d addr %#llx", r.signals[0].signo,
				      (unsigned long long)r.signals[0].addr);
				snprintf(want, sizeof(want), "sigbus code=%d addr=%#lx lsb=12 tid=%d",
					 BUS_MCEERR_AR, t.victim, tid);
				if (expect_line(&t, "sigbus ", line, sizeof(line)) &&
				    !strcmp(line, want))
					printf("# %s tid %d: the target's handler saw the real SIGBUS: "
					       "%s\n", mode, tid, line);
				else
					CHECK(0, "%s: real poison: target's handler saw \"%s\", "
					      "expected \"%s\"", mode, line, want);
			}
		} else if (err == 0 && ret == -EFAULT && poisoned) {
			/* threads: an earlier thread poisoned the page (a hwpoison pte now) */
			printf("# %s tid %d: MADV_HWPOISON of the page already poisoned: EFAULT\n",
			       mode, tid);
		} else {
			CHECK(err == 0 && (ret == -EINVAL || ret == -EPERM),
			      "%s tid %d: MADV_HWPOISON: err %d ret %ld", mode, tid, err, ret);
		}

		check_released(&t, mode, false);
		/* a handler that ran (real poison) may still be returning in a worker thread */
		for (int w = 0; w < 100 && read_tstatus(t.pid, tid, &after) &&
				after.sigblk != before.sigblk; w++)
			sleep_ms(10);
		CHECK(before.sigblk == after.sigblk, "%s tid %d: blocked mask %llx -> %llx", mode,
		      tid, before.sigblk, after.sigblk);
	}

	/* nothing may wake early: pause/nanosleep restarted, no stray output */
	CHECK(read_line(&t, line, sizeof(line), 400) == 0, "%s: unexpected output: %s", mode,
	      line);
	iter1 = status_of(&t, mode);
	if (strcmp(mode, "pause"))
		CHECK(iter1 > iter0, "%s: no progress (%lu -> %lu)", mode, iter0, iter1);

	/* SIGBUS at injection, passed on with its siginfo (SETSIGINFO path) */
	for (int i = 0; i < t.ntids; i++) {
		pid_t tid = t.tids[i];

		settle(&t);
		memset(&r, 0, sizeof(r));
		ret = inject(ctx, tid, SYS_rt_tgsigqueueinfo, t.pid, tid, SIGBUS, (long)t.bus, &r,
			     &err);
		CHECK(err == 0 && ret == 0, "%s tid %d: sigqueue SIGBUS: err %d ret %ld (%s)", mode,
		      tid, err, ret, hwpi_ctx_strerror(ctx));
		CHECK(r.n_signals == 1, "%s tid %d: %u signals recorded", mode, tid, r.n_signals);
		if (r.n_signals >= 1) {
			struct hwpi_signal *s = &r.signals[0];

			CHECK(s->signo == SIGBUS && s->code == BUS_MCEERR_AR && s->addr == t.victim &&
				      s->addr_lsb == 12 && s->pid == t.pid && s->tid == tid &&
				      s->when == HWPI_SIG_AT_INJECTION &&
				      !strcmp(s->comm, "remote-target"),
			      "%s: recorded sig %d code %d addr %#llx lsb %d pid %d tid %d when %d "
			      "comm %s",
			      mode, s->signo, s->code, (unsigned long long)s->addr, s->addr_lsb,
			      s->pid, s->tid, s->when, s->comm);
		}
		snprintf(want, sizeof(want), "sigbus code=%d addr=%#lx lsb=12 tid=%d",
			 BUS_MCEERR_AR, t.victim, tid);
		CHECK(expect_line(&t, "sigbus ", line, sizeof(line)) && !strcmp(line, want),
		      "%s: target's handler saw \"%s\", expected \"%s\"", mode, line, want);
		check_released(&t, "sigbus", false);

		/* a second synchronous signal: requeued by the kernel, siginfo kept */
		settle(&t);
		memset(&r, 0, sizeof(r));
		ret = inject(ctx, tid, SYS_rt_tgsigqueueinfo, t.pid, tid, SIGSEGV, (long)t.segv,
			     &r, &err);
		CHECK(err == 0 && ret == 0 && r.n_signals == 1 && r.signals[0].signo == SIGSEGV,
		      "%s tid %d: sigqueue SIGSEGV: err %d ret %ld n %u", mode, tid, err, ret,
		      r.n_signals);
		snprintf(want, sizeof(want), "sigsegv code=%d addr=%#lx tid=%d", SEGV_MAPERR,
			 t.victim + 8, tid);
		CHECK(expect_line(&t, "sigsegv ", line, sizeof(line)) && !strcmp(line, want),
		      "%s: target's handler saw \"%s\", expected \"%s\"", mode, line, want);

		/* an asynchronous signal arriving meanwhile: blocked, delivered after */
		settle(&t);
		memset(&r, 0, sizeof(r));
		ret = inject(ctx, tid, SYS_rt_tgsigqueueinfo, t.pid, tid, SIGUSR1, (long)t.usr1,
			     &r, &err);
		CHECK(err == 0 && ret == 0 && r.n_signals == 0,
		      "%s tid %d: sigqueue SIGUSR1: err %d ret %ld n %u", mode, tid, err, ret,
		      r.n_signals);
		snprintf(want, sizeof(want), "usr1 code=%d value=4242 tid=%d", SI_QUEUE, tid);
		CHECK(expect_line(&t, "usr1 ", line, sizeof(line)) && !strcmp(line, want),
		      "%s: target's handler saw \"%s\", expected \"%s\"", mode, line, want);
		check_released(&t, "usr1", false);
	}
	status_of(&t, mode);
	stop_target(&t);
}

/* A job-control-stopped target stays stopped, untraced. */
static void test_stopped(struct hwpi_ctx *ctx)
{
	struct target t;
	struct tstatus s;
	long ret;
	int err;

	printf("# stopped target\n");
	if (!spawn("pause", &t))
		return;
	settle(&t);
	kill(t.pid, SIGSTOP);
	for (int i = 0; i < 100 && read_tstatus(t.pid, t.pid, &s) && s.state != 'T'; i++)
		sleep_ms(10);
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid, "stopped: getpid err %d ret %ld (%s)", err, ret,
	      hwpi_ctx_strerror(ctx));
	sleep_ms(50);
	CHECK(read_tstatus(t.pid, t.pid, &s) && s.state == 'T' && s.tracer == 0,
	      "stopped: state %c tracer %d", s.state, s.tracer);
	kill(t.pid, SIGCONT);
	status_of(&t, "stopped+continued");
	stop_target(&t);
}

/*
 * The syscall instruction found for a process is used again for its next
 * syscall (the context keeps it) as long as it is still there; anything
 * else there (no mapping, other bytes: what an exec leaves) and it is
 * looked for again.
 */
static void test_insn_cache(struct hwpi_ctx *ctx)
{
	struct target t;
	uint64_t found;
	long ret;
	int err;

	printf("# syscall instruction kept\n");
	if (!spawn("pause", &t))
		return;
	settle(&t);
	ctx->insn_tgid = 0;
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid, "first: getpid err %d ret %ld", err, ret);
	CHECK(ctx->insn_tgid == t.pid && ctx->insn_addr != 0, "kept: pid %d addr 0x%llx",
	      (int)ctx->insn_tgid, (unsigned long long)ctx->insn_addr);
	found = ctx->insn_addr;
	ret = inject(ctx, t.pid, SYS_gettid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid && ctx->insn_addr == found, "again: err %d ret %ld",
	      err, ret);
	/* not mapped any more */
	ctx->insn_addr = 0x1000;
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid && ctx->insn_addr == found,
	      "unmapped: err %d ret %ld addr 0x%llx", err, ret,
	      (unsigned long long)ctx->insn_addr);
	/* mapped, but not that instruction: the victim page is data */
	ctx->insn_addr = t.victim;
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid && ctx->insn_addr == found,
	      "other bytes: err %d ret %ld addr 0x%llx", err, ret,
	      (unsigned long long)ctx->insn_addr);
	check_released(&t, "insn cache", false);
	stop_target(&t);
}

/* The target dies in the injected syscall: -ESRCH, its fate reported, never reaped. */
static void test_death(struct hwpi_ctx *ctx)
{
	struct hwpi_report r;
	struct target t;
	long ret;
	int err, st = 0;

	printf("# target exits / is killed during the injection\n");
	if (spawn("loop", &t)) {
		memset(&r, 0, sizeof(r));
		ret = inject(ctx, t.pid, SYS_exit_group, 7, 0, 0, 0, &r, &err);
		CHECK(err == -ESRCH && r.target_state == HWPI_TARGET_EXITED && r.target_status == 7,
		      "exit_group: err %d ret %ld state %d status %d (%s)", err, ret,
		      r.target_state, r.target_status, hwpi_ctx_strerror(ctx));
		CHECK(waitpid(t.pid, &st, 0) == t.pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
		      "exit_group: the parent could not reap its child (status %#x)", st);
		t.reaped = true;
		stop_target(&t);
	}
	if (spawn("pause", &t)) {
		memset(&r, 0, sizeof(r));
		ret = inject(ctx, t.pid, SYS_kill, t.pid, SIGKILL, 0, 0, &r, &err);
		CHECK(err == -ESRCH && r.target_state == HWPI_TARGET_KILLED &&
			      r.target_status == SIGKILL,
		      "kill: err %d ret %ld state %d status %d (%s)", err, ret, r.target_state,
		      r.target_status, hwpi_ctx_strerror(ctx));
		CHECK(waitpid(t.pid, &st, 0) == t.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "kill: the parent could not reap its child (status %#x)", st);
		t.reaped = true;
		stop_target(&t);
	}
}

static void test_refusals(struct hwpi_ctx *ctx)
{
	struct target t;
	char want[128];
	long ret;
	int err, st, p[2];
	pid_t child, tracer;
	char c, stat[64], line[512];
	FILE *f;

	printf("# refusals\n");

	/* ourselves */
	inject(ctx, getpid(), SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EINVAL, "self: err %d (%s)", err, hwpi_ctx_strerror(ctx));

	/* no such process */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &st, 0);
	inject(ctx, child, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -ESRCH && strstr(hwpi_ctx_strerror(ctx), "no such process"),
	      "no such pid: err %d (%s)", err, hwpi_ctx_strerror(ctx));

	/* a zombie */
	child = fork();
	if (child == 0)
		_exit(0);
	for (int i = 0; i < 200; i++) {
		snprintf(stat, sizeof(stat), "/proc/%d/stat", child);
		f = fopen(stat, "re");
		c = 0;
		if (f) {
			if (fgets(line, sizeof(line), f) && strrchr(line, ')'))
				c = strrchr(line, ')')[2];
			fclose(f);
		}
		if (c == 'Z')
			break;
		sleep_ms(5);
	}
	inject(ctx, child, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -ESRCH && strstr(hwpi_ctx_strerror(ctx), "zombie"), "zombie: err %d (%s)", err,
	      hwpi_ctx_strerror(ctx));
	waitpid(child, &st, 0);

	/* a kernel thread (kthreadd is pid 2 unless in a pid namespace) */
	f = fopen("/proc/2/stat", "re");
	if (f) {
		unsigned int flags = 0;

		if (fgets(line, sizeof(line), f) && strrchr(line, ')') &&
		    sscanf(strrchr(line, ')') + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 &&
		    (flags & 0x00200000u)) {
			inject(ctx, 2, SYS_getpid, 0, 0, 0, 0, NULL, &err);
			CHECK(err == -EPERM && strstr(hwpi_ctx_strerror(ctx), "kernel thread"),
			      "kthread: err %d (%s)", err, hwpi_ctx_strerror(ctx));
		}
		fclose(f);
	}

	/* already traced by another process: -EBUSY naming it */
	if (!spawn("pause", &t))
		return;
	if (pipe(p) < 0)
		return;
	tracer = fork();
	if (tracer == 0) {
		prctl(PR_SET_NAME, "hwpi-tracer");
		c = ptrace(PTRACE_SEIZE, t.pid, NULL, NULL) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	c = 0;
	if (read(p[0], &c, 1) != 1)
		c = 0;
	close(p[0]);
	CHECK(c == 'y', "helper tracer could not seize the target");
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	snprintf(want, sizeof(want), "by pid %d (hwpi-tracer)", tracer);
	CHECK(err == -EBUSY && strstr(hwpi_ctx_strerror(ctx), want),
	      "traced: err %d ret %ld (%s), expected \"%s\"", err, ret, hwpi_ctx_strerror(ctx),
	      want);
	kill(tracer, SIGKILL);
	waitpid(tracer, &st, 0);
	sleep_ms(20);
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == 0 && ret == t.pid, "after the tracer left: err %d ret %ld (%s)", err, ret,
	      hwpi_ctx_strerror(ctx));
	status_of(&t, "after tracer");
	stop_target(&t);
}

/* ------------------------------------------------------------------------ */
/* refusals decided from /proc alone, against a fake tree (hwpi_ctx_set_root) */

static void put_file(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "we");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void fake_proc(const char *root, int pid, const char *comm, char state, int tracer,
		      unsigned int flags)
{
	char rel[64], text[512];

	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	snprintf(text, sizeof(text),
		 "Name:\t%s\nUmask:\t0022\nState:\t%c (whatever)\nTgid:\t%d\nNgid:\t0\n"
		 "Pid:\t%d\nPPid:\t1\nTracerPid:\t%d\nUid:\t0\t0\t0\t0\n",
		 comm, state, pid, pid, tracer);
	put_file(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	snprintf(text, sizeof(text), "%d (%s) %c 1 %d %d 0 -1 %u 0 0 0 0\n", pid, comm, state,
		 pid, pid, flags);
	put_file(root, rel, text);
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	put_file(root, rel, text);
}

static void test_fake_refusals(void)
{
	char root[] = "/tmp/test-remote-XXXXXX", cmd[64];
	struct hwpi_ctx *ctx;
	long ret;
	int err;

	printf("# refusals from a fake /proc\n");
	if (!mkdtemp(root) || hwpi_ctx_new(&ctx) < 0 || hwpi_ctx_set_root(ctx, root) < 0) {
		CHECK(0, "cannot set up a fake root");
		return;
	}
	fake_proc(root, 4000001, "victim", 'S', 0, 0x400100);
	fake_proc(root, 4000002, "gdb", 'S', 0, 0x400000);
	fake_proc(root, 4000003, "traced", 't', 4000002, 0x400100);
	fake_proc(root, 4000004, "kworker/0:1", 'I', 0, 0x04208060);
	fake_proc(root, 4000005, "iou-wrk-77", 'S', 0, 0x00000010);
	fake_proc(root, 4000006, "stuck", 'D', 0, 0x400100);

	ret = inject(ctx, 4000003, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EBUSY && strstr(hwpi_ctx_strerror(ctx), "traced by pid 4000002 (gdb)"),
	      "fake traced: err %d ret %ld (%s)", err, ret, hwpi_ctx_strerror(ctx));
	inject(ctx, 4000004, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EPERM && strstr(hwpi_ctx_strerror(ctx), "kernel thread"),
	      "fake kthread: err %d (%s)", err, hwpi_ctx_strerror(ctx));
	inject(ctx, 4000005, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EPERM && strstr(hwpi_ctx_strerror(ctx), "io_uring"),
	      "fake io worker: err %d (%s)", err, hwpi_ctx_strerror(ctx));
	inject(ctx, 4000006, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EBUSY && strstr(hwpi_ctx_strerror(ctx), "uninterruptible"),
	      "fake D state: err %d (%s)", err, hwpi_ctx_strerror(ctx));
	inject(ctx, 4000099, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -ESRCH, "fake missing: err %d (%s)", err, hwpi_ctx_strerror(ctx));
	put_file(root, "proc/sys/kernel/yama/ptrace_scope", "3\n");
	inject(ctx, 4000001, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	CHECK(err == -EPERM && strstr(hwpi_ctx_strerror(ctx), "kernel.yama.ptrace_scope=3"),
	      "fake yama 3: err %d (%s)", err, hwpi_ctx_strerror(ctx));

	hwpi_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
}

static void log_fn(void *data, int prio, const char *msg)
{
	(void)data;
	(void)prio;
	printf("# log: %s\n", msg);
}

int main(int argc, char **argv)
{
	static const char *modes[] = { "loop", "pause", "sleep", "threads" };
	struct hwpi_ctx *ctx;
	struct target t;
	long ret;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: test-remote PATH-TO-remote-target\n");
		return 2;
	}
	target_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (hwpi_ctx_new(&ctx) < 0)
		return 1;
	if (getenv("HWPI_TEST_VERBOSE"))
		hwpi_ctx_set_log(ctx, log_fn, NULL, LOG_DEBUG);

	/* can we trace our own children at all? */
	if (!spawn("pause", &t))
		return 1;
	ret = inject(ctx, t.pid, SYS_getpid, 0, 0, 0, 0, NULL, &err);
	if (err == -EPERM) {
		printf("SKIP: ptrace not permitted here: %s\n", hwpi_ctx_strerror(ctx));
		stop_target(&t);
		return 77;
	}
	CHECK(err == 0 && ret == t.pid, "first injection: err %d ret %ld (%s)", err, ret,
	      hwpi_ctx_strerror(ctx));
	stop_target(&t);

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		test_mode(ctx, modes[i]);
	test_stopped(ctx);
	test_insn_cache(ctx);
	test_death(ctx);
	test_refusals(ctx);
	test_fake_refusals();

	hwpi_ctx_free(ctx);
	if (failures) {
		printf("%d failure(s)\n", failures);
		return 1;
	}
	printf("all remote tests passed\n");
	return 0;
}
