// SPDX-License-Identifier: LGPL-2.1-or-later
/* Regions of a process (heap, stack, anon, file[:PATH], ADDR-ADDR) and page selection. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PAGEMAP_BATCH 4096
#define PM_PRESENT (1ULL << 63)

enum region_type { REGION_HEAP, REGION_STACK, REGION_ANON, REGION_FILE, REGION_RANGE };

struct region {
	enum region_type type;
	const char *path;	/* REGION_FILE with a path */
	uint64_t lo, hi;	/* REGION_RANGE */
	struct range {
		uint64_t start, end;
	} *ranges;
	size_t n, cap;
};

static int parse_spec(struct hwpi_ctx *ctx, const char *spec, struct region *rg)
{
	const char *dash;
	char buf[32];

	memset(rg, 0, sizeof(*rg));
	if (!spec || !*spec)
		return hwpi__err(ctx, -EINVAL, "empty region");
	if (!strcmp(spec, "heap"))
		rg->type = REGION_HEAP;
	else if (!strcmp(spec, "stack"))
		rg->type = REGION_STACK;
	else if (!strcmp(spec, "anon"))
		rg->type = REGION_ANON;
	else if (!strcmp(spec, "file"))
		rg->type = REGION_FILE;
	else if (!strncmp(spec, "file:", 5) && spec[5]) {
		rg->type = REGION_FILE;
		rg->path = spec + 5;
	} else if ((dash = strchr(spec, '-')) && (size_t)(dash - spec) < sizeof(buf)) {
		memcpy(buf, spec, (size_t)(dash - spec));
		buf[dash - spec] = '\0';
		if (hwpi_parse_u64(buf, &rg->lo) < 0 || hwpi_parse_u64(dash + 1, &rg->hi) < 0 ||
		    rg->lo >= rg->hi)
			return hwpi__err(ctx, -EINVAL,
					 "bad region %s: expected ADDR-ADDR with ADDR < ADDR", spec);
		rg->type = REGION_RANGE;
	} else {
		return hwpi__err(ctx, -EINVAL,
				 "unknown region %s (heap, stack, anon, file, file:PATH, ADDR-ADDR)",
				 spec);
	}
	return 0;
}

static bool region_wants(const struct region *rg, const struct hwpi_mapping *m)
{
	switch (rg->type) {
	case REGION_HEAP:
		return !strcmp(m->path, "[heap]");
	case REGION_STACK:
		return !strncmp(m->path, "[stack", 6);
	case REGION_ANON:
		return !m->path[0];
	case REGION_FILE:
		if (m->path[0] != '/')
			return false;
		return rg->path ? !strcmp(m->path, rg->path) : true;
	case REGION_RANGE:
		return m->end > rg->lo && m->start < rg->hi;
	}
	return false;
}

