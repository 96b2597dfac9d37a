// SPDX-License-Identifier: LGPL-2.1-or-later
/* Target resolution: pid + vaddr, pfn or physical address -> page facts. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_THP = 22 };

#define COMPOUND_MAX_PAGES 512	/* a PMD-sized THP of 4 KiB pages */

/*
 * Size of the transparent huge page (of any order) that PFN belongs to,
 * from the compound head/tail flags around it; 0 if it cannot be told.
 */
static uint64_t thp_size(struct hwpi_ctx *ctx, uint64_t pfn)
{
	uint64_t first = pfn >= COMPOUND_MAX_PAGES - 1 ? pfn - (COMPOUND_MAX_PAGES - 1) : 0;
	uint64_t *f, head, n, size = 0;
	size_t count = 2 * COMPOUND_MAX_PAGES, got, i; /* up to the page after the last tail */
	ssize_t k;
	int fd;

	fd = hwpi__open(ctx, O_RDONLY, "/proc/kpageflags");
	if (fd < 0)
		return 0;
	f = calloc(count, sizeof(*f));
	if (!f)
		goto out;
	k = pread(fd, f, count * sizeof(*f), (off_t)(first * 8));
	if (k <= 0)
		goto out;
	got = (size_t)k / sizeof(*f);
	if (pfn - first >= got)
		goto out;
	for (head = pfn - first; !(f[head] & (1ULL << KPF_COMPOUND_HEAD)); head--)
		if (!(f[head] & (1ULL << KPF_COMPOUND_TAIL)) || head == 0)
			goto out;
	for (n = 1, i = (size_t)head + 1; i < got && (f[i] & (1ULL << KPF_COMPOUND_TAIL)); i++)
		n++;
	if (i < got)	/* the end of the page was seen */
		size = n * (uint64_t)ctx->page_size;
out:
	free(f);
	close(fd);
	return size;
}

static void fill_flags(struct hwpi_ctx *ctx, struct hwpi_target *t)
{
	t->have_kpageflags = hwpi_kpageflags_read(ctx, t->pfn, &t->kpageflags) == 0;
}

#define PF_KTHREAD 0x00200000u	/* include/linux/sched.h */

/* A process with a user address space: not gone, not a zombie, not a kernel thread. */
int hwpi__check_process(struct hwpi_ctx *ctx, pid_t pid)
{
	char buf[4096], *p, state;
	unsigned int flags;

	if (hwpi__read_file(ctx, buf, sizeof(buf), "/proc/%d/stat", (int)pid) < 0)
		return hwpi__err(ctx, -ESRCH, "no process with pid %d", (int)pid);
	/* "pid (comm) S ppid ... flags(9th field)": comm may hold anything */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c", &state) != 1)
		return 0;
	if (state == 'Z' || state == 'X')
		return hwpi__err(ctx, -ESRCH, "pid %d is a zombie: it has exited", (int)pid);
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 && (flags & PF_KTHREAD))
		return hwpi__err(ctx, -EPERM, "pid %d is a kernel thread: it has no user memory",
				 (int)pid);
	return 0;
}

/*
 * The rest of a resolution once T has its pid, vaddr and mapping: decode
 * the pagemap ENTRY; FLAGS are the kpageflags of its pfn when the caller
 * read them already (NULL: read here).
 */
