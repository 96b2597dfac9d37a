/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run a syscall inside another process by ptrace syscall injection, the way
 * MADV_HWPOISON / MADV_SOFT_OFFLINE are made to act on a target's own mm.
 *
 * The recipe (measured on 6.1 and 6.12, see kernel-facts.md):
 *  1. PTRACE_SEIZE + PTRACE_INTERRUPT, wait for the event stop.
 *  2. Save all general registers and the signal mask; block every signal
 *     except the synchronous ones (so that SIGCHLD, SIGTERM ... arriving
 *     meanwhile stay queued with their siginfo instead of being delivered
 *     into the injected register state).
 *  3. Point the program counter at a syscall instruction of the target
 *     ([vdso] first), load number and arguments, orig_rax = -1, and
 *     PTRACE_SINGLESTEP over it.
 *  4. A SIGBUS signal-delivery-stop on the way (6.11+: MF_ACTION_REQUIRED)
 *     is recorded and suppressed; any other signal stopped there is
 *     requeued by the kernel (it is blocked when we resume with it).
 *  5. At the SIGTRAP stop after the syscall read the return value, restore
 *     registers and mask and detach; the suppressed SIGBUS is passed on
 *     there with PTRACE_SETSIGINFO + PTRACE_DETACH(SIGBUS), so the target's
 *     handler sees exactly the kernel's siginfo in its own context.
 *  6. arm64 only (HWPI_ARCH_RESTART_BEFORE_STOP): if the thread was stopped
 *     in a syscall (its saved pc is at a syscall instruction), it first
 *     re-enters that syscall with every signal to be delivered still
 *     blocked (rm_reenter()), and is released at the syscall-entry stop:
 *     the signals then interrupt its own syscall, with -EINTR or a restart
 *     decided by the kernel as without ptrace.
 * Every path after PTRACE_SEIZE ends in rm_finish(), which restores and
 * detaches; the target is never left traced or stopped by us.  While its
 * registers or signal mask are ours (steps 2-5) the thread has
 * PTRACE_O_EXITKILL: if we are killed then (SIGKILL), the kernel kills the
 * target rather than let it run on with a register state not its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#if HWPI_ARCH_REMOTE

#define PF_KTHREAD_FLAG 0x00200000u	/* include/linux/sched.h PF_KTHREAD */
#define PF_IO_WORKER_FLAG 0x00000010u	/* io_uring worker: cannot be traced */
#define HWPI_PEEKSIGINFO_SHARED 1u	/* PTRACE_PEEKSIGINFO_SHARED */

#define SIGBIT(s) (1ULL << ((s) - 1))
/* the kernel's SYNCHRONOUS_MASK: left as the target had them */
#define SYNC_SIGS                                                                              \
	(SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | \
	 SIGBIT(SIGSYS))
#define MAX_STOPS 64		/* stops tolerated while injecting */
#define DSTATE_WAIT_MS 1000	/* how long to wait for a thread to leave D state */
#define RM_WAIT_MAX_MS 5000	/* the longest wait for a stop or an exit (rm_wait()) */
#define RM_NAP_MIN_NS 20000L	/* rm_wait() looks after 20 us, then twice as long */
#define RM_NAP_MAX_NS 2000000L	/* each time, up to 2 ms */

/* PTRACE_PEEKSIGINFO argument (glibc and musl name it differently) */
struct peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

struct proc_info {
	pid_t tgid, ppid, tracer;
	char state;
	unsigned int flags;
	bool have_flags;
};

/* One remote-injection session. */
struct rm {
	struct hwpi_ctx *ctx;
	struct hwpi_report *r;
	pid_t tgid, tid;
	char comm[17];
	bool own_child;		/* tid is a child of ours: never reap it */

	bool seized;		/* traced by us */
	bool stopped;		/* in a ptrace-stop */
	bool sig_stop;		/* ... which is a signal-delivery-stop */
	bool gone;		/* exited or was killed */

	hwpi_regs_t saved;
	bool regs_saved, regs_dirty;

	uint64_t mask_user;	/* the target's own blocked mask */
	uint64_t mask_now;	/* the mask we last set */
	uint64_t mask_cleared;	/* bits the kernel unblocked (force_sig) */
	bool mask_dirty;

	bool keep;		/* stay attached at the end (the caller holds it) */
	bool have_pass;		/* a signal to pass on at the end (SIGBUS, see rm_inject) */
	siginfo_t pass;
	int lost_sig;		/* a second one: resent by tgkill, its siginfo lost */
	bool ran;		/* the injected instruction has executed */
	bool exitkill;		/* PTRACE_O_EXITKILL is set */
};

/* ------------------------------------------------------------------------ */
/* /proc                                                                     */

static int read_proc_info(struct rm *rm, pid_t pid, struct proc_info *pi)
{
	char buf[8192], *line, *save = NULL, *p;
	int n;

	memset(pi, 0, sizeof(*pi));
	n = hwpi__read_file(rm->ctx, buf, sizeof(buf), "/proc/%d/status", pid);
	if (n < 0)
		return n;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "State:", 6)) {
			for (p = line + 6; *p == ' ' || *p == '\t'; p++)
				;
			pi->state = *p;
		} else if (!strncmp(line, "Tgid:", 5)) {
			pi->tgid = (pid_t)strtol(line + 5, NULL, 10);
		} else if (!strncmp(line, "PPid:", 5)) {
			pi->ppid = (pid_t)strtol(line + 5, NULL, 10);
		} else if (!strncmp(line, "TracerPid:", 10)) {
			pi->tracer = (pid_t)strtol(line + 10, NULL, 10);
		}
	}
	if (!pi->state || !pi->tgid)
		return -EIO;

	/* flags: field 9 of stat, after the parenthesised comm */
	n = hwpi__read_file(rm->ctx, buf, sizeof(buf), "/proc/%d/stat", pid);
	if (n > 0) {
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &pi->flags) == 1)
			pi->have_flags = true;
	}
	return 0;
}

