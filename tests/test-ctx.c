// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context: root, errors, log callback; method names. */
#include <syslog.h>
#include <unistd.h>

#include "internal.h"
#include "testing.h"

static void test_version(void)
{
	const char *v = hwpi_version();
	unsigned int a, b, c;

	CHECK(v);
	CHECK_INT(sscanf(v, "%u.%u.%u", &a, &b, &c), 3);
}

static void test_root(void)
{
	struct hwpi_ctx *ctx = test_ctx(NULL);
	char longroot[HWPI_PATH_MAX], base[] = "/tmp/hwpi-ctx-XXXXXX", d[64];

	CHECK(mkdtemp(base));
	CHECK_STR(hwpi_ctx_get_root(ctx), "/");
	CHECK_STR(hwpi_ctx_strerror(ctx), "");
	snprintf(d, sizeof(d), "%s//", base);
	CHECK_OK(hwpi_ctx_set_root(ctx, d));
	CHECK_STR(hwpi_ctx_get_root(ctx), base);
	CHECK_OK(hwpi_ctx_set_root(ctx, "/"));
	CHECK_STR(hwpi_ctx_get_root(ctx), "/");
	CHECK_OK(hwpi_ctx_set_root(ctx, base));
	CHECK_OK(hwpi_ctx_set_root(ctx, ""));
	CHECK_STR(hwpi_ctx_get_root(ctx), "/");
	CHECK_OK(hwpi_ctx_set_root(ctx, base));
	CHECK_OK(hwpi_ctx_set_root(ctx, NULL));
	CHECK_STR(hwpi_ctx_get_root(ctx), "/");

	/* relative, missing or non-directory roots are refused, the old root is kept */
	CHECK_OK(hwpi_ctx_set_root(ctx, base));
	CHECK_ERR(hwpi_ctx_set_root(ctx, "relative/dir"), -EINVAL);
	CHECK_STR(hwpi_ctx_get_root(ctx), base);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "relative/dir");
	snprintf(d, sizeof(d), "%s/missing", base);
	CHECK_ERR(hwpi_ctx_set_root(ctx, d), -ENOENT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "missing");
	CHECK_ERR(hwpi_ctx_set_root(ctx, "/dev/null"), -ENOTDIR);
	CHECK_STR(hwpi_ctx_get_root(ctx), base);

	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[0] = '/';
	longroot[sizeof(longroot) - 1] = '\0';
	CHECK_ERR(hwpi_ctx_set_root(ctx, longroot), -ENAMETOOLONG);
	CHECK_STR(hwpi_ctx_get_root(ctx), base);

	/* paths go below the root */
	{
		char p[HWPI_PATH_MAX];

		char want[128];

		snprintf(want, sizeof(want), "%s/proc/42/maps", base);
		CHECK_OK(hwpi__path(ctx, p, sizeof(p), "/proc/%d/maps", 42));
		CHECK_STR(p, want);
		CHECK_OK(hwpi_ctx_set_root(ctx, NULL));
		CHECK_OK(hwpi__path(ctx, p, sizeof(p), "/proc/%d/maps", 42));
		CHECK_STR(p, "/proc/42/maps");
		CHECK_ERR(hwpi__path(ctx, p, 8, "/proc/%d/maps", 42), -ENAMETOOLONG);
	}
	hwpi_ctx_free(ctx);
	hwpi_ctx_free(NULL);
	CHECK(rmdir(base) == 0);
	CHECK_ERR(hwpi_ctx_new(NULL), -EINVAL);
}

struct logged {
	int n;
	int prio;
	char msg[256];
};

static void log_fn(void *data, int prio, const char *msg)
{
	struct logged *l = data;

	l->n++;
	l->prio = prio;
	snprintf(l->msg, sizeof(l->msg), "%s", msg);
}

