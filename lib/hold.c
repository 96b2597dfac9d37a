// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holding a target process with PTRACE_SEIZE around an injection: every
 * signal its threads receive is recorded with its full siginfo and passed
 * on unchanged, and its fate (alive, killed, exited) is observed.  The
 * target is never left stopped or traced: every thread is detached on
 * every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "internal.h"

#define POLL_MIN_NS 20000L	/* looks at the threads: first after 20 us, */
#define POLL_MAX_NS 2000000L	/* then twice as long each time, up to 2 ms */
#define DETACH_TIMEOUT_MS 2000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Wait before the next look: at first only give the CPU away (a stop is
 * usually a matter of the target being scheduled; a short sleep can last a
 * whole timer tick in a VM), then sleep twice as long each time.
 */
static void nap(long *ns)
{
	struct timespec ts = { 0, *ns };

	if (*ns < POLL_MIN_NS * 8) {
		sched_yield();
		*ns += POLL_MIN_NS;
		return;
	}
	nanosleep(&ts, NULL);
	*ns = *ns * 2 > POLL_MAX_NS ? POLL_MAX_NS : *ns * 2;
}

/*
 * Hold TID: 1 if it is new (its slot in *SLOT), 0 if held already, -E2BIG if
 * the table is full.  The slots of threads that are gone are reused: a target
 * that keeps creating and ending threads never fills it.
 */
/* Close the kept status file of SLOT, if any: its thread is gone or let go. */
static void status_forget(struct hwpi_hold *h, unsigned int slot)
{
	if (slot < HWPI_HOLD_KEPT_STATUS && h->status_fd1[slot]) {
		close(h->status_fd1[slot] - 1);
		h->status_fd1[slot] = 0;
	}
}

/*
 * The status file of the thread in SLOT into BUF: kept open for the first
 * slots and read again from its start (the kernel makes it anew), since a
 * settle reads it after every page of a batch.  Returns 0 or -errno.
 */
static int status_read(struct hwpi_ctx *ctx, struct hwpi_hold *h, unsigned int slot, char *buf,
		       size_t len)
{
	bool keep = slot < HWPI_HOLD_KEPT_STATUS;
	ssize_t k;
	int fd;

	if (keep && h->status_fd1[slot]) {
		fd = h->status_fd1[slot] - 1;
	} else {
		fd = hwpi__open(ctx, O_RDONLY, "/proc/%d/task/%d/status", (int)h->pid,
				(int)h->tids[slot]);
		if (fd < 0)
			return fd;
		if (keep)
			h->status_fd1[slot] = fd + 1;
	}
	do
		k = pread(fd, buf, len - 1, 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		k = -errno;
	else
		buf[k] = '\0';
	if (!keep)
		close(fd);
	return k < 0 ? (int)k : 0;
}

static int add_tid(struct hwpi_hold *h, pid_t tid, unsigned int *slot)
{
	unsigned int i, free_slot = h->n;

	for (i = 0; i < h->n; i++) {
		if (h->live[i] && h->tids[i] == tid)
			return 0;
		if (!h->live[i] && free_slot == h->n)
			free_slot = i;
	}
	if (free_slot == HWPI_HOLD_MAX_THREADS)
		return -E2BIG;
	if (free_slot == h->n)
		h->n++;
	status_forget(h, free_slot);	/* a thread that was in this slot */
	h->tids[free_slot] = tid;
	h->live[free_slot] = true;
	if (slot)
		*slot = free_slot;
	return 1;
}

/* The thread tracing TID (its TracerPid), 0 if none or unknown. */
static int tracer_of(struct hwpi_ctx *ctx, pid_t tid)
{
	char buf[4096], *p;

	if (hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/status", (int)tid) >= 0 &&
	    (p = strstr(buf, "\nTracerPid:")))
		return atoi(p + 11);
	return 0;
}

/* Why PTRACE_SEIZE failed, naming the tracer that is already there. */
static int attach_error(struct hwpi_ctx *ctx, pid_t pid, pid_t tid, int err)
{
	char comm[17] = "?";
	int tracer = tracer_of(ctx, tid);

	if (tracer > 0) {
		if (hwpi__read_file(ctx, comm, sizeof(comm), "/proc/%d/comm", tracer) < 0)
			snprintf(comm, sizeof(comm), "?");
		return hwpi__err(ctx, -EBUSY,
				 "pid %d is already traced by pid %d (%s): a process can have "
				 "only one tracer", (int)pid, tracer, comm);
	}
	return hwpi__err(ctx, err, "cannot attach to pid %d (thread %d): %s", (int)pid, (int)tid,
			 strerror(-err));
}

int hwpi__hold_begin(struct hwpi_ctx *ctx, pid_t pid, struct hwpi_hold *h)
{
	return hwpi__hold_adopt(ctx, pid, 0, h);
}

int hwpi__seize_thread(struct hwpi_ctx *ctx, pid_t pid, pid_t tid, long options)
{
	const struct timespec ms = { 0, 1000000L };
	char path[64];
	int n;

	for (n = 0;; n++) {
		if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)options) == 0)
			return 0;
		if (errno != EPERM)
			return -errno;
		if (tracer_of(ctx, tid) == (int)syscall(SYS_gettid))
			return 1;
		if (n == 20)
			return -EPERM;
		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
		if (access(path, F_OK) != 0)
			return -ESRCH;
		nanosleep(&ms, NULL);
	}
}

