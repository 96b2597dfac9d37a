// SPDX-License-Identifier: LGPL-2.1-or-later
/* pagemap entries and pid + vaddr resolution against the fake mf-6.12 tree. */
#include "internal.h"
#include "testing.h"

#define PID 4242
#define PRESENT (1ULL << 63)
#define SWAPPED (1ULL << 62)
#define FILE_SHARED (1ULL << 61)
#define EXCLUSIVE (1ULL << 56)
#define SOFT_DIRTY (1ULL << 55)

static void test_decode(void)
{
	struct hwpi_pagemap_entry e;

	hwpi_pagemap_decode(0, &e);
	CHECK(!e.present && !e.swapped && !e.file_shared && !e.exclusive && !e.soft_dirty);
	CHECK_U64(e.pfn, 0);

	hwpi_pagemap_decode(PRESENT | EXCLUSIVE | SOFT_DIRTY | 0x1a2b3, &e);
	CHECK(e.present && !e.swapped && !e.file_shared && e.exclusive && e.soft_dirty);
	CHECK_U64(e.pfn, 0x1a2b3);

	/* the largest pfn: all 55 bits */
	hwpi_pagemap_decode(PRESENT | FILE_SHARED | ((1ULL << 55) - 1), &e);
	CHECK(e.present && e.file_shared);
	CHECK_U64(e.pfn, (1ULL << 55) - 1);

	/* hwpoison swap entry as seen after injection (flags 0xc1 = swapped|exclusive...) */
	hwpi_pagemap_decode(SWAPPED | (0x1a2b3ULL << 5) | 27, &e);
	CHECK(!e.present && e.swapped);
	CHECK_INT(e.swap_type, 27);
	CHECK_U64(e.swap_offset, 0x1a2b3);
	CHECK_U64(e.pfn, 0);

	hwpi_pagemap_decode(SWAPPED | SOFT_DIRTY | (0x1a2b3ULL << 5) | 26, &e);
	CHECK_INT(e.swap_type, 26);
	CHECK_U64(e.swap_offset, 0x1a2b3);
	CHECK(e.soft_dirty);

	/* the largest swap offset: bits 5-54 */
	hwpi_pagemap_decode(SWAPPED | ((1ULL << 55) - 1), &e);
	CHECK_INT(e.swap_type, 31);
	CHECK_U64(e.swap_offset, (1ULL << 50) - 1);
}

/* hwpi_pagemap_pfn() is the pfn hwpi_pagemap_decode() gives, for every kind of entry. */
static void test_pfn(void)
{
	static const uint64_t raw[] = {
		0, PRESENT, PRESENT | 0x1a2b3, PRESENT | EXCLUSIVE | SOFT_DIRTY | 0x1a2b3,
		PRESENT | FILE_SHARED | ((1ULL << 55) - 1), SWAPPED | (0x1a2b3ULL << 5) | 27,
		SWAPPED | ((1ULL << 55) - 1), FILE_SHARED | 0x1a2b3, ~0ULL, ~PRESENT,
	};
	struct hwpi_pagemap_entry e;
	size_t i;

	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		fprintf(stderr, "  0x%016" PRIx64 "\n", raw[i]);
		hwpi_pagemap_decode(raw[i], &e);
		CHECK_U64(hwpi_pagemap_pfn(raw[i]), e.pfn);
	}
	CHECK_U64(hwpi_pagemap_pfn(PRESENT | SOFT_DIRTY | 0x1a2b3), 0x1a2b3);
}

