// SPDX-License-Identifier: LGPL-2.1-or-later
/* The injectors behind one call, and what is observed around them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static int local_madvise(struct hwpi_ctx *ctx, const struct hwpi_target *t, int advice)
{
	if (madvise((void *)(uintptr_t)t->vaddr, (size_t)ctx->page_size, advice) < 0)
		return -errno;
	return 0;
}

/* The injector file of a pfn/phys method, kept open from one page to the next. */
struct injector {
	int fd;		/* -1: not open yet */
	bool plain;	/* a plain file of a fake tree: rewritten from its start */
};

/*
 * Write NUM to the injector file PATH through INJ, opened at first use.
 * The kernel's attribute files take each write(2) as one number (debugfs
 * ones cannot seek); a fake tree's plain file is made to hold the last
 * number, as the tests read it.  Returns 0 or the kernel's -errno.
 */
static int write_injector(struct hwpi_ctx *ctx, const char *path, struct injector *inj,
			  const char *num)
{
	size_t len = strlen(num);
	ssize_t n;

	if (inj->fd < 0) {
		inj->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (inj->fd < 0)
			return -errno;
		inj->plain = ctx->root[0] != '\0';
	}
	do
		n = inj->plain ? pwrite(inj->fd, num, len, 0) : write(inj->fd, num, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (inj->plain && ftruncate(inj->fd, (off_t)len) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Run the injector; the kernel's answer (0 or -errno) goes to *KERR.  The
 * remote madvise runs on HELD_TID if the caller's hold has one for it, else
 * it attaches itself, and with KEPT_TID it leaves the thread attached for
 * the hold.
 */
static int perform(struct hwpi_ctx *ctx, const struct hwpi_target *t, enum hwpi_method m,
		   const struct hwpi_method_status *st, int *kerr, struct hwpi_report *r,
		   pid_t held_tid, pid_t *kept_tid, struct injector *inj)
{
	char num[32];
	long ret = 0;
	int advice, rc;

	switch (m) {
	case HWPI_METHOD_HWPOISON:
	case HWPI_METHOD_SOFT_OFFLINE:
		advice = m == HWPI_METHOD_HWPOISON ? MADV_HWPOISON : MADV_SOFT_OFFLINE;
		if (t->pid == 0 || t->pid == getpid()) {
			*kerr = local_madvise(ctx, t, advice);
			return 0;
		}
		if (held_tid > 0)
			rc = hwpi__remote_madvise_held(ctx, t, held_tid, (uint64_t)ctx->page_size,
						       advice, &ret, r);
		else
			rc = hwpi__remote_madvise_target(ctx, t, (uint64_t)ctx->page_size, advice,
							 &ret, r, kept_tid);
		if (rc < 0)
			return rc;
		*kerr = (int)ret;
		return 0;
	case HWPI_METHOD_CORRUPT_PFN:
		snprintf(num, sizeof(num), "0x%" PRIx64 "\n", t->pfn);
		break;
	case HWPI_METHOD_SOFT_OFFLINE_PAGE:
	case HWPI_METHOD_HARD_OFFLINE_PAGE:
		snprintf(num, sizeof(num), "0x%" PRIx64 "\n", t->phys);
		break;
	default:
		return hwpi__err(ctx, -EINVAL, "unknown method");
	}
	/* st->path already carries the root prefix */
	*kerr = write_injector(ctx, st->path, inj, num);
	/*
	 * Not the kernel's answer: the file went away since the method was
	 * checked (an open file of a removed debugfs file answers EIO).
	 */
	if ((*kerr == -ENOENT || *kerr == -EIO) && access(st->path, F_OK) != 0)
		return hwpi__err(ctx, -ENODEV,
				 "%s disappeared before it was written (debugfs unmounted or "
				 "hwpoison-inject unloaded meanwhile)", st->path);
	return 0;
}

HWPI_EXPORT enum hwpi_target_state hwpi_process_state(struct hwpi_ctx *ctx, pid_t pid,
						     int *status)
{
	char buf[4096], *p, *save = NULL;
	int field, code, n;

	*status = 0;
	n = hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/stat", (int)pid);
	if (n < 0)
		return n == -ENOENT || n == -ESRCH ? HWPI_TARGET_GONE : HWPI_TARGET_UNKNOWN;
	/* "pid (comm) S ..." -- comm may contain anything, so take the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return HWPI_TARGET_UNKNOWN;
	if (p[2] != 'Z' && p[2] != 'X')
		return HWPI_TARGET_ALIVE;
	/* a zombie: field 52 is its exit code, in waitpid(2) form (Linux 3.5+) */
	p = strtok_r(p + 2, " ", &save);
	for (field = 3; p && field < 52; field++)
		p = strtok_r(NULL, " ", &save);
	if (!p || sscanf(p, "%d", &code) != 1)
		return HWPI_TARGET_GONE;
	if (WIFSIGNALED(code)) {
		*status = WTERMSIG(code);
		return HWPI_TARGET_KILLED;
	}
	*status = WEXITSTATUS(code);
	return HWPI_TARGET_EXITED;
}

static void observe_target(struct hwpi_ctx *ctx, struct hwpi_report *r)
{
	if (r->target.pid <= 0 || r->target_state != HWPI_TARGET_UNKNOWN)
		return;
	r->target_state = hwpi_process_state(ctx, r->target.pid, &r->target_status);
}

static void observe_page(struct hwpi_ctx *ctx, const struct hwpi_target *t, enum hwpi_method m,
			 struct hwpi_report *r)
{
	char saved[sizeof(ctx->errmsg)];
	struct hwpi_target now;
	uint64_t f;

	memcpy(saved, ctx->errmsg, sizeof(saved));
	if (t->have_pfn && hwpi_kpageflags_read(ctx, t->pfn, &f) == 0) {
		r->poisoned_known = true;
		r->poisoned = f & (1ULL << HWPI_KPF_HWPOISON);
	}
	if (hwpi_method_is_soft(m) && t->have_vaddr && t->pid > 0 &&
	    hwpi_resolve_vaddr(ctx, t->pid, t->vaddr, &now) == 0 && now.present &&
	    now.pfn != t->pfn) {
		r->have_new_pfn = true;
		r->new_pfn = now.pfn;
	}
	memcpy(ctx->errmsg, saved, sizeof(saved));
}

/* Checks that need no kernel action; returns 0 or a negative errno. */
static int check_target(struct hwpi_ctx *ctx, const struct hwpi_target *t, enum hwpi_method m,
			unsigned int flags)
{
	const char *unsafe;

	if (hwpi_method_needs_vaddr(m) && !t->have_vaddr)
		return hwpi__err(ctx, -EINVAL, "%s needs a process and a virtual address",
				 hwpi_method_name(m));
	if (!hwpi_method_needs_vaddr(m) && !t->have_pfn)
		return hwpi__err(ctx, -EINVAL,
				 "%s needs a pfn, but the page at 0x%" PRIx64 " is not present",
				 hwpi_method_name(m), t->vaddr);
	if (t->have_kpageflags && !(flags & HWPI_INJECT_FORCE) &&
	    (unsafe = hwpi_page_unsafe_reason(t->kpageflags)))
		return hwpi__err(ctx, -EPERM,
				 "pfn 0x%" PRIx64 " is %s; poisoning it can take the machine "
				 "down (use --force to insist)", t->pfn, unsafe);
	return 0;
}

/*
 * Set vm.memory_failure_early_kill to WANT (if >= 0), remembering the old
 * value -- in journal J too, before changing it.
 */
static int set_early_kill(struct hwpi_ctx *ctx, int want, struct hwpi_journal *j, long *old)
{
	int r;

	*old = -1;
	if (want < 0)
		return 0;
	r = hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, old);
	if (r < 0)
		return r;
	if (*old == want)
		return 0;
	if (j) {
		r = hwpi_journal_record_sysctl(j, HWPI_SYSCTL_EARLY_KILL, *old, false);
		if (r < 0) {
			*old = -1;
			return r;
		}
	}
	r = hwpi_sysctl_set(ctx, HWPI_SYSCTL_EARLY_KILL, want);
	if (r < 0) {
		if (j)	/* unchanged: nothing to restore */
			hwpi_journal_record_sysctl(j, HWPI_SYSCTL_EARLY_KILL, *old, true);
		*old = -1;
	}
	return r;
}

static void restore_early_kill(struct hwpi_ctx *ctx, int want, struct hwpi_journal *j, long old)
{
	char saved[sizeof(ctx->errmsg)];

	if (old < 0 || old == want)
		return;
	memcpy(saved, ctx->errmsg, sizeof(saved));
	if (hwpi_sysctl_set(ctx, HWPI_SYSCTL_EARLY_KILL, old) < 0)
		info(ctx, "could not restore vm.memory_failure_early_kill=%ld", old);
	else if (j && hwpi_journal_record_sysctl(j, HWPI_SYSCTL_EARLY_KILL, old, true) < 0)
		info(ctx, "could not journal the restore of vm.memory_failure_early_kill: %s",
		     ctx->errmsg);
	memcpy(ctx->errmsg, saved, sizeof(saved));
}

/*
 * Journal the result of the injection of T.  A page that was not present
 * has its pfn only now: the page the injection faulted in, or the one its
 * hwpoison pagemap entry names.
 */
static void journal_done(struct hwpi_ctx *ctx, struct hwpi_journal *j, const struct hwpi_target *t,
			 const struct hwpi_report *r)
{
	char saved[sizeof(ctx->errmsg)];
	struct hwpi_pagemap_entry e;
	struct hwpi_target now;
	bool have_pfn = t->have_pfn;
	uint64_t pfn = t->pfn;

	memcpy(saved, ctx->errmsg, sizeof(saved));
	if (!have_pfn && t->have_vaddr &&
	    hwpi_resolve_vaddr(ctx, t->pid > 0 ? t->pid : getpid(), t->vaddr, &now) == 0) {
		if (now.have_pfn) {
			have_pfn = true;
			pfn = now.pfn;
		} else if (now.poisoned_entry) {
			hwpi_pagemap_decode(now.pagemap, &e);
			have_pfn = e.swapped;
			pfn = e.swap_offset;
		}
	}
	if (hwpi__journal_done(j, have_pfn, pfn, r) < 0)
		info(ctx, "could not journal the result: %s", ctx->errmsg);
	memcpy(ctx->errmsg, saved, sizeof(saved));
}

/* The longest wait for a signal the injection sent to reach the held target. */
#define SETTLE_MS 100

/*
 * What the pages of one call share: the method's path, the kill policy to
 * restore, the observer, and the hold of a pid target, kept from one page
 * to the next of that pid (attaching to every thread of it costs more
 * than the rest of an injection).
 */
struct batch {
	const struct hwpi_inject_opts *opts;
	enum hwpi_method m;
	struct hwpi_method_status st;
	long old_ek;
	struct hwpi_hold hold;
	struct hwpi_observer *obs;	/* restarted before the first page */
	/* the counters after the page before, the next page's "before" */
	bool have_prev;
	struct hwpi_counts_after prev;
	struct injector inj;
	pid_t self;			/* getpid(), a system call */
	pid_t madv_tid;			/* the held thread the remote madvise runs on (0: none) */
};

static void fill_report_head(struct hwpi_ctx *ctx, const struct hwpi_target *t,
			     enum hwpi_method m, unsigned int flags, struct hwpi_report *r)
{
	memset(r, 0, sizeof(*r));
	r->method = m;
	r->target = *t;
	r->unobserved = !!(flags & HWPI_INJECT_NO_OBSERVE);
	if (r->unobserved)
		snprintf(r->trace_error, sizeof(r->trace_error),
			 "nothing observed (HWPI_INJECT_NO_OBSERVE)");
	r->already_poisoned_known = t->have_kpageflags || t->poisoned_entry;
	r->already_poisoned = t->poisoned_entry ||
			      (t->have_kpageflags && (t->kpageflags & (1ULL << HWPI_KPF_HWPOISON)));
	if (hwpi__kernel_release_cached(ctx, r->release, sizeof(r->release)) < 0)
		r->release[0] = '\0';
}

static void release_hold(struct hwpi_ctx *ctx, struct batch *b, struct hwpi_report *r)
{
	if (b->hold.active)
		hwpi__hold_end(ctx, &b->hold, r);
	b->madv_tid = 0;
}

/*
 * Inject one page of the batch into R.  LAST: no page of this pid follows,
 * so the hold ends here (after the watch).  Returns 0 when the injection
 * was performed (the kernel's answer in R->err), or a negative errno.
 */
static int inject_one(struct hwpi_ctx *ctx, struct batch *b, const struct hwpi_target *t,
		      bool last, struct hwpi_report *r)
{
	const struct hwpi_inject_opts *opts = b->opts;
	enum hwpi_method m = b->m;
	bool remote_madvise, want_hold;
	pid_t kept = 0;
	int rc, kerr = 0;

	fill_report_head(ctx, t, m, opts->flags, r);
	rc = check_target(ctx, t, m, opts->flags);
	if (rc < 0)
		goto out_hold;
	if (opts->flags & HWPI_INJECT_DRY_RUN) {
		r->dry_run = true;
		return 0;
	}
	remote_madvise = hwpi_method_needs_vaddr(m) && t->pid > 0 && t->pid != b->self;
	if (remote_madvise && ctx->root[0]) {
		rc = hwpi__err(ctx, -EOPNOTSUPP,
			       "pid %d belongs to the fake tree %s: no process to run madvise in",
			       (int)t->pid, ctx->root);
		goto out_hold;
	}
	/* pids of a fake tree (tests) are not processes of this machine */
	/* unobserved (no observer), only the remote madvise holds: it settles its signals */
	want_hold = t->pid > 0 && t->pid != b->self && !(opts->flags & HWPI_INJECT_NO_HOLD) &&
		    !ctx->root[0] && (b->obs || remote_madvise);
	/*
	 * A hold is of this pid (it ends with the pid's last page): a target
	 * that died meanwhile is let go, and the hold_begin below says it is
	 * gone.  The remote madvise of the next page runs on the thread the
	 * first one kept in the hold, while that thread lives; else the hold
	 * ends and the madvise attaches afresh.
	 */
	if (b->hold.active && !hwpi__hold_live(&b->hold))
		release_hold(ctx, b, NULL);
	if (b->hold.active && remote_madvise &&
	    !(b->madv_tid && hwpi__hold_has_thread(ctx, &b->hold, b->madv_tid)))
		release_hold(ctx, b, NULL);
	/* the remote madvise holds the target itself while it runs the syscall */
	if (want_hold && !remote_madvise && !b->hold.active) {
		rc = hwpi__hold_begin(ctx, t->pid, &b->hold);
		if (rc < 0)
			return rc;
	}
	if (b->obs && b->have_prev)
		hwpi__observer_restart_after(b->obs, &b->prev);
	info(ctx, "injecting %s into pfn 0x%" PRIx64, hwpi_method_name(m), t->pfn);
	/* write-ahead: the page is on disk before the kernel sees it */
	if (opts->journal) {
		rc = hwpi_journal_record(opts->journal, t, m);
		if (rc < 0)
			goto out_hold;
	}
	/* a page of a process by its frame: still that process's page right now? */
	if (!remote_madvise && t->pid > 0 && t->have_vaddr && t->have_pfn && !ctx->root[0]) {
		rc = hwpi__recheck_frame(ctx, t);
		if (rc < 0)
			goto out_hold;
	}
	hwpi__audit_inject(ctx, t, m);
	rc = perform(ctx, t, m, &b->st, &kerr, r, b->madv_tid,
		     want_hold && remote_madvise && !b->madv_tid ? &kept : NULL, &b->inj);
	/* the remote madvise left the thread that ran it attached: hold the rest too */
	if (kept && hwpi__hold_adopt(ctx, t->pid, kept, &b->hold) < 0) {
		dbg(ctx, "cannot hold pid %d after the injection", (int)t->pid);
		ptrace(PTRACE_DETACH, kept, NULL, NULL);
	} else if (kept) {
		b->madv_tid = kept;
	}
	if (rc == 0) {
		r->err = -kerr;
		if (b->hold.active)
			hwpi__hold_settle(ctx, &b->hold, SETTLE_MS, r);
		if (b->obs) {
			hwpi_observer_collect(b->obs, t->pfn, t->pid, r);
			hwpi__counts_after(r, &b->prev);
			b->have_prev = true;
		}
		observe_page(ctx, t, m, r);
		if (opts->journal)
			journal_done(ctx, opts->journal, t, r);
		if (last && b->hold.active && opts->watch_ms)
			hwpi__hold_watch(ctx, &b->hold, opts->watch_ms, HWPI_SIG_ON_ACCESS, r);
		if (last)
			release_hold(ctx, b, r);
		/* still held, and it did not die while it was (waitpid would have said) */
		if (hwpi__hold_live(&b->hold) && r->target_state == HWPI_TARGET_UNKNOWN)
			r->target_state = HWPI_TARGET_ALIVE;
		if (b->obs)
			observe_target(ctx, r);
		return 0;
	}
out_hold:
	release_hold(ctx, b, r);
	return rc;
}

static int batch_begin(struct hwpi_ctx *ctx, struct batch *b, enum hwpi_method m,
		       const struct hwpi_inject_opts *opts)
{
	int rc;

	if ((opts->flags & HWPI_INJECT_NO_OBSERVE) && opts->watch_ms)
		return hwpi__err(ctx, -EINVAL, "a watch needs observation: not with "
				 "HWPI_INJECT_NO_OBSERVE");
	memset(b, 0, sizeof(*b));
	hwpi__audit_new_call(ctx);
	b->inj.fd = -1;
	b->self = getpid();
	b->opts = opts;
	b->m = m;
	b->old_ek = -1;
	rc = hwpi_method_check(ctx, m, (opts->flags & HWPI_INJECT_NO_LOAD) ? 0 : HWPI_CHECK_LOAD,
			       &b->st);
	if (rc < 0)
		return rc;
	if (!b->st.available)
		return hwpi__err(ctx, b->st.err, "%s is not available: %s", hwpi_method_name(m),
				 b->st.reason);
	if (opts->flags & HWPI_INJECT_DRY_RUN)
		return 0;
	rc = set_early_kill(ctx, opts->early_kill, opts->journal, &b->old_ek);
	if (rc < 0)
		return rc;
	if (opts->flags & HWPI_INJECT_NO_OBSERVE)
		return 0;	/* b->obs stays NULL */
	if (opts->observer) {
		b->obs = opts->observer;
		hwpi_observer_restart(b->obs);
		return 0;
	}
	/* opened, or restarted */
	rc = hwpi__ctx_observer(ctx, (opts->flags & HWPI_INJECT_NO_TRACE) ?
				     HWPI_OBSERVE_NO_TRACE : 0, &b->obs);
	if (rc < 0)
		restore_early_kill(ctx, opts->early_kill, opts->journal, b->old_ek);
	return rc;
}

static void batch_end(struct hwpi_ctx *ctx, struct batch *b)
{
	if (b->inj.fd >= 0)
		close(b->inj.fd);
	release_hold(ctx, b, NULL);
	restore_early_kill(ctx, b->opts->early_kill, b->opts->journal, b->old_ek);
}

/* The last page of T[0..N) for the pid of T[I]: nothing of that pid right after it. */
static bool last_of_pid(const struct hwpi_target *t, size_t n, size_t i)
{
	return i + 1 == n || t[i + 1].pid != t[i].pid;
}

HWPI_EXPORT int hwpi_inject_many(struct hwpi_ctx *ctx, const struct hwpi_target *t, size_t n,
				 enum hwpi_method m, const struct hwpi_inject_opts *opts,
				 struct hwpi_report *r, hwpi_report_fn fn, void *data,
				 size_t *done)
{
	static const struct hwpi_inject_opts defaults = HWPI_INJECT_OPTS_INIT;
	struct batch b;
	size_t i;
	int rc;

	if (done)
		*done = 0;
	if ((!t && n) || !r)
		return hwpi__err(ctx, -EINVAL, "no target or report");
	if (!n)
		return 0;
	if (!opts)
		opts = &defaults;
	rc = batch_begin(ctx, &b, m, opts);
	if (rc < 0) {
		/* the report names the page that could not be attempted */
		fill_report_head(ctx, &t[0], m, opts->flags, r);
		return rc;
	}
	for (i = 0; i < n; i++) {
		rc = inject_one(ctx, &b, &t[i], last_of_pid(t, n, i), r);
		if (rc < 0)
			break;
		if (done)
			*done = i + 1;
		if (fn && fn(r, i, data)) {
			rc = 0;
			break;
		}
	}
	batch_end(ctx, &b);
	return rc;
}

HWPI_EXPORT int hwpi_inject(struct hwpi_ctx *ctx, const struct hwpi_target *t,
			    enum hwpi_method m, const struct hwpi_inject_opts *opts,
			    struct hwpi_report *r)
{
	return hwpi_inject_many(ctx, t, 1, m, opts, r, NULL, NULL, NULL);
}

HWPI_EXPORT int hwpi_unpoison(struct hwpi_ctx *ctx, uint64_t pfn, struct hwpi_report *r)
{
	struct hwpi_method_status st;
	struct hwpi_observer *obs;
	char num[32];
	uint64_t f;
	int rc;

	if (!r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->method = HWPI_METHOD_COUNT;
	if (hwpi__kernel_release_cached(ctx, r->release, sizeof(r->release)) < 0)
		r->release[0] = '\0';
	rc = hwpi_resolve_pfn(ctx, pfn, &r->target);
	if (rc == -EINVAL)
		return rc;
	r->already_poisoned_known = r->target.have_kpageflags;
	r->already_poisoned = r->target.kpageflags & (1ULL << HWPI_KPF_HWPOISON);
	rc = hwpi__unpoison_check(ctx, HWPI_CHECK_LOAD, &st);
	if (rc < 0)
		return rc;
	if (!st.available)
		return hwpi__err(ctx, st.err, "unpoison is not available: %s", st.reason);

	rc = hwpi__ctx_observer(ctx, HWPI_OBSERVE_NO_TRACE, &obs);
	if (rc < 0)
		return rc;
	snprintf(num, sizeof(num), "0x%" PRIx64 "\n", pfn);
	hwpi__audit_unpoison(ctx, pfn);
	r->err = -hwpi__write_abs(st.path, num);
	hwpi_observer_collect(obs, pfn, 0, r);
	if (hwpi_kpageflags_read(ctx, pfn, &f) == 0) {
		r->poisoned_known = true;
		r->poisoned = f & (1ULL << HWPI_KPF_HWPOISON);
	}
	return 0;
}
