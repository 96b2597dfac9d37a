// SPDX-License-Identifier: LGPL-2.1-or-later
/* Helpers of the unit tests: fake trees in temporary directories, files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "testing.h"

#ifndef HWPI_FAKE_DIR
#define HWPI_FAKE_DIR "fake"
#endif

#define MAX_FAKES 32

static const char *fake_dir = HWPI_FAKE_DIR;
static char *fakes[MAX_FAKES];
static unsigned int n_fakes;

static void cleanup(void)
{
	unsigned int i;

	for (i = 0; i < n_fakes; i++) {
		if (!getenv("HWPI_TEST_KEEP"))
			fake_remove(fakes[i]);
		else
			fprintf(stderr, "kept %s\n", fakes[i]);
		free(fakes[i]);
	}
	n_fakes = 0;
}

void test_init(int argc, char **argv)
{
	if (argc > 1)
		fake_dir = argv[1];
	else if (getenv("HWPI_FAKE_DIR"))
		fake_dir = getenv("HWPI_FAKE_DIR");
	atexit(cleanup);
}

const char *test_fake(const char *name)
{
	char src[4096], tmpl[4096], err[512];
	const char *tmp = getenv("TMPDIR");

	CHECK(n_fakes < MAX_FAKES);
	snprintf(src, sizeof(src), "%s/%s", fake_dir, name);
	snprintf(tmpl, sizeof(tmpl), "%s/hwpi-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpl, strerror(errno));
		exit(1);
	}
	fakes[n_fakes] = strdup(tmpl);
	CHECK(fakes[n_fakes]);
	n_fakes++;
	if (fake_make(src, tmpl, err, sizeof(err)) < 0) {
		fprintf(stderr, "fake tree %s: %s\n", name, err);
		exit(1);
	}
	return fakes[n_fakes - 1];
}

struct hwpi_ctx *test_ctx(const char *root)
{
	struct hwpi_ctx *ctx = NULL;

	CHECK_OK(hwpi_ctx_new(&ctx));
	CHECK(ctx);
	CHECK_OK(hwpi_ctx_set_root(ctx, root));
	return ctx;
}

const char *tfile_path(char *buf, size_t len, const char *root, const char *rel)
{
	snprintf(buf, len, "%s/%s", root, rel[0] == '/' ? rel + 1 : rel);
	return buf;
}

char *tfile_read(const char *root, const char *rel)
{
	char p[4096], *buf;
	size_t n = 0, cap = 4096;
	ssize_t k;
	int fd;

	fd = open(tfile_path(p, sizeof(p), root, rel), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	CHECK(buf);
	while ((k = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (n + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			CHECK(buf);
		}
	}
	close(fd);
	buf[n] = '\0';
	return buf;
}

void tfile_write(const char *root, const char *rel, const char *content)
{
	char p[4096];
	size_t len = strlen(content);
	int fd;

	fd = open(tfile_path(p, sizeof(p), root, rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		fprintf(stderr, "cannot write %s: %s\n", p, strerror(errno));
		exit(1);
	}
	CHECK(write(fd, content, len) == (ssize_t)len);
	close(fd);
}

void tfile_unlink(const char *root, const char *rel)
{
	char p[4096];

	if (unlink(tfile_path(p, sizeof(p), root, rel)) < 0) {
		fprintf(stderr, "cannot remove %s: %s\n", p, strerror(errno));
		exit(1);
	}
}

int test_kmsg_fifo(const char *root)
{
	char p[4096];
	int w;

	tfile_path(p, sizeof(p), root, "dev");
	CHECK(mkdir(p, 0755) == 0 || errno == EEXIST);
	CHECK(mkfifo(tfile_path(p, sizeof(p), root, "dev/kmsg"), 0600) == 0);
	w = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(w >= 0);
	return w;
}