static void test_read(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	uint64_t e;

	CHECK_OK(hwpi__pagemap_read(ctx, PID, 0x555555560000ULL, &e));
	CHECK_U64(e, PRESENT | EXCLUSIVE | SOFT_DIRTY | 0x1000);
	CHECK_OK(hwpi__pagemap_read(ctx, PID, 0x555555563fffULL, &e));
	CHECK_U64(e, PRESENT | EXCLUSIVE | SOFT_DIRTY | 0x1003);
	CHECK_OK(hwpi__pagemap_read(ctx, PID, 0x555555562000ULL, &e));
	CHECK_U64(e, 0);
	CHECK_OK(hwpi__pagemap_read(ctx, PID, 0x7ffc00101000ULL, &e));
	CHECK_U64(e, PRESENT | 0x9001);
	/* beyond the end of the (fake) file: short read, as when the address space of a real
	 * process went away (exec, exit) between the open and the read */
	CHECK_ERR(hwpi__pagemap_read(ctx, PID, 0x7ffc00200000ULL, &e), -ESRCH);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "went away");
	CHECK_ERR(hwpi__pagemap_read(ctx, 4243, 0x555555560000ULL, &e), -ESRCH);
	hwpi_ctx_free(ctx);
}

static void resolve(struct hwpi_ctx *ctx, uint64_t vaddr, struct hwpi_target *t)
{
	fprintf(stderr, "  resolve 0x%" PRIx64 "\n", vaddr);
	CHECK_OK(hwpi_resolve_vaddr(ctx, PID, vaddr, t));
	CHECK_INT(t->pid, PID);
	CHECK(t->have_vaddr);
}

static void test_resolve(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;

	/* anon page; the address is rounded down to its page */
	resolve(ctx, 0x7f0000001234ULL, &t);
	CHECK_U64(t.vaddr, 0x7f0000001000ULL);
	CHECK(t.present && t.have_pfn && t.have_kpageflags && !t.poisoned_entry);
	CHECK_U64(t.pfn, 0x2001);
	CHECK_U64(t.phys, 0x2001000);
	CHECK_U64(t.page_size, 4096);
	CHECK_U64(t.pagemap, PRESENT | EXCLUSIVE | SOFT_DIRTY | 0x2001);
	CHECK_U64(t.kpageflags, 0x5828);
	CHECK_INT(t.kind, HWPI_MAP_ANON);
	CHECK_U64(t.map.start, 0x7f0000000000ULL);
	CHECK_U64(t.map.end, 0x7f0000010000ULL);
	CHECK_STR(t.map.perms, "rw-p");

	resolve(ctx, 0x555555561000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_HEAP);
	CHECK_U64(t.pfn, 0x1001);

	resolve(ctx, 0x7ffc00020ff8ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_STACK);
	CHECK_U64(t.pfn, 0x8003);
	CHECK_U64(t.phys, 0x8003000);

	resolve(ctx, 0x555555556000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_FILE);
	CHECK_STR(t.map.path, "/usr/bin/victim");
	CHECK_STR(t.map.perms, "r-xp");
	CHECK_U64(t.pfn, 0x6102);

	resolve(ctx, 0x7f0000201000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_FILE);
	CHECK_STR(t.map.path, "/data/file with spaces.bin");
	CHECK_U64(t.pfn, 0x6001);

	resolve(ctx, 0x7f0000103000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_SHMEM);
	CHECK_U64(t.pfn, 0x7003);

	resolve(ctx, 0x7ffc00100000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_SPECIAL);
	CHECK_STR(t.map.path, "[vdso]");

	/* THP: the size of the compound page it is part of (head + tails in kpageflags) */
	resolve(ctx, 0x7f0000a01000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_THP);
	CHECK_U64(t.pfn, 0x50001);
	CHECK_U64(t.page_size, 2 << 20);

	/* hugetlb: page size from smaps KernelPageSize */
	resolve(ctx, 0x7f0000400000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_HUGETLB);
	CHECK_U64(t.pfn, 0x40000);
	CHECK_U64(t.page_size, 2 << 20);
	resolve(ctx, 0x7f0000401000ULL, &t);
	CHECK_INT(t.kind, HWPI_MAP_HUGETLB);
	CHECK_U64(t.pfn, 0x40001);
	CHECK_U64(t.page_size, 2 << 20);
	/* an absent hugetlb page: kind from the path, size from smaps */
	resolve(ctx, 0x7f0000600000ULL, &t);
	CHECK(!t.present && !t.have_pfn);
	CHECK_INT(t.kind, HWPI_MAP_HUGETLB);
	CHECK_U64(t.page_size, 2 << 20);

	/* mapped but not present */
	resolve(ctx, 0x555555562000ULL, &t);
	CHECK(!t.present && !t.have_pfn && !t.have_kpageflags && !t.poisoned_entry);
	CHECK_U64(t.pagemap, 0);
	CHECK_INT(t.kind, HWPI_MAP_HEAP);
	resolve(ctx, 0x7f0000203000ULL, &t);
	CHECK(!t.present && !t.have_pfn);

	/* a real swap entry: its offset is not a poisoned pfn */
	resolve(ctx, 0x7f000000e000ULL, &t);
	CHECK(!t.present && !t.have_pfn && !t.poisoned_entry);
	CHECK_U64(t.pagemap, SWAPPED | (0x123ULL << 5) | 1);

	hwpi_ctx_free(ctx);
}

