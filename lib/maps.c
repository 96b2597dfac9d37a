// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/maps and smaps: which mapping holds an address, and of what kind. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { KPF_ANON = 12, KPF_SWAPBACKED = 14, KPF_HUGE = 17, KPF_THP = 22 };

HWPI_EXPORT int hwpi_mapping_parse(const char *line, struct hwpi_mapping *m)
{
	unsigned long long start, end, off, inode;
	unsigned int maj, min;
	char perms[8];
	int n = 0;
	size_t len;

	if (!line || !m)
		return -EINVAL;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj,
		   &min, &inode, &n) < 7 || n == 0)
		return -EINVAL;
	if (start >= end || strlen(perms) != 4)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->offset = off;
	memcpy(m->perms, perms, 5);
	m->dev_major = maj;
	m->dev_minor = min;
	m->inode = inode;
	len = strcspn(line + n, "\n");
	if (len >= sizeof(m->path))
		len = sizeof(m->path) - 1;
	memcpy(m->path, line + n, len);
	m->path[len] = '\0';
	return 0;
}

int hwpi__maps_foreach(struct hwpi_ctx *ctx, pid_t pid,
		       int (*fn)(const struct hwpi_mapping *m, void *data), void *data)
{
	char path[HWPI_PATH_MAX], *line = NULL;
	struct hwpi_mapping m;
	size_t cap = 0;
	FILE *f;
	int r = 0;

	if (hwpi__path(ctx, path, sizeof(path), "/proc/%d/maps", (int)pid) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (r == -ENOENT)
			return hwpi__err(ctx, -ESRCH, "no process with pid %d", (int)pid);
		return hwpi__err(ctx, r, "cannot read %s: %s", path, strerror(-r));
	}
	while (getline(&line, &cap, f) > 0) {
		if (hwpi_mapping_parse(line, &m) < 0) {
			dbg(ctx, "%s: ignoring malformed line", path);
			continue;
		}
		r = fn(&m, data);
		if (r)
			break;
	}
	if (!r && ferror(f))
		r = hwpi__err(ctx, -EIO, "error reading %s", path);
	free(line);
	fclose(f);
	return r;
}

struct find_arg {
	uint64_t vaddr;
	struct hwpi_mapping *out;
};

static int find_cb(const struct hwpi_mapping *m, void *data)
{
	struct find_arg *a = data;

	if (a->vaddr < m->start || a->vaddr >= m->end)
		return 0;
	*a->out = *m;
	return 1;
}

int hwpi__maps_find(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr, struct hwpi_mapping *m)
{
	struct find_arg a = { vaddr, m };
	int r = hwpi__maps_foreach(ctx, pid, find_cb, &a);

	if (r < 0)
		return r;
	if (r == 0)
		return hwpi__err(ctx, -EFAULT, "address 0x%" PRIx64 " is not mapped in pid %d",
				 vaddr, (int)pid);
	return 0;
}

static bool path_is(const char *p, const char *prefix)
{
	return !strncmp(p, prefix, strlen(prefix));
}

enum hwpi_mapping_kind hwpi__mapping_kind(const struct hwpi_mapping *m, uint64_t f,
					  bool have_flags)
{
	const char *p = m->path;

	if (!strcmp(p, "[heap]"))
		return HWPI_MAP_HEAP;
	if (path_is(p, "[stack"))
		return HWPI_MAP_STACK;
	if (p[0] == '[')
		return HWPI_MAP_SPECIAL;
	if (have_flags && (f & (1ULL << KPF_HUGE)) && !(f & (1ULL << KPF_THP)))
		return HWPI_MAP_HUGETLB;
	if (path_is(p, "/anon_hugepage"))
		return HWPI_MAP_HUGETLB;
	if (have_flags && (f & (1ULL << KPF_THP)))
		return HWPI_MAP_THP;
	if (!p[0])
		return HWPI_MAP_ANON;
	if (path_is(p, "/dev/zero") || path_is(p, "/SYSV") || path_is(p, "/memfd:") ||
	    path_is(p, "/dev/shm/"))
		return HWPI_MAP_SHMEM;
	/* page cache of tmpfs/shmem is swap-backed and not anonymous */
	if (have_flags && (f & (1ULL << KPF_SWAPBACKED)) && !(f & (1ULL << KPF_ANON)))
		return HWPI_MAP_SHMEM;
	return HWPI_MAP_FILE;
}

HWPI_EXPORT const char *hwpi_mapping_kind_name(enum hwpi_mapping_kind k)
{
	static const char *const names[] = {
		[HWPI_MAP_NONE] = "none",     [HWPI_MAP_ANON] = "anon",
		[HWPI_MAP_HEAP] = "heap",     [HWPI_MAP_STACK] = "stack",
		[HWPI_MAP_FILE] = "file",     [HWPI_MAP_SHMEM] = "shmem",
		[HWPI_MAP_HUGETLB] = "hugetlb", [HWPI_MAP_THP] = "thp",
		[HWPI_MAP_SPECIAL] = "special",
	};

	return (unsigned int)k < ARRAY_SIZE(names) ? names[k] : "unknown";
}

uint64_t hwpi__smaps_page_size_stream(FILE *f, uint64_t vaddr)
{
	struct hwpi_mapping m;
	char *line = NULL;
	bool in = false;
	uint64_t kb = 0;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		if (hwpi_mapping_parse(line, &m) == 0) {
			if (in)
				break;
			in = vaddr >= m.start && vaddr < m.end;
			continue;
		}
		if (in && sscanf(line, "KernelPageSize: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	free(line);
	return kb * 1024;
}

uint64_t hwpi__smaps_page_size(struct hwpi_ctx *ctx, pid_t pid, uint64_t vaddr)
{
	char path[HWPI_PATH_MAX];
	uint64_t size;
	FILE *f;

	if (hwpi__path(ctx, path, sizeof(path), "/proc/%d/smaps", (int)pid) < 0)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	size = hwpi__smaps_page_size_stream(f, vaddr);
	fclose(f);
	return size;
}
