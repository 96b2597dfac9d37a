// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/maps and smaps parsing, mapping kinds. */
#include "internal.h"
#include "testing.h"

#define PID 4242

static void test_parse(void)
{
	struct hwpi_mapping m;

	CHECK_OK(hwpi_mapping_parse("7f12a000-7f12c000 rw-p 00001000 fd:01 123456"
				    "                    /usr/lib/libc.so.6\n", &m));
	CHECK_U64(m.start, 0x7f12a000);
	CHECK_U64(m.end, 0x7f12c000);
	CHECK_U64(m.offset, 0x1000);
	CHECK_STR(m.perms, "rw-p");
	CHECK_INT(m.dev_major, 0xfd);
	CHECK_INT(m.dev_minor, 1);
	CHECK_U64(m.inode, 123456);
	CHECK_STR(m.path, "/usr/lib/libc.so.6");

	/* anonymous: no path, with or without newline or trailing blanks */
	CHECK_OK(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p 00000000 00:00 0\n", &m));
	CHECK_STR(m.path, "");
	CHECK_U64(m.end - m.start, 0x10000);
	CHECK_OK(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p 00000000 00:00 0", &m));
	CHECK_STR(m.path, "");
	CHECK_OK(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p 00000000 00:00 0   ", &m));
	CHECK_STR(m.path, "");

	/* paths with spaces, (deleted), pseudo paths */
	CHECK_OK(hwpi_mapping_parse("7f0000200000-7f0000204000 r--p 00001000 08:01 4242"
				    "    /data/file with spaces.bin\n", &m));
	CHECK_STR(m.path, "/data/file with spaces.bin");
	CHECK_OK(hwpi_mapping_parse("7f0000100000-7f0000104000 rw-s 00000000 00:01 2048"
				    " /dev/shm/my data (deleted)\n", &m));
	CHECK_STR(m.path, "/dev/shm/my data (deleted)");
	CHECK_STR(m.perms, "rw-s");
	CHECK_OK(hwpi_mapping_parse("7ffc00100000-7ffc00102000 r-xp 00000000 00:00 0 [vdso]", &m));
	CHECK_STR(m.path, "[vdso]");
	CHECK_OK(hwpi_mapping_parse("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
				    "                  [vsyscall]\n", &m));
	CHECK_U64(m.start, 0xffffffffff600000ULL);
	CHECK_STR(m.path, "[vsyscall]");
	CHECK_STR(m.perms, "--xp");
	CHECK_OK(hwpi_mapping_parse("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]", &m));
	CHECK_STR(m.path, "[stack]");
	CHECK_OK(hwpi_mapping_parse("7f0000000000-7f0000001000 rw-s 00000000 00:05 77 /memfd:buf (deleted)",
				    &m));
	CHECK_STR(m.path, "/memfd:buf (deleted)");

	/* malformed */
	CHECK_ERR(hwpi_mapping_parse("", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("this is not a maps line", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000 rw-p 00000000 00:00 0", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p 00000000 00:00", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000010000-7f0000000000 rw-p 00000000 00:00 0", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000000000 rw-p 00000000 00:00 0", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000010000 rw 00000000 00:00 0", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-pq 00000000 00:00 0", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("Size:                  8 kB", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("VmFlags: rd wr mr mw me ac sd", &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse(NULL, &m), -EINVAL);
	CHECK_ERR(hwpi_mapping_parse("7f0000000000-7f0000010000 rw-p 00000000 00:00 0", NULL), -EINVAL);
}

struct collected {
	unsigned int n;
	struct hwpi_mapping m[32];
};

static int collect(const struct hwpi_mapping *m, void *data)
{
	struct collected *c = data;

	if (c->n < 32)
		c->m[c->n] = *m;
	c->n++;
	return 0;
}

static int stop_at_heap(const struct hwpi_mapping *m, void *data)
{
	(*(unsigned int *)data)++;
	return !strcmp(m->path, "[heap]") ? 7 : 0;
}

static void test_foreach(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct collected c = { 0 };
	unsigned int seen = 0;

	/* 11 mappings; the malformed line is skipped */
	CHECK_OK(hwpi__maps_foreach(ctx, PID, collect, &c));
	CHECK_INT(c.n, 11);
	CHECK_STR(c.m[0].path, "/usr/bin/victim");
	CHECK_STR(c.m[2].path, "[heap]");
	CHECK_STR(c.m[3].path, "");
	CHECK_STR(c.m[4].path, "/dev/shm/my data (deleted)");
	CHECK_STR(c.m[5].path, "/data/file with spaces.bin");
	CHECK_U64(c.m[5].offset, 0x1000);
	CHECK_STR(c.m[6].path, "/anon_hugepage (deleted)");
	CHECK_STR(c.m[9].path, "[stack]");
	CHECK_U64(c.m[9].start, 0x7ffc00000000ULL);
	CHECK_STR(c.m[10].path, "[vdso]");

	/* the callback's non-zero return stops the walk and is returned */
	CHECK_INT(hwpi__maps_foreach(ctx, PID, stop_at_heap, &seen), 7);
	CHECK_INT(seen, 3);

	CHECK_ERR(hwpi__maps_foreach(ctx, 4243, collect, &c), -ESRCH);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "4243");
	hwpi_ctx_free(ctx);
}

static void test_find(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_mapping m;

	CHECK_OK(hwpi__maps_find(ctx, PID, 0x555555560000ULL, &m));
	CHECK_STR(m.path, "[heap]");
	CHECK_OK(hwpi__maps_find(ctx, PID, 0x55555556ffffULL, &m));
	CHECK_STR(m.path, "[heap]");
	CHECK_OK(hwpi__maps_find(ctx, PID, 0x7f0000203fffULL, &m));
	CHECK_STR(m.path, "/data/file with spaces.bin");
	/* the end is exclusive; gaps and address 0 are not mapped */
	CHECK_ERR(hwpi__maps_find(ctx, PID, 0x555555570000ULL, &m), -EFAULT);
	CHECK_CONTAINS(hwpi_ctx_strerror(ctx), "0x555555570000");
	CHECK_ERR(hwpi__maps_find(ctx, PID, 0, &m), -EFAULT);
	CHECK_ERR(hwpi__maps_find(ctx, PID, UINT64_MAX, &m), -EFAULT);
	CHECK_ERR(hwpi__maps_find(ctx, 4243, 0x555555560000ULL, &m), -ESRCH);
	hwpi_ctx_free(ctx);
}

static enum hwpi_mapping_kind kind_of(const char *path, uint64_t flags, bool have)
{
	struct hwpi_mapping m;

	memset(&m, 0, sizeof(m));
	snprintf(m.path, sizeof(m.path), "%s", path);
	return hwpi__mapping_kind(&m, flags, have);
}

static void test_kind(void)
{
	const uint64_t anon = 0x5828, thp = 0x40d828, huge = 0x28808, shmem = 0x4828,
		       file = 0x400000828;

	CHECK_INT(kind_of("[heap]", anon, true), HWPI_MAP_HEAP);
	CHECK_INT(kind_of("[stack]", anon, true), HWPI_MAP_STACK);
	CHECK_INT(kind_of("[stack:1234]", anon, true), HWPI_MAP_STACK);
	CHECK_INT(kind_of("[vdso]", 0, false), HWPI_MAP_SPECIAL);
	CHECK_INT(kind_of("[vvar]", 0, false), HWPI_MAP_SPECIAL);
	CHECK_INT(kind_of("", anon, true), HWPI_MAP_ANON);
	CHECK_INT(kind_of("", 0, false), HWPI_MAP_ANON);
	CHECK_INT(kind_of("", thp, true), HWPI_MAP_THP);
	CHECK_INT(kind_of("", huge, true), HWPI_MAP_HUGETLB);
	CHECK_INT(kind_of("/anon_hugepage (deleted)", 0, false), HWPI_MAP_HUGETLB);
	CHECK_INT(kind_of("/dev/hugepages/x", huge, true), HWPI_MAP_HUGETLB);
	CHECK_INT(kind_of("/usr/bin/victim", file, true), HWPI_MAP_FILE);
	CHECK_INT(kind_of("/usr/bin/victim", 0, false), HWPI_MAP_FILE);
	CHECK_INT(kind_of("/dev/zero (deleted)", shmem, true), HWPI_MAP_SHMEM);
	CHECK_INT(kind_of("/SYSV00000000 (deleted)", shmem, true), HWPI_MAP_SHMEM);
	CHECK_INT(kind_of("/memfd:buf (deleted)", shmem, true), HWPI_MAP_SHMEM);
	CHECK_INT(kind_of("/dev/shm/my data (deleted)", 0, false), HWPI_MAP_SHMEM);
	/* a tmpfs file: swap-backed page cache */
	CHECK_INT(kind_of("/tmp/data", shmem, true), HWPI_MAP_SHMEM);
	/* an anonymous CoW page in a private file mapping is still "file" */
	CHECK_INT(kind_of("/usr/bin/victim", anon, true), HWPI_MAP_FILE);
}

static void test_smaps(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);

	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x7f0000400000ULL), 2 << 20);
	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x7f00007ff000ULL), 2 << 20);
	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x7f0000a00000ULL), 4096);
	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x555555560000ULL), 4096);
	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x7ffc00101000ULL), 4096);
	/* not mapped, no such pid: unknown */
	CHECK_U64(hwpi__smaps_page_size(ctx, PID, 0x1000), 0);
	CHECK_U64(hwpi__smaps_page_size(ctx, 4243, 0x7f0000400000ULL), 0);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_parse);
	RUN(test_foreach);
	RUN(test_find);
	RUN(test_kind);
	RUN(test_smaps);
	return 0;
}
