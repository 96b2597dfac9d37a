// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/pagemap entries (Documentation/admin-guide/mm/pagemap.rst). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)

HWPI_EXPORT void hwpi_pagemap_decode(uint64_t raw, struct hwpi_pagemap_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->present = raw & PM_PRESENT;
	e->swapped = raw & PM_SWAP;
	e->file_shared = raw & PM_FILE;
	e->exclusive = raw & PM_EXCLUSIVE;
	e->soft_dirty = raw & PM_SOFT_DIRTY;
	if (e->present) {
		e->pfn = raw & PM_PFN_MASK;
	} else if (e->swapped) {
		e->swap_type = (unsigned int)(raw & 0x1f);
		e->swap_offset = (raw & PM_PFN_MASK) >> 5;
	}
}

int hwpi__pagemap_open(struct hwpi_ctx *ctx, pid_t pid)
{
	int fd = hwpi__open(ctx, O_RDONLY, "/proc/%d/pagemap", (int)pid);

	if (fd == -ENOENT)
		return hwpi__err(ctx, -ESRCH, "no process with pid %d", (int)pid);
	if (fd < 0)
		return hwpi__err(ctx, fd, "cannot open /proc/%d/pagemap: %s", (int)pid,
				 strerror(-fd));
	return fd;
}

/* The entry of VADDR through FD (PID's pagemap): 0, or -errno with the message. */
static int entry_read(struct hwpi_ctx *ctx, int fd, pid_t pid, uint64_t vaddr, uint64_t *entry)
{
	int r = hwpi__pread_full(fd, entry, sizeof(*entry),
				 (off_t)(vaddr / (uint64_t)ctx->page_size * 8));

	/* end of file: the address space it was opened on is gone (an exec, an exit) */
	if (r == -EIO)
		return hwpi__err(ctx, -ESRCH,
				 "the address space of pid %d went away while its pagemap was read "
				 "(it exec'd or exited)", (int)pid);
	if (r < 0)
		return hwpi__err(ctx, r, "cannot read /proc/%d/pagemap at 0x%" PRIx64 ": %s",
				 (int)pid, vaddr, strerror(-r));
	return 0;
}

/*
 * The pagemap of PID, kept open in CTX for the next read: one open instead
 * of one per page.  *FRESH says whether it was opened just now.
 */
static int pagemap_kept(struct hwpi_ctx *ctx, pid_t pid, bool *fresh)
{
	int fd;

	*fresh = false;
	if (ctx->pagemap_fd >= 0 && ctx->pagemap_pid == pid)
		return ctx->pagemap_fd;
	fd = hwpi__pagemap_open(ctx, pid);
	if (fd < 0)
		return fd;
	if (ctx->pagemap_fd >= 0)
		close(ctx->pagemap_fd);
	ctx->pagemap_fd = fd;
	ctx->pagemap_pid = pid;
	*fresh = true;
	return fd;
}

static void pagemap_forget(struct hwpi_ctx *ctx)
{
	if (ctx->pagemap_fd >= 0)
		close(ctx->pagemap_fd);
	ctx->pagemap_fd = -1;
	ctx->pagemap_pid = 0;
}

int hwpi__pagemap_read(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr, uint64_t *entry)
{
	bool fresh;
	int fd, r;

	do {
		fd = pagemap_kept(ctx, pid, &fresh);
		if (fd < 0)
			return fd;
		r = entry_read(ctx, fd, pid, vaddr, entry);
		if (r < 0)
			pagemap_forget(ctx);
		/*
		 * Gone (end of file): a kept pagemap may be of an earlier image or
		 * an earlier process with this pid: ask the one there is now.
		 */
	} while (r == -ESRCH && !fresh);
	return r;
}

/*
 * Right before an injection acts on the frame of a process's page (a pfn or
 * phys method, or a remote madvise with the target stopped): the page must
 * still be that frame.  If the process exec'd or unmapped it since it
 * was resolved, the frame may be free or someone else's by now (hwpinject's own
 * memory was seen poisoned that way): nothing is injected then (-ESRCH).
 */
int hwpi__recheck_frame(struct hwpi_ctx *ctx, const struct hwpi_target *t)
{
	struct hwpi_pagemap_entry e;
	uint64_t raw, flags;
	int r, fd;

	/*
	 * A pagemap opened now, never the context's kept one: that one may
	 * still read the old address space during an exec (between the switch
	 * to the new one and the last reference to the old), whose pages are
	 * about to be freed -- the very race this check is for.
	 */
	fd = hwpi__pagemap_open(ctx, t->pid);
	if (fd < 0)
		return fd;
	r = entry_read(ctx, fd, t->pid, t->vaddr, &raw);
	close(fd);
	if (r < 0)
		return r;
	hwpi_pagemap_decode(raw, &e);
	if (e.present && e.pfn == t->pfn)
		return 0;
	/* already poisoned: the hwpoison entry names the frame (as resolve.c reads it) */
	if (!e.present && e.swapped && e.swap_offset == t->pfn &&
	    hwpi_kpageflags_read(ctx, t->pfn, &flags) == 0 &&
	    (flags & (1ULL << HWPI_KPF_HWPOISON)))
		return 0;
	return hwpi__err(ctx, -ESRCH,
			 "the page at 0x%" PRIx64 " of pid %d is no longer pfn 0x%" PRIx64
			 ": the process exec'd, or unmapped or moved the page, meanwhile; "
			 "nothing injected", t->vaddr, (int)t->pid, t->pfn);
}
