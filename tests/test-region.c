// SPDX-License-Identifier: LGPL-2.1-or-later
/* Region specs and page selection (hwpi_region_select, hwpi_region_entries) on the fake victim. */
#include "testing.h"

#define PID 4242
#define HEAP 0x555555560000ULL
#define ANON 0x7f0000000000ULL
#define FILE_MAP 0x7f0000200000ULL
#define STACK_TOP 0x7ffc00021000ULL
#define PG 4096ULL

static struct hwpi_ctx *ctx;
static const char *root;

static void check_list(const uint64_t *got, size_t n, const uint64_t *want, size_t wn)
{
	size_t i;

	CHECK_INT(n, wn);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "  [%zu] 0x%" PRIx64 "\n", i, got[i]);
		CHECK_U64(got[i], want[i]);
	}
}

static void test_offset(void)
{
	struct hwpi_selection sel = { 0 };
	uint64_t v[32];
	size_t n = 99;

	/* [heap]: 16 pages, 2 and 5 absent (14 present) */
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 3, &n));
	check_list(v, n, (uint64_t[]){ HEAP, HEAP + PG, HEAP + 3 * PG }, 3);

	sel.offset = 4 * PG;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 2, &n));
	check_list(v, n, (uint64_t[]){ HEAP + 4 * PG, HEAP + 6 * PG }, 2);

	/* an offset inside a page starts at that page */
	sel.offset = 4 * PG + 100;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 1, &n));
	check_list(v, n, (uint64_t[]){ HEAP + 4 * PG }, 1);

	/* absent pages are taken only when asked for */
	sel.offset = 0;
	sel.include_absent = true;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 3, &n));
	check_list(v, n, (uint64_t[]){ HEAP, HEAP + PG, HEAP + 2 * PG }, 3);
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 16, &n));
	CHECK_INT(n, 16);
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 17, &n), -ERANGE);
	sel.include_absent = false;

	/* all 14 present pages, but not 15 */
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 14, &n));
	CHECK_INT(n, 14);
	CHECK_U64(v[13], HEAP + 15 * PG);
	n = 99;
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 15, &n), -ERANGE);
	CHECK_INT(n, 0);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "14");

	/* an offset past the region */
	sel.offset = 16 * PG;
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 1, &n), -ERANGE);
	sel.offset = 15 * PG;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, v, 1, &n));
	check_list(v, n, (uint64_t[]){ HEAP + 15 * PG }, 1);
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 2, &n), -ERANGE);

	/* NULL selection: defaults (offset 0, present pages) */
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", NULL, v, 3, &n));
	check_list(v, n, (uint64_t[]){ HEAP, HEAP + PG, HEAP + 3 * PG }, 3);
}

