/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interfaces of libhwpinject: not installed, not exported. */
#ifndef HWPI_INTERNAL_H
#define HWPI_INTERNAL_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "hwpinject.h"

#define HWPI_EXPORT __attribute__((visibility("default")))
#define HWPI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

/* pfm.c: libpfm4, loaded on first use (HWPI_PFM_DLOPEN) */
struct hwpi_pfm {
	void *dl;			/* the dlopen handle, NULL until loaded */
	void *fn[4];			/* pfm_initialize, _get_os_event_encoding, _strerror, _terminate */
	bool initialized;		/* pfm_initialize() succeeded: pfm_terminate() at the end */
};

/*
 * Where the audit lines go: the context's /dev/kmsg, kept open across
 * calls for a few lines.  Opening it costs more than the rest of the line,
 * and far more once the kernel's log has wrapped: each open then walks the
 * records whose text was overwritten (README, Performance).  The kernel
 * rate-limits each open file to 10 lines in 5 s, so it is opened again
 * before that, and in a forked child, which must not share the parent's
 * count.  Who writes is learnt once per call.
 */
struct hwpi_audit_who {		/* the calling process */
	pid_t pid;
	unsigned int uid;
	char comm[20];
};
struct hwpi_audit_sink {
	int fd;			/* -1: not open */
	pid_t opener;		/* the process that opened fd */
	unsigned int lines;	/* written through fd */
	bool who_known;		/* who: learnt at the first line, not three syscalls a line */
	struct hwpi_audit_who who;
};
#define HWPI_AUDIT_SINK_INIT { .fd = -1, .opener = 0, .lines = 0, .who_known = false }

struct hwpi_ctx {
	char root[HWPI_PATH_MAX];	/* "" = real "/" */
	char errmsg[512];
	hwpi_log_fn log_fn;
	void *log_data;
	int log_max;
	long page_size;			/* base page size of this machine */
	int kpageflags_fd;		/* /proc/kpageflags once opened (-1: not yet) */
	/*
	 * Read once, kept: a few of the ~50 system calls around every
	 * injection (README, Performance).  The kernel release cannot change;
	 * the pagemap of the last pid read stays open (an exec or exit turns
	 * it into end-of-file, and then it is opened again); the login uid of
	 * this process is set once.
	 */
	char release[72];		/* "" = not read yet */
	int pagemap_fd;			/* -1: none */
	pid_t pagemap_pid;
	char auid[16];			/* audit's "auid=" value, "" = not read yet */
	/* where the last remote syscall found its syscall instruction (remote.c) */
	pid_t insn_tgid;		/* 0: none */
	uint64_t insn_addr;
	/*
	 * The observers of hwpi_inject() / hwpi_unpoison() when the caller
	 * gives none, opened at first use and kept ([0]: with tracepoints,
	 * [1]: HWPI_OBSERVE_NO_TRACE): opening one costs far more than an
	 * injection.
	 */
	struct hwpi_observer *observer[2];
	struct hwpi_audit_sink audit;	/* the audit lines' /dev/kmsg (audit.c) */
	struct hwpi_pfm pfm;
};

/* The counters an observer read after a page. */
struct hwpi_counts_after {
	bool hwcorrupted_known, counters_known;
	uint64_t hwcorrupted_kb;
	struct hwpi_mf_counters counters;
};
void hwpi__counts_after(const struct hwpi_report *r, struct hwpi_counts_after *a);
/*
 * Restart O for the next page of a batch: the "before" values are the
 * "after" values of the page before (PREV), read just now -- only those
 * that PREV has not are read again.
 */
void hwpi__observer_restart_after(struct hwpi_observer *o, const struct hwpi_counts_after *prev);

/* CTX's observer for FLAGS (HWPI_OBSERVE_*), opened or restarted: 0 or -ENOMEM. */
int hwpi__ctx_observer(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_observer **out);

