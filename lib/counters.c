// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * HardwareCorrupted and the per-node memory_failure counters through files
 * kept open: an observer reads them before and after every injection, and
 * one pread per file is a fraction of an open/read/close (and of listing
 * the nodes) every time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define N_COUNTERS 5

int hwpi__meminfo_hc(const char *buf, uint64_t *kb)
{
	const char *p = strstr(buf, "\nHardwareCorrupted:");

	if (!p && !strncmp(buf, "HardwareCorrupted:", 18))
		p = buf - 1;
	if (!p)
		return -ENOENT;
	p += 1 + strlen("HardwareCorrupted:");
	return sscanf(p, "%" SCNu64, kb) == 1 ? 0 : -EINVAL;
}

void hwpi__counters_open(struct hwpi_ctx *ctx, struct hwpi_counters *k)
{
	static const char *const names[N_COUNTERS] = { "total", "ignored", "failed", "delayed",
						       "recovered" };
	char dir[HWPI_PATH_MAX];
	struct dirent *de;
	unsigned int i;
	DIR *d;

	memset(k, 0, sizeof(*k));
	k->meminfo = hwpi__open(ctx, O_RDONLY, "/proc/meminfo");
	if (hwpi__path(ctx, dir, sizeof(dir), "/sys/devices/system/node") < 0 ||
	    !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		int fd[N_COUNTERS], *more;

		if (strncmp(de->d_name, "node", 4) || !de->d_name[4])
			continue;
		for (i = 0; i < N_COUNTERS; i++) {
			fd[i] = hwpi__open(ctx, O_RDONLY, "/sys/devices/system/node/%s/memory_failure/%s",
					   de->d_name, names[i]);
			if (fd[i] < 0)
				break;
		}
		more = i == N_COUNTERS ? realloc(k->fd, (k->n + N_COUNTERS) * sizeof(*k->fd)) : NULL;
		if (!more) {	/* a node without counters (or no memory): not counted */
			while (i--)
				close(fd[i]);
			continue;
		}
		k->fd = more;
		memcpy(k->fd + k->n, fd, sizeof(fd));
		k->n += N_COUNTERS;
	}
	closedir(d);
}

void hwpi__counters_close(struct hwpi_counters *k)
{
	size_t i;

	if (k->meminfo >= 0)
		close(k->meminfo);
	for (i = 0; i < k->n; i++)
		close(k->fd[i]);
	free(k->fd);
	memset(k, 0, sizeof(*k));
	k->meminfo = -1;
}

static int pread_text(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int hwpi__counters_hc(const struct hwpi_counters *k, uint64_t *kb)
{
	char buf[8192];

	if (k->meminfo < 0 || pread_text(k->meminfo, buf, sizeof(buf)) < 0)
		return -EIO;
	return hwpi__meminfo_hc(buf, kb);
}

int hwpi__counters_mf(const struct hwpi_counters *k, struct hwpi_mf_counters *c)
{
	uint64_t *fields[N_COUNTERS] = { &c->total, &c->ignored, &c->failed, &c->delayed,
					 &c->recovered };
	char buf[32];
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!k->n)
		return -ENOENT;
	for (i = 0; i < k->n; i++) {
		if (pread_text(k->fd[i], buf, sizeof(buf)) < 0)
			return -EIO;
		*fields[i % N_COUNTERS] += strtoull(buf, NULL, 10);
	}
	return 0;
}