static void test_kinds(void)
{
	struct hwpi_selection sel = { 0 };
	uint64_t v[8];
	size_t n;

	/* [stack]: only the top 4 pages are present */
	CHECK_OK(hwpi_region_select(ctx, PID, "stack", &sel, v, 4, &n));
	check_list(v, n,
		   (uint64_t[]){ STACK_TOP - 4 * PG, STACK_TOP - 3 * PG, STACK_TOP - 2 * PG,
				 STACK_TOP - PG }, 4);
	CHECK_ERR(hwpi_region_select(ctx, PID, "stack", &sel, v, 5, &n), -ERANGE);

	/* anon: the first anonymous mapping, page 0 */
	CHECK_OK(hwpi_region_select(ctx, PID, "anon", &sel, v, 2, &n));
	check_list(v, n, (uint64_t[]){ ANON, ANON + PG }, 2);
	/* anon skips the swap entries (pages 14, 15) and continues in the THP mapping */
	sel.offset = 13 * PG;
	CHECK_OK(hwpi_region_select(ctx, PID, "anon", &sel, v, 2, &n));
	check_list(v, n, (uint64_t[]){ ANON + 13 * PG, 0x7f0000a00000ULL }, 2);
	sel.offset = 0;

	/* file: the first file mapping (/usr/bin/victim) */
	CHECK_OK(hwpi_region_select(ctx, PID, "file", &sel, v, 1, &n));
	check_list(v, n, (uint64_t[]){ 0x555555554000ULL }, 1);

	/* file:PATH with spaces; pages 2 and 3 are not in the page cache */
	CHECK_OK(hwpi_region_select(ctx, PID, "file:/data/file with spaces.bin", &sel, v, 2, &n));
	check_list(v, n, (uint64_t[]){ FILE_MAP, FILE_MAP + PG }, 2);
	CHECK_ERR(hwpi_region_select(ctx, PID, "file:/data/file with spaces.bin", &sel, v, 3, &n),
		  -ERANGE);
	CHECK_OK(hwpi_region_select(ctx, PID, "file:/usr/bin/victim", &sel, v, 3, &n));
	check_list(v, n, (uint64_t[]){ 0x555555554000ULL, 0x555555555000ULL, 0x555555556000ULL },
		   3);

	/* ADDR-ADDR: clipped to the range, across mappings */
	CHECK_OK(hwpi_region_select(ctx, PID, "0x7f0000002000-0x7f0000005000", &sel, v, 3, &n));
	check_list(v, n, (uint64_t[]){ ANON + 2 * PG, ANON + 3 * PG, ANON + 4 * PG }, 3);
	CHECK_ERR(hwpi_region_select(ctx, PID, "0x7f0000002000-0x7f0000005000", &sel, v, 4, &n),
		  -ERANGE);
	CHECK_OK(hwpi_region_select(ctx, PID, "0x55555556e000-0x7f0000001000", &sel, v, 3, &n));
	check_list(v, n, (uint64_t[]){ HEAP + 14 * PG, HEAP + 15 * PG, ANON }, 3);
	/* decimal addresses too */
	CHECK_OK(hwpi_region_select(ctx, PID, "93824992280576-93824992284672", &sel, v, 1, &n));
	check_list(v, n, (uint64_t[]){ HEAP }, 1);
}

static void test_random(void)
{
	struct hwpi_selection sel = { .random = true, .seed = 1 };
	uint64_t a[8], b[8], c[8], all[14];
	size_t n, i, j, differ = 0;

	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, a, 5, &n));
	CHECK_INT(n, 5);
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, b, 5, &n));
	CHECK_INT(n, 5);
	/* reproducible */
	for (i = 0; i < 5; i++)
		CHECK_U64(a[i], b[i]);
	/* distinct, present pages of the heap */
	for (i = 0; i < 5; i++) {
		fprintf(stderr, "  seed 1: 0x%" PRIx64 "\n", a[i]);
		CHECK(a[i] >= HEAP && a[i] < HEAP + 16 * PG);
		CHECK_U64(a[i] % PG, 0);
		CHECK(a[i] != HEAP + 2 * PG && a[i] != HEAP + 5 * PG);
		for (j = 0; j < i; j++)
			CHECK(a[i] != a[j]);
	}
	/* another seed, another choice */
	sel.seed = 2;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, c, 5, &n));
	for (i = 0; i < 5; i++)
		differ += a[i] != c[i];
	CHECK(differ > 0);
	/* all present pages: a permutation of the 14 */
	sel.seed = 12345;
	CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sel, all, 14, &n));
	CHECK_INT(n, 14);
	for (i = 0; i < 14; i++) {
		CHECK(all[i] != HEAP + 2 * PG && all[i] != HEAP + 5 * PG);
		for (j = 0; j < i; j++)
			CHECK(all[i] != all[j]);
	}
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, all, 15, &n), -ERANGE);
	/* random with absent pages allowed may pick them */
	sel.include_absent = true;
	CHECK_OK(hwpi_region_select(ctx, PID, "0x555555562000-0x555555563000", &sel, a, 1, &n));
	check_list(a, n, (uint64_t[]){ HEAP + 2 * PG }, 1);
}

