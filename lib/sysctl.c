// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel release, memory-failure sysctls and counters. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sysctl_names[HWPI_SYSCTL_COUNT] = {
	[HWPI_SYSCTL_EARLY_KILL] = "memory_failure_early_kill",
	[HWPI_SYSCTL_RECOVERY] = "memory_failure_recovery",
	[HWPI_SYSCTL_ENABLE_SOFT_OFFLINE] = "enable_soft_offline",
};

HWPI_EXPORT const char *hwpi_sysctl_name(enum hwpi_sysctl s)
{
	static const char *const full[HWPI_SYSCTL_COUNT] = {
		[HWPI_SYSCTL_EARLY_KILL] = "vm.memory_failure_early_kill",
		[HWPI_SYSCTL_RECOVERY] = "vm.memory_failure_recovery",
		[HWPI_SYSCTL_ENABLE_SOFT_OFFLINE] = "vm.enable_soft_offline",
	};

	return (unsigned int)s < HWPI_SYSCTL_COUNT ? full[s] : NULL;
}

HWPI_EXPORT int hwpi_sysctl_get(struct hwpi_ctx *ctx, enum hwpi_sysctl s, long *val)
{
	int r;

	if ((unsigned int)s >= HWPI_SYSCTL_COUNT || !val)
		return hwpi__err(ctx, -EINVAL, "unknown sysctl");
	r = hwpi__read_long(ctx, val, "/proc/sys/vm/%s", sysctl_names[s]);
	if (r < 0)
		return hwpi__err(ctx, r, "cannot read %s: %s", hwpi_sysctl_name(s), strerror(-r));
	return 0;
}

HWPI_EXPORT int hwpi_sysctl_set(struct hwpi_ctx *ctx, enum hwpi_sysctl s, long val)
{
	char buf[32];
	int r;

	if ((unsigned int)s >= HWPI_SYSCTL_COUNT)
		return hwpi__err(ctx, -EINVAL, "unknown sysctl");
	snprintf(buf, sizeof(buf), "%ld\n", val);
	r = hwpi__write_file(ctx, buf, "/proc/sys/vm/%s", sysctl_names[s]);
	if (r < 0)
		return hwpi__err(ctx, r, "cannot set %s=%ld: %s", hwpi_sysctl_name(s), val,
				 strerror(-r));
	dbg(ctx, "%s set to %ld", hwpi_sysctl_name(s), val);
	return 0;
}

HWPI_EXPORT int hwpi_kernel_release(struct hwpi_ctx *ctx, char *buf, size_t len)
{
	int r = hwpi__read_file(ctx, buf, len, "/proc/sys/kernel/osrelease");

	if (r < 0)
		return hwpi__err(ctx, r, "cannot read the kernel release: %s", strerror(-r));
	return 0;
}

int hwpi__kernel_release_cached(struct hwpi_ctx *ctx, char *buf, size_t len)
{
	int r;

	if (!ctx->release[0]) {
		r = hwpi_kernel_release(ctx, ctx->release, sizeof(ctx->release));
		if (r < 0) {
			ctx->release[0] = '\0';
			return r;
		}
	}
	snprintf(buf, len, "%s", ctx->release);
	return 0;
}

HWPI_EXPORT int hwpi_hardware_corrupted_kb(struct hwpi_ctx *ctx, uint64_t *kb)
{
	char buf[8192];
	int r;

	r = hwpi__read_file(ctx, buf, sizeof(buf), "/proc/meminfo");
	if (r < 0)
		return hwpi__err(ctx, r, "cannot read /proc/meminfo: %s", strerror(-r));
	r = hwpi__meminfo_hc(buf, kb);
	if (r == -ENOENT)
		return hwpi__err(ctx, r, "no HardwareCorrupted in /proc/meminfo");
	if (r < 0)
		return hwpi__err(ctx, r, "malformed HardwareCorrupted line");
	return 0;
}

HWPI_EXPORT int hwpi_mf_counters(struct hwpi_ctx *ctx, struct hwpi_mf_counters *c)
{
	static const char *const names[] = { "total", "ignored", "failed", "delayed", "recovered" };
	char dir[HWPI_PATH_MAX];
	struct dirent *de;
	unsigned int nodes = 0, i;
	DIR *d;
	int r;

	memset(c, 0, sizeof(*c));
	r = hwpi__path(ctx, dir, sizeof(dir), "/sys/devices/system/node");
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return hwpi__err(ctx, -errno, "cannot list %s: %m", dir);
	while ((de = readdir(d))) {
		uint64_t *fields[] = { &c->total, &c->ignored, &c->failed, &c->delayed,
				       &c->recovered };

		if (strncmp(de->d_name, "node", 4) || !de->d_name[4])
			continue;
		for (i = 0; i < ARRAY_SIZE(names); i++) {
			long v;

			if (hwpi__read_long(ctx, &v,
					    "/sys/devices/system/node/%s/memory_failure/%s",
					    de->d_name, names[i]) < 0)
				break;
			*fields[i] += (uint64_t)v;
		}
		if (i == ARRAY_SIZE(names))
			nodes++;
	}
	closedir(d);
	if (!nodes)
		return hwpi__err(ctx, -ENOENT,
				 "this kernel has no per-node memory_failure counters");
	return 0;
}
