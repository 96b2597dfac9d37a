/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhwpinject - inject memory errors (hwpoison) on Linux and report what the
 * kernel did.
 *
 * Conventions:
 *  - Every function that can fail returns 0 or a negative errno.  The context
 *    keeps a human-readable message for the last error (hwpi_ctx_strerror()).
 *  - The library never prints and never exits; diagnostics go to the log
 *    callback set with hwpi_ctx_set_log().
 *  - Results are plain structs owned by the caller.
 *  - Every /proc, /sys and /dev path is looked up below the context's root
 *    (hwpi_ctx_set_root()), so tests can point the library at a fake tree.
 */
#ifndef HWPINJECT_H
#define HWPINJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HWPI_PATH_MAX 4096
#define HWPI_MSG_MAX 256
#define HWPI_MAX_MESSAGES 16
#define HWPI_MAX_SIGNALS 16

/* ------------------------------------------------------------------------ */
/* Context                                                                  */

struct hwpi_ctx;

/* Log priorities, as syslog(3). */
typedef void (*hwpi_log_fn)(void *userdata, int priority, const char *msg);

/* Library version string, e.g. "0.1.0". */
const char *hwpi_version(void);

/* Create a context; *ctx is set on success.  Returns 0 or -ENOMEM. */
int hwpi_ctx_new(struct hwpi_ctx **ctx);
/* Free a context; NULL is accepted. */
void hwpi_ctx_free(struct hwpi_ctx *ctx);

/*
 * Look up /proc, /sys and /dev below ROOT instead of "/" (testing).  NULL or
 * "" or "/" resets it.  With a root set, pids are those of the fake tree:
 * they are never held or traced with ptrace.  Returns 0, -EINVAL (relative
 * path), -ENOENT, -ENOTDIR or -ENAMETOOLONG.
 */
int hwpi_ctx_set_root(struct hwpi_ctx *ctx, const char *root);
const char *hwpi_ctx_get_root(const struct hwpi_ctx *ctx);

/* Route diagnostics to FN; messages with priority > max_priority are dropped. */
void hwpi_ctx_set_log(struct hwpi_ctx *ctx, hwpi_log_fn fn, void *userdata,
		      int max_priority);