static void test_poisoned_entry(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;

	/* swap type 27 (6.12), offset = pfn 0x3000, which has HWPOISON */
	resolve(ctx, 0x7f000000f800ULL, &t);
	CHECK_U64(t.vaddr, 0x7f000000f000ULL);
	CHECK(!t.present);
	CHECK(t.poisoned_entry);
	CHECK(t.have_pfn);
	CHECK_U64(t.pfn, 0x3000);
	CHECK_U64(t.phys, 0x3000000);
	CHECK(t.have_kpageflags);
	CHECK(t.kpageflags & (1ULL << HWPI_KPF_HWPOISON));
	CHECK_INT(t.kind, HWPI_MAP_ANON);
	hwpi_ctx_free(ctx);
}

static void test_errors(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;

	CHECK_ERR(hwpi_resolve_vaddr(ctx, 4243, 0x7f0000000000ULL, &t), -ESRCH);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "4243");
	CHECK_ERR(hwpi_resolve_vaddr(ctx, 0, 0x7f0000000000ULL, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_vaddr(ctx, -1, 0x7f0000000000ULL, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_vaddr(ctx, PID, 0x7f0000000000ULL, NULL), -EINVAL);
	CHECK_ERR(hwpi_resolve_vaddr(ctx, PID, 0x10, &t), -EFAULT);
	CHECK_ERR(hwpi_resolve_vaddr(ctx, PID, 0x7f0000010000ULL, &t), -EFAULT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "not mapped");

	/* present, but the kernel hid the pfn (reader without CAP_SYS_ADMIN) */
	CHECK_ERR(hwpi_resolve_vaddr(ctx, PID, 0x7f0000d00000ULL, &t), -EPERM);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "CAP_SYS_ADMIN");

	/*
	 * The context keeps the pagemap it read last.  An exec or an exit
	 * turns that one into end of file: the new one is asked (an exec; its
	 * copy here has one page of an address space where the old had more),
	 * or the process is gone.
	 */
	CHECK_OK(hwpi_resolve_vaddr(ctx, PID, 0x7f0000000000ULL, &t));
	CHECK(t.present);
	{
		char path[HWPI_PATH_MAX];
		uint64_t none = 0;
		FILE *f;

		tfile_path(path, sizeof(path), root, "proc/4242/pagemap");
		CHECK(truncate(path, 0) == 0);
		tfile_unlink(root, "proc/4242/pagemap");
		f = fopen(path, "w");
		CHECK(f != NULL);
		/* the page is not present in the new image */
		CHECK(pwrite(fileno(f), &none, sizeof(none),
			     (off_t)(0x7f0000000000ULL / 4096 * 8)) == (ssize_t)sizeof(none));
		fclose(f);
		CHECK_OK(hwpi_resolve_vaddr(ctx, PID, 0x7f0000000000ULL, &t));
		CHECK(!t.present);
		/* a process that vanished between maps and pagemap */
		CHECK(truncate(path, 0) == 0);
		tfile_unlink(root, "proc/4242/pagemap");
	}
	CHECK_ERR(hwpi_resolve_vaddr(ctx, PID, 0x7f0000000000ULL, &t), -ESRCH);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_decode);
	RUN(test_pfn);
	RUN(test_read);
	RUN(test_resolve);
	RUN(test_poisoned_entry);
	RUN(test_errors);
	return 0;
}
