/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny test harness: CHECK macros that print file:line and the values and
 * exit 1 on failure, plus fake /proc + /sys trees copied to a temporary
 * directory per test (tests/fake/<case>, see tests/fake.c).
 */
#ifndef HWPI_TESTING_H
#define HWPI_TESTING_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwpinject.h>

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

/* integers (compared as long long) */
#define CHECK_INT(a, b)                                                              \
	do {                                                                         \
		long long a_ = (long long)(a), b_ = (long long)(b);                  \
		if (a_ != b_) {                                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s: got %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);                 \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

/* unsigned 64-bit values, printed in hex */
#define CHECK_U64(a, b)                                                              \
	do {                                                                         \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                     \
		if (a_ != b_) {                                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s: got 0x%" PRIx64 \
				", expected 0x%" PRIx64 "\n",                        \
				__FILE__, __LINE__, #a, #b, a_, b_);                 \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

/* a call returning 0 / negative errno: CHECK_ERR(f(), -EINVAL) */
#define CHECK_ERR(expr, expected)                                                    \
	do {                                                                         \
		int r_ = (expr), e_ = (expected);                                    \
		if (r_ != e_) {                                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s: got %d (%s), expected %d (%s)\n", \
				__FILE__, __LINE__, #expr, r_, r_ < 0 ? strerror(-r_) : "ok", \
				e_, e_ < 0 ? strerror(-e_) : "ok");                  \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, 0)

#define CHECK_STR(a, b)                                                              \
	do {                                                                         \
		const char *a_ = (a), *b_ = (b);                                     \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s: got \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",      \
				b_ ? b_ : "(null)");                                 \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                  \
	do {                                                                         \
		const char *h_ = (hay), *n_ = (needle);                              \
		if (!h_ || !strstr(h_, n_)) {                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s contains \"%s\": got \"%s\"\n", \
				__FILE__, __LINE__, #hay, n_, h_ ? h_ : "(null)");   \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

#define CHECK_NULL(p)                                                                \
	do {                                                                         \
		const void *p_ = (p);                                                \
		if (p_) {                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s is NULL\n", __FILE__,  \
				__LINE__, #p);                                       \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

/* Run one test function, announcing it. */
#define RUN(fn)                                                                      \
	do {                                                                         \
		fprintf(stderr, "== %s\n", #fn);                                     \
		fn();                                                                \
	} while (0)

/*
 * Call first: the fake trees are in argv[1], else $HWPI_FAKE_DIR, else the
 * directory compiled in as HWPI_FAKE_DIR.
 */
void test_init(int argc, char **argv);

/*
 * Copy tests/fake/NAME to a fresh temporary directory (generating the binary
 * files from their *.gen descriptions) and return its path.  Removed at exit
 * unless $HWPI_TEST_KEEP is set.
 */
const char *test_fake(const char *name);

/* A new context rooted at ROOT (NULL: the real "/"). */
struct hwpi_ctx *test_ctx(const char *root);

/* Contents of ROOT/REL (malloc'ed, NUL-terminated), NULL if unreadable. */
char *tfile_read(const char *root, const char *rel);
/* Replace ROOT/REL with CONTENT (creating it). */
void tfile_write(const char *root, const char *rel, const char *content);
/* Remove the file ROOT/REL (must exist). */
void tfile_unlink(const char *root, const char *rel);
/* ROOT/REL in BUF */
const char *tfile_path(char *buf, size_t len, const char *root, const char *rel);
/* ROOT/dev/kmsg as a FIFO (each write one record, as the device gives them); the write end */
int test_kmsg_fifo(const char *root);

/* Check that file ROOT/REL contains exactly EXPECTED. */
#define CHECK_FILE(root, rel, expected)                                              \
	do {                                                                         \
		char *c_ = tfile_read(root, rel);                                     \
		CHECK_STR(c_, expected);                                             \
		free(c_);                                                            \
	} while (0)

#endif
