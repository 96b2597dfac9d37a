// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel release, sysctls, HardwareCorrupted and the per-node counters. */
#include "testing.h"

static void test_names(void)
{
	CHECK_STR(hwpi_sysctl_name(HWPI_SYSCTL_EARLY_KILL), "vm.memory_failure_early_kill");
	CHECK_STR(hwpi_sysctl_name(HWPI_SYSCTL_RECOVERY), "vm.memory_failure_recovery");
	CHECK_STR(hwpi_sysctl_name(HWPI_SYSCTL_ENABLE_SOFT_OFFLINE), "vm.enable_soft_offline");
	CHECK_NULL(hwpi_sysctl_name(HWPI_SYSCTL_COUNT));
	CHECK_NULL(hwpi_sysctl_name((enum hwpi_sysctl)-1));
}

static void test_mf612(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_mf_counters c;
	char rel[65];
	uint64_t kb = 42;
	long v = 42;

	CHECK_OK(hwpi_kernel_release(ctx, rel, sizeof(rel)));
	CHECK_STR(rel, "6.12.117+deb13-amd64");

	CHECK_OK(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v));
	CHECK_INT(v, 0);
	CHECK_OK(hwpi_sysctl_get(ctx, HWPI_SYSCTL_RECOVERY, &v));
	CHECK_INT(v, 1);
	CHECK_OK(hwpi_sysctl_get(ctx, HWPI_SYSCTL_ENABLE_SOFT_OFFLINE, &v));
	CHECK_INT(v, 1);

	/* set writes the decimal value and a newline, get reads it back */
	CHECK_OK(hwpi_sysctl_set(ctx, HWPI_SYSCTL_EARLY_KILL, 1));
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "1\n");
	CHECK_OK(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v));
	CHECK_INT(v, 1);
	CHECK_OK(hwpi_sysctl_set(ctx, HWPI_SYSCTL_EARLY_KILL, 0));
	CHECK_FILE(root, "proc/sys/vm/memory_failure_early_kill", "0\n");
	CHECK_OK(hwpi_sysctl_set(ctx, HWPI_SYSCTL_RECOVERY, 0));
	CHECK_FILE(root, "proc/sys/vm/memory_failure_recovery", "0\n");

	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_COUNT, &v), -EINVAL);
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, NULL), -EINVAL);
	CHECK_ERR(hwpi_sysctl_set(ctx, HWPI_SYSCTL_COUNT, 1), -EINVAL);

	/* junk in a sysctl file */
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "abc\n");
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v), -EINVAL);
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "");
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v), -EINVAL);
	tfile_write(root, "proc/sys/vm/memory_failure_early_kill", "1 2\n");
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v), -EINVAL);

	CHECK_OK(hwpi_hardware_corrupted_kb(ctx, &kb));
	CHECK_U64(kb, 8);
	/* HardwareCorrupted as the first line */
	tfile_write(root, "proc/meminfo", "HardwareCorrupted:    12 kB\nMemTotal: 1 kB\n");
	CHECK_OK(hwpi_hardware_corrupted_kb(ctx, &kb));
	CHECK_U64(kb, 12);
	tfile_write(root, "proc/meminfo", "MemTotal: 1 kB\nHardwareCorrupted:    junk kB\n");
	CHECK_ERR(hwpi_hardware_corrupted_kb(ctx, &kb), -EINVAL);
	/* a similar name is not it */
	tfile_write(root, "proc/meminfo", "MemTotal: 1 kB\nXHardwareCorrupted:    5 kB\n");
	CHECK_ERR(hwpi_hardware_corrupted_kb(ctx, &kb), -ENOENT);

	/* node0 + node1 */
	memset(&c, 0xff, sizeof(c));
	CHECK_OK(hwpi_mf_counters(ctx, &c));
	CHECK_U64(c.total, 5);
	CHECK_U64(c.ignored, 1);
	CHECK_U64(c.failed, 1);
	CHECK_U64(c.delayed, 0);
	CHECK_U64(c.recovered, 3);
	hwpi_ctx_free(ctx);
}

static void test_mf61(void)
{
	const char *root = test_fake("mf-6.1");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_mf_counters c;
	char rel[65];
	uint64_t kb = 42;
	long v;

	CHECK_OK(hwpi_kernel_release(ctx, rel, sizeof(rel)));
	CHECK_STR(rel, "6.1.0-50-amd64");
	CHECK_OK(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v));
	CHECK_INT(v, 0);
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_ENABLE_SOFT_OFFLINE, &v), -ENOENT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "vm.enable_soft_offline");
	CHECK_OK(hwpi_hardware_corrupted_kb(ctx, &kb));
	CHECK_U64(kb, 0);
	CHECK_ERR(hwpi_mf_counters(ctx, &c), -ENOENT);
	hwpi_ctx_free(ctx);
}

static void test_nomf(void)
{
	const char *root = test_fake("nomf");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_mf_counters c;
	char rel[65];
	uint64_t kb;
	long v;

	CHECK_OK(hwpi_kernel_release(ctx, rel, sizeof(rel)));
	CHECK_STR(rel, "6.18.44-dev");
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_EARLY_KILL, &v), -ENOENT);
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_RECOVERY, &v), -ENOENT);
	CHECK_ERR(hwpi_sysctl_get(ctx, HWPI_SYSCTL_ENABLE_SOFT_OFFLINE, &v), -ENOENT);
	CHECK_ERR(hwpi_sysctl_set(ctx, HWPI_SYSCTL_EARLY_KILL, 1), -ENOENT);
	CHECK_ERR(hwpi_hardware_corrupted_kb(ctx, &kb), -ENOENT);
	CHECK_ERR(hwpi_mf_counters(ctx, &c), -ENOENT);

	tfile_unlink(root, "proc/sys/kernel/osrelease");
	CHECK_ERR(hwpi_kernel_release(ctx, rel, sizeof(rel)), -ENOENT);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_names);
	RUN(test_mf612);
	RUN(test_mf61);
	RUN(test_nomf);
	return 0;
}
