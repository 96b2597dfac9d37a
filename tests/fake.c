// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fake /proc + /sys trees.  The committed trees under tests/fake/<case> are
 * plain files; binary files (/proc/PID/pagemap, /proc/kpageflags) are
 * described by a text file NAME.gen and generated as sparse files:
 *
 *   # comment
 *   unit N                 entry index = ADDR / N (default 1)
 *   end ADDR               file size: up to the entry of ADDR (default: last entry + 1)
 *   ADDR VALUE             the 64-bit entry at ADDR
 *   ADDR-END VALUE [INC]   entries ADDR, ADDR+N, ... below END: VALUE, VALUE+INC, ...
 *
 * Later lines override earlier ones.  Entries are little-endian 64-bit
 * values at offset index * 8, as the kernel's pagemap and kpageflags.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int put(int fd, uint64_t idx, uint64_t v)
{
	return pwrite(fd, &v, sizeof(v), (off_t)(idx * 8)) == sizeof(v) ? 0 : -1;
}

static int generate(const char *gen, const char *out, char *err, size_t errlen)
{
	uint64_t unit = 1, end = 0, last = 0;
	bool have_end = false;
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	int fd, r = 0;
	FILE *f;

	f = fopen(gen, "re");
	if (!f)
		return fail(err, errlen, "%s: %s", gen, strerror(errno));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fclose(f);
		return fail(err, errlen, "%s: %s", out, strerror(errno));
	}
	while (getline(&line, &cap, f) > 0) {
		uint64_t a, b, v, inc = 0;
		char *p = line + strspn(line, " \t"), *e;

		lineno++;
		p[strcspn(p, "#\n")] = '\0';
		for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
		if (!*p)
			continue;
		if (!strncmp(p, "unit ", 5) || !strncmp(p, "end ", 4)) {
			bool is_unit = p[0] == 'u';

			a = strtoull(p + (is_unit ? 5 : 4), &e, 0);
			if (*e || (is_unit && a == 0))
				goto parse;
			if (is_unit) {
				unit = a;
			} else {
				end = a / unit;
				have_end = true;
			}
			continue;
		}
		/* ADDR[-END] VALUE [INC] */
		a = strtoull(p, &e, 0);
		if (e == p)
			goto parse;
		b = a + unit;
		if (*e == '-') {
			p = e + 1;
			b = strtoull(p, &e, 0);
			if (e == p)
				goto parse;
		}
		p = e;
		v = strtoull(p, &e, 0);
		if (e == p)
			goto parse;
		p = e;
		inc = strtoull(p, &e, 0);
		if (*(e + strspn(e, " \t")))
			goto parse;
		for (; a < b; a += unit, v += inc) {
			if (put(fd, a / unit, v) < 0)
				goto io;
			if (a / unit + 1 > last)
				last = a / unit + 1;
		}
	}
	if (ftruncate(fd, (off_t)((have_end ? end : last) * 8)) < 0)
		goto io;
	goto out;
parse:
	r = fail(err, errlen, "%s:%u: cannot parse '%s'", gen, lineno, line);
	goto out;
io:
	r = fail(err, errlen, "%s: %s", out, strerror(errno));
out:
	free(line);
	fclose(f);
	close(fd);
	return r;
}

static int copy_file(const char *src, const char *dst, mode_t mode, char *err, size_t errlen)
{
	char buf[65536];
	int in, out, r = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail(err, errlen, "%s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return fail(err, errlen, "%s: %s", dst, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0)
		r = fail(err, errlen, "copying %s: %s", src, strerror(errno));
	close(in);
	close(out);
	return r;
}

int fake_make(const char *src, const char *dst, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return fail(err, errlen, "mkdir %s: %s", dst, strerror(errno));
	d = opendir(src);
	if (!d)
		return fail(err, errlen, "%s: %s", src, strerror(errno));
	while (r == 0 && (de = readdir(d))) {
		char s[4096], t[4096];
		struct stat st;
		size_t len = strlen(de->d_name);

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		if (lstat(s, &st) < 0) {
			r = fail(err, errlen, "%s: %s", s, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = fake_make(s, t, err, errlen);
		} else if (S_ISLNK(st.st_mode)) {
			char l[4096];
			ssize_t n = readlink(s, l, sizeof(l) - 1);

			if (n < 0)
				r = fail(err, errlen, "%s: %s", s, strerror(errno));
			else {
				l[n] = '\0';
				if (symlink(l, t) < 0)
					r = fail(err, errlen, "%s: %s", t, strerror(errno));
			}
		} else if (len > 4 && !strcmp(de->d_name + len - 4, ".gen")) {
			t[strlen(t) - 4] = '\0';
			r = generate(s, t, err, errlen);
		} else {
			/* tests write into the copies: make them writable by the owner */
			r = copy_file(s, t, st.st_mode | 0600, err, errlen);
		}
	}
	closedir(d);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int fake_remove(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
