// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The observer: what the kernel did around an injection, from its own
 * sources, each fact with the source that gave it.  Tracepoints first,
 * /dev/kmsg as the fallback (and for the messages), HardwareCorrupted and
 * the per-node counters as before/after values.
 *
 * Signals from signal:signal_generate are not tied to a pfn by the kernel:
 * they are kept only for the target and for the processes the kernel named
 * in its messages about this pfn, so that other tools' injections in the
 * same window do not get into the report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_WINDOW_SIGNALS 64

struct hwpi_observer {
	struct hwpi_ctx *ctx;
	unsigned int flags;
	struct hwpi_trace *trace;
	struct hwpi_kmsg kmsg;
	char trace_error[HWPI_MSG_MAX];
	char trace_note[HWPI_MSG_MAX];
	struct hwpi_counters counters;
	bool hc_known;
	uint64_t hc_before;
	bool counters_known;
	struct hwpi_mf_counters counters_before;
};

HWPI_EXPORT const char *hwpi_source_name(enum hwpi_source s)
{
	switch (s) {
	case HWPI_SOURCE_PTRACE:
		return "ptrace";
	case HWPI_SOURCE_TRACEPOINT:
		return "tracepoint";
	case HWPI_SOURCE_KMSG:
		return "kmsg";
	default:
		return "none";
	}
}

/* Run an observation without letting its failure replace the caller's error. */
#define QUIETLY(ctx, expr)                                                    \
	({                                                                    \
		char saved_[sizeof((ctx)->errmsg)];                           \
		int r_;                                                       \
		memcpy(saved_, (ctx)->errmsg, sizeof(saved_));                \
		r_ = (expr);                                                  \
		memcpy((ctx)->errmsg, saved_, sizeof(saved_));                \
		r_;                                                           \
	})

static void take_before(struct hwpi_observer *o)
{
	o->hc_known = hwpi__counters_hc(&o->counters, &o->hc_before) == 0;
	o->counters_known = hwpi__counters_mf(&o->counters, &o->counters_before) == 0;
}

HWPI_EXPORT int hwpi_observer_new(struct hwpi_ctx *ctx, unsigned int flags,
				  struct hwpi_observer **out)
{
	struct hwpi_observer *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	o->ctx = ctx;
	o->flags = flags;
	hwpi__counters_open(ctx, &o->counters);
	take_before(o);
	if (flags & HWPI_OBSERVE_NO_TRACE) {
		snprintf(o->trace_error, sizeof(o->trace_error), "tracepoints not requested");
	} else {
		char saved[sizeof(ctx->errmsg)];

		memcpy(saved, ctx->errmsg, sizeof(saved));
		if (hwpi__trace_open(ctx, HWPI__TRACE_SIGNALS, &o->trace, o->trace_note,
				     sizeof(o->trace_note)) < 0)
			snprintf(o->trace_error, sizeof(o->trace_error), "%.*s",
				 (int)sizeof(o->trace_error) - 1, ctx->errmsg);
		memcpy(ctx->errmsg, saved, sizeof(saved));
	}
	hwpi__kmsg_begin(ctx, &o->kmsg);
	*out = o;
	return 0;
}

/* Forget what the sources said so far. */
static void discard(struct hwpi_observer *o)
{
	struct hwpi_report scratch;

	if (o->trace)
		hwpi__trace_discard(o->trace);
	if (o->kmsg.fd >= 0) {
		memset(&scratch, 0, sizeof(scratch));
		hwpi__kmsg_collect(o->ctx, &o->kmsg, UINT64_MAX, &scratch);
	}
}

HWPI_EXPORT void hwpi_observer_restart(struct hwpi_observer *o)
{
	discard(o);
	take_before(o);
}

void hwpi__counts_after(const struct hwpi_report *r, struct hwpi_counts_after *a)
{
	a->hwcorrupted_known = r->hwcorrupted_known;
	a->hwcorrupted_kb = r->hwcorrupted_after_kb;
	a->counters_known = r->counters_known;
	a->counters = r->counters_after;
}

void hwpi__observer_restart_after(struct hwpi_observer *o, const struct hwpi_counts_after *prev)
{
	discard(o);
	o->hc_known = prev->hwcorrupted_known;
	if (o->hc_known)
		o->hc_before = prev->hwcorrupted_kb;
	else
		o->hc_known = hwpi__counters_hc(&o->counters, &o->hc_before) == 0;
	o->counters_known = prev->counters_known;
	if (o->counters_known)
		o->counters_before = prev->counters;
	else
		o->counters_known = hwpi__counters_mf(&o->counters, &o->counters_before) == 0;
}

HWPI_EXPORT void hwpi_observer_free(struct hwpi_observer *o)
{
	if (!o)
		return;
	hwpi__trace_close(o->trace);
	hwpi__kmsg_end(&o->kmsg);
	hwpi__counters_close(&o->counters);
	free(o);
}

