// SPDX-License-Identifier: LGPL-2.1-or-later
/* Every /proc, /sys and /dev access goes through here, below the context's root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int vpath(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int vpath(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t rl = strlen(ctx->root);
	int n;

	if (rl >= len)
		return -ENAMETOOLONG;
	memcpy(buf, ctx->root, rl);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	if (n < 0 || (size_t)n >= len - rl)
		return -ENAMETOOLONG;
	return 0;
}

int hwpi__path(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, buf, len, fmt, ap);
	va_end(ap);
	return r;
}

int hwpi__open(const struct hwpi_ctx *ctx, int flags, const char *fmt, ...)
{
	char p[HWPI_PATH_MAX];
	va_list ap;
	int r, fd;

	va_start(ap, fmt);
	r = vpath(ctx, p, sizeof(p), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool hwpi__exists(const struct hwpi_ctx *ctx, const char *fmt, ...)
{
	char p[HWPI_PATH_MAX];
	struct stat st;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, p, sizeof(p), fmt, ap);
	va_end(ap);
	return r == 0 && stat(p, &st) == 0;
}

/* Read the small file P into BUF (newline stripped); returns length or -errno. */
static int read_path(const char *p, char *buf, size_t len)
{
	size_t n = 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < len) {
		ssize_t k = read(fd, buf + n, len - 1 - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			k = -errno;
			close(fd);
			return (int)k;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

int hwpi__read_file(const struct hwpi_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	char p[HWPI_PATH_MAX];
	va_list ap;
	int r;

	if (len == 0)
		return -EINVAL;
	va_start(ap, fmt);
	r = vpath(ctx, p, sizeof(p), fmt, ap);
	va_end(ap);
	return r < 0 ? r : read_path(p, buf, len);
}

int hwpi__read_long(const struct hwpi_ctx *ctx, long *val, const char *fmt, ...)
{
	char p[HWPI_PATH_MAX], buf[64], *end;
	va_list ap;
	int r;
	long v;

	va_start(ap, fmt);
	r = vpath(ctx, p, sizeof(p), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = read_path(p, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int hwpi__write_abs(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int r, fd;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, str, len);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : ((size_t)n == len ? 0 : -EIO);
	close(fd);
	return r;
}

int hwpi__write_file(const struct hwpi_ctx *ctx, const char *str, const char *fmt, ...)
{
	char p[HWPI_PATH_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, p, sizeof(p), fmt, ap);
	va_end(ap);
	return r < 0 ? r : hwpi__write_abs(p, str);
}

int hwpi__pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t n = 0;

	while (n < len) {
		ssize_t k = pread(fd, (char *)buf + n, len - n, off + (off_t)n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		n += (size_t)k;
	}
	return 0;
}
