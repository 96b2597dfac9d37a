// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holding a target process with PTRACE_SEIZE around an injection: every
 * signal its threads receive is recorded with its full siginfo and passed
 * on unchanged, and its fate (alive, killed, exited) is observed.  The
 * target is never left stopped or traced: every thread is detached on
 * every path.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "internal.h"

#define POLL_NS 2000000L	/* 2 ms between looks at the threads */
#define DETACH_TIMEOUT_MS 2000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int add_tid(struct hwpi_hold *h, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->tids[i] == tid)
			return 0;
	if (h->n == HWPI_HOLD_MAX_THREADS)
		return -E2BIG;
	h->tids[h->n] = tid;
	h->live[h->n] = true;
	h->n++;
	return 0;
}

/* Why PTRACE_SEIZE failed, naming the tracer that is already there. */
static int attach_error(struct hwpi_ctx *ctx, pid_t pid, pid_t tid, int err)
{
	char buf[4096], comm[17] = "?", *p;
	int tracer = 0;

	if (hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/status", (int)tid) >= 0 &&
	    (p = strstr(buf, "\nTracerPid:")))
		tracer = atoi(p + 11);
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

int hwpi__hold_adopt(struct hwpi_ctx *ctx, pid_t pid, pid_t seized, struct hwpi_hold *h)
{
	char dir[HWPI_PATH_MAX];
	bool added = true;
	int r, pass;

	memset(h, 0, sizeof(*h));
	h->pid = pid;
	if (seized > 0)
		add_tid(h, seized);	/* already ours: it must not be seized again */
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
			unsigned int before = h->n;

			if (*end || tid <= 0)
				continue;
			r = add_tid(h, (pid_t)tid);
			if (r < 0 || h->n == before)
				continue;
			if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL,
				   (void *)(long)(PTRACE_O_TRACECLONE)) < 0) {
				r = -errno;
				h->n--;
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
		if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 && add_tid(h, (pid_t)msg) < 0)
			dbg(ctx, "too many threads to follow");
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
	const struct timespec nap = { 0, POLL_NS };
	uint64_t end = now_ms() + ms;

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
		if (!got)
			nanosleep(&nap, NULL);
	} while (now_ms() < end);
}

void hwpi__hold_end(struct hwpi_ctx *ctx, struct hwpi_hold *h, struct hwpi_report *r)
{
	const struct timespec nap = { 0, POLL_NS };
	uint64_t end = now_ms() + DETACH_TIMEOUT_MS;
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->live[i] && ptrace(PTRACE_INTERRUPT, h->tids[i], NULL, NULL) < 0 &&
		    errno == ESRCH)
			h->live[i] = false;
	while (any_live(h) && now_ms() < end)
		if (!poll_threads(ctx, h, HWPI_SIG_LATER, true, r))
			nanosleep(&nap, NULL);
	for (i = 0; i < h->n; i++) {
		if (!h->live[i])
			continue;
		/* never leave it traced: the last resort detaches a running thread */
		if (ptrace(PTRACE_DETACH, h->tids[i], NULL, NULL) < 0)
			info(ctx, "thread %d did not stop to be detached: %m", (int)h->tids[i]);
		h->live[i] = false;
	}
	h->active = false;
	dbg(ctx, "released pid %d", (int)h->pid);
}
