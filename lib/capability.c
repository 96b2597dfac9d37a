// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel capabilities: for each method, whether it can be used here or the
 * exact reason why not -- found without poisoning anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "internal.h"

#define CAP_SYS_ADMIN_BIT 21

static bool real_root(const struct hwpi_ctx *ctx)
{
	return ctx->root[0] == '\0';
}

/*
 * Has this process CAP_SYS_ADMIN in its effective set: 1, 0 or -errno.
 * capget(2) on this machine (one cheap call, asked before every
 * injection), CapEff of ROOT/proc/self/status in a fake tree.
 */
static int have_cap_sys_admin(struct hwpi_ctx *ctx)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	char buf[4096], *p;
	unsigned long long eff;
	int r;

	if (real_root(ctx) && syscall(SYS_capget, &hdr, data) == 0)
		return !!(data[CAP_SYS_ADMIN_BIT / 32].effective &
			  (1U << (CAP_SYS_ADMIN_BIT % 32)));
	r = hwpi__read_file(ctx, buf, sizeof(buf), "/proc/self/status");
	if (r < 0)
		return r;
	p = strstr(buf, "CapEff:");
	if (!p || sscanf(p + 7, "%llx", &eff) != 1)
		return -EINVAL;
	return !!(eff & (1ULL << CAP_SYS_ADMIN_BIT));
}