static void read_comm(struct hwpi_ctx *ctx, pid_t pid, char *buf, size_t len)
{
	if (hwpi__read_file(ctx, buf, len, "/proc/%d/comm", pid) < 0)
		snprintf(buf, len, "?");
}

static bool state_dead(char s)
{
	return s == 'Z' || s == 'X' || s == 'x';
}

/* A live, traceable thread of TGID other than its (zombie) leader. */
static pid_t pick_thread(struct rm *rm, pid_t tgid)
{
	char path[HWPI_PATH_MAX];
	struct dirent *de;
	struct proc_info pi;
	pid_t found = 0;
	DIR *d;

	if (hwpi__path(rm->ctx, path, sizeof(path), "/proc/%d/task", tgid) < 0)
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		pid_t t = (pid_t)strtol(de->d_name, NULL, 10);

		if (t <= 0 || t == tgid)
			continue;
		if (read_proc_info(rm, t, &pi) < 0 || state_dead(pi.state))
			continue;
		if (pi.have_flags && (pi.flags & PF_IO_WORKER_FLAG))
			continue;
		found = t;
	}
	closedir(d);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Everything that can be said before touching the target: it exists, is
 * not a zombie or a kernel thread, is not traced, Yama allows it.  Picks
 * the thread to seize.
 */
static int rm_prepare(struct rm *rm, pid_t pid)
{
	struct hwpi_ctx *ctx = rm->ctx;
	struct proc_info pi, ti;
	char tcomm[17];
	long scope = 0;
	int err;

	if (pid <= 0)
		return hwpi__err(ctx, -EINVAL, "invalid pid %d", pid);
	err = read_proc_info(rm, pid, &pi);
	if (err == -ENOENT || err == -ESRCH)
		return hwpi__err(ctx, -ESRCH, "no such process: %d", pid);
	if (err < 0)
		return hwpi__err(ctx, err, "cannot read /proc/%d/status: %s", pid, strerror(-err));
	rm->tgid = pi.tgid;
	rm->tid = pid;
	read_comm(ctx, pid, rm->comm, sizeof(rm->comm));

	if (pi.tgid == getpid())
		return hwpi__err(ctx, -EINVAL,
				 "pid %d is the calling process itself: it cannot ptrace itself "
				 "(use madvise() directly)",
				 pid);
	if (pi.have_flags && (pi.flags & PF_KTHREAD_FLAG))
		return hwpi__err(ctx, -EPERM,
				 "pid %d (%s) is a kernel thread: it has no user address space",
				 pid, rm->comm);
	if (pi.have_flags && (pi.flags & PF_IO_WORKER_FLAG))
		return hwpi__err(ctx, -EPERM,
				 "pid %d (%s) is an io_uring worker thread, which cannot be traced: "
				 "give the process id",
				 pid, rm->comm);

	if (hwpi__read_long(ctx, &scope, "/proc/sys/kernel/yama/ptrace_scope") < 0)
		scope = 0;
	if (scope >= 3)
		return hwpi__err(ctx, -EPERM,
				 "kernel.yama.ptrace_scope=3 forbids ptrace attach (needed to run "
				 "madvise inside pid %d); it can only be lowered by a reboot",
				 pid);

	if (state_dead(pi.state)) {
		pid_t t = pid == pi.tgid ? pick_thread(rm, pi.tgid) : 0;

		if (!t)
			return hwpi__err(ctx, -ESRCH, "pid %d (%s) is a zombie: it has exited", pid,
					 rm->comm);
		dbg(ctx, "remote: leader %d is a zombie, using its thread %d", pid, t);
		rm->tid = t;
		if (read_proc_info(rm, t, &pi) < 0)
			return hwpi__err(ctx, -ESRCH, "thread %d of pid %d exited", t, pid);
		read_comm(ctx, t, rm->comm, sizeof(rm->comm));
	}

	if (pi.tracer) {
		if (pi.tracer == getpid())
			return hwpi__err(ctx, -EBUSY,
					 "pid %d (%s) is already traced by this process", rm->tid,
					 rm->comm);
		read_comm(ctx, pi.tracer, tcomm, sizeof(tcomm));
		return hwpi__err(ctx, -EBUSY,
				 "pid %d (%s) is already traced by pid %d (%s): a process can have "
				 "only one tracer",
				 rm->tid, rm->comm, pi.tracer, tcomm);
	}

	/* PTRACE_INTERRUPT takes effect only once a D sleep ends (vfork parent ...) */
	for (int waited = 0; pi.state == 'D'; waited += 20) {
		if (waited >= DSTATE_WAIT_MS)
			return hwpi__err(ctx, -EBUSY,
					 "pid %d (%s) is in uninterruptible sleep (state D) and "
					 "would not stop for ptrace; try again later",
					 rm->tid, rm->comm);
		sleep_ms(20);
		err = read_proc_info(rm, rm->tid, &ti);
		if (err < 0)
			return hwpi__err(ctx, -ESRCH, "pid %d exited", rm->tid);
		pi = ti;
	}

	rm->own_child = rm->tid == rm->tgid && pi.ppid == getpid();
	dbg(ctx, "remote: target pid %d tid %d (%s) state %c%s", rm->tgid, rm->tid, rm->comm,
	    pi.state, rm->own_child ? ", our child" : "");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* ptrace plumbing                                                           */

static void rm_record(struct rm *rm, const siginfo_t *si, enum hwpi_signal_when when)
{
	dbg(rm->ctx, "remote: pid %d tid %d got signal %d code %d addr %p", rm->tgid, rm->tid,
	    si->si_signo, si->si_code, si->si_addr);
	hwpi__report_add_siginfo(rm->r, rm->tgid, rm->tid, rm->comm, si, when);
}

/* The target (or the seized thread) exited: note how, in the report too. */
static int rm_gone(struct rm *rm, bool killed, int status)
{
	struct hwpi_report *r = rm->r;
	int st;

	rm->gone = true;
	rm->seized = false;
	rm->stopped = false;
	/* the thread ended, the process lives on: another thread exec'd (or it exited alone) */
	if (hwpi_process_state(rm->ctx, rm->tgid, &st) == HWPI_TARGET_ALIVE)
		return hwpi__err(rm->ctx, -ESRCH,
				 "thread %d of pid %d (%s) ended during the injection while the "
				 "process lives on (it exec'd?)",
				 rm->tid, rm->tgid, rm->comm);
	if (r && rm->tid == rm->tgid) {
		r->target_state = killed ? HWPI_TARGET_KILLED : HWPI_TARGET_EXITED;
		r->target_status = status;
	}
	if (killed)
		return hwpi__err(rm->ctx, -ESRCH, "pid %d (%s) was killed by signal %d (%s)",
				 rm->tid, rm->comm, status, strsignal(status));
	return hwpi__err(rm->ctx, -ESRCH, "pid %d (%s) exited with status %d", rm->tid, rm->comm,
			 status);
}

/*
 * Wait for the seized thread's next stop.  Returns 0 with *status set, or
 * -ESRCH if it exited (our own child is left unreaped for its parent).
 */
static int rm_wait(struct rm *rm, int *status)
{
	long nap_ns = RM_NAP_MIN_NS;
	long long waited_ns = 0;
	siginfo_t si;
	pid_t w;

	for (;;) {
		memset(&si, 0, sizeof(si));
		/*
		 * Never block for good: a thread caught in another thread's execve()
		 * was seen (6.12) never to report again, with waitid() blocking.
		 */
		if (waitid(P_PID, (id_t)rm->tid, &si,
			   WEXITED | WSTOPPED | __WALL | WNOWAIT | WNOHANG) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)	/* reaped behind our back (SIGCHLD ignored) */
				return rm_gone(rm, false, 0);
			return hwpi__err(rm->ctx, -errno, "waitid(%d): %s", rm->tid,
					 strerror(errno));
		}
		if (si.si_pid == 0) {	/* nothing to report yet */
			struct timespec ts = { 0, nap_ns };
			char path[64];

			if (waited_ns >= RM_WAIT_MAX_MS * 1000000LL) {
				snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)rm->tgid,
					 (int)rm->tid);
				return hwpi__err(rm->ctx, -ETIMEDOUT,
						 "thread %d of pid %d (%s) did not report to ptrace "
						 "within %d s (%s); giving up",
						 rm->tid, rm->tgid, rm->comm, RM_WAIT_MAX_MS / 1000,
						 access(path, F_OK) == 0 ? "stuck?" :
									   "gone: the process exec'd?");
			}
			nanosleep(&ts, NULL);
			waited_ns += nap_ns;
			nap_ns = nap_ns * 2 > RM_NAP_MAX_NS ? RM_NAP_MAX_NS : nap_ns * 2;
			continue;
		}
		if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
		    si.si_code == CLD_DUMPED) {
			if (!rm->own_child) {
				while (waitpid(rm->tid, status, __WALL) < 0 && errno == EINTR)
					;
			}
			return rm_gone(rm, si.si_code != CLD_EXITED, si.si_status);
		}
		w = waitpid(rm->tid, status, __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return hwpi__err(rm->ctx, -errno, "waitpid(%d): %s", rm->tid,
					 strerror(errno));
		}
		if (WIFEXITED(*status))
			return rm_gone(rm, false, WEXITSTATUS(*status));
		if (WIFSIGNALED(*status))
			return rm_gone(rm, true, WTERMSIG(*status));
		if (!WIFSTOPPED(*status))
			continue;
		rm->stopped = true;
		rm->sig_stop = (*status >> 16) == 0 && WSTOPSIG(*status) != (SIGTRAP | 0x80);
		return 0;
	}
}