/* Human message for the last error of this context ("" if none). */
const char *hwpi_ctx_strerror(const struct hwpi_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* Numbers                                                                  */

/*
 * Parse an unsigned 64-bit number: decimal, or hex with a 0x prefix.
 * Leading/trailing blanks, signs, junk and overflow are rejected.
 * Returns 0, -EINVAL (not a number) or -ERANGE (overflow).
 */
int hwpi_parse_u64(const char *s, uint64_t *out);

/*
 * Parse a duration: a number with an optional suffix ms, s, m, h (default s).
 * Result in milliseconds.  Returns 0, -EINVAL or -ERANGE.
 */
int hwpi_parse_duration_ms(const char *s, uint64_t *out_ms);

/* ------------------------------------------------------------------------ */
/* Methods and kernel capabilities                                          */

enum hwpi_method {
	HWPI_METHOD_HWPOISON = 0,	  /* madvise(MADV_HWPOISON) */
	HWPI_METHOD_SOFT_OFFLINE,	  /* madvise(MADV_SOFT_OFFLINE) */
	HWPI_METHOD_CORRUPT_PFN,	  /* debugfs hwpoison/corrupt-pfn */
	HWPI_METHOD_SOFT_OFFLINE_PAGE,	  /* sysfs soft_offline_page */
	HWPI_METHOD_HARD_OFFLINE_PAGE,	  /* sysfs hard_offline_page */
	HWPI_METHOD_COUNT,
};

/* "hwpoison", "soft-offline", "corrupt-pfn", ... or NULL. */
const char *hwpi_method_name(enum hwpi_method m);
/* Returns 0 or -EINVAL. */
int hwpi_method_from_name(const char *name, enum hwpi_method *out);
/* True for the madvise methods, which act on a virtual address of a process. */
bool hwpi_method_needs_vaddr(enum hwpi_method m);
/* True for the soft methods (migrate, do not poison the data). */
bool hwpi_method_is_soft(enum hwpi_method m);

struct hwpi_method_status {
	bool available;
	/*
	 * Why not, as a negative errno:
	 *  -ENOSYS  kernel built without CONFIG_MEMORY_FAILURE (or interface absent)
	 *  -ENODEV  debugfs not mounted / hwpoison-inject not loaded and not loadable
	 *  -EPERM   not permitted (no CAP_SYS_ADMIN, lockdown)
	 *  -ENOENT  a required file is missing
	 */
	int err;
	char reason[HWPI_MSG_MAX];
	char path[HWPI_PATH_MAX]; /* the interface used, if any */
};

/*
 * Find out whether METHOD can be used here, without poisoning anything.
 * With HWPI_CHECK_LOAD, loads hwpoison-inject (modprobe) and mounts debugfs
 * if that is what is missing.  Returns 0 (status filled in) or negative errno.
 */
#define HWPI_CHECK_LOAD 0x1u
int hwpi_method_check(struct hwpi_ctx *ctx, enum hwpi_method m,
		      unsigned int flags, struct hwpi_method_status *st);

/* Whether the running kernel has CONFIG_MEMORY_FAILURE (by its interfaces). */
bool hwpi_kernel_has_memory_failure(struct hwpi_ctx *ctx);

/* Kernel release (uname -r, or ROOT/proc/sys/kernel/osrelease). */
int hwpi_kernel_release(struct hwpi_ctx *ctx, char *buf, size_t len);

/* vm.memory_failure_* and vm.enable_soft_offline sysctls. */
enum hwpi_sysctl {
	HWPI_SYSCTL_EARLY_KILL = 0,
	HWPI_SYSCTL_RECOVERY,
	HWPI_SYSCTL_ENABLE_SOFT_OFFLINE,
	HWPI_SYSCTL_COUNT,
};
const char *hwpi_sysctl_name(enum hwpi_sysctl s); /* "vm.memory_failure_early_kill" */
/* Returns 0, -ENOENT if the kernel lacks it, or negative errno. */
int hwpi_sysctl_get(struct hwpi_ctx *ctx, enum hwpi_sysctl s, long *val);
int hwpi_sysctl_set(struct hwpi_ctx *ctx, enum hwpi_sysctl s, long val);

/* HardwareCorrupted from /proc/meminfo in kB. */
int hwpi_hardware_corrupted_kb(struct hwpi_ctx *ctx, uint64_t *kb);

/* Sum of the per-node memory_failure counters (6.12+).  -ENOENT if absent. */
struct hwpi_mf_counters {
	uint64_t total, ignored, failed, delayed, recovered;
};
int hwpi_mf_counters(struct hwpi_ctx *ctx, struct hwpi_mf_counters *c);

/* ------------------------------------------------------------------------ */
/* kpageflags                                                               */

/* Name of kpageflags bit BIT ("HWPOISON", "ANON", ...) or NULL if unknown. */
const char *hwpi_kpageflag_name(unsigned int bit);
/* Bit of a name (case-insensitive), or -EINVAL. */
int hwpi_kpageflag_bit(const char *name);
/* Read /proc/kpageflags for PFN.  Returns 0, -EPERM, -EINVAL (beyond end). */
int hwpi_kpageflags_read(struct hwpi_ctx *ctx, uint64_t pfn, uint64_t *flags);
#define HWPI_KPF_HWPOISON 19

/* ------------------------------------------------------------------------ */
/* Targets                                                                  */

enum hwpi_mapping_kind {
	HWPI_MAP_NONE = 0,  /* no vaddr (pfn/phys targets) */
	HWPI_MAP_ANON,
	HWPI_MAP_HEAP,
	HWPI_MAP_STACK,
	HWPI_MAP_FILE,
	HWPI_MAP_SHMEM,
	HWPI_MAP_HUGETLB,
	HWPI_MAP_THP,
	HWPI_MAP_SPECIAL,   /* [vdso], [vvar], ... */
};
/* "anon", "heap", "stack", "file", "shmem", "hugetlb", "thp", "special", "none" */
const char *hwpi_mapping_kind_name(enum hwpi_mapping_kind k);

/* One line of /proc/PID/maps. */
struct hwpi_mapping {
	uint64_t start, end, offset;
	char perms[5];		/* "rw-p" */
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	char path[HWPI_PATH_MAX]; /* "" for anonymous, "[heap]", ... */
};

/* Parse one maps line.  Returns 0 or -EINVAL. */
int hwpi_mapping_parse(const char *line, struct hwpi_mapping *m);

struct hwpi_target {
	pid_t pid;		/* 0 if none */
	bool have_vaddr;
	uint64_t vaddr;		/* page-aligned */
	struct hwpi_mapping map; /* valid if have_vaddr */
	enum hwpi_mapping_kind kind;
	bool present;		/* page present in pagemap */
	bool have_pfn;
	uint64_t pfn;
	uint64_t phys;		/* pfn * base page size */
	uint64_t page_size;	/* mapping page size (4096, 2 MiB hugetlb ...) */
	uint64_t pagemap;	/* raw pagemap entry */
	bool have_kpageflags;
	uint64_t kpageflags;
	bool poisoned_entry;	/* pagemap shows a hwpoison swap entry */
};

/*
 * Resolve PID + VADDR to its mapping, pfn, physical address, page size and
 * kpageflags.  The vaddr is rounded down to its page.
 * Returns 0; -ESRCH (no such pid, or a zombie), -EFAULT (address not mapped),
 * -EPERM (no permission to read pagemap pfns, or a kernel thread), or another
 * negative errno.
 * A mapped but non-present page returns 0 with present = false.
 */
int hwpi_resolve_vaddr(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr,
		       struct hwpi_target *t);
/*
 * Resolve N addresses of PID at once, as hwpi_resolve_vaddr() would each
 * into T[0..N-1], but reading the maps once and pagemap and kpageflags in
 * batches: what makes translating a whole region cheap.  Addresses in
 * ascending order read fastest.  Returns 0 or the first error (T then
 * holds the addresses before it).
 */
int hwpi_resolve_vaddrs(struct hwpi_ctx *ctx, pid_t pid, const uint64_t *vaddrs, size_t n,
			struct hwpi_target *t);
/* Resolve a pfn (flags from kpageflags).  -EINVAL if beyond the last pfn. */
int hwpi_resolve_pfn(struct hwpi_ctx *ctx, uint64_t pfn, struct hwpi_target *t);
int hwpi_resolve_phys(struct hwpi_ctx *ctx, uint64_t phys, struct hwpi_target *t);

/*
 * Decode a raw pagemap entry.  For a hwpoison swap entry (swap type
 * SWAP_TYPE, learnt from the kernel), *pfn is the poisoned pfn.
 */
struct hwpi_pagemap_entry {
	bool present, swapped, file_shared, exclusive, soft_dirty;
	uint64_t pfn;	     /* if present */
	unsigned int swap_type;
	uint64_t swap_offset;
};
void hwpi_pagemap_decode(uint64_t raw, struct hwpi_pagemap_entry *e);
/*
 * Only the pfn of a raw pagemap entry: that of a present page, else 0 (as
 * hwpi_pagemap_decode() gives it), inline for loops over a whole region.
 */
static inline uint64_t hwpi_pagemap_pfn(uint64_t raw)
{
	return (raw >> 63) ? raw & ((1ULL << 55) - 1) : 0;
}

/*
 * Regions.  SPEC is "heap", "stack", "anon", "file", "file:PATH" or
 * "ADDR-ADDR".  Selects COUNT page addresses of PID:
 *  - sel.random false: starting at sel.offset bytes into the region;
 *  - sel.random true: distinct pages chosen with sel.seed (reproducible).
 * Only present pages are chosen unless sel.include_absent.  Returns 0,
 * -EINVAL (bad spec), -ESRCH (no such process, or a zombie), -EPERM (a kernel
 * thread), -ENOENT (no such region), -ERANGE (region too small for COUNT
 * pages) or negative errno.  *n is set to the number chosen.
 */
struct hwpi_selection {
	uint64_t offset;
	bool random;
	uint64_t seed;
	bool include_absent;
};
int hwpi_region_select(struct hwpi_ctx *ctx, pid_t pid, const char *spec,
		       const struct hwpi_selection *sel, uint64_t *vaddrs,
		       size_t count, size_t *n);
/*
 * hwpi_region_select(), and the pagemap entry of each page chosen, as the
 * one scan of the region read it, in ENTRIES[0..COUNT-1] (decode it with
 * hwpi_pagemap_decode(): the pfn of a present page, or the hwpoison swap
 * entry of a poisoned one).  Translating a region to pfns this way costs
 * one batched read of its pagemap.  ENTRIES may be NULL.
 */
int hwpi_region_entries(struct hwpi_ctx *ctx, pid_t pid, const char *spec,
			const struct hwpi_selection *sel, uint64_t *vaddrs,
			uint64_t *entries, size_t count, size_t *n);

/* ------------------------------------------------------------------------ */
/* Injection                                                                */

enum hwpi_signal_when {
	HWPI_SIG_AT_INJECTION = 0,
	HWPI_SIG_ON_ACCESS,
	HWPI_SIG_LATER,
};

/* Where a fact came from. */
enum hwpi_source {
	HWPI_SOURCE_NONE = 0,
	HWPI_SOURCE_PTRACE,	/* the target's own siginfo, seen while held */
	HWPI_SOURCE_TRACEPOINT,	/* ras:memory_failure_event, signal:signal_generate */
	HWPI_SOURCE_KMSG,	/* the kernel's messages in /dev/kmsg */
};
/* "ptrace", "tracepoint", "kmsg" or "none" */
const char *hwpi_source_name(enum hwpi_source s);

struct hwpi_signal {
	pid_t pid;		/* the process (tgid) */
	pid_t tid;		/* the thread that received it, if known */
	int signo;
	bool have_code;		/* code known (not from kmsg) */
	int code;		/* si_code */
	bool have_addr;		/* addr and addr_lsb known (full siginfo seen) */
	uint64_t addr;		/* si_addr */
	int addr_lsb;		/* si_addr_lsb */
	enum hwpi_signal_when when;
	char comm[17];
	enum hwpi_source source;
};

enum hwpi_target_state {
	HWPI_TARGET_UNKNOWN = 0,
	HWPI_TARGET_ALIVE,
	HWPI_TARGET_KILLED,
	HWPI_TARGET_EXITED,
	HWPI_TARGET_GONE,	/* disappeared, cause unknown */
};

/*
 * What /proc/PID/stat says of a process now: ALIVE, KILLED or EXITED (a
 * zombie not yet reaped: *STATUS is the signal or exit status), GONE, or
 * UNKNOWN.
 */
enum hwpi_target_state hwpi_process_state(struct hwpi_ctx *ctx, pid_t pid, int *status);

struct hwpi_report {
	enum hwpi_method method;
	bool dry_run;			/* nothing was injected */
	struct hwpi_target target;	/* as resolved before injection */
	int err;			/* errno of the injector (0 = accepted) */
	char release[65];

	/* what the kernel did, "" if unknown */
	char page_type[64];
	char result[32];		/* Ignored, Failed, Delayed, Recovered */
	char action_source[16];		/* "tracepoint", "kmsg", "" */
	char trace_error[HWPI_MSG_MAX];	/* why tracepoints were not used, or "" */
	char trace_note[HWPI_MSG_MAX];	/* e.g. that tracefs had to be mounted */
	bool counters_known;		/* per-node memory_failure counters (6.11+) */
	struct hwpi_mf_counters counters_before, counters_after;
	char messages[HWPI_MAX_MESSAGES][HWPI_MSG_MAX];
	unsigned int n_messages;

	bool poisoned_known;
	bool poisoned;			/* pfn carries HWPOISON afterwards */
	bool already_poisoned_known;
	bool already_poisoned;		/* it carried HWPOISON before the injection */
	bool hwcorrupted_known;
	uint64_t hwcorrupted_before_kb, hwcorrupted_after_kb;
	bool have_new_pfn;		/* soft offline: content migrated */
	uint64_t new_pfn;

	struct hwpi_signal signals[HWPI_MAX_SIGNALS];
	unsigned int n_signals;
	enum hwpi_target_state target_state;
	int target_status;		/* signal or exit status */
	bool interrupted;		/* the watch ended early on SIGINT/SIGTERM */
	/*
	 * HWPI_INJECT_NO_OBSERVE: nothing was observed but the kernel's answer
	 * (err) and the page's flags before and after -- no action, messages,
	 * counters or target state; signals only those a remote madvise saw.
	 */
	bool unobserved;
};

/*
 * Observation: what the kernel did around an injection, from its own
 * sources -- the tracepoints ras:memory_failure_event and
 * signal:signal_generate (perf_event_open, encoded by libpfm4), /dev/kmsg,
 * HardwareCorrupted and the per-node memory_failure counters.  A source
 * that cannot be used is skipped (report.trace_error says why); a fact no
 * source gave is left unknown.  hwpi_inject() uses one internally; use one
 * yourself around an injection of your own (e.g. a madvise() in your
 * process).  The context must outlive the observer.
 */
struct hwpi_observer;
#define HWPI_OBSERVE_NO_TRACE 0x1u	/* kmsg, counters and meminfo only */
/* Start observing now.  Returns 0 or -ENOMEM (never fails for a missing source). */
int hwpi_observer_new(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_observer **out);
/*
 * Add to R what happened to PFN since the observer started (or restarted):
 * page type and result, the kernel's messages about PFN, signals to
 * TARGET_PID (0: none) and to every process the kernel named for PFN,
 * HardwareCorrupted and counters before/after.  Returns 0.
 */
int hwpi_observer_collect(struct hwpi_observer *o, uint64_t pfn, pid_t target_pid,
			  struct hwpi_report *r);
/* Forget what was seen so far and take new "before" values (campaigns). */
void hwpi_observer_restart(struct hwpi_observer *o);
void hwpi_observer_free(struct hwpi_observer *o);

#define HWPI_INJECT_DRY_RUN 0x1u	/* resolve and check, inject nothing */
#define HWPI_INJECT_FORCE 0x2u		/* allow pages that may crash the kernel */
#define HWPI_INJECT_NO_LOAD 0x4u	/* do not load hwpoison-inject / mount debugfs */
#define HWPI_INJECT_NO_TRACE 0x8u	/* do not use tracepoints (kmsg only) */
#define HWPI_INJECT_NO_HOLD 0x10u	/* do not hold a pid target with ptrace */
/*
 * The fast path: inject and check only.  No observer (no tracepoints,
 * /dev/kmsg, counters), no hold of a pid target by a pfn/phys method, no
 * look at the target's state; the refusal of unsafe pages, the audit line,
 * the journal and the re-check of a process's page stay.  Not with
 * watch_ms; opts.observer is not used.  report.unobserved says so.
 */
#define HWPI_INJECT_NO_OBSERVE 0x20u

struct hwpi_inject_opts {
	unsigned int flags;	/* HWPI_INJECT_* */
	/*
	 * vm.memory_failure_early_kill for the injection: -1 leaves it alone,
	 * 0 or 1 sets it and restores the old value before returning.
	 */
	int early_kill;
	/*
	 * Keep holding a pid target this long after the injection, recording
	 * each signal it receives (on access) and its fate.  The watch ends
	 * early when the target dies or the caller has SIGINT or SIGTERM
	 * pending (block them to be told: report.interrupted).
	 */
	uint64_t watch_ms;
	/*
	 * A write-ahead journal (hwpi_journal_open()), or NULL.  With one,
	 * hwpi_inject() records the page (hwpi_journal_record(), on disk before
	 * the injection), a sysctl before changing it and after restoring it,
	 * and the result (hwpi_journal_result()).  A record that cannot be
	 * written stops the injection: the call fails with its negative errno.
	 */
	struct hwpi_journal *journal;
	/*
	 * An observer (hwpi_observer_new()) to use, or NULL for the
	 * context's own (opened at its first injection and kept until
	 * hwpi_ctx_free(): opening the tracepoints on every CPU costs far
	 * more than an injection).  hwpi_inject() restarts it before injecting
	 * and collects from it after.  A given observer's
	 * HWPI_OBSERVE_NO_TRACE choice wins over HWPI_INJECT_NO_TRACE.
	 */
	struct hwpi_observer *observer;
};
#define HWPI_INJECT_OPTS_INIT { .flags = 0, .early_kill = -1, .watch_ms = 0, .journal = NULL }

/*
 * Inject an error with METHOD into the page of T (resolved with
 * hwpi_resolve_*) and fill REPORT.  OPTS may be NULL (defaults).
 *
 * The madvise methods run inside the target's own address space: directly
 * when T.pid is 0 or the caller, else by ptrace syscall injection.  The
 * pfn/phys methods use T.pfn / T.phys.  A pid target is held with ptrace
 * during the injection so that its signals are seen with their siginfo;
 * every signal is passed on unchanged, and the target is always released.
 *
 * Returns 0 when the injection was performed (REPORT.err holds the kernel's
 * answer; the kernel may still have refused the page), or a negative errno
 * when it could not be attempted: -ENOSYS/-ENODEV (feature missing), -EPERM
 * (not permitted or refused as unsafe without HWPI_INJECT_FORCE), -EINVAL,
 * -ESRCH (target gone), -EBUSY (target traced by someone else).
 */
int hwpi_inject(struct hwpi_ctx *ctx, const struct hwpi_target *t,
		enum hwpi_method method, const struct hwpi_inject_opts *opts,
		struct hwpi_report *report);

/*
 * Called by hwpi_inject_many() with the report of the I-th page, as soon as
 * that page is done.  Return 0 to go on, anything else to stop there.
 */
typedef int (*hwpi_report_fn)(const struct hwpi_report *report, size_t i, void *data);

/*
 * Inject METHOD into the N pages of T, one after the other, as N calls of
 * hwpi_inject() would -- each page checked, journaled, injected, observed
 * and reported on its own -- but with what they share done once: the
 * method check, the kill policy (set before the first page, restored after
 * the last), and, for the pfn/phys methods, the hold of a pid target,
 * which lasts over consecutive pages of the same pid (OPTS.watch_ms
 * follows the last of them).  The madvise methods hold the target per
 * page, as hwpi_inject() does.
 *
 * REPORT is filled for each page in turn and passed to FN (may be NULL)
 * with DATA.  *DONE (may be NULL) counts the pages passed to FN.  Returns
 * 0 when every page was attempted or FN stopped the call, else the
 * negative errno of page *DONE, which could not be attempted (REPORT then
 * names that page; the pages before it were reported).
 */
int hwpi_inject_many(struct hwpi_ctx *ctx, const struct hwpi_target *t, size_t n,
		     enum hwpi_method method, const struct hwpi_inject_opts *opts,
		     struct hwpi_report *report, hwpi_report_fn fn, void *data, size_t *done);

/*
 * Why a page is unsafe to poison (kernel pages: reserved, slab, page tables,
 * buddy, zero page ...): returns NULL if it looks safe, else a reason.
 */
const char *hwpi_page_unsafe_reason(uint64_t kpageflags);

/*
 * Unpoison PFN through debugfs unpoison-pfn.  Fills REPORT (err, messages,
 * poisoned afterwards).  Returns 0 if attempted, negative errno otherwise.
 */
int hwpi_unpoison(struct hwpi_ctx *ctx, uint64_t pfn, struct hwpi_report *report);

/*
 * Outcome word for a report: "sigbus-ar", "sigbus-ao", "killed",
 * "recovered", "ignored", "failed", "delayed", "migrated", "refused",
 * "dry-run", "unknown", or "injected" (accepted, and HWPI_INJECT_NO_OBSERVE
 * looked no further).
 */
const char *hwpi_report_outcome(const struct hwpi_report *r);

/* "BUS_MCEERR_AR" ... or NULL */
const char *hwpi_sigbus_code_name(int code);

/* ------------------------------------------------------------------------ */
/* Write-ahead journal                                                      */

/*
 * A journal records every page before it is poisoned and every sysctl
 * before it is changed, so that all of it can be undone after a crash or
 * kill -9 (hwpi_journal_read(), then hwpi_unpoison() and hwpi_sysctl_set()).
 * Each record is one line of text, on disk (fsync) before the call returns;
 * the format is described in hwpinject-journal(5).  The journal is a file
 * of the caller's, not below the context's root.
 */
struct hwpi_journal;

/*
 * Create PATH (mode 0600) or open it to append; a new file gets the header
 * line.  FLAGS must be 0.  Refuses (-EPERM, with a message) a symbolic link
 * (O_NOFOLLOW), anything but a regular file, a file of another user and a
 * file writable by group or others.  Returns 0 (*OUT set) or a negative
 * errno (-ENOENT: no such directory, -EACCES, ...).  The context must
 * outlive the journal.
 */
int hwpi_journal_open(struct hwpi_ctx *ctx, const char *path, unsigned int flags,
		      struct hwpi_journal **out);
/* Close a journal; NULL is accepted. */
void hwpi_journal_close(struct hwpi_journal *j);

/*
 * Record that page T is about to be injected with METHOD (an "inject"
 * record: pfn and phys if known, pid, vaddr, whether HWPOISON was set
 * before, the time).  Returns 0 once the record is on disk, or a negative
 * errno.
 */
int hwpi_journal_record(struct hwpi_journal *j, const struct hwpi_target *t,
			enum hwpi_method method);
/*
 * Record the result of an injection (a "done" record: pfn, the kernel's
 * errno, whether the page carries HWPOISON, the new pfn of a migrated
 * page).  For the soft methods the old pfn, the one recorded, is the
 * frame the kernel retires.  Returns 0 or a negative errno.
 */
int hwpi_journal_result(struct hwpi_journal *j, const struct hwpi_report *report);
/*
 * Record sysctl S: OLD_VALUE is its value before it is changed
 * (RESTORED false, a "sysctl" record), or the value it was set back to
 * (RESTORED true, "sysctl-restored").
 */
int hwpi_journal_record_sysctl(struct hwpi_journal *j, enum hwpi_sysctl s, long old_value,
			       bool restored);
/* Record an unpoison of PFN and its REPORT (an "unpoison" record). */
int hwpi_journal_record_unpoison(struct hwpi_journal *j, uint64_t pfn,
				 const struct hwpi_report *report);

struct hwpi_journal_sysctl {
	enum hwpi_sysctl sysctl;
	long value;		/* the value to restore */
};

/* What a journal says is left to undo. */
struct hwpi_journal_contents {
	/*
	 * The pfns recorded as injected and not known to be clear: not
	 * recorded as left unpoisoned by the kernel, not unpoisoned since, not
	 * already poisoned before their first injection.  Each once, in the
	 * order of their first record.
	 */
	uint64_t *pfns;
	size_t n_pfns;
	/* sysctls changed and not restored: their values from before */
	struct hwpi_journal_sysctl *sysctls;
	size_t n_sysctls;
	size_t n_injections;	/* "inject" records */
	size_t n_unknown;	/* injections whose pfn was never learnt */
	bool truncated;		/* the last line was incomplete and was ignored */
};

/*
 * Read the journal PATH into C (the caller frees it with
 * hwpi_journal_contents_free()).  An incomplete last line (the writer died
 * while writing it) is ignored, said through the log callback and
 * C.truncated.  Returns 0; -ENOENT (no such file); -EPERM (a symbolic link,
 * not a regular file, another user's or writable by others); -EBADMSG (not
 * a journal, an unsupported version, or a malformed line: the message names
 * its line number); -EFBIG; or another negative errno.  After -EBADMSG for a
 * malformed record (not the header) C holds what the lines before it record,
 * so that a caller can still undo that much: free C in every case.
 */
int hwpi_journal_read(struct hwpi_ctx *ctx, const char *path, struct hwpi_journal_contents *c);
/* Free what hwpi_journal_read() allocated in C (not C itself); NULL is accepted. */
void hwpi_journal_contents_free(struct hwpi_journal_contents *c);

#ifdef __cplusplus
}
#endif

#endif /* HWPINJECT_H */
