// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the kernel did, from its own tracepoints: ras:memory_failure_event
 * (page type and result) and signal:signal_generate (SIGBUS/SIGKILL to every
 * process), encoded through libpfm4 and read with perf_event_open.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

#include "internal.h"

#define RB_DATA_PAGES 8

struct tp_stream {
	struct hwpi_tp_format fmt;
	int *fd;		/* per cpu, -1 if none */
	void **rb;		/* per cpu ring buffer, NULL if none */
};

struct hwpi_trace {
	int ncpu;
	size_t page;
	struct tp_stream mf, sig;
};

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static int read_format(struct hwpi_ctx *ctx, const char *event, struct hwpi_tp_format *f)
{
	char buf[16384];
	unsigned int i;
	int r = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(tracefs_dirs); i++) {
		r = hwpi__read_file(ctx, buf, sizeof(buf), "%s/events/%s/format", tracefs_dirs[i],
				    event);
		if (r >= 0)
			break;
	}
	if (r < 0)
		return hwpi__err(ctx, r, "no format file for tracepoint %s (tracefs not mounted?)",
				 event);
	r = hwpi__tp_format_parse(buf, f);
	if (r < 0)
		return hwpi__err(ctx, r, "cannot parse the format of tracepoint %s", event);
	return 0;
}

static int encode(struct hwpi_ctx *ctx, const char *event, const struct hwpi_tp_format *f,
		  struct perf_event_attr *attr)
{
	const char *why;
	char name[128];
	int r;

	memset(attr, 0, sizeof(*attr));
	snprintf(name, sizeof(name), "%s", event);
	*strchr(name, '/') = ':';
	r = hwpi__pfm_encode_tracepoint(ctx, name, attr, &why);
	if (r < 0) {
		/* libpfm4 looks for the events under debugfs only (or is not installed) */
		dbg(ctx, "libpfm4 cannot encode %s (%s); using its id %u from tracefs", name, why,
		    f->id);
		memset(attr, 0, sizeof(*attr));
		attr->type = PERF_TYPE_TRACEPOINT;
		attr->config = f->id;
	} else if (attr->type != PERF_TYPE_TRACEPOINT || attr->config != f->id) {
		dbg(ctx, "libpfm4 encodes %s as type %u config %" PRIu64 ", tracefs id %u", name,
		    attr->type, (uint64_t)attr->config, f->id);
	}
	attr->size = sizeof(*attr);
	attr->sample_period = 1;
	attr->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	attr->wakeup_events = 1;
	return 0;
}

static void stream_close(struct hwpi_trace *t, struct tp_stream *s)
{
	int i;

	for (i = 0; s->fd && i < t->ncpu; i++) {
		if (s->rb && s->rb[i])
			munmap(s->rb[i], (1 + RB_DATA_PAGES) * t->page);
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	}
	free(s->fd);
	free(s->rb);
	s->fd = NULL;
	s->rb = NULL;
}

static int stream_open(struct hwpi_ctx *ctx, struct hwpi_trace *t, const char *event,
		       struct tp_stream *s)
{
	struct perf_event_attr attr;
	int i, r, opened = 0, first_err = 0;

	r = read_format(ctx, event, &s->fmt);
	if (r < 0)
		return r;
	r = encode(ctx, event, &s->fmt, &attr);
	if (r < 0)
		return r;
	s->fd = malloc((size_t)t->ncpu * sizeof(*s->fd));
	s->rb = calloc((size_t)t->ncpu, sizeof(*s->rb));
	if (!s->fd || !s->rb) {
		/* not stream_close(): no s->fd[i] is set yet */
		free(s->fd);
		free(s->rb);
		s->fd = NULL;
		s->rb = NULL;
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	}
	for (i = 0; i < t->ncpu; i++) {
		void *rb;

		s->fd[i] = perf_event_open(&attr, -1, i, -1, PERF_FLAG_FD_CLOEXEC);
		if (s->fd[i] < 0) {
			if (!first_err && errno != ENODEV)
				first_err = -errno;
			continue; /* offline cpu */
		}
		rb = mmap(NULL, (1 + RB_DATA_PAGES) * t->page, PROT_READ | PROT_WRITE, MAP_SHARED,
			  s->fd[i], 0);
		if (rb == MAP_FAILED) {
			if (!first_err)
				first_err = -errno;
			close(s->fd[i]);
			s->fd[i] = -1;
			continue;
		}
		s->rb[i] = rb;
		opened++;
	}
	if (!opened) {
		stream_close(t, s);
		r = first_err ? first_err : -ENODEV;
		return hwpi__err(ctx, r, "perf_event_open(%s) failed: %s%s", event, strerror(-r),
				 r == -EACCES || r == -EPERM ?
					 " (perf_event_paranoid, or not root)" : "");
	}
	return 0;
}