static int rm_resume(struct rm *rm, int req, int sig)
{
	if (ptrace(req, rm->tid, NULL, (void *)(long)sig) < 0) {
		int err = -errno;

		if (err == -ESRCH) {	/* killed meanwhile: collect it */
			int st;

			rm->stopped = false;
			return rm_wait(rm, &st) ?: -ESRCH;
		}
		return hwpi__err(rm->ctx, err, "ptrace resume of %d: %s", rm->tid,
				 strerror(-err));
	}
	rm->stopped = false;
	return 0;
}

static int rm_set_mask(struct rm *rm, uint64_t mask)
{
	if (ptrace(PTRACE_SETSIGMASK, rm->tid, (void *)sizeof(mask), &mask) < 0)
		return -errno;
	rm->mask_now = mask;
	return 0;
}

/* Remember which blocked bits the kernel cleared (force_sig_*) since we set them. */
static void rm_track_mask(struct rm *rm)
{
	uint64_t cur;

	if (!rm->mask_dirty)
		return;
	if (ptrace(PTRACE_GETSIGMASK, rm->tid, (void *)sizeof(cur), &cur) == 0)
		rm->mask_cleared |= rm->mask_now & ~cur;
}

/*
 * At a signal-delivery-stop before the injected syscall runs, or outside
 * of it: let the kernel requeue the signal with its siginfo by blocking it
 * and resuming with it (kernel/signal.c ptrace_signal()), so it is
 * delivered once the target's mask is restored.
 */
static int rm_requeue(struct rm *rm, int req, int sig)
{
	int err;

	if (sig == SIGSTOP || sig == SIGKILL)	/* unblockable; a stop runs no user code */
		return rm_resume(rm, req, sig);
	rm_track_mask(rm);
	err = rm_set_mask(rm, rm->mask_now | SIGBIT(sig));
	if (err < 0)
		return hwpi__err(rm->ctx, err, "PTRACE_SETSIGMASK on %d: %s", rm->tid,
				 strerror(-err));
	return rm_resume(rm, req, sig);
}

/*
 * Bring a seized, running thread to a ptrace-stop.  Signals stopped at on
 * the way are passed on (before the injection) or requeued (after the mask
 * is in place); a signal-delivery-stop clears the pending interrupt, so it
 * is re-armed.
 */