static void check_same_target(const struct hwpi_target *a, const struct hwpi_target *b)
{
	CHECK_INT(a->pid, b->pid);
	CHECK_U64(a->vaddr, b->vaddr);
	CHECK_U64(a->map.start, b->map.start);
	CHECK_U64(a->map.end, b->map.end);
	CHECK_U64(a->map.offset, b->map.offset);
	CHECK_U64(a->map.inode, b->map.inode);
	CHECK_STR(a->map.perms, b->map.perms);
	CHECK_STR(a->map.path, b->map.path);
	CHECK_INT(a->kind, b->kind);
	CHECK_INT(a->present, b->present);
	CHECK_INT(a->have_pfn, b->have_pfn);
	CHECK_U64(a->pfn, b->pfn);
	CHECK_U64(a->phys, b->phys);
	CHECK_U64(a->page_size, b->page_size);
	CHECK_U64(a->pagemap, b->pagemap);
	CHECK_INT(a->have_kpageflags, b->have_kpageflags);
	CHECK_U64(a->kpageflags, b->kpageflags);
	CHECK_INT(a->poisoned_entry, b->poisoned_entry);
}

/* hwpi_resolve_vaddrs() gives what hwpi_resolve_vaddr() gives, page by page, for every mapping. */
static void test_resolve_many(void)
{
	struct hwpi_selection sel = { .include_absent = true };
	static const char *const regions[] = { "heap", "anon", "stack", "file", "0x7f0000400000-0x7f0000410000" };
	struct hwpi_target *many = calloc(512, sizeof(*many)), one;
	uint64_t v[512], w[64], all[512], bad[2];
	size_t i, k, n;

	CHECK(many != NULL);
	for (k = 0; k < sizeof(regions) / sizeof(regions[0]); k++) {
		size_t want = 1;

		/* all pages of the region: the largest count that can be selected */
		while (want < 512 && hwpi_region_select(ctx, PID, regions[k], &sel, v, want + 1, &n) == 0)
			want++;
		CHECK_OK(hwpi_region_select(ctx, PID, regions[k], &sel, v, want, &n));
		fprintf(stderr, "  %s: %zu pages\n", regions[k], n);
		/* backwards too: the order must not matter */
		CHECK_OK(hwpi_resolve_vaddrs(ctx, PID, v, n, many));
		for (i = 0; i < n; i++) {
			CHECK_OK(hwpi_resolve_vaddr(ctx, PID, v[i], &one));
			check_same_target(&many[i], &one);
		}
		for (i = 0; i < n / 2; i++) {
			uint64_t t = v[i];

			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
		CHECK_OK(hwpi_resolve_vaddrs(ctx, PID, v, n, many));
		for (i = 0; i < n; i++) {
			CHECK_OK(hwpi_resolve_vaddr(ctx, PID, v[i], &one));
			check_same_target(&many[i], &one);
		}
	}
	/* all regions in one call, neighbours from different mappings, pfns out of order */
	for (k = n = 0; k < sizeof(regions) / sizeof(regions[0]); k++) {
		size_t m, want = 1;

		while (want < 64 && hwpi_region_select(ctx, PID, regions[k], &sel, w, want + 1, &m) == 0)
			want++;
		CHECK_OK(hwpi_region_select(ctx, PID, regions[k], &sel, w, want, &m));
		for (i = 0; i < m; i++)
			all[n++] = w[i];
	}
	/* the first, the last, the second, the one before the last... */
	for (i = 0; i < n; i++)
		v[i] = i % 2 ? all[n - 1 - i / 2] : all[i / 2];
	fprintf(stderr, "  all regions: %zu pages\n", n);
	CHECK_OK(hwpi_resolve_vaddrs(ctx, PID, v, n, many));
	for (i = 0; i < n; i++) {
		CHECK_OK(hwpi_resolve_vaddr(ctx, PID, v[i], &one));
		check_same_target(&many[i], &one);
	}
	/* an address that is not mapped: the error hwpi_resolve_vaddr() gives */
	bad[0] = HEAP;
	bad[1] = 0x1000;
	CHECK_ERR(hwpi_resolve_vaddrs(ctx, PID, bad, 2, many), -EFAULT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "0x1000 is not mapped");
	CHECK_ERR(hwpi_resolve_vaddrs(ctx, 4243, bad, 1, many), -ESRCH);
	CHECK_OK(hwpi_resolve_vaddrs(ctx, PID, bad, 0, many));
	free(many);
}

/*
 * hwpi_region_entries() chooses what hwpi_region_select() chooses, and
 * each page's pagemap entry is the one hwpi_resolve_vaddr() reads.
 */
static void test_entries(void)
{
	static const struct hwpi_selection sels[] = {
		{ 0 }, { .offset = 3 * PG }, { .include_absent = true },
		{ .random = true, .seed = 7 }, { .random = true, .seed = 7, .include_absent = true },
	};
	uint64_t v[16], w[16], e[16];
	struct hwpi_target one;
	size_t k, i, n, m, present;

	for (k = 0; k < sizeof(sels) / sizeof(sels[0]); k++) {
		fprintf(stderr, "  selection %zu\n", k);
		CHECK_OK(hwpi_region_select(ctx, PID, "heap", &sels[k], v, 12, &n));
		memset(e, 0xa5, sizeof(e));
		CHECK_OK(hwpi_region_entries(ctx, PID, "heap", &sels[k], w, e, 12, &m));
		check_list(w, m, v, n);
		for (i = present = 0; i < m; i++) {
			struct hwpi_pagemap_entry d;

			CHECK_OK(hwpi_resolve_vaddr(ctx, PID, w[i], &one));
			CHECK_U64(e[i], one.pagemap);
			hwpi_pagemap_decode(e[i], &d);
			present += d.present;
			if (d.present)
				CHECK_U64(d.pfn, one.pfn);
		}
		/* the heap's pages 2 and 5 are absent */
		if (!sels[k].include_absent)
			CHECK_INT(present, 12);
		else if (!sels[k].random)
			CHECK_INT(present, 10);
	}
	/* the errors are hwpi_region_select()'s; ENTRIES may be NULL */
	CHECK_ERR(hwpi_region_entries(ctx, PID, "heap", NULL, v, e, 15, &n), -ERANGE);
	CHECK_INT(n, 0);
	CHECK_ERR(hwpi_region_entries(ctx, 4243, "heap", NULL, v, e, 1, &n), -ESRCH);
	CHECK_OK(hwpi_region_entries(ctx, PID, "heap", NULL, v, NULL, 14, &n));
	CHECK_INT(n, 14);
}

static void test_errors(void)
{
	struct hwpi_selection sel = { 0 };
	uint64_t v[4];
	size_t n;

	static const char *const bad[] = {
		"", "bogus", "HEAP", "heap ", "file:", "0x10-0x5", "0x10-0x10", "0x10-",
		"-0x10", "0x10-junk", "junk-0x10", "0x10-0x20-0x30",
		"0x10000000000000000-0x10000000000000001",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fprintf(stderr, "  spec \"%s\"\n", bad[i]);
		n = 99;
		CHECK_ERR(hwpi_region_select(ctx, PID, bad[i], &sel, v, 1, &n), -EINVAL);
		CHECK_INT(n, 0);
	}
	CHECK_ERR(hwpi_region_select(ctx, PID, NULL, &sel, v, 1, &n), -EINVAL);
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 0, &n), -EINVAL);

	/* no such region */
	CHECK_ERR(hwpi_region_select(ctx, PID, "file:/no/such/file", &sel, v, 1, &n), -ENOENT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "file:/no/such/file");
	CHECK_ERR(hwpi_region_select(ctx, PID, "0x1000-0x2000", &sel, v, 1, &n), -ENOENT);
	/* no such process */
	CHECK_ERR(hwpi_region_select(ctx, 4243, "heap", &sel, v, 1, &n), -ESRCH);

	/* a process without a heap */
	tfile_write(root, "proc/4242/maps",
		   "7f0000000000-7f0000010000 rw-p 00000000 00:00 0\n");
	CHECK_ERR(hwpi_region_select(ctx, PID, "heap", &sel, v, 1, &n), -ENOENT);
	CHECK_ERR(hwpi_region_select(ctx, PID, "stack", &sel, v, 1, &n), -ENOENT);
	CHECK_ERR(hwpi_region_select(ctx, PID, "file", &sel, v, 1, &n), -ENOENT);
	CHECK_OK(hwpi_region_select(ctx, PID, "anon", &sel, v, 1, &n));
	check_list(v, n, (uint64_t[]){ ANON }, 1);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	root = test_fake("mf-6.12");
	ctx = test_ctx(root);
	RUN(test_offset);
	RUN(test_kinds);
	RUN(test_random);
	RUN(test_resolve_many);
	RUN(test_entries);
	RUN(test_errors);
	hwpi_ctx_free(ctx);
	return 0;
}