int hwpi__hold_adopt(struct hwpi_ctx *ctx, pid_t pid, pid_t seized, struct hwpi_hold *h)
{
	char dir[HWPI_PATH_MAX];
	bool added = true;
	int r, pass;

	memset(h, 0, sizeof(*h));
	h->pid = pid;
	if (seized > 0)
		add_tid(h, seized, NULL);	/* already ours: it must not be seized again */
	r = hwpi__path(ctx, dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if (r < 0)
		return r;
	/* threads may be created while we attach: repeat until none is new */
	for (pass = 0; added && pass < 8; pass++) {
		struct dirent *de;
		DIR *d = opendir(dir);

		if (!d)
			return hwpi__err(ctx, -ESRCH, "pid %d disappeared", (int)pid);
		added = false;
		while ((de = readdir(d))) {
			char *end;
			long tid = strtol(de->d_name, &end, 10);
			unsigned int slot = 0;

			if (*end || tid <= 0)
				continue;
			r = add_tid(h, (pid_t)tid, &slot);
			if (r <= 0)
				continue;
			r = hwpi__seize_thread(ctx, pid, (pid_t)tid, HWPI_HOLD_PTRACE_OPTIONS);
			if (r < 0) {
				h->live[slot] = false;
				if (r == -ESRCH)
					continue; /* thread exited meanwhile */
				closedir(d);
				hwpi__hold_end(ctx, h, NULL);
				return attach_error(ctx, pid, (pid_t)tid, r);
			}
			added = true;
		}
		closedir(d);
	}
	if (h->n == 0)
		return hwpi__err(ctx, -ESRCH, "pid %d has no threads left", (int)pid);
	h->active = true;
	dbg(ctx, "holding pid %d (%u threads)", (int)pid, h->n);
	return 0;
}

static void record_signal(struct hwpi_ctx *ctx, struct hwpi_hold *h, pid_t tid,
			  const siginfo_t *si, enum hwpi_signal_when when, struct hwpi_report *r)
{
	char comm[17];
	struct hwpi_signal *g;

	/* after the injection only a SIGBUS BUS_MCEERR_AR is caused by an access */
	if (when != HWPI_SIG_AT_INJECTION)
		when = si->si_signo == SIGBUS && si->si_code == BUS_MCEERR_AR ?
			       HWPI_SIG_ON_ACCESS : HWPI_SIG_LATER;
	if (hwpi__read_file(ctx, comm, sizeof(comm), "/proc/%d/comm", (int)tid) < 0)
		comm[0] = '\0';
	g = hwpi__report_add_siginfo(r, h->pid, tid, comm, si, when);
	if (g)
		dbg(ctx, "thread %d: signal %d code %d addr 0x%" PRIx64 " lsb %d", (int)tid,
		    g->signo, g->code, g->addr, g->addr_lsb);
}

static void note_death(struct hwpi_hold *h, unsigned int i, int status, struct hwpi_report *r)
{
	h->live[i] = false;
	if (!r || h->tids[i] != h->pid)
		return;
	if (WIFSIGNALED(status)) {
		r->target_state = HWPI_TARGET_KILLED;
		r->target_status = WTERMSIG(status);
	} else {
		r->target_state = HWPI_TARGET_EXITED;
		r->target_status = WEXITSTATUS(status);
	}
}

/*
 * Handle one wait status of thread I.  Resumes it, passing on any signal.
 * With DETACH, a stop is used to detach instead.
 */
static void handle_stop(struct hwpi_ctx *ctx, struct hwpi_hold *h, unsigned int i, int status,
			enum hwpi_signal_when when, bool detach, struct hwpi_report *r)
{
	pid_t tid = h->tids[i];
	int sig = WSTOPSIG(status), event = status >> 16, pass = 0;
	unsigned long msg;
	siginfo_t si;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		note_death(h, i, status, r);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (event == PTRACE_EVENT_CLONE) {
		if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 &&
		    add_tid(h, (pid_t)msg, NULL) < 0) {
			/* traced from birth: never leave it in its first stop */
			int st;

			dbg(ctx, "too many threads to follow: thread %lu let go", msg);
			if (waitpid((pid_t)msg, &st, __WALL) == (pid_t)msg && WIFSTOPPED(st))
				ptrace(PTRACE_DETACH, (pid_t)msg, NULL, NULL);
		}
	} else if (event == PTRACE_EVENT_STOP) {
		/* group-stop: keep it stopped as it would be without us */
		if (!detach && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
				sig == SIGTTOU)) {
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
			return;
		}
	} else if (event == 0) {
		/* signal-delivery-stop: record it, pass it on unchanged */
		if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) == 0)
			record_signal(ctx, h, tid, &si, when, r);
		pass = sig;
	}
	if (detach) {
		ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)pass);
		h->live[i] = false;
	} else {
		ptrace(PTRACE_CONT, tid, NULL, (void *)(long)pass);
	}
}