/* No tracefs anywhere: mount it where the kernel expects it, if we may. */
static void mount_tracefs(struct hwpi_ctx *ctx, char *note, size_t len)
{
	if (ctx->root[0] || hwpi__exists(ctx, "/sys/kernel/tracing/events") ||
	    hwpi__exists(ctx, "/sys/kernel/debug/tracing/events") ||
	    !hwpi__exists(ctx, "/sys/kernel/tracing"))
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0) {
		dbg(ctx, "cannot mount tracefs: %m");
		return;
	}
	snprintf(note, len, "mounted tracefs on /sys/kernel/tracing (left mounted)");
	info(ctx, "%s", note);
}

int hwpi__trace_open(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_trace **out,
		     char *note, size_t note_len)
{
	struct hwpi_trace *t;
	long n = sysconf(_SC_NPROCESSORS_CONF);
	int r;

	*out = NULL;
	mount_tracefs(ctx, note, note_len);
	t = calloc(1, sizeof(*t));
	if (!t)
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	t->ncpu = n > 0 ? (int)n : 1;
	t->page = (size_t)ctx->page_size;
	/* newer kernels moved it from the ras system to its own */
	r = stream_open(ctx, t, "ras/memory_failure_event", &t->mf);
	if (r == -ENOENT)
		r = stream_open(ctx, t, "memory_failure/memory_failure_event", &t->mf);
	if (r < 0)
		goto fail;
	if (flags & HWPI__TRACE_SIGNALS) {
		r = stream_open(ctx, t, "signal/signal_generate", &t->sig);
		if (r < 0)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	hwpi__trace_close(t);
	return r;
}

void hwpi__trace_close(struct hwpi_trace *t)
{
	if (!t)
		return;
	stream_close(t, &t->mf);
	stream_close(t, &t->sig);
	free(t);
}

typedef void (*sample_fn)(const struct tp_stream *s, const void *raw, size_t len, void *arg);

/* Consume every record of one ring buffer, calling FN for each sample. */
static void drain(struct hwpi_trace *t, const struct tp_stream *s, void *rbv, sample_fn fn,
		  void *arg)
{
	struct perf_event_mmap_page *mp = rbv;
	unsigned char *data = (unsigned char *)rbv + t->page;
	size_t size = RB_DATA_PAGES * t->page;
	uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = mp->data_tail;
	unsigned char rec[4096];

	while (tail < head) {
		struct perf_event_header h;
		size_t i, off = (size_t)(tail % size);

		for (i = 0; i < sizeof(h); i++)
			((unsigned char *)&h)[i] = data[(off + i) % size];
		if (h.size < sizeof(h) || h.size > sizeof(rec))
			break;
		for (i = 0; i < h.size; i++)
			rec[i] = data[(off + i) % size];
		/* sample: header, pid, tid, time, u32 raw size, raw */
		if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + 8 + 8 + 4) {
			uint32_t rsize;

			memcpy(&rsize, rec + sizeof(h) + 16, 4);
			if (rsize <= h.size - (sizeof(h) + 20))
				fn(s, rec + sizeof(h) + 20, rsize, arg);
		}
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, head, __ATOMIC_RELEASE);
}