static int rm_stop(struct rm *rm)
{
	int status, err;

	if (ptrace(PTRACE_INTERRUPT, rm->tid, NULL, NULL) < 0 && errno != ESRCH)
		return hwpi__err(rm->ctx, -errno, "PTRACE_INTERRUPT %d: %s", rm->tid,
				 strerror(errno));
	for (int n = 0; !rm->stopped; n++) {
		if (n > MAX_STOPS)
			return hwpi__err(rm->ctx, -EIO, "pid %d does not stop for ptrace", rm->tid);
		err = rm_wait(rm, &status);
		if (err < 0)
			return err;
		if (!rm->sig_stop)
			break;	/* event stop (interrupt or group-stop) */
		dbg(rm->ctx, "remote: signal %d for %d on the way to the stop: %s", WSTOPSIG(status),
		    rm->tid, rm->mask_dirty ? "requeued" : "passed on");
		if (ptrace(PTRACE_INTERRUPT, rm->tid, NULL, NULL) < 0)
			return -ESRCH;
		if (rm->mask_dirty)
			err = rm_requeue(rm, PTRACE_CONT, WSTOPSIG(status));
		else
			err = rm_resume(rm, PTRACE_CONT, WSTOPSIG(status));
		if (err < 0)
			return err;
	}
	return 0;
}

static int rm_seize(struct rm *rm)
{
	struct hwpi_ctx *ctx = rm->ctx;
	struct proc_info pi = { 0 };
	long scope = 0;
	int err;

	err = hwpi__seize_thread(ctx, rm->tgid, rm->tid, 0);
	if (err > 0)	/* a thread this process traces already */
		return hwpi__err(ctx, -EBUSY, "pid %d (%s) is already traced by this process",
				 rm->tid, rm->comm);
	if (err < 0) {
		if (err == -ESRCH)
			return hwpi__err(ctx, -ESRCH, "pid %d (%s) exited", rm->tid, rm->comm);
		if (err != -EPERM)
			return hwpi__err(ctx, err, "PTRACE_SEIZE of pid %d (%s): %s", rm->tid,
					 rm->comm, strerror(-err));
		if (read_proc_info(rm, rm->tid, &pi) < 0 || state_dead(pi.state))
			return hwpi__err(ctx, -ESRCH,
					 "pid %d (%s) exited (or was replaced by a thread that "
					 "exec'd) while it was being attached", rm->tid, rm->comm);
		if (pi.tracer) {
			char tcomm[17];

			read_comm(ctx, pi.tracer, tcomm, sizeof(tcomm));
			return hwpi__err(ctx, -EBUSY,
					 "pid %d (%s) is already traced by pid %d (%s)", rm->tid,
					 rm->comm, pi.tracer, tcomm);
		}
		if (hwpi__read_long(ctx, &scope, "/proc/sys/kernel/yama/ptrace_scope") == 0 &&
		    scope > 0)
			return hwpi__err(ctx, -EPERM,
					 "ptrace attach to pid %d (%s) not permitted: "
					 "kernel.yama.ptrace_scope=%ld (run as root with "
					 "CAP_SYS_PTRACE, or lower the setting)",
					 rm->tid, rm->comm, scope);
		return hwpi__err(ctx, -EPERM,
				 "ptrace attach to pid %d (%s) not permitted: needs CAP_SYS_PTRACE "
				 "(or the same user and a dumpable process)",
				 rm->tid, rm->comm);
	}
	rm->seized = true;
	return rm_stop(rm);
}

/* ------------------------------------------------------------------------ */
/* finding a syscall instruction                                              */

struct exec_range {
	uint64_t start, end;
};

struct insn_search {
	struct exec_range vdso;
	struct exec_range other[8];
	unsigned int n_other;
};

static int collect_exec(const struct hwpi_mapping *m, void *data)
{
	struct insn_search *s = data;

	if (m->perms[2] != 'x' || m->perms[0] != 'r' || m->end <= m->start)
		return 0;
	if (!strcmp(m->path, "[vdso]")) {
		s->vdso.start = m->start;
		s->vdso.end = m->end;
	} else if (strcmp(m->path, "[vsyscall]") && s->n_other < ARRAY_SIZE(s->other)) {
		s->other[s->n_other].start = m->start;
		s->other[s->n_other].end = m->end;
		s->n_other++;
	}
	return 0;
}

/* Look for the syscall instruction in [start, end) of the target's memory. */
static bool scan_range(int fd, const struct exec_range *rg, uint64_t *found)
{
	const struct hwpi_arch_insn *in = &hwpi__arch_syscall_insn;
	unsigned char buf[16384];
	uint64_t off = rg->start, limit = rg->end;

	if (limit - off > (1u << 20))	/* 1 MiB of text is plenty */
		limit = off + (1u << 20);
	while (off + in->len <= limit) {
		size_t len = limit - off > sizeof(buf) ? sizeof(buf) : (size_t)(limit - off);

		if (hwpi__pread_full(fd, buf, len, (off_t)off) < 0)
			return false;
		for (size_t i = 0; i + in->len <= len; i++) {
			if ((off + i) % in->align)
				continue;
			if (!memcmp(buf + i, in->bytes, in->len)) {
				*found = off + i;
				return true;
			}
		}
		if (len < in->len)
			break;
		off += len - (in->len - 1);	/* overlap: an instruction across chunks */
		off -= off % in->align;
	}
	return false;
}

/*
 * Is the syscall instruction still at ADDR in the stopped thread's memory?
 * What makes the last search's answer good for the next page of the same
 * process (one PTRACE_PEEKTEXT instead of its maps and a scan of its
 * [vdso]): an exec meanwhile moved or unmapped it, or it is one still.
 */
static bool insn_still_at(struct rm *rm, uint64_t addr)
{
	const struct hwpi_arch_insn *in = &hwpi__arch_syscall_insn;
	unsigned char bytes[sizeof(long)];
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, rm->tid, (void *)(uintptr_t)addr, NULL);
	if (errno)
		return false;
	memcpy(bytes, &word, sizeof(bytes));
	return in->len <= sizeof(bytes) && !memcmp(bytes, in->bytes, in->len);
}