static void test_log(void)
{
	struct hwpi_ctx *ctx = test_ctx(NULL);
	struct logged l = { 0 };

	hwpi_ctx_set_log(ctx, log_fn, &l, LOG_INFO);
	hwpi__log(ctx, LOG_DEBUG, "dropped %d", 1);
	CHECK_INT(l.n, 0);
	hwpi__log(ctx, LOG_INFO, "kept %d", 2);
	CHECK_INT(l.n, 1);
	CHECK_INT(l.prio, LOG_INFO);
	CHECK_STR(l.msg, "kept 2");
	hwpi__log(ctx, LOG_ERR, "error %s", "x");
	CHECK_INT(l.n, 2);
	CHECK_STR(l.msg, "error x");

	/* hwpi__err records the message and returns the error */
	CHECK_ERR(hwpi__err(ctx, -ENOENT, "no %s", "thing"), -ENOENT);
	CHECK_STR(hwpi_ctx_strerror(ctx), "no thing");

	/* a library error with logging off: nothing logged, message kept */
	hwpi_ctx_set_log(ctx, NULL, NULL, LOG_DEBUG);
	CHECK_ERR(hwpi_ctx_set_root(ctx, "rel"), -EINVAL);
	CHECK_INT(l.n, 2);
	hwpi_ctx_free(ctx);
}

static void test_methods(void)
{
	static const char *const names[] = { "hwpoison", "soft-offline", "corrupt-pfn",
					     "soft-offline-page", "hard-offline-page" };
	enum hwpi_method m;
	unsigned int i;

	CHECK_INT(HWPI_METHOD_COUNT, 5);
	for (i = 0; i < HWPI_METHOD_COUNT; i++) {
		CHECK_STR(hwpi_method_name((enum hwpi_method)i), names[i]);
		m = HWPI_METHOD_COUNT;
		CHECK_OK(hwpi_method_from_name(names[i], &m));
		CHECK_INT(m, i);
	}
	CHECK_NULL(hwpi_method_name(HWPI_METHOD_COUNT));
	CHECK_NULL(hwpi_method_name((enum hwpi_method)-1));
	CHECK_ERR(hwpi_method_from_name("HWPOISON", &m), -EINVAL);
	CHECK_ERR(hwpi_method_from_name("corrupt_pfn", &m), -EINVAL);
	CHECK_ERR(hwpi_method_from_name("", &m), -EINVAL);
	CHECK_ERR(hwpi_method_from_name(NULL, &m), -EINVAL);

	CHECK(hwpi_method_needs_vaddr(HWPI_METHOD_HWPOISON));
	CHECK(hwpi_method_needs_vaddr(HWPI_METHOD_SOFT_OFFLINE));
	CHECK(!hwpi_method_needs_vaddr(HWPI_METHOD_CORRUPT_PFN));
	CHECK(!hwpi_method_needs_vaddr(HWPI_METHOD_SOFT_OFFLINE_PAGE));
	CHECK(!hwpi_method_needs_vaddr(HWPI_METHOD_HARD_OFFLINE_PAGE));
	CHECK(!hwpi_method_is_soft(HWPI_METHOD_HWPOISON));
	CHECK(hwpi_method_is_soft(HWPI_METHOD_SOFT_OFFLINE));
	CHECK(!hwpi_method_is_soft(HWPI_METHOD_CORRUPT_PFN));
	CHECK(hwpi_method_is_soft(HWPI_METHOD_SOFT_OFFLINE_PAGE));
	CHECK(!hwpi_method_is_soft(HWPI_METHOD_HARD_OFFLINE_PAGE));
}

static void test_kind_names(void)
{
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_NONE), "none");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_ANON), "anon");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_HEAP), "heap");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_STACK), "stack");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_FILE), "file");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_SHMEM), "shmem");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_HUGETLB), "hugetlb");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_THP), "thp");
	CHECK_STR(hwpi_mapping_kind_name(HWPI_MAP_SPECIAL), "special");
	CHECK_STR(hwpi_mapping_kind_name((enum hwpi_mapping_kind)99), "unknown");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_version);
	RUN(test_root);
	RUN(test_log);
	RUN(test_methods);
	RUN(test_kind_names);
	return 0;
}