static void drain_all(struct hwpi_trace *t, const struct tp_stream *s, sample_fn fn, void *arg)
{
	int i;

	for (i = 0; s->rb && i < t->ncpu; i++)
		if (s->rb[i])
			drain(t, s, s->rb[i], fn, arg);
}

struct mf_arg {
	uint64_t pfn;
	struct hwpi_report *r;
	bool seen;
};

static void mf_sample(const struct tp_stream *s, const void *raw, size_t len, void *argv)
{
	struct mf_arg *a = argv;
	int64_t pfn, type, result;
	const char *tn, *rn;

	if (!hwpi__tp_get(hwpi__tp_field(&s->fmt, "pfn"), raw, len, &pfn) ||
	    !hwpi__tp_get(hwpi__tp_field(&s->fmt, "type"), raw, len, &type) ||
	    !hwpi__tp_get(hwpi__tp_field(&s->fmt, "result"), raw, len, &result))
		return;
	if ((uint64_t)pfn != a->pfn)
		return;
	tn = hwpi__tp_symbol(&s->fmt, "type", (long)type);
	rn = hwpi__tp_symbol(&s->fmt, "result", (long)result);
	if (tn)
		snprintf(a->r->page_type, sizeof(a->r->page_type), "%s", tn);
	else
		snprintf(a->r->page_type, sizeof(a->r->page_type), "type %" PRId64, type);
	if (rn)
		snprintf(a->r->result, sizeof(a->r->result), "%s", rn);
	else
		snprintf(a->r->result, sizeof(a->r->result), "result %" PRId64, result);
	snprintf(a->r->action_source, sizeof(a->r->action_source), "tracepoint");
	a->seen = true;
}

struct sig_arg {
	struct hwpi_signal *sigs;
	unsigned int n, max;
};

static void sig_sample(const struct tp_stream *s, const void *raw, size_t len, void *argv)
{
	const struct hwpi_tp_field *comm = hwpi__tp_field(&s->fmt, "comm");
	struct sig_arg *a = argv;
	int64_t sig, code, pid;
	struct hwpi_signal *g;

	if (!hwpi__tp_get(hwpi__tp_field(&s->fmt, "sig"), raw, len, &sig) ||
	    !hwpi__tp_get(hwpi__tp_field(&s->fmt, "code"), raw, len, &code) ||
	    !hwpi__tp_get(hwpi__tp_field(&s->fmt, "pid"), raw, len, &pid))
		return;
	if ((sig != SIGBUS && sig != SIGKILL) || a->n == a->max)
		return;
	g = &a->sigs[a->n++];
	memset(g, 0, sizeof(*g));
	g->pid = (pid_t)pid;	/* the task: the observer maps it to its process */
	g->tid = (pid_t)pid;
	g->signo = (int)sig;
	g->have_code = true;
	g->code = (int)code;
	g->when = HWPI_SIG_AT_INJECTION;
	g->source = HWPI_SOURCE_TRACEPOINT;
	if (comm && comm->offset < len && comm->size <= len - comm->offset) {
		size_t n = comm->size < sizeof(g->comm) ? comm->size : sizeof(g->comm) - 1;

		memcpy(g->comm, (const char *)raw + comm->offset, n);
		g->comm[n] = '\0';
	}
}

void hwpi__trace_discard(struct hwpi_trace *t)
{
	struct hwpi_report scratch;
	struct mf_arg a = { UINT64_MAX, &scratch, false };
	struct sig_arg sa = { NULL, 0, 0 };

	drain_all(t, &t->mf, mf_sample, &a);
	drain_all(t, &t->sig, sig_sample, &sa);
}

bool hwpi__trace_collect(struct hwpi_trace *t, uint64_t pfn, struct hwpi_report *r,
			 struct hwpi_signal *sigs, unsigned int *n, unsigned int max)
{
	struct mf_arg a = { pfn, r, false };
	struct sig_arg sa = { sigs, 0, max };

	drain_all(t, &t->mf, mf_sample, &a);
	drain_all(t, &t->sig, sig_sample, &sa);
	*n = sa.n;
	return a.seen;
}