int hwpi__resolve_entry(struct hwpi_ctx *ctx, struct hwpi_target *t, uint64_t entry,
			const uint64_t *flags)
{
	struct hwpi_pagemap_entry e;
	pid_t pid = t->pid;

	t->pagemap = entry;
	hwpi_pagemap_decode(t->pagemap, &e);
	t->present = e.present;
	if (e.present) {
		if (e.pfn == 0)
			return hwpi__err(ctx, -EPERM,
					 "the kernel hides pfns in /proc/%d/pagemap: "
					 "CAP_SYS_ADMIN is needed", (int)pid);
		t->have_pfn = true;
		t->pfn = e.pfn;
		if (flags) {
			t->have_kpageflags = true;
			t->kpageflags = *flags;
		} else {
			fill_flags(ctx, t);
		}
	} else if (e.swapped) {
		uint64_t f;

		/*
		 * A poisoned page reads back as a swap-type entry whose offset
		 * is the pfn.  Which swap type that is depends on the kernel:
		 * believe it only if that pfn really carries HWPOISON.
		 */
		if (hwpi_kpageflags_read(ctx, e.swap_offset, &f) == 0 &&
		    (f & (1ULL << HWPI_KPF_HWPOISON))) {
			t->poisoned_entry = true;
			t->have_pfn = true;
			t->pfn = e.swap_offset;
			t->have_kpageflags = true;
			t->kpageflags = f;
		}
	}
	if (t->have_pfn)
		t->phys = t->pfn * (uint64_t)ctx->page_size;
	t->kind = hwpi__mapping_kind(&t->map, t->kpageflags, t->have_kpageflags);
	if (t->kind == HWPI_MAP_THP && !t->poisoned_entry) {
		uint64_t ps = thp_size(ctx, t->pfn);

		if (ps)
			t->page_size = ps;
	}
	if (t->kind == HWPI_MAP_HUGETLB ||
	    (t->have_kpageflags && (t->kpageflags & (1ULL << KPF_HUGE)))) {
		uint64_t ps = hwpi__smaps_page_size(ctx, pid, t->vaddr);

		if (ps)
			t->page_size = ps;
	}
	dbg(ctx, "pid %d 0x%" PRIx64 ": %s pfn 0x%" PRIx64 " entry 0x%" PRIx64, (int)pid,
	    t->vaddr, hwpi_mapping_kind_name(t->kind), t->pfn, t->pagemap);
	return 0;
}

/* T for PID + VADDR before anything is read: the page's start and base size. */
void hwpi__resolve_init(struct hwpi_ctx *ctx, struct hwpi_target *t, pid_t pid, uint64_t vaddr)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->have_vaddr = true;
	t->vaddr = vaddr & ~((uint64_t)ctx->page_size - 1);
	t->page_size = (uint64_t)ctx->page_size;
}

HWPI_EXPORT int hwpi_resolve_vaddr(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr,
				   struct hwpi_target *t)
{
	uint64_t entry;
	int r;

	if (!t || pid <= 0)
		return hwpi__err(ctx, -EINVAL, "invalid pid %d", (int)pid);
	hwpi__resolve_init(ctx, t, pid, vaddr);
	r = hwpi__check_process(ctx, pid);
	if (r < 0)
		return r;
	r = hwpi__maps_find(ctx, pid, t->vaddr, &t->map);
	if (r < 0)
		return r;
	r = hwpi__pagemap_read(ctx, pid, t->vaddr, &entry);
	if (r < 0)
		return r;
	return hwpi__resolve_entry(ctx, t, entry, NULL);
}

HWPI_EXPORT int hwpi_resolve_pfn(struct hwpi_ctx *ctx, uint64_t pfn, struct hwpi_target *t)
{
	int r;

	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->have_pfn = true;
	t->pfn = pfn;
	t->page_size = (uint64_t)ctx->page_size;
	if (pfn > UINT64_MAX / (uint64_t)ctx->page_size)
		return hwpi__err(ctx, -EINVAL, "pfn 0x%" PRIx64 " is beyond the last pfn", pfn);
	t->phys = pfn * (uint64_t)ctx->page_size;
	r = hwpi_kpageflags_read(ctx, pfn, &t->kpageflags);
	if (r == -EINVAL)
		return r;
	t->have_kpageflags = r == 0;
	t->present = t->have_kpageflags;
	return 0;
}

HWPI_EXPORT int hwpi_resolve_phys(struct hwpi_ctx *ctx, uint64_t phys, struct hwpi_target *t)
{
	int r = hwpi_resolve_pfn(ctx, phys / (uint64_t)ctx->page_size, t);

	if (r == 0)
		t->phys = phys & ~((uint64_t)ctx->page_size - 1);
	return r;
}