/* True if the caller has SIGINT or SIGTERM pending (it blocks them meanwhile). */
static bool interrupted(void)
{
	sigset_t set;

	return sigpending(&set) == 0 && (sigismember(&set, SIGINT) || sigismember(&set, SIGTERM));
}

static bool any_live(const struct hwpi_hold *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->live[i])
			return true;
	return false;
}

/*
 * One look at every live thread: handle what waitpid reports (resume, or
 * with DETACH detach at the stop).  Returns true if anything happened.
 * A thread created meanwhile (clone event) starts in an event stop of its
 * own, so it is detached too.
 */
static bool poll_threads(struct hwpi_ctx *ctx, struct hwpi_hold *h, enum hwpi_signal_when when,
			 bool detach, struct hwpi_report *r)
{
	bool got = false;
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		int status;
		pid_t w;

		if (!h->live[i])
			continue;
		w = waitpid(h->tids[i], &status, __WALL | WNOHANG);
		if (w < 0) {
			h->live[i] = false;	/* ECHILD: not ours any more */
			continue;
		}
		if (w == 0)
			continue;
		handle_stop(ctx, h, i, status, when, detach, r);
		got = true;
	}
	return got;
}

void hwpi__hold_watch(struct hwpi_ctx *ctx, struct hwpi_hold *h, uint64_t ms,
		      enum hwpi_signal_when when, struct hwpi_report *r)
{
	uint64_t end = now_ms() + ms;
	long wait_ns = POLL_MIN_NS;

	if (!h->active)
		return;
	do {
		bool got = poll_threads(ctx, h, when, false, r);

		if (!any_live(h))
			break;
		if (interrupted()) {
			if (r)
				r->interrupted = true;
			break;
		}
		if (got)
			wait_ns = POLL_MIN_NS;
		else
			nap(&wait_ns);
	} while (now_ms() < end);
}