static int find_syscall_insn(struct rm *rm, uint64_t *addr)
{
	struct insn_search s;
	int fd, err;
	bool ok = false;

	if (rm->ctx->insn_tgid == rm->tgid && insn_still_at(rm, rm->ctx->insn_addr)) {
		*addr = rm->ctx->insn_addr;
		return 0;
	}
	memset(&s, 0, sizeof(s));
	err = hwpi__maps_foreach(rm->ctx, rm->tgid, collect_exec, &s);
	if (err < 0)
		return hwpi__err(rm->ctx, err, "cannot read the mappings of pid %d: %s", rm->tgid,
				 strerror(-err));
	fd = hwpi__open(rm->ctx, O_RDONLY | O_CLOEXEC, "/proc/%d/mem", rm->tgid);
	if (fd < 0)
		return hwpi__err(rm->ctx, fd, "cannot open /proc/%d/mem: %s", rm->tgid,
				 strerror(-fd));
	if (s.vdso.end)
		ok = scan_range(fd, &s.vdso, addr);
	for (unsigned int i = 0; !ok && i < s.n_other; i++)
		ok = scan_range(fd, &s.other[i], addr);
	close(fd);
	if (!ok)
		return hwpi__err(rm->ctx, -EFAULT,
				 "no syscall instruction found in the executable mappings of pid %d",
				 rm->tgid);
	dbg(rm->ctx, "remote: syscall instruction at 0x%llx%s", (unsigned long long)*addr,
	    s.vdso.end && *addr >= s.vdso.start && *addr < s.vdso.end ? " ([vdso])" : "");
	rm->ctx->insn_tgid = rm->tgid;
	rm->ctx->insn_addr = *addr;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the injection                                                              */

/* SIGBUS queued but not yet delivered (if the step trap came first). */
static void rm_peek_pending_bus(struct rm *rm)
{
	siginfo_t si[8];
	struct peeksiginfo_args a = { .off = 0, .flags = 0, .nr = (int32_t)ARRAY_SIZE(si) };
	long n = ptrace(PTRACE_PEEKSIGINFO, rm->tid, &a, si);

	for (long i = 0; i < n; i++) {
		if (si[i].si_signo == SIGBUS &&
		    (si[i].si_code == BUS_MCEERR_AR || si[i].si_code == BUS_MCEERR_AO))
			rm_record(rm, &si[i], HWPI_SIG_AT_INJECTION);
	}
}

static int rm_inject(struct rm *rm, long nr, const long args[6], long *ret)
{
	struct hwpi_ctx *ctx = rm->ctx;
	const char *why = "";
	hwpi_regs_t regs;
	uint64_t insn, mask;
	siginfo_t si;
	int status, err;

	err = hwpi__arch_get_regs(rm->tid, &rm->saved);
	if (err < 0)
		return hwpi__err(ctx, err, "cannot read the registers of %d: %s", rm->tid,
				 strerror(-err));
	rm->regs_saved = true;
	err = hwpi__arch_check(&rm->saved, &why);
	if (err < 0)
		return hwpi__err(ctx, err, "cannot inject a syscall into pid %d (%s): %s", rm->tid,
				 rm->comm, why);

	if (ptrace(PTRACE_GETSIGMASK, rm->tid, (void *)sizeof(mask), &mask) < 0)
		return hwpi__err(ctx, -errno, "PTRACE_GETSIGMASK on %d: %s", rm->tid,
				 strerror(errno));
	rm->mask_user = rm->mask_now = mask;
	/* from here the thread's state is not its own until rm_finish() */
	if (ptrace(PTRACE_SETOPTIONS, rm->tid, NULL, (void *)(long)PTRACE_O_EXITKILL) == 0)
		rm->exitkill = true;
	/* block all but the synchronous signals; never SIGTRAP (our step) */
	mask = (mask | ~SYNC_SIGS) & ~SIGBIT(SIGTRAP);
	err = rm_set_mask(rm, mask);
	if (err < 0)
		return hwpi__err(ctx, err, "PTRACE_SETSIGMASK on %d: %s", rm->tid, strerror(-err));
	rm->mask_dirty = true;

	err = find_syscall_insn(rm, &insn);
	if (err < 0)
		return err;

	regs = rm->saved;
	hwpi__arch_setup_syscall(&regs, insn, nr, args);
	err = hwpi__arch_set_regs(rm->tid, &regs);
	if (err < 0)
		return hwpi__err(ctx, err, "cannot set the registers of %d: %s", rm->tid,
				 strerror(-err));
	rm->regs_dirty = true;
	dbg(ctx, "remote: pid %d tid %d: syscall %ld(%#lx, %#lx, %#lx, ...) at 0x%llx", rm->tgid,
	    rm->tid, nr, args[0], args[1], args[2], (unsigned long long)insn);

	err = rm_resume(rm, PTRACE_SINGLESTEP, 0);
	for (int n = 0; err == 0; n++) {
		uint64_t pc;
		int sig;

		if (n > MAX_STOPS)
			return hwpi__err(ctx, -EIO, "pid %d: too many stops during the injection",
					 rm->tid);
		err = rm_wait(rm, &status);
		if (err < 0)
			return err;
		if (!rm->sig_stop) {	/* interrupt or group-stop: carry on */
			err = rm_resume(rm, PTRACE_SINGLESTEP, 0);
			continue;
		}
		sig = WSTOPSIG(status);
		if (ptrace(PTRACE_GETSIGINFO, rm->tid, NULL, &si) < 0)
			return hwpi__err(ctx, -errno, "PTRACE_GETSIGINFO on %d: %s", rm->tid,
					 strerror(errno));
		err = hwpi__arch_get_regs(rm->tid, &regs);
		if (err < 0)
			return hwpi__err(ctx, err, "cannot read the registers of %d: %s",
					 rm->tid, strerror(-err));
		pc = hwpi__arch_pc(&regs);
		rm->ran = pc != insn;

		if (sig == SIGTRAP && rm->ran && hwpi__arch_is_step_trap(&si)) {
			if (pc != insn + hwpi__arch_syscall_insn.len)
				dbg(ctx, "remote: step ended at 0x%llx, not after the insn",
				    (unsigned long long)pc);
			*ret = hwpi__arch_syscall_ret(&regs);
			if (!rm->have_pass)
				rm_peek_pending_bus(rm);
			dbg(ctx, "remote: syscall %ld returned %ld", nr, *ret);
			return 0;
		}
		if (!rm->ran && si.si_code > 0 && (uint64_t)(uintptr_t)si.si_addr == insn &&
		    (sig == SIGSEGV || sig == SIGILL || sig == SIGBUS)) {
			/* the instruction itself faulted: ours, do not pass it on */
			return hwpi__err(ctx, -EFAULT,
					 "pid %d: the syscall instruction at 0x%llx faulted (signal %d)",
					 rm->tid, (unsigned long long)insn, sig);
		}
		if (rm->ran && sig != SIGBUS && (SIGBIT(sig) & SYNC_SIGS & rm->mask_now)) {
			/*
			 * A signal we requeued (blocked) is dequeued again.  The kernel's
			 * dequeue_synchronous_signal() takes the first queued signal with
			 * si_code > 0, blocked or not, whenever an unblocked synchronous
			 * one is pending: here the step trap, which arm64 reports with
			 * SI_USER, so it does not count as one and stays behind it (x86-64
			 * queues TRAP_BRKPT, which is taken first).  Requeueing again would
			 * loop until MAX_STOPS: pass it on at the end instead.
			 */
			dbg(ctx, "remote: blocked signal %d dequeued again: passed on at the end",
			    sig);
			if (!rm->have_pass) {
				rm->pass = si;
				rm->have_pass = true;
			} else {
				rm->lost_sig = sig;
			}
			err = rm_resume(rm, PTRACE_SINGLESTEP, 0);
			continue;
		}
		if (rm->ran)
			rm_record(rm, &si, HWPI_SIG_AT_INJECTION);
		else
			dbg(ctx, "remote: signal %d was pending before the injection: requeued",
			    sig);
		if (sig == SIGBUS && rm->ran && !rm->have_pass) {
			/* passed on at the end, in the target's own context */
			rm->pass = si;
			rm->have_pass = true;
			err = rm_resume(rm, PTRACE_SINGLESTEP, 0);
		} else {
			err = rm_requeue(rm, PTRACE_SINGLESTEP, sig);
		}
	}
	return err;
}

/* Whether PC (in the target) holds the syscall instruction. */
static bool at_syscall_insn(struct rm *rm, uint64_t pc)
{
	const struct hwpi_arch_insn *in = &hwpi__arch_syscall_insn;
	uint64_t word = pc & ~(uint64_t)(sizeof(long) - 1);	/* never crosses a page */
	union {
		long l;
		unsigned char b[sizeof(long)];
	} w;

	if (pc - word + in->len > sizeof(long))
		return false;
	errno = 0;
	w.l = ptrace(PTRACE_PEEKTEXT, rm->tid, (void *)(uintptr_t)word, NULL);
	if (errno)
		return false;
	return !memcmp(w.b + (pc - word), in->bytes, in->len);
}

/*
 * HWPI_ARCH_RESTART_BEFORE_STOP (arm64): registers are restored, the thread
 * is stopped after the injection.  Were it released now, the signals to be
 * delivered (the SIGBUS passed on, requeued ones, ones that arrived
 * meanwhile) would be handled in the injected syscall's round of signal
 * handling, and the thread's own syscall, already rewound to its "svc"
 * before our first stop, would restart after the handler instead of
 * returning -EINTR.  So, with all of them blocked (the signal passed on is
 * requeued with its siginfo by resuming with it while it is blocked, see
 * rm_requeue()), let it execute its "svc" again under PTRACE_SYSCALL; at the
 * syscall-entry stop rm_finish() restores the mask and releases it: the
 * syscall then runs with those signals pending, returns -ERESTART* and the
 * kernel's do_signal() decides -EINTR or a restart for them as it would
 * without ptrace.  (A syscall that does not check for signals just
 * completes and they are delivered on its way out, as they would be.)
 * Returns 0 at the syscall-entry stop, or a negative errno.
 */
static int rm_reenter(struct rm *rm)
{
	struct hwpi_ctx *ctx = rm->ctx;
	int status, err, sig = 0;

	rm_track_mask(rm);
	if (rm->have_pass) {
		int s = rm->pass.si_signo;

		err = rm_set_mask(rm, rm->mask_now | SIGBIT(s));
		if (err < 0)
			return hwpi__err(ctx, err, "PTRACE_SETSIGMASK on %d: %s", rm->tid,
					 strerror(-err));
		if (rm->sig_stop && ptrace(PTRACE_SETSIGINFO, rm->tid, NULL, &rm->pass) == 0) {
			sig = s;	/* requeued by the kernel, siginfo kept */
		} else {
			dbg(ctx, "remote: passing signal %d on with tgkill, its siginfo is lost", s);
			syscall(SYS_tgkill, rm->tgid, rm->tid, s);
		}
		rm->have_pass = false;
	}
	if (rm->lost_sig) {
		err = rm_set_mask(rm, rm->mask_now | SIGBIT(rm->lost_sig));
		if (err < 0)
			return hwpi__err(ctx, err, "PTRACE_SETSIGMASK on %d: %s", rm->tid,
					 strerror(-err));
		dbg(ctx, "remote: passing signal %d on with tgkill, its siginfo is lost",
		    rm->lost_sig);
		syscall(SYS_tgkill, rm->tgid, rm->tid, rm->lost_sig);
		rm->lost_sig = 0;
	}
	/* syscall stops as SIGTRAP|0x80, which rm_wait() does not take for a signal */
	if (ptrace(PTRACE_SETOPTIONS, rm->tid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD) < 0)
		return hwpi__err(ctx, -errno, "PTRACE_SETOPTIONS on %d: %s", rm->tid,
				 strerror(errno));
	dbg(ctx, "remote: %d re-enters its syscall at 0x%llx%s", rm->tid,
	    (unsigned long long)hwpi__arch_pc(&rm->saved), sig ? ", its signal requeued" : "");
	err = rm_resume(rm, PTRACE_SYSCALL, sig);
	for (int n = 0; err == 0; n++) {
		if (n > MAX_STOPS)
			return hwpi__err(ctx, -EIO, "pid %d: too many stops re-entering its syscall",
					 rm->tid);
		err = rm_wait(rm, &status);
		if (err < 0)
			return err;
		if ((status >> 16) == 0 && WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;	/* the syscall-entry stop */
		if (rm->sig_stop)	/* anything dequeued meanwhile waits with the rest */
			err = rm_requeue(rm, PTRACE_SYSCALL, WSTOPSIG(status));
		else
			err = rm_resume(rm, PTRACE_SYSCALL, 0);
	}
	if (err == 0 && ptrace(PTRACE_SETOPTIONS, rm->tid, NULL, NULL) < 0)
		err = hwpi__err(ctx, -errno, "PTRACE_SETOPTIONS on %d: %s", rm->tid,
				strerror(errno));
	return err;
}

/* Restore registers and mask and detach, whatever state we are in. */
static int rm_finish(struct rm *rm)
{
	struct hwpi_ctx *ctx = rm->ctx;
	int err = 0, sig = 0;
	long opts;
	bool reenter = false;

	if (!rm->seized)
		return rm->gone ? -ESRCH : 0;
	if (!rm->stopped) {
		err = rm_stop(rm);
		if (err < 0 || !rm->seized)
			return err ?: -ESRCH;
	}
	if (rm->regs_dirty) {
		err = hwpi__arch_set_regs(rm->tid, &rm->saved);
		if (err < 0) {
			hwpi__err(ctx, err, "pid %d: could not restore its registers: %s", rm->tid,
				  strerror(-err));
		} else {
			rm->regs_dirty = false;
			/*
			 * arm64: the thread ran the injection, so it left the round of
			 * signal handling in which its own syscall was interrupted.
			 * Not with keep: the holder (hold.c) would see and record the
			 * signals once more when they are delivered (a known limit).
			 */
			reenter = HWPI_ARCH_RESTART_BEFORE_STOP && !rm->keep &&
				  at_syscall_insn(rm, hwpi__arch_pc(&rm->saved));
		}
	}
	if (reenter) {
		int e = rm_reenter(rm);

		if (e < 0) {
			if (!rm->seized)
				return e;
			if (!err)
				err = e;
			if (!rm->stopped && rm_stop(rm) < 0)
				return err;
		}
	}
	if (rm->mask_dirty) {
		rm_track_mask(rm);
		/* the target's mask, less what the kernel itself unblocked */
		if (rm_set_mask(rm, rm->mask_user & ~rm->mask_cleared) < 0 && !err)
			err = hwpi__err(ctx, -errno, "pid %d: could not restore its signal mask",
					rm->tid);
	}
	/*
	 * Its own state again: our death must not kill it any more.  Kept for
	 * a hold, it gets the hold's options (its clones are followed).
	 */
	opts = rm->keep ? HWPI_HOLD_PTRACE_OPTIONS : 0;
	if (rm->exitkill && !rm->regs_dirty &&
	    ptrace(PTRACE_SETOPTIONS, rm->tid, NULL, (void *)opts) == 0)
		rm->exitkill = false;
	if (rm->have_pass) {
		if (rm->sig_stop && ptrace(PTRACE_SETSIGINFO, rm->tid, NULL, &rm->pass) == 0) {
			sig = rm->pass.si_signo;
		} else {
			/* not at a signal-delivery-stop (error path): siginfo is lost */
			dbg(ctx, "remote: passing signal %d on with tgkill, its siginfo is lost",
			    rm->pass.si_signo);
			syscall(SYS_tgkill, rm->tgid, rm->tid, rm->pass.si_signo);
		}
	}
	if (rm->lost_sig) {
		dbg(ctx, "remote: passing signal %d on with tgkill, its siginfo is lost",
		    rm->lost_sig);
		syscall(SYS_tgkill, rm->tgid, rm->tid, rm->lost_sig);
	}
	if (rm->keep) {
		/* resume, passing the SIGBUS on, and leave it to the caller's hold */
		if (ptrace(PTRACE_CONT, rm->tid, NULL, (void *)(long)sig) < 0) {
			int st;

			if (errno == ESRCH && rm_wait(rm, &st) == -ESRCH)
				return -ESRCH;
			return hwpi__err(ctx, -errno, "PTRACE_CONT of %d: %m", rm->tid);
		}
		rm->stopped = false;
		dbg(ctx, "remote: %d resumed, still attached%s", rm->tid,
		    sig ? ", passing on its signal" : "");
		return err;
	}
	if (ptrace(PTRACE_DETACH, rm->tid, NULL, (void *)(long)sig) < 0) {
		int e = errno;
		int st;

		if (e == ESRCH && rm_wait(rm, &st) == -ESRCH)
			return -ESRCH;
		return hwpi__err(ctx, -e, "PTRACE_DETACH of %d: %s", rm->tid, strerror(e));
	}
	rm->seized = false;
	rm->stopped = false;
	dbg(ctx, "remote: detached from %d%s", rm->tid, sig ? ", passing on its signal" : "");
	return err;
}

/*
 * The target is stopped: its page at T->vaddr must still be T->pfn (an exec
 * by another thread, an munmap or a migration would make the syscall act on
 * a page frame nobody resolved, checked or journalled).
 */
static int rm_check_page(struct rm *rm, const struct hwpi_target *t)
{
	struct hwpi_target same;

	if (!t || !t->have_pfn)
		return 0;	/* not present: the injection faults it in, as intended */
	/* the page of the thread group: the tid given may be any of its threads */
	same = *t;
	same.pid = rm->tgid;
	return hwpi__recheck_frame(rm->ctx, &same);
}

#define HANDLER_WAIT_TRIES 100	/* x 1 ms */

/*
 * Let a thread stopped inside its SIGBUS handler (SIGBUS blocked) run on
 * until it has left it, for at most HANDLER_WAIT_TRIES ms: the kernel's
 * SIGBUS for an injection made there would find SIGBUS blocked, reset the
 * handler and kill the process -- what a program that injects into itself
 * never meets, and an artefact of our timing, not of the error.  After
 * that, the injection goes ahead as it is (and the report says what came
 * of it).
 */
static int rm_leave_sigbus_handler(struct rm *rm)
{
	const struct timespec ms = { 0, 1000000L };
	uint64_t mask;
	int err = 0, n;

	for (n = 0; n < HANDLER_WAIT_TRIES && err == 0; n++) {
		if (ptrace(PTRACE_GETSIGMASK, rm->tid, (void *)sizeof(mask), &mask) < 0 ||
		    !(mask & SIGBIT(SIGBUS)))
			break;
		if (n == 0)
			dbg(rm->ctx, "remote: %d blocks SIGBUS (in its handler?): letting it run",
			    rm->tid);
		err = rm_resume(rm, PTRACE_CONT, 0);
		if (err == 0) {
			nanosleep(&ms, NULL);
			err = rm_stop(rm);
		}
	}
	return err;
}

/*
 * HELD_TID > 0: that thread of PID is attached already, running, in the
 * caller's hold (a thread an earlier call kept): it is only stopped, and
 * kept again.  Its death is reaped as the hold reaps it.
 */
static int remote_syscall(struct hwpi_ctx *ctx, pid_t pid, long nr, const long args[6],
			  long *ret, struct hwpi_report *r, pid_t *kept_tid,
			  const struct hwpi_target *expect, pid_t held_tid)
{
	struct rm *rm;
	long val = 0;
	int err, err2;

	if (kept_tid)
		*kept_tid = 0;
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	rm->ctx = ctx;
	rm->r = r;
	rm->keep = kept_tid != NULL;
	if (held_tid > 0) {
		rm->tgid = pid;
		rm->tid = held_tid;
		read_comm(ctx, held_tid, rm->comm, sizeof(rm->comm));
		rm->seized = true;
		err = rm_stop(rm);
	} else {
		err = rm_prepare(rm, pid);
		if (err == 0)
			err = rm_seize(rm);
	}
	if (err == 0 && nr == SYS_madvise && args[2] == MADV_HWPOISON)
		err = rm_leave_sigbus_handler(rm);
	if (err == 0)
		err = rm_check_page(rm, expect);
	if (err == 0)
		err = rm_inject(rm, nr, args, &val);
	err2 = rm_finish(rm);
	if (err == 0)
		err = err2;
	if (r && err == 0 && rm->tid == rm->tgid && r->target_state == HWPI_TARGET_UNKNOWN &&
	    !rm->keep)
		r->target_state = HWPI_TARGET_ALIVE;
	if (kept_tid && rm->seized)
		*kept_tid = rm->tid;
	free(rm);
	if (err == 0 && ret)
		*ret = val;
	return err;
}

int hwpi__remote_syscall(struct hwpi_ctx *ctx, pid_t pid, long nr, const long args[6], long *ret,
			 struct hwpi_report *r)
{
	return remote_syscall(ctx, pid, nr, args, ret, r, NULL, NULL, 0);
}

static int remote_madvise(struct hwpi_ctx *ctx, pid_t pid, const long args[6], long *ret,
			  struct hwpi_report *r, pid_t *kept_tid, const struct hwpi_target *expect,
			  pid_t held_tid)
{
	return remote_syscall(ctx, pid, SYS_madvise, args, ret, r, kept_tid, expect, held_tid);
}

#else /* !HWPI_ARCH_REMOTE */

static int remote_madvise(struct hwpi_ctx *ctx, pid_t pid, const long args[6], long *ret,
			  struct hwpi_report *r, pid_t *kept_tid, const struct hwpi_target *expect,
			  pid_t held_tid)
{
	(void)args;
	(void)expect;
	(void)held_tid;
	(void)ret;
	(void)r;
	if (kept_tid)
		*kept_tid = 0;
	return hwpi__err(ctx, -EOPNOTSUPP,
			 "injecting into pid %d is not supported on this architecture", pid);
}

int hwpi__remote_syscall(struct hwpi_ctx *ctx, pid_t pid, long nr, const long args[6], long *ret,
			 struct hwpi_report *r)
{
	(void)nr;
	(void)args;
	(void)ret;
	(void)r;
	return hwpi__err(ctx, -EOPNOTSUPP,
			 "injecting into pid %d is not supported on this architecture", pid);
}

#endif

int hwpi__remote_madvise(struct hwpi_ctx *ctx, pid_t pid, uint64_t addr, uint64_t len, int advice,
			 long *ret, struct hwpi_report *r, pid_t *kept_tid)
{
	const long args[6] = { (long)addr, (long)len, advice, 0, 0, 0 };

	return remote_madvise(ctx, pid, args, ret, r, kept_tid, NULL, 0);
}

int hwpi__remote_madvise_target(struct hwpi_ctx *ctx, const struct hwpi_target *t, uint64_t len,
				int advice, long *ret, struct hwpi_report *r, pid_t *kept_tid)
{
	const long args[6] = { (long)t->vaddr, (long)len, advice, 0, 0, 0 };

	return remote_madvise(ctx, t->pid, args, ret, r, kept_tid, t, 0);
}

int hwpi__remote_madvise_held(struct hwpi_ctx *ctx, const struct hwpi_target *t, pid_t tid,
			      uint64_t len, int advice, long *ret, struct hwpi_report *r)
{
	const long args[6] = { (long)t->vaddr, (long)len, advice, 0, 0, 0 };
	pid_t kept;

	return remote_madvise(ctx, t->pid, args, ret, r, &kept, t, tid);
}
