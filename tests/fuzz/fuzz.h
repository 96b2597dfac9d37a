/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the fuzz targets (tests/fuzz/fuzz-*.c): each defines
 * LLVMFuzzerTestOneInput(), linked either with libFuzzer (HWPI_FUZZ) or with
 * replay.c, which runs the seed corpus and the regressions through it.
 */
#ifndef HWPI_FUZZ_H
#define HWPI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <hwpinject.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (NUL bytes in it end the string early). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Consume 8 bytes (fewer at the end) as a little-endian number. */
static inline uint64_t fuzz_u64(const uint8_t **data, size_t *size)
{
	uint64_t v = 0;
	size_t i, n = *size < 8 ? *size : 8;

	for (i = 0; i < n; i++)
		v |= (uint64_t)(*data)[i] << (8 * i);
	*data += n;
	*size -= n;
	return v;
}

static inline void fuzz_log(void *data, int prio, const char *msg)
{
	(void)data;
	(void)prio;
	(void)msg;
}

/* One library context for the whole run, every message formatted (and dropped). */
static inline struct hwpi_ctx *fuzz_ctx(void)
{
	static struct hwpi_ctx *ctx;

	if (!ctx) {
		if (hwpi_ctx_new(&ctx) < 0)
			abort();
		hwpi_ctx_set_log(ctx, fuzz_log, NULL, LOG_DEBUG);
	}
	return ctx;
}

/* Stop the run on a broken invariant (libFuzzer reports it as a crash). */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			__builtin_trap();                                                  \
	} while (0)

#endif
