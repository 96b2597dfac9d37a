// SPDX-License-Identifier: LGPL-2.1-or-later
/* hwpi_method_check and hwpi_kernel_has_memory_failure on each fake kernel. */
#include <unistd.h>

#include "internal.h"
#include "testing.h"

static void expect(struct hwpi_ctx *ctx, enum hwpi_method m, bool available, int err,
		   const char *reason, const char *path_suffix)
{
	struct hwpi_method_status st;

	fprintf(stderr, "  %s\n", hwpi_method_name(m));
	memset(&st, 0x55, sizeof(st));
	CHECK_OK(hwpi_method_check(ctx, m, 0, &st));
	CHECK_INT(st.available, available);
	CHECK_ERR(st.err, err);
	CHECK_CONTAINS(st.reason, reason);
	if (path_suffix) {
		size_t l = strlen(st.path), s = strlen(path_suffix);

		/* the path of the interface, below the root */
		CHECK_CONTAINS(st.path, hwpi_ctx_get_root(ctx));
		CHECK(l >= s);
		CHECK_STR(st.path + l - s, path_suffix);
	}
}

#define DEBUGFS_CORRUPT "/sys/kernel/debug/hwpoison/corrupt-pfn"
#define SOFT_PAGE "/sys/devices/system/memory/soft_offline_page"
#define HARD_PAGE "/sys/devices/system/memory/hard_offline_page"

static void test_mf612(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("mf-6.12"));

	CHECK(hwpi_kernel_has_memory_failure(ctx));
	expect(ctx, HWPI_METHOD_HWPOISON, true, 0, "MADV_HWPOISON", NULL);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE, true, 0, "MADV_SOFT_OFFLINE", NULL);
	expect(ctx, HWPI_METHOD_CORRUPT_PFN, true, 0, DEBUGFS_CORRUPT, DEBUGFS_CORRUPT);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE_PAGE, true, 0, SOFT_PAGE, SOFT_PAGE);
	expect(ctx, HWPI_METHOD_HARD_OFFLINE_PAGE, true, 0, HARD_PAGE, HARD_PAGE);
	/* the unpoison interface */
	{
		struct hwpi_method_status st;

		CHECK_OK(hwpi__unpoison_check(ctx, 0, &st));
		CHECK(st.available);
		CHECK_CONTAINS(st.path, "/sys/kernel/debug/hwpoison/unpoison-pfn");
	}
	hwpi_ctx_free(ctx);
}

static void test_mf61(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("mf-6.1"));

	/* no vm.enable_soft_offline on 6.1: soft offline is allowed */
	CHECK(hwpi_kernel_has_memory_failure(ctx));
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE, true, 0, "MADV_SOFT_OFFLINE", NULL);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE_PAGE, true, 0, SOFT_PAGE, SOFT_PAGE);
	expect(ctx, HWPI_METHOD_CORRUPT_PFN, true, 0, DEBUGFS_CORRUPT, DEBUGFS_CORRUPT);
	hwpi_ctx_free(ctx);
}

static void test_soft_disabled(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);

	tfile_write(root, "proc/sys/vm/enable_soft_offline", "0\n");
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE, false, -EPERM, "vm.enable_soft_offline=0", NULL);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE_PAGE, false, -EPERM, "vm.enable_soft_offline=0", NULL);
	/* the hard methods are not affected */
	expect(ctx, HWPI_METHOD_HWPOISON, true, 0, "MADV_HWPOISON", NULL);
	expect(ctx, HWPI_METHOD_HARD_OFFLINE_PAGE, true, 0, HARD_PAGE, HARD_PAGE);
	hwpi_ctx_free(ctx);
}

static void test_nomf(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("nomf"));
	unsigned int m;

	CHECK(!hwpi_kernel_has_memory_failure(ctx));
	for (m = 0; m < HWPI_METHOD_COUNT; m++)
		expect(ctx, (enum hwpi_method)m, false, -ENOSYS, "CONFIG_MEMORY_FAILURE", NULL);
	{
		struct hwpi_method_status st;

		CHECK_OK(hwpi__unpoison_check(ctx, 0, &st));
		CHECK(!st.available);
		CHECK_ERR(st.err, -ENOSYS);
		CHECK_CONTAINS(st.reason, "CONFIG_MEMORY_FAILURE");
	}
	hwpi_ctx_free(ctx);
}