/* Load libpfm4 into CTX->pfm (once); 0 or a negative errno with the message. */
int hwpi__pfm_load(struct hwpi_ctx *ctx);
void hwpi__pfm_unload(struct hwpi_ctx *ctx);
struct perf_event_attr;
/*
 * Encode tracepoint NAME ("system:event") into ATTR with libpfm4: 0, or a
 * negative errno with *WHY saying why (libpfm4 missing, or its error).
 */
int hwpi__pfm_encode_tracepoint(struct hwpi_ctx *ctx, const char *name,
				struct perf_event_attr *attr, const char **why);

/* ctx.c: record the last error; returns ERR (a negative errno) for chaining. */
int hwpi__err(struct hwpi_ctx *ctx, int err, const char *fmt, ...) HWPI_PRINTF(3, 4);
/*
 * The same, with ERR returned where static analyzers (one file at a time) see
 * it, and clang's analyzer told that it is negative (it cannot know that
 * errno > 0 after a failed call): an error path never looks like a success
 * to them.  Nothing changes for the compiler (doc/static-analysis.md).
 */
#ifdef __clang_analyzer__
#define HWPI__ANALYZER_ASSUME(cond) __builtin_assume(cond)
#else
#define HWPI__ANALYZER_ASSUME(cond) ((void)0)
#endif
#define hwpi__err(ctx, err, ...) ({					\
	int hwpi__e = (err);						\
	(hwpi__err)(ctx, hwpi__e, __VA_ARGS__);				\
	HWPI__ANALYZER_ASSUME(hwpi__e < 0);				\
	hwpi__e;							\
})
void hwpi__log(struct hwpi_ctx *ctx, int prio, const char *fmt, ...) HWPI_PRINTF(3, 4);
#define dbg(ctx, ...) hwpi__log(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) hwpi__log(ctx, LOG_INFO, __VA_ARGS__)

