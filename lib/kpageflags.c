// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/kpageflags: read and name the flags of a pfn (include/uapi/linux/kernel-page-flags.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"

static const char *const kpf_names[64] = {
	[0] = "LOCKED",	       [1] = "ERROR",	       [2] = "REFERENCED",
	[3] = "UPTODATE",      [4] = "DIRTY",	       [5] = "LRU",
	[6] = "ACTIVE",	       [7] = "SLAB",	       [8] = "WRITEBACK",
	[9] = "RECLAIM",       [10] = "BUDDY",	       [11] = "MMAP",
	[12] = "ANON",	       [13] = "SWAPCACHE",     [14] = "SWAPBACKED",
	[15] = "COMPOUND_HEAD", [16] = "COMPOUND_TAIL", [17] = "HUGE",
	[18] = "UNEVICTABLE",  [19] = "HWPOISON",      [20] = "NOPAGE",
	[21] = "KSM",	       [22] = "THP",	       [23] = "OFFLINE",
	[24] = "ZERO_PAGE",    [25] = "IDLE",	       [26] = "PGTABLE",
	[32] = "RESERVED",     [33] = "MLOCKED",       [34] = "MAPPEDTODISK",
	[35] = "PRIVATE",      [36] = "PRIVATE_2",     [37] = "OWNER_PRIVATE",
	[38] = "ARCH",	       [39] = "UNCACHED",      [40] = "SOFTDIRTY",
	[41] = "ARCH_2",
};

enum {
	KPF_SLAB = 7, KPF_BUDDY = 10, KPF_NOPAGE = 20, KPF_OFFLINE = 23,
	KPF_ZERO_PAGE = 24, KPF_PGTABLE = 26, KPF_RESERVED = 32,
};

HWPI_EXPORT const char *hwpi_kpageflag_name(unsigned int bit)
{
	return bit < 64 ? kpf_names[bit] : NULL;
}

HWPI_EXPORT int hwpi_kpageflag_bit(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < 64; i++)
		if (kpf_names[i] && !strcasecmp(kpf_names[i], name))
			return (int)i;
	return -EINVAL;
}

HWPI_EXPORT int hwpi_kpageflags_read(struct hwpi_ctx *ctx, uint64_t pfn, uint64_t *flags)
{
	int fd, r;

	if (pfn > (UINT64_MAX >> 4))
		return hwpi__err(ctx, -EINVAL, "pfn 0x%llx is beyond the last pfn",
				 (unsigned long long)pfn);
	/* opened once per context: a campaign reads it several times per page */
	fd = ctx->kpageflags_fd;
	if (fd < 0) {
		fd = hwpi__open(ctx, O_RDONLY, "/proc/kpageflags");
		if (fd < 0)
			return hwpi__err(ctx, fd, "cannot open /proc/kpageflags: %s",
					 strerror(-fd));
		ctx->kpageflags_fd = fd;
	}
	r = hwpi__pread_full(fd, flags, sizeof(*flags), (off_t)(pfn * 8));
	if (r == -EIO || r == -EINVAL)
		return hwpi__err(ctx, -EINVAL, "pfn 0x%llx is beyond the last pfn",
				 (unsigned long long)pfn);
	if (r < 0)
		return hwpi__err(ctx, r, "cannot read /proc/kpageflags: %s", strerror(-r));
	return 0;
}

HWPI_EXPORT const char *hwpi_page_unsafe_reason(uint64_t f)
{
#define HAS(bit) (f & (1ULL << (bit)))
	if (HAS(KPF_RESERVED))
		return "a reserved page (kernel text, firmware, memmap)";
	if (HAS(KPF_SLAB))
		return "a kernel slab page";
	if (HAS(KPF_PGTABLE))
		return "a page table";
	if (HAS(KPF_ZERO_PAGE))
		return "the shared zero page";
	if (HAS(KPF_BUDDY))
		return "a free page owned by the buddy allocator";
	if (HAS(KPF_OFFLINE))
		return "an offline page";
	if (HAS(KPF_NOPAGE))
		return "not backed by a page (memory hole)";
	if (f == 0)
		return "a page without flags (kernel-internal allocation)";
	return NULL;
#undef HAS
}
