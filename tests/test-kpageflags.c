// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/kpageflags: names, reading, unsafe pages; pfn and phys targets. */
#include "testing.h"

static void test_names(void)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} known[] = {
		{ 0, "LOCKED" }, { 3, "UPTODATE" }, { 5, "LRU" }, { 7, "SLAB" },
		{ 10, "BUDDY" }, { 12, "ANON" }, { 14, "SWAPBACKED" }, { 17, "HUGE" },
		{ 19, "HWPOISON" }, { 20, "NOPAGE" }, { 22, "THP" }, { 24, "ZERO_PAGE" },
		{ 26, "PGTABLE" }, { 32, "RESERVED" }, { 34, "MAPPEDTODISK" },
	};
	unsigned int i;

	CHECK_INT(HWPI_KPF_HWPOISON, 19);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK_STR(hwpi_kpageflag_name(known[i].bit), known[i].name);
		CHECK_INT(hwpi_kpageflag_bit(known[i].name), known[i].bit);
	}
	CHECK_INT(hwpi_kpageflag_bit("hwpoison"), 19);
	CHECK_INT(hwpi_kpageflag_bit("HwPoison"), 19);
	CHECK_NULL(hwpi_kpageflag_name(27));
	CHECK_NULL(hwpi_kpageflag_name(63));
	CHECK_NULL(hwpi_kpageflag_name(64));
	CHECK_NULL(hwpi_kpageflag_name(1000));
	CHECK_ERR(hwpi_kpageflag_bit("NOSUCHFLAG"), -EINVAL);
	CHECK_ERR(hwpi_kpageflag_bit(""), -EINVAL);
	CHECK_ERR(hwpi_kpageflag_bit(NULL), -EINVAL);
}

static void test_read(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	uint64_t f = 42;

	CHECK_OK(hwpi_kpageflags_read(ctx, 0x2000, &f));
	CHECK_U64(f, 0x5828);
	CHECK_OK(hwpi_kpageflags_read(ctx, 0x3000, &f));
	CHECK_U64(f, 0x85808);
	CHECK(f & (1ULL << HWPI_KPF_HWPOISON));
	CHECK_OK(hwpi_kpageflags_read(ctx, 0x10, &f));
	CHECK_U64(f, 1ULL << 32);
	CHECK_OK(hwpi_kpageflags_read(ctx, 0x13, &f));
	CHECK_U64(f, 0);
	CHECK_OK(hwpi_kpageflags_read(ctx, 0x7ffff, &f));
	CHECK_U64(f, 0);
	/* the fake machine has 0x80000 pfns */
	f = 42;
	CHECK_ERR(hwpi_kpageflags_read(ctx, 0x80000, &f), -EINVAL);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "beyond");
	CHECK_ERR(hwpi_kpageflags_read(ctx, UINT64_MAX, &f), -EINVAL);
	CHECK_ERR(hwpi_kpageflags_read(ctx, UINT64_MAX / 8, &f), -EINVAL);
	CHECK_U64(f, 42);

	/* the file stays open in the context: a new context finds it gone */
	tfile_unlink(root, "proc/kpageflags");
	CHECK_OK(hwpi_kpageflags_read(ctx, 0x10, &f));
	hwpi_ctx_free(ctx);
	ctx = test_ctx(root);
	CHECK_ERR(hwpi_kpageflags_read(ctx, 0x2000, &f), -ENOENT);
	hwpi_ctx_free(ctx);
}

static void test_unsafe(void)
{
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 32), "reserved");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 7), "slab");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 26), "page table");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 24), "zero page");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 10), "buddy");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 23), "offline");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(1ULL << 20), "hole");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(0), "without flags");
	/* kernel flags win over user-looking ones */
	CHECK_CONTAINS(hwpi_page_unsafe_reason(0x5828 | (1ULL << 7)), "slab");
	CHECK_CONTAINS(hwpi_page_unsafe_reason(0x828 | (1ULL << 32)), "reserved");

	CHECK_NULL(hwpi_page_unsafe_reason(0x5828));	 /* anon */
	CHECK_NULL(hwpi_page_unsafe_reason(0x400000828)); /* file */
	CHECK_NULL(hwpi_page_unsafe_reason(0x4828));	 /* shmem */
	CHECK_NULL(hwpi_page_unsafe_reason(0x40d828));	 /* THP head */
	CHECK_NULL(hwpi_page_unsafe_reason(0x28808));	 /* hugetlb head */
	CHECK_NULL(hwpi_page_unsafe_reason(0x85808));	 /* already poisoned anon */
}

static void test_resolve_pfn(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_target t;

	CHECK_OK(hwpi_resolve_pfn(ctx, 0x2005, &t));
	CHECK(t.have_pfn && t.have_kpageflags && t.present);
	CHECK(!t.have_vaddr && !t.poisoned_entry);
	CHECK_INT(t.pid, 0);
	CHECK_INT(t.kind, HWPI_MAP_NONE);
	CHECK_U64(t.pfn, 0x2005);
	CHECK_U64(t.phys, 0x2005000);
	CHECK_U64(t.page_size, 4096);
	CHECK_U64(t.kpageflags, 0x5828);

	CHECK_OK(hwpi_resolve_pfn(ctx, 0, &t));
	CHECK_U64(t.phys, 0);
	CHECK_OK(hwpi_resolve_pfn(ctx, 0x7ffff, &t));
	CHECK_U64(t.phys, 0x7ffff000);

	CHECK_ERR(hwpi_resolve_pfn(ctx, 0x80000, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_pfn(ctx, UINT64_MAX, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_pfn(ctx, UINT64_MAX / 4096 + 1, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_pfn(ctx, 0x2000, NULL), -EINVAL);

	/* phys: rounded down to its page */
	CHECK_OK(hwpi_resolve_phys(ctx, 0x2005abc, &t));
	CHECK_U64(t.pfn, 0x2005);
	CHECK_U64(t.phys, 0x2005000);
	CHECK_U64(t.kpageflags, 0x5828);
	CHECK_OK(hwpi_resolve_phys(ctx, 0x7fffffff, &t));
	CHECK_U64(t.pfn, 0x7ffff);
	CHECK_ERR(hwpi_resolve_phys(ctx, 0x80000000, &t), -EINVAL);
	CHECK_ERR(hwpi_resolve_phys(ctx, UINT64_MAX, &t), -EINVAL);

	/* without kpageflags (not readable): the pfn is still a target */
	tfile_unlink(root, "proc/kpageflags");
	hwpi_ctx_free(ctx);
	ctx = test_ctx(root);
	CHECK_OK(hwpi_resolve_pfn(ctx, 0x2005, &t));
	CHECK(t.have_pfn && !t.have_kpageflags);
	CHECK_U64(t.phys, 0x2005000);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_names);
	RUN(test_read);
	RUN(test_unsafe);
	RUN(test_resolve_pfn);
	return 0;
}