static int collect_cb(const struct hwpi_mapping *m, void *data)
{
	struct region *rg = data;
	uint64_t s = m->start, e = m->end;

	if (!region_wants(rg, m))
		return 0;
	if (rg->type == REGION_RANGE) {
		s = s < rg->lo ? rg->lo : s;
		e = e > rg->hi ? rg->hi : e;
	}
	if (rg->n == rg->cap) {
		size_t cap = rg->cap ? rg->cap * 2 : 16;
		struct range *nr = realloc(rg->ranges, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		rg->ranges = nr;
		rg->cap = cap;
	}
	rg->ranges[rg->n].start = s;
	rg->ranges[rg->n].end = e;
	rg->n++;
	return 0;
}

/* splitmix64: small, seedable, good enough to pick pages reproducibly */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Candidate pages: their addresses, and their pagemap entries if wanted (e).
 * Either the caller's arrays of CAP elements, or (own) arrays that grow.
 */
struct cand {
	uint64_t *v, *e;
	size_t n, cap;
	bool own;
};

/* Twice the room of C's own arrays; the caller's are never outgrown (walk() stops at COUNT). */
static int cand_grow(struct cand *c)
{
	size_t cap = c->cap * 2;
	uint64_t *nv, *ne;

	if (!c->own)
		return -ENOBUFS;
	nv = realloc(c->v, cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	if (c->e) {
		ne = realloc(c->e, cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		c->e = ne;
	}
	c->cap = cap;
	return 0;
}

/*
 * The candidates among BUF[0..CNT), the pagemap entries of the pages from
 * page number P on, until C has LIMIT.  Kept in locals: this loop runs
 * over every page of a region.
 */
static int cand_take(struct cand *c, const uint64_t *buf, size_t cnt, uint64_t p, uint64_t ps,
		     bool absent, size_t limit)
{
	uint64_t *v = c->v, *e = c->e;
	size_t k, n = c->n, cap = c->cap;
	int r = 0;

	for (k = 0; k < cnt && n < limit; k++) {
		if (!absent) {	/* most pages of a sparse region: skip them in a tight loop */
			while (k < cnt && !(buf[k] & PM_PRESENT))
				k++;
			if (k == cnt)
				break;
		}
		if (n == cap) {
			c->n = n;
			r = cand_grow(c);
			if (r < 0)
				break;
			v = c->v;
			e = c->e;
			cap = c->cap;
		}
		if (e)
			e[n] = buf[k];
		v[n++] = (p + k) * ps;
	}
	c->n = n;
	return r;
}

/*
 * Walk the region's pages from byte OFFSET, pushing candidates (present
 * pages, or all with include_absent) until LIMIT of them are found.
 */
static int walk(struct hwpi_ctx *ctx, pid_t pid, const struct region *rg,
		const struct hwpi_selection *sel, uint64_t offset, size_t limit, struct cand *c)
{
	uint64_t ps = (uint64_t)ctx->page_size, skip = offset / ps;
	uint64_t *buf = NULL;
	size_t i;
	int fd, r = 0;

	fd = hwpi__pagemap_open(ctx, pid);
	if (fd < 0)
		return fd;
	buf = malloc(PAGEMAP_BATCH * sizeof(*buf));
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rg->n && c->n < limit; i++) {
		uint64_t first = rg->ranges[i].start / ps, last = rg->ranges[i].end / ps;
		uint64_t pages = last - first, p;

		if (skip >= pages) {
			skip -= pages;
			continue;
		}
		first += skip;
		skip = 0;
		for (p = first; p < last && c->n < limit; p += PAGEMAP_BATCH) {
			size_t cnt = (size_t)(last - p < PAGEMAP_BATCH ? last - p : PAGEMAP_BATCH);

			r = hwpi__pread_full(fd, buf, cnt * 8, (off_t)(p * 8));
			if (r < 0) {
				r = hwpi__err(ctx, r, "cannot read /proc/%d/pagemap: %s", (int)pid,
					      strerror(-r));
				goto out;
			}
			r = cand_take(c, buf, cnt, p, ps, sel->include_absent, limit);
			if (r < 0)
				goto out;
		}
	}
out:
	free(buf);
	close(fd);
	return r;
}

/*
 * A selection in order stops at COUNT pages and goes straight into the
 * caller's arrays; a random one chooses among all the region's pages.
 */
HWPI_EXPORT int hwpi_region_entries(struct hwpi_ctx *ctx, pid_t pid, const char *spec,
				    const struct hwpi_selection *sel, uint64_t *vaddrs,
				    uint64_t *entries, size_t count, size_t *n)
{
	static const struct hwpi_selection defaults;
	struct cand c = { 0 };
	struct region rg;
	size_t i;
	int r;

	if (!sel)
		sel = &defaults;
	*n = 0;
	if (count == 0)
		return hwpi__err(ctx, -EINVAL, "nothing to select: count is 0");
	r = parse_spec(ctx, spec, &rg);
	if (r < 0)
		return r;
	r = hwpi__maps_foreach(ctx, pid, collect_cb, &rg);
	if (r < 0)
		goto out;
	if (rg.n == 0) {
		/* a zombie or a kernel thread has no maps: say so, not "no such region" */
		r = hwpi__check_process(ctx, pid);
		if (r == 0)
			r = hwpi__err(ctx, -ENOENT, "pid %d has no %s region", (int)pid, spec);
		goto out;
	}
	if (sel->random) {
		c.own = true;
		c.cap = 256;
		c.v = malloc(c.cap * sizeof(*c.v));
		c.e = entries ? malloc(c.cap * sizeof(*c.e)) : NULL;
		if (!c.v || (entries && !c.e)) {
			r = hwpi__err(ctx, -ENOMEM, "out of memory");
			goto out;
		}
	} else {
		c.v = vaddrs;
		c.e = entries;
		c.cap = count;
	}
	r = walk(ctx, pid, &rg, sel, sel->random ? 0 : sel->offset, sel->random ? SIZE_MAX : count,
		 &c);
	if (r < 0)
		goto out;
	if (c.n < count) {
		r = hwpi__err(ctx, -ERANGE,
			      "region %s of pid %d has %zu %spage(s) %s, %zu wanted", spec,
			      (int)pid, c.n, sel->include_absent ? "" : "present ",
			      sel->random ? "in all" : "from that offset", count);
		goto out;
	}
	if (sel->random) {
		uint64_t state = sel->seed;

		/* partial Fisher-Yates: the first COUNT entries become the choice */
		for (i = 0; i < count; i++) {
			size_t j = i + (size_t)(next_random(&state) % (c.n - i));

			swap_u64(&c.v[i], &c.v[j]);
			if (c.e)
				swap_u64(&c.e[i], &c.e[j]);
		}
		memcpy(vaddrs, c.v, count * sizeof(*vaddrs));
		if (entries)
			memcpy(entries, c.e, count * sizeof(*entries));
	}
	*n = count;
out:
	if (c.own) {
		free(c.e);
		free(c.v);
	}
	free(rg.ranges);
	return r;
}

HWPI_EXPORT int hwpi_region_select(struct hwpi_ctx *ctx, pid_t pid, const char *spec,
				   const struct hwpi_selection *sel, uint64_t *vaddrs,
				   size_t count, size_t *n)
{
	return hwpi_region_entries(ctx, pid, spec, sel, vaddrs, NULL, count, n);
}