HWPI_EXPORT bool hwpi_kernel_has_memory_failure(struct hwpi_ctx *ctx)
{
	void *p;
	int r;

	/* The sysctl exists exactly when CONFIG_MEMORY_FAILURE=y. */
	if (hwpi__exists(ctx, "/proc/sys/vm/memory_failure_early_kill"))
		return true;
	if (!real_root(ctx))
		return false;
	/*
	 * /proc/sys may be hidden (containers): ask madvise itself.  A zero
	 * length returns before anything is done, after the advice is checked.
	 */
	p = mmap(NULL, (size_t)ctx->page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	r = madvise(p, 0, MADV_HWPOISON);
	munmap(p, (size_t)ctx->page_size);
	return r == 0;
}

static int set_status(struct hwpi_method_status *st, bool ok, int err, const char *path,
		      const char *fmt, ...) HWPI_PRINTF(5, 6);
static int set_status(struct hwpi_method_status *st, bool ok, int err, const char *path,
		      const char *fmt, ...)
{
	va_list ap;

	st->available = ok;
	st->err = err;
	snprintf(st->path, sizeof(st->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Kernel lockdown mode from securityfs, or "" if unknown/none. */
static void lockdown_mode(struct hwpi_ctx *ctx, char *mode, size_t len)
{
	char buf[128], *b, *e;

	mode[0] = '\0';
	if (hwpi__read_file(ctx, buf, sizeof(buf), "/sys/kernel/security/lockdown") < 0)
		return;
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (!b || !e || e - b - 1 <= 0 || !strncmp(b + 1, "none", 4))
		return;
	snprintf(mode, len, "%.*s", (int)(e - b - 1), b + 1);
}

static bool debugfs_mounted(struct hwpi_ctx *ctx)
{
	char buf[16384];

	if (hwpi__read_file(ctx, buf, sizeof(buf), "/proc/self/mounts") < 0)
		return false;
	return strstr(buf, " /sys/kernel/debug debugfs ") != NULL;
}

static int run_modprobe(struct hwpi_ctx *ctx, const char *module)
{
	static const char *const paths[] = { "/sbin/modprobe", "/usr/sbin/modprobe",
					     "/bin/modprobe", "/usr/bin/modprobe" };
	char *const envp[] = { "PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL };
	posix_spawn_file_actions_t fa;
	unsigned int i;
	int status, r = -ENOENT;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		char *const argv[] = { (char *)"modprobe", (char *)"-q", (char *)module, NULL };

		if (access(paths[i], X_OK))
			continue;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
		r = -posix_spawn(&pid, paths[i], &fa, NULL, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
		if (r < 0)
			continue;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		dbg(ctx, "%s %s: status %d", paths[i], module, status);
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOENT;
	}
	return r;
}

static int check_debugfs(struct hwpi_ctx *ctx, const char *file, unsigned int flags,
			 struct hwpi_method_status *st)
{
	char path[HWPI_PATH_MAX], lock[32];
	int r;

	hwpi__path(ctx, path, sizeof(path), "/sys/kernel/debug/hwpoison/%s", file);
	if (hwpi__exists(ctx, "/sys/kernel/debug/hwpoison/%s", file))
		goto found;
	if (!debugfs_mounted(ctx)) {
		if (!(flags & HWPI_CHECK_LOAD) || !real_root(ctx))
			return set_status(st, false, -ENODEV, path,
					  "debugfs is not mounted on /sys/kernel/debug "
					  "(mount -t debugfs none /sys/kernel/debug)");
		if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) < 0)
			return set_status(st, false, errno == EPERM ? -EPERM : -ENODEV, path,
					  "debugfs is not mounted and mounting it failed: %s",
					  strerror(errno));
		dbg(ctx, "mounted debugfs on /sys/kernel/debug");
		if (hwpi__exists(ctx, "/sys/kernel/debug/hwpoison/%s", file))
			goto found;
	}
	lockdown_mode(ctx, lock, sizeof(lock));
	if (lock[0])
		return set_status(st, false, -EPERM, path,
				  "kernel lockdown (%s) restricts debugfs", lock);
	if (!(flags & HWPI_CHECK_LOAD) || !real_root(ctx))
		return set_status(st, false, -ENODEV, path,
				  "module hwpoison-inject is not loaded (modprobe hwpoison-inject)");
	r = run_modprobe(ctx, "hwpoison-inject");
	if (r < 0 || !hwpi__exists(ctx, "/sys/kernel/debug/hwpoison/%s", file))
		return set_status(st, false, -ENODEV, path,
				  "module hwpoison-inject is not loaded and could not be "
				  "loaded (kernel built without CONFIG_HWPOISON_INJECT, or "
				  "module missing)");
	info(ctx, "loaded module hwpoison-inject");
found:
	if (access(path, W_OK) < 0 || have_cap_sys_admin(ctx) == 0)
		return set_status(st, false, -EPERM, path,
				  "%s needs CAP_SYS_ADMIN (run as root)", path);
	return set_status(st, true, 0, path, "%s", path);
}

static int check_sysfs(struct hwpi_ctx *ctx, const char *file, struct hwpi_method_status *st)
{
	char path[HWPI_PATH_MAX];

	hwpi__path(ctx, path, sizeof(path), "/sys/devices/system/memory/%s", file);
	if (!hwpi__exists(ctx, "/sys/devices/system/memory/%s", file))
		return set_status(st, false, -ENOSYS, path, "this kernel has no %s", path);
	if (access(path, W_OK) < 0 || have_cap_sys_admin(ctx) == 0)
		return set_status(st, false, -EPERM, path,
				  "%s needs CAP_SYS_ADMIN (run as root)", path);
	return set_status(st, true, 0, path, "%s", path);
}

static int check_madvise(struct hwpi_ctx *ctx, struct hwpi_method_status *st, const char *what)
{
	if (have_cap_sys_admin(ctx) == 0)
		return set_status(st, false, -EPERM, NULL, "%s needs CAP_SYS_ADMIN (run as root)",
				  what);
	return set_status(st, true, 0, NULL, "%s in the target's address space", what);
}

HWPI_EXPORT int hwpi_method_check(struct hwpi_ctx *ctx, enum hwpi_method m, unsigned int flags,
				  struct hwpi_method_status *st)
{
	long v;

	if (!st || (unsigned int)m >= HWPI_METHOD_COUNT)
		return hwpi__err(ctx, -EINVAL, "unknown method");
	memset(st, 0, sizeof(*st));
	if (!hwpi_kernel_has_memory_failure(ctx))
		return set_status(st, false, -ENOSYS, NULL,
				  "this kernel was built without CONFIG_MEMORY_FAILURE");
	if (hwpi_method_is_soft(m) &&
	    hwpi__read_long(ctx, &v, "/proc/sys/vm/enable_soft_offline") == 0 && v == 0)
		return set_status(st, false, -EPERM, NULL,
				  "soft offline is disabled (vm.enable_soft_offline=0)");
	switch (m) {
	case HWPI_METHOD_HWPOISON:
		return check_madvise(ctx, st, "madvise(MADV_HWPOISON)");
	case HWPI_METHOD_SOFT_OFFLINE:
		return check_madvise(ctx, st, "madvise(MADV_SOFT_OFFLINE)");
	case HWPI_METHOD_CORRUPT_PFN:
		return check_debugfs(ctx, "corrupt-pfn", flags, st);
	case HWPI_METHOD_SOFT_OFFLINE_PAGE:
		return check_sysfs(ctx, "soft_offline_page", st);
	case HWPI_METHOD_HARD_OFFLINE_PAGE:
		return check_sysfs(ctx, "hard_offline_page", st);
	default:
		return hwpi__err(ctx, -EINVAL, "unknown method");
	}
}

/* Availability of unpoison-pfn (shares the debugfs checks). */
int hwpi__unpoison_check(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_method_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!hwpi_kernel_has_memory_failure(ctx))
		return set_status(st, false, -ENOSYS, NULL,
				  "this kernel was built without CONFIG_MEMORY_FAILURE");
	return check_debugfs(ctx, "unpoison-pfn", flags, st);
}