/* The process (tgid) of task TID, or TID itself if it is gone. */
static pid_t tgid_of(struct hwpi_ctx *ctx, pid_t tid)
{
	char buf[2048], *p;

	if (QUIETLY(ctx, hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/status", (int)tid)) < 0)
		return tid;
	p = strstr(buf, "\nTgid:");
	return p ? (pid_t)atoi(p + 6) : tid;
}

/* Is process PID named by one of the kernel's messages in R ("to COMM:PID", "killing COMM:PID")? */
static bool named_by_kernel(const struct hwpi_report *r, pid_t pid)
{
	char needle[24];
	unsigned int i;

	snprintf(needle, sizeof(needle), ":%d ", (int)pid);
	for (i = 0; i < r->n_messages; i++)
		if (strstr(r->messages[i], needle))
			return true;
	return false;
}

static bool have_signal(const struct hwpi_report *r, pid_t pid, int signo)
{
	unsigned int i;

	for (i = 0; i < r->n_signals; i++)
		if (r->signals[i].pid == pid && r->signals[i].signo == signo)
			return true;
	return false;
}

static void add_signal(struct hwpi_report *r, const struct hwpi_signal *s)
{
	if (r->n_signals < HWPI_MAX_SIGNALS)
		r->signals[r->n_signals++] = *s;
}

/* Signals the kernel said it sent for this pfn, when no tracepoint told: code unknown. */
static void signals_from_kmsg(struct hwpi_report *r)
{
	static const struct {
		const char *tag;
		int signo;
	} tags[] = { { "Sending SIGBUS to ", SIGBUS }, { "killing ", SIGKILL },
		     { "Killing ", SIGKILL } };
	unsigned int i, k;

	for (i = 0; i < r->n_messages; i++) {
		for (k = 0; k < ARRAY_SIZE(tags); k++) {
			const char *p = strstr(r->messages[i], tags[k].tag), *end, *colon;
			struct hwpi_signal s = { 0 };
			size_t n;

			if (!p)
				continue;
			p += strlen(tags[k].tag);
			end = strchr(p, ' ');
			if (!end)
				end = p + strlen(p);
			colon = memrchr(p, ':', (size_t)(end - p));
			if (!colon || atoi(colon + 1) <= 0)
				continue;
			s.pid = s.tid = (pid_t)atoi(colon + 1);
			s.signo = tags[k].signo;
			s.when = HWPI_SIG_AT_INJECTION;
			s.source = HWPI_SOURCE_KMSG;
			n = (size_t)(colon - p) < sizeof(s.comm) - 1 ? (size_t)(colon - p) :
								       sizeof(s.comm) - 1;
			memcpy(s.comm, p, n);
			if (!have_signal(r, s.pid, s.signo))
				add_signal(r, &s);
			break;
		}
	}
}

HWPI_EXPORT int hwpi_observer_collect(struct hwpi_observer *o, uint64_t pfn, pid_t target_pid,
				      struct hwpi_report *r)
{
	struct hwpi_signal sigs[MAX_WINDOW_SIGNALS];
	char printed[sizeof(r->page_type)];
	unsigned int n = 0, i;
	uint64_t kb;

	snprintf(r->trace_error, sizeof(r->trace_error), "%s", o->trace_error);
	snprintf(r->trace_note, sizeof(r->trace_note), "%s", o->trace_note);
	/*
	 * kmsg first, then the tracepoint, which is the better source of the
	 * action.  Both name the same kernel enum, but from two tables whose
	 * wording can differ ("already poisoned" in the tracepoint, "already
	 * poisoned page" in the log): the words the kernel printed are kept.
	 */
	hwpi__kmsg_collect(o->ctx, &o->kmsg, pfn, r);
	snprintf(printed, sizeof(printed), "%s", r->page_type);
	if (o->trace) {
		if (hwpi__trace_collect(o->trace, pfn, r, sigs, &n, MAX_WINDOW_SIGNALS) &&
		    printed[0])
			snprintf(r->page_type, sizeof(r->page_type), "%s", printed);
		for (i = 0; i < n; i++) {
			struct hwpi_signal *s = &sigs[i];

			s->pid = tgid_of(o->ctx, s->tid);
			/* the target's own, seen with its siginfo, are already there */
			if (s->pid != target_pid && !named_by_kernel(r, s->pid) &&
			    o->kmsg.fd >= 0)
				continue;
			if (!have_signal(r, s->pid, s->signo))
				add_signal(r, s);
		}
	} else {
		signals_from_kmsg(r);
	}
	if (o->hc_known && hwpi__counters_hc(&o->counters, &kb) == 0) {
		r->hwcorrupted_known = true;
		r->hwcorrupted_before_kb = o->hc_before;
		r->hwcorrupted_after_kb = kb;
	}
	if (o->counters_known && hwpi__counters_mf(&o->counters, &r->counters_after) == 0) {
		r->counters_known = true;
		r->counters_before = o->counters_before;
	}
	return 0;
}
