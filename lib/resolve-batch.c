// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Many addresses of one process resolved at once: the maps read once,
 * pagemap read in windows, kpageflags read in runs of nearby pfns -- the
 * way page-types scans, so that a whole region costs a few large reads
 * instead of several small ones per page.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PAGEMAP_WINDOW 4096	/* pagemap entries per read */
#define KPF_RUN_GAP 4		/* read across gaps of up to this many pfns */
#define KPF_RUN_MAX 65536	/* kpageflags entries per read, at most */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

struct maps_list {
	struct hwpi_mapping *m;
	size_t n, cap;
};

static int maps_push(const struct hwpi_mapping *m, void *data)
{
	struct maps_list *l = data;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct hwpi_mapping *nm = realloc(l->m, cap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		l->m = nm;
		l->cap = cap;
	}
	l->m[l->n++] = *m;
	return 0;
}

/* The mapping holding VADDR (maps are in ascending order), or NULL. */
static const struct hwpi_mapping *maps_lookup(const struct maps_list *l, uint64_t vaddr)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vaddr < l->m[mid].start)
			hi = mid;
		else if (vaddr >= l->m[mid].end)
			lo = mid + 1;
		else
			return &l->m[mid];
	}
	return NULL;
}

/* The raw pagemap entries of every target, through a window of PAGEMAP_WINDOW pages. */
static int read_pagemap(struct hwpi_ctx *ctx, pid_t pid, struct hwpi_target *t, size_t n,
			uint64_t *entry)
{
	uint64_t ps = (uint64_t)ctx->page_size, first = 0, count = 0, *win;
	size_t i;
	int fd, r = 0;

	fd = hwpi__pagemap_open(ctx, pid);
	if (fd < 0)
		return fd;
	win = malloc(PAGEMAP_WINDOW * sizeof(*win));
	if (!win) {
		close(fd);
		return hwpi__err(ctx, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		uint64_t page = t[i].vaddr / ps;

		if (page < first || page >= first + count) {
			/* from this page on, but not past its mapping's end */
			uint64_t last = t[i].map.end / ps;

			first = page;
			count = last - page < PAGEMAP_WINDOW ? last - page : PAGEMAP_WINDOW;
			r = hwpi__pread_full(fd, win, count * 8, (off_t)(first * 8));
			if (r < 0) {
				r = hwpi__err(ctx, r, "cannot read /proc/%d/pagemap: %s", (int)pid,
					      strerror(-r));
				break;
			}
		}
		entry[i] = win[page - first];
	}
	free(win);
	close(fd);
	return r;
}

/*
 * What hwpi__resolve_init() and a copy of M do, without touching the
 * unused bytes of the mapping's path: a target is mostly its 4 KiB path
 * buffer, and writing it whole for every page of a region was most of the
 * cost of translating one.
 */
static void init_target(struct hwpi_ctx *ctx, struct hwpi_target *t, pid_t pid, uint64_t vaddr,
			const struct hwpi_mapping *m)
{
	size_t after = offsetof(struct hwpi_target, map) + sizeof(t->map);

	memset(t, 0, offsetof(struct hwpi_target, map));
	memcpy(&t->map, m, offsetof(struct hwpi_mapping, path));
	memcpy(t->map.path, m->path, strnlen(m->path, sizeof(m->path) - 1) + 1);
	memset((char *)t + after, 0, sizeof(*t) - after);
	t->pid = pid;
	t->have_vaddr = true;
	t->vaddr = vaddr & ~((uint64_t)ctx->page_size - 1);
	t->page_size = (uint64_t)ctx->page_size;
}

struct pfn_ref {
	uint64_t pfn;
	size_t idx;
};

#define RADIX_BITS 11

/*
 * REF[0..M) in ascending pfn order, through TMP (M elements): a radix sort,
 * a few passes over the array instead of qsort()'s calls per comparison --
 * a region has tens of thousands of pages.  Returns the sorted array
 * (REF or TMP).
 */
static struct pfn_ref *sort_by_pfn(struct pfn_ref *ref, struct pfn_ref *tmp, size_t m)
{
	uint64_t all = 0;
	unsigned int shift;
	size_t i;

	for (i = 0; i < m; i++)
		all |= ref[i].pfn;
	for (shift = 0; shift < 64 && (all >> shift); shift += RADIX_BITS) {
		size_t pos[(1u << RADIX_BITS) + 1] = { 0 };
		struct pfn_ref *t;

		for (i = 0; i < m; i++)
			pos[((ref[i].pfn >> shift) & ((1u << RADIX_BITS) - 1)) + 1]++;
		for (i = 1; i <= (1u << RADIX_BITS); i++)
			pos[i] += pos[i - 1];
		for (i = 0; i < m; i++)
			tmp[pos[(ref[i].pfn >> shift) & ((1u << RADIX_BITS) - 1)]++] = ref[i];
		t = ref;
		ref = tmp;
		tmp = t;
	}
	return ref;
}

/*
 * kpageflags of the present pfns among ENTRY[0..N-1] into FLAGS, HAVE[i]
 * set for those read: sorted, then one read per run of nearby pfns (the
 * order only saves reads: a run never goes below its first pfn).  A
 * failure leaves HAVE[i] false (the flags are then "unknown", as with
 * hwpi_resolve_vaddr()).
 */
static void read_kpageflags(struct hwpi_ctx *ctx, const uint64_t *entry, size_t n,
			    uint64_t *flags, bool *have)
{
	struct pfn_ref *buf = malloc(2 * n * sizeof(*buf)), *ref = buf;
	uint64_t *run = malloc(KPF_RUN_MAX * sizeof(*run));
	size_t i, k, m = 0;
	int fd = -1;

	if (!buf || !run)
		goto out;
	for (i = 0; i < n; i++)
		if ((entry[i] & PM_PRESENT) && (entry[i] & PM_PFN_MASK))
			ref[m++] = (struct pfn_ref){ entry[i] & PM_PFN_MASK, i };
	if (!m)
		goto out;
	fd = hwpi__open(ctx, O_RDONLY, "/proc/kpageflags");
	if (fd < 0)
		goto out;
	ref = sort_by_pfn(buf, buf + n, m);
	for (i = 0; i < m; i = k) {
		uint64_t lo = ref[i].pfn, hi = lo;
		ssize_t got;

		for (k = i + 1; k < m && ref[k].pfn - hi <= KPF_RUN_GAP &&
				ref[k].pfn - lo < KPF_RUN_MAX; k++)
			hi = ref[k].pfn;
		got = pread(fd, run, (size_t)(hi - lo + 1) * 8, (off_t)(lo * 8));
		for (; i < k; i++) {
			if (got < 0 || (uint64_t)got / 8 <= ref[i].pfn - lo)
				continue;	/* beyond what the kernel gave: unknown */
			flags[ref[i].idx] = run[ref[i].pfn - lo];
			have[ref[i].idx] = true;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(run);
	free(buf);
}

HWPI_EXPORT int hwpi_resolve_vaddrs(struct hwpi_ctx *ctx, pid_t pid, const uint64_t *vaddrs,
				    size_t n, struct hwpi_target *t)
{
	struct maps_list maps = { 0 };
	uint64_t *entry = NULL, *flags = NULL;
	bool *have = NULL;
	size_t i;
	int r;

	if (!t || pid <= 0 || (n && !vaddrs))
		return hwpi__err(ctx, -EINVAL, "invalid pid %d", (int)pid);
	if (!n)
		return 0;
	r = hwpi__check_process(ctx, pid);
	if (r < 0)
		return r;
	r = hwpi__maps_foreach(ctx, pid, maps_push, &maps);
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t va = vaddrs[i] & ~((uint64_t)ctx->page_size - 1);
		const struct hwpi_mapping *m = maps_lookup(&maps, va);

		if (m) {
			init_target(ctx, &t[i], pid, va, m);
			continue;
		}
		hwpi__resolve_init(ctx, &t[i], pid, va);
		r = hwpi__maps_find(ctx, pid, va, &t[i].map); /* its error, or mapped meanwhile */
		if (r < 0)
			goto out;
	}
	entry = calloc(n, sizeof(*entry));
	flags = malloc(n * sizeof(*flags));
	have = calloc(n, sizeof(*have));
	if (!entry || !flags || !have) {
		r = hwpi__err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	r = read_pagemap(ctx, pid, t, n, entry);
	if (r < 0)
		goto out;
	read_kpageflags(ctx, entry, n, flags, have);
	for (i = 0; i < n && r == 0; i++)
		r = hwpi__resolve_entry(ctx, &t[i], entry[i], have[i] ? &flags[i] : NULL);
out:
	free(have);
	free(flags);
	free(entry);
	free(maps.m);
	return r;
}
