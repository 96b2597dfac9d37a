// SPDX-License-Identifier: LGPL-2.1-or-later
/* Strict parsing of numbers and durations given by users. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

static int digit_value(char c, unsigned int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)v < base ? v : -1;
}

/* Parse the digits of s[0..len) in BASE; all of them must be digits. */
static int parse_digits(const char *s, size_t len, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

HWPI_EXPORT int hwpi_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v;
	int r;

	if (!s || !out)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		r = parse_digits(s + 2, strlen(s + 2), 16, &v);
	else
		r = parse_digits(s, strlen(s), 10, &v);
	if (r == 0)
		*out = v;
	return r;
}

HWPI_EXPORT int hwpi_parse_duration_ms(const char *s, uint64_t *out_ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 } };
	size_t len, i, n;
	uint64_t v;
	int r;

	if (!s || !out_ms)
		return -EINVAL;
	len = strlen(s);
	for (n = 0; n < len && isdigit((unsigned char)s[n]); n++)
		;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(s + n, units[i].suffix))
			continue;
		r = parse_digits(s, n, 10, &v);
		if (r < 0)
			return r;
		if (v > UINT64_MAX / units[i].ms)
			return -ERANGE;
		*out_ms = v * units[i].ms;
		return 0;
	}
	return -EINVAL;
}