/* path.c: every kernel path below the context's root. */
int hwpi__path(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	HWPI_PRINTF(4, 5);
/* open ROOT/path; returns fd or -errno */
int hwpi__open(const struct hwpi_ctx *ctx, int flags, const char *fmt, ...) HWPI_PRINTF(3, 4);
/* read a small file (newline stripped); returns length or -errno */
int hwpi__read_file(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	HWPI_PRINTF(4, 5);
int hwpi__read_long(const struct hwpi_ctx *ctx, long *val, const char *fmt, ...) HWPI_PRINTF(3, 4);
/* write STR to a file; returns 0 or -errno of the write */
int hwpi__write_file(const struct hwpi_ctx *ctx, const char *str, const char *fmt, ...)
	HWPI_PRINTF(3, 4);
/* write STR to an absolute PATH (already below the root) */
int hwpi__write_abs(const char *path, const char *str);
bool hwpi__exists(const struct hwpi_ctx *ctx, const char *fmt, ...) HWPI_PRINTF(2, 3);
/* pread exactly len bytes at off; returns 0, -EIO (short) or -errno */
int hwpi__pread_full(int fd, void *buf, size_t len, off_t off);

/* capability.c: availability of debugfs unpoison-pfn */
int hwpi__unpoison_check(struct hwpi_ctx *ctx, unsigned int flags,
			 struct hwpi_method_status *st);

/* kmsg.c: collect the kernel's messages about a pfn around an injection. */
struct hwpi_kmsg {
	int fd;		/* -1 if /dev/kmsg unavailable */
};
void hwpi__kmsg_begin(struct hwpi_ctx *ctx, struct hwpi_kmsg *k);
/* read new records, keep those about PFN (or about unpoison of PFN) in R */
void hwpi__kmsg_collect(struct hwpi_ctx *ctx, struct hwpi_kmsg *k, uint64_t pfn,
			struct hwpi_report *r);
void hwpi__kmsg_end(struct hwpi_kmsg *k);
/* The records of one read (NUL-terminated, split in place), as hwpi__kmsg_collect() takes them. */
void hwpi__kmsg_parse(struct hwpi_ctx *ctx, char *buf, uint64_t pfn, struct hwpi_report *r);
/*
 * Parse one kmsg text line about memory failure.  Returns true if it is
 * about PFN; fills page_type/result of R when it is a recovery-action line.
 */
bool hwpi__kmsg_line_match(const char *text, uint64_t pfn, struct hwpi_report *r);

/*
 * audit.c: the audit line in the kernel log (/dev/kmsg, facility user) for an
 * injection of T by M, or an unpoison of PFN.  Never fails: a failure is logged.
 */
void hwpi__audit_inject(struct hwpi_ctx *ctx, const struct hwpi_target *t, enum hwpi_method m);
void hwpi__audit_sink_close(struct hwpi_audit_sink *sink);
/* a new call (batch) begins: who writes is learnt again at its first line */
void hwpi__audit_new_call(struct hwpi_ctx *ctx);
void hwpi__audit_unpoison(struct hwpi_ctx *ctx, uint64_t pfn);

/* tracefmt.c: a tracepoint's format file */
#define HWPI_TP_MAX_FIELDS 24
#define HWPI_TP_MAX_TABLES 4
#define HWPI_TP_MAX_SYMBOLS 64
struct hwpi_tp_field {
	char name[32];
	unsigned int offset, size;
	bool is_signed;
};
struct hwpi_tp_symbol {
	long value;
	char name[64];
};
struct hwpi_tp_table {
	char field[32];
	struct hwpi_tp_symbol symbols[HWPI_TP_MAX_SYMBOLS];
	unsigned int n_symbols;
};
struct hwpi_tp_format {
	unsigned int id;
	struct hwpi_tp_field fields[HWPI_TP_MAX_FIELDS];
	unsigned int n_fields;
	struct hwpi_tp_table tables[HWPI_TP_MAX_TABLES];
	unsigned int n_tables;
};
/* Returns 0 or -EINVAL (no fields found). */
int hwpi__tp_format_parse(const char *text, struct hwpi_tp_format *f);
const struct hwpi_tp_field *hwpi__tp_field(const struct hwpi_tp_format *f, const char *name);
/* Name of VALUE in the __print_symbolic() table of FIELD, or NULL. */
const char *hwpi__tp_symbol(const struct hwpi_tp_format *f, const char *field, long value);
bool hwpi__tp_get(const struct hwpi_tp_field *fl, const void *raw, size_t len, int64_t *v);

/* trace.c: tracepoint observation through perf_event_open + libpfm4 */
struct hwpi_trace;
#define HWPI__TRACE_SIGNALS 0x1u
/* mounts tracefs if it is nowhere and we may: NOTE then says so */
int hwpi__trace_open(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_trace **out,
		     char *note, size_t note_len);
void hwpi__trace_close(struct hwpi_trace *t);
/* drop what was recorded so far */
void hwpi__trace_discard(struct hwpi_trace *t);
/*
 * Fill page_type/result of R from memory_failure_event for PFN (true if
 * seen) and return the SIGBUS/SIGKILL signal_generate events of the window
 * in SIGS (up to MAX; *N set), uncorrelated.
 */
bool hwpi__trace_collect(struct hwpi_trace *t, uint64_t pfn, struct hwpi_report *r,
			 struct hwpi_signal *sigs, unsigned int *n, unsigned int max);

/* hold.c: a target held with PTRACE_SEIZE (all its threads) */
#define HWPI_HOLD_MAX_THREADS 256
#define HWPI_HOLD_KEPT_STATUS 16	/* threads whose status file stays open */
/* the ptrace options of a held thread: threads it creates are held from birth */
#define HWPI_HOLD_PTRACE_OPTIONS PTRACE_O_TRACECLONE	/* <sys/ptrace.h> where used */
struct hwpi_hold {
	pid_t pid;
	bool active;
	unsigned int n;
	pid_t tids[HWPI_HOLD_MAX_THREADS];
	bool live[HWPI_HOLD_MAX_THREADS];
	/* /proc/PID/task/TID/status of the first slots, read at every settle: fd + 1, 0 = none */
	int status_fd1[HWPI_HOLD_KEPT_STATUS];
};
int hwpi__hold_begin(struct hwpi_ctx *ctx, pid_t pid, struct hwpi_hold *h);
/* the same, with thread SEIZED already attached by us (0: none) */
int hwpi__hold_adopt(struct hwpi_ctx *ctx, pid_t pid, pid_t seized, struct hwpi_hold *h);
/* let the target run for MS, recording signals (passed on) and its fate in R */
void hwpi__hold_watch(struct hwpi_ctx *ctx, struct hwpi_hold *h, uint64_t ms,
		      enum hwpi_signal_when when, struct hwpi_report *r);
/* detach every thread (R may be NULL) */
/*
 * Wait (at most MS) until no thread of the held target has a deliverable
 * signal pending or runs the handler of one sent to it (in R), recording
 * those it takes as sent at injection.  A signal the injection sent is
 * pending when the injector returns, so this ends at once when there is
 * none.
 */
void hwpi__hold_settle(struct hwpi_ctx *ctx, struct hwpi_hold *h, uint64_t ms,
		       struct hwpi_report *r);
void hwpi__hold_end(struct hwpi_ctx *ctx, struct hwpi_hold *h, struct hwpi_report *r);
/* has the hold a thread left (the target did not die)? */
bool hwpi__hold_live(const struct hwpi_hold *h);
/* Does H hold thread TID, alive (not a zombie leader)? */
bool hwpi__hold_has_thread(struct hwpi_ctx *ctx, struct hwpi_hold *h, pid_t tid);
/*
 * PTRACE_SEIZE thread TID of PID with OPTIONS: 0 when seized, 1 when it is
 * ours already (a thread created by a held thread is attached at birth
 * through PTRACE_O_TRACECLONE, and its clone event is read later), or a
 * negative errno.  A thread on its way out (an exit, or the old leader of
 * an exec) answers EPERM until it is gone: that is tried again for up to
 * 20 ms, and -ESRCH once its task is gone.
 */
int hwpi__seize_thread(struct hwpi_ctx *ctx, pid_t pid, pid_t tid, long options);

/* report.c: append a signal seen with its full siginfo; NULL if the report is full */
struct hwpi_signal *hwpi__report_add_siginfo(struct hwpi_report *r, pid_t pid, pid_t tid,
					     const char *comm, const siginfo_t *si,
					     enum hwpi_signal_when when);

/*
 * resolve.c: PID has a user address space: -ESRCH if gone or a zombie, -EPERM
 * if a kernel thread (with a message), else 0.
 */
int hwpi__check_process(struct hwpi_ctx *ctx, pid_t pid);

/* pagemap.c */
int hwpi__pagemap_read(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr, uint64_t *entry);
/* Is T->vaddr of T->pid still page frame T->pfn?  0, or -ESRCH with the message. */
int hwpi__recheck_frame(struct hwpi_ctx *ctx, const struct hwpi_target *t);
/* /proc/PID/pagemap opened for reading, or a negative errno (-ESRCH: no such process) */
int hwpi__pagemap_open(struct hwpi_ctx *ctx, pid_t pid);

/* maps.c: find the mapping of VADDR in PID; -EFAULT if none */
int hwpi__maps_find(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr, struct hwpi_mapping *m);
enum hwpi_mapping_kind hwpi__mapping_kind(const struct hwpi_mapping *m, uint64_t kpageflags,
					  bool have_flags);
/* iterate maps: calls FN for each mapping; stops when FN returns non-zero */
int hwpi__maps_foreach(struct hwpi_ctx *ctx, pid_t pid,
		       int (*fn)(const struct hwpi_mapping *m, void *data), void *data);
/* sysctl.c: hwpi_kernel_release(), read once per context (for every report) */
int hwpi__kernel_release_cached(struct hwpi_ctx *ctx, char *buf, size_t len);

/* counters.c: HardwareCorrupted and the per-node memory_failure counters, files kept open */
struct hwpi_counters {
	int meminfo;		/* -1 if it could not be opened */
	int *fd;		/* 5 per node: total ignored failed delayed recovered */
	size_t n;
};
int hwpi__meminfo_hc(const char *meminfo_text, uint64_t *kb);
void hwpi__counters_open(struct hwpi_ctx *ctx, struct hwpi_counters *k);
int hwpi__counters_hc(const struct hwpi_counters *k, uint64_t *kb);
int hwpi__counters_mf(const struct hwpi_counters *k, struct hwpi_mf_counters *c);
void hwpi__counters_close(struct hwpi_counters *k);

/* resolve.c, shared with resolve-batch.c */
void hwpi__resolve_init(struct hwpi_ctx *ctx, struct hwpi_target *t, pid_t pid, uint64_t vaddr);
int hwpi__resolve_entry(struct hwpi_ctx *ctx, struct hwpi_target *t, uint64_t entry,
			const uint64_t *flags);
/* smaps KernelPageSize of the mapping containing vaddr (0 if unknown) */
uint64_t hwpi__smaps_page_size(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr);
/* the same from the smaps text in F */
uint64_t hwpi__smaps_page_size_stream(FILE *f, uint64_t vaddr);

/*
 * remote.c (x86-64 specific part in arch-*.c): run madvise(addr, len,
 * advice) inside PID by ptrace syscall injection and collect the signals
 * the target received meanwhile into R.  *ret gets the syscall's return
 * (0 or -errno).  Returns 0 if the syscall ran, negative errno otherwise.
 * With KEPT_TID, the thread that ran it stays attached (running, any
 * SIGBUS passed on) and *KEPT_TID names it, for hwpi__hold_adopt().
 */
int hwpi__remote_madvise(struct hwpi_ctx *ctx, pid_t pid, uint64_t addr, uint64_t len,
			 int advice, long *ret, struct hwpi_report *r, pid_t *kept_tid);
/*
 * The same for the page of T (T->pid, T->vaddr, one base page): once the
 * target is stopped, before anything runs in it, the page must still be
 * T->pfn when T knows it -- not a page of a new image after an exec, nor one
 * moved meanwhile, which no journal would name (-ESRCH, nothing injected).
 */
int hwpi__remote_madvise_target(struct hwpi_ctx *ctx, const struct hwpi_target *t, uint64_t len,
				int advice, long *ret, struct hwpi_report *r, pid_t *kept_tid);
/*
 * The same on thread TID of T->pid, which the caller's hold has attached
 * already (the KEPT_TID of an earlier call): the thread is stopped, the
 * syscall run, and it is resumed still attached, with the hold's options.
 * No /proc checks, no PTRACE_SEIZE: what the next page of a held target
 * saves.
 */
int hwpi__remote_madvise_held(struct hwpi_ctx *ctx, const struct hwpi_target *t, pid_t tid,
			      uint64_t len, int advice, long *ret, struct hwpi_report *r);

/*
 * journal.c: a "done" record for PFN (HAVE_PFN false: not known) with the
 * result in R.
 */
int hwpi__journal_done(struct hwpi_journal *j, bool have_pfn, uint64_t pfn,
		       const struct hwpi_report *r);
/*
 * What hwpi_journal_read() makes of the LEN bytes at BUF (changed in place),
 * the contents of the journal named PATH (for messages).
 */
int hwpi__journal_parse(struct hwpi_ctx *ctx, const char *path, char *buf, size_t len,
			struct hwpi_journal_contents *c);

#endif