/* A "Sig...:" mask of /proc/PID/task/TID/status (hex), 0 if absent. */
static uint64_t status_mask(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/* The state letter ("R", "S", "Z"...) of a status file, '\0' if absent. */
static char status_state(const char *buf)
{
	const char *p = strstr(buf, "\nState:\t");

	return p ? p[8] : '\0';
}

bool hwpi__hold_live(const struct hwpi_hold *h)
{
	return h->active && any_live(h);
}

bool hwpi__hold_has_thread(struct hwpi_ctx *ctx, struct hwpi_hold *h, pid_t tid)
{
	char buf[4096], st;
	unsigned int i;

	for (i = 0; h->active && i < h->n; i++) {
		if (!h->live[i] || h->tids[i] != tid)
			continue;
		/* a leader that exited before its threads is a zombie, not reported yet */
		if (status_read(ctx, h, i, buf, sizeof(buf)) < 0)
			return false;
		st = status_state(buf);
		return st && st != 'Z' && st != 'X' && st != 'x';
	}
	return false;
}

/* CPU time of thread TID (schedstat, ns), 0 if unknown. */
static uint64_t run_ns(struct hwpi_ctx *ctx, pid_t pid, pid_t tid)
{
	char buf[128];

	if (hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/task/%d/schedstat", (int)pid,
			    (int)tid) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

/*
 * Is a thread not settled yet?  It is while it has a signal pending that it
 * does not block, and, when it was passed signals IN_HANDLER, while it runs
 * one's handler (the signal blocked) or may not have started it yet: a
 * thread resumed with a signal sets its handler up only when it runs, so a
 * runnable thread that has not run since the first look (RAN0) is waited
 * for.  The kernel reads the masks under the lock it dequeues signals with,
 * and a thread that dequeued one for us has set up its ptrace stop in that
 * same section: after a "no", waitpid sees every such stop.
 */
static bool unsettled(struct hwpi_ctx *ctx, struct hwpi_hold *h, uint64_t in_handler,
		      uint64_t *ran0)
{
	char buf[4096];
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		uint64_t blk, ran;

		if (!h->live[i] || status_read(ctx, h, i, buf, sizeof(buf)) < 0)
			continue;
		blk = status_mask(buf, "\nSigBlk:");
		if (((status_mask(buf, "\nSigPnd:") | status_mask(buf, "\nShdPnd:")) & ~blk) ||
		    (blk & in_handler))
			return true;
		if (!in_handler || status_state(buf) != 'R')
			continue;
		ran = run_ns(ctx, h->pid, h->tids[i]);
		if (!ran)
			continue;	/* no schedstat: the masks must do */
		if (!ran0[i])
			ran0[i] = ran;
		if (ran <= ran0[i])
			return true;
	}
	return false;
}

void hwpi__hold_settle(struct hwpi_ctx *ctx, struct hwpi_hold *h, uint64_t ms,
		       struct hwpi_report *r)
{
	uint64_t end = now_ms() + ms, ran0[HWPI_HOLD_MAX_THREADS] = { 0 };
	long wait_ns = POLL_MIN_NS;
	char saved[sizeof(ctx->errmsg)];

	if (!h->active)
		return;
	memcpy(saved, ctx->errmsg, sizeof(saved));
	for (;;) {
		bool got = poll_threads(ctx, h, HWPI_SIG_AT_INJECTION, false, r);
		uint64_t in_handler = 0;
		unsigned int i;

		if (!any_live(h))
			break;
		/*
		 * A signal the target was sent is settled when its handler has
		 * returned: a SIGBUS forced while SIGBUS is still blocked there
		 * (the next injection) would kill it, which a program that
		 * injects into itself never sees.
		 */
		for (i = 0; r && i < r->n_signals; i++)
			if (r->signals[i].pid == h->pid && r->signals[i].signo > 0 &&
			    r->signals[i].signo <= 64)
				in_handler |= 1ULL << (r->signals[i].signo - 1);
		if (!got && !unsettled(ctx, h, in_handler, ran0)) {
			/* a stop set up before that look is reported now */
			poll_threads(ctx, h, HWPI_SIG_AT_INJECTION, false, r);
			break;
		}
		if (interrupted()) {
			if (r)
				r->interrupted = true;
			break;
		}
		if (now_ms() >= end)
			break;
		if (got)
			wait_ns = POLL_MIN_NS;
		else
			nap(&wait_ns);
	}
	memcpy(ctx->errmsg, saved, sizeof(saved));
}

void hwpi__hold_end(struct hwpi_ctx *ctx, struct hwpi_hold *h, struct hwpi_report *r)
{
	uint64_t end = now_ms() + DETACH_TIMEOUT_MS;
	long wait_ns = POLL_MIN_NS;
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->live[i] && ptrace(PTRACE_INTERRUPT, h->tids[i], NULL, NULL) < 0 &&
		    errno == ESRCH)
			h->live[i] = false;
	while (any_live(h) && now_ms() < end)
		if (!poll_threads(ctx, h, HWPI_SIG_LATER, true, r))
			nap(&wait_ns);
	for (i = 0; i < h->n; i++) {
		if (!h->live[i])
			continue;
		/* never leave it traced: the last resort detaches a running thread */
		if (ptrace(PTRACE_DETACH, h->tids[i], NULL, NULL) < 0)
			info(ctx, "thread %d did not stop to be detached: %m", (int)h->tids[i]);
		h->live[i] = false;
	}
	for (i = 0; i < h->n; i++)
		status_forget(h, i);
	h->active = false;
	dbg(ctx, "released pid %d", (int)h->pid);
}