static void test_no_debugfs(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("no-debugfs"));

	CHECK(hwpi_kernel_has_memory_failure(ctx));
	expect(ctx, HWPI_METHOD_CORRUPT_PFN, false, -ENODEV, "debugfs is not mounted",
	       DEBUGFS_CORRUPT);
	/* HWPI_CHECK_LOAD never mounts anything below a fake root */
	{
		struct hwpi_method_status st;

		CHECK_OK(hwpi_method_check(ctx, HWPI_METHOD_CORRUPT_PFN, HWPI_CHECK_LOAD, &st));
		CHECK(!st.available);
		CHECK_ERR(st.err, -ENODEV);
		CHECK_CONTAINS(st.reason, "debugfs");
	}
	/* the other methods do not need debugfs */
	expect(ctx, HWPI_METHOD_HWPOISON, true, 0, "MADV_HWPOISON", NULL);
	expect(ctx, HWPI_METHOD_HARD_OFFLINE_PAGE, true, 0, HARD_PAGE, HARD_PAGE);
	hwpi_ctx_free(ctx);
}

static void test_nomodule(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("nomodule"));
	struct hwpi_method_status st;

	expect(ctx, HWPI_METHOD_CORRUPT_PFN, false, -ENODEV, "hwpoison-inject", DEBUGFS_CORRUPT);
	CHECK_OK(hwpi_method_check(ctx, HWPI_METHOD_CORRUPT_PFN, HWPI_CHECK_LOAD, &st));
	CHECK(!st.available);
	CHECK_ERR(st.err, -ENODEV);
	CHECK_CONTAINS(st.reason, "modprobe hwpoison-inject");
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE_PAGE, true, 0, SOFT_PAGE, SOFT_PAGE);
	hwpi_ctx_free(ctx);
}

static void test_lockdown(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("lockdown"));

	expect(ctx, HWPI_METHOD_CORRUPT_PFN, false, -EPERM, "lockdown (integrity)",
	       DEBUGFS_CORRUPT);
	hwpi_ctx_free(ctx);
}

static void test_nocap(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("nocap"));

	CHECK(hwpi_kernel_has_memory_failure(ctx));
	expect(ctx, HWPI_METHOD_HWPOISON, false, -EPERM, "CAP_SYS_ADMIN", NULL);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE, false, -EPERM, "CAP_SYS_ADMIN", NULL);
	expect(ctx, HWPI_METHOD_CORRUPT_PFN, false, -EPERM, "CAP_SYS_ADMIN", DEBUGFS_CORRUPT);
	expect(ctx, HWPI_METHOD_SOFT_OFFLINE_PAGE, false, -EPERM, "CAP_SYS_ADMIN", SOFT_PAGE);
	expect(ctx, HWPI_METHOD_HARD_OFFLINE_PAGE, false, -EPERM, "CAP_SYS_ADMIN", HARD_PAGE);
	hwpi_ctx_free(ctx);
}

static void test_bad_args(void)
{
	struct hwpi_ctx *ctx = test_ctx(test_fake("mf-6.12"));
	struct hwpi_method_status st;

	CHECK_ERR(hwpi_method_check(ctx, HWPI_METHOD_COUNT, 0, &st), -EINVAL);
	CHECK_ERR(hwpi_method_check(ctx, (enum hwpi_method)-1, 0, &st), -EINVAL);
	CHECK_ERR(hwpi_method_check(ctx, HWPI_METHOD_HWPOISON, 0, NULL), -EINVAL);
	hwpi_ctx_free(ctx);
}

/* The machine the tests run on: the answer must match its /proc/sys. */
static void test_host(void)
{
	struct hwpi_ctx *ctx = test_ctx(NULL);
	bool has = access("/proc/sys/vm/memory_failure_early_kill", F_OK) == 0;
	struct hwpi_method_status st;

	CHECK_INT(hwpi_kernel_has_memory_failure(ctx), has);
	if (!has) {
		unsigned int m;

		for (m = 0; m < HWPI_METHOD_COUNT; m++) {
			CHECK_OK(hwpi_method_check(ctx, (enum hwpi_method)m, 0, &st));
			CHECK(!st.available);
			CHECK_ERR(st.err, -ENOSYS);
			CHECK_CONTAINS(st.reason, "CONFIG_MEMORY_FAILURE");
		}
	} else {
		fprintf(stderr, "  host kernel has CONFIG_MEMORY_FAILURE\n");
	}
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_mf612);
	RUN(test_mf61);
	RUN(test_soft_disabled);
	RUN(test_nomf);
	RUN(test_no_debugfs);
	RUN(test_nomodule);
	RUN(test_lockdown);
	RUN(test_nocap);
	RUN(test_bad_args);
	RUN(test_host);
	return 0;
}
