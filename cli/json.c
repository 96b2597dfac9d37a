/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal streaming JSON writer.  Strings are byte strings: valid UTF-8 is
 * copied, control characters, quotes and backslashes are escaped, and every
 * byte that is not part of a valid UTF-8 sequence is written as \u00XX.
 */
#include <inttypes.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Separator before a value or key at the current level. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		putc(',', j->f);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, int c)
{
	json_sep(j);
	putc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, int c)
{
	putc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_object_begin(struct json *j)
{
	json_open(j, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j)
{
	json_open(j, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

/*
 * Length of the valid UTF-8 sequence at P (1..4), or 0 if P does not start
 * one (stray continuation byte, overlong form, surrogate, > U+10FFFF,
 * truncated).  P is NUL-terminated, so the look-ahead stops at the NUL.
 */
static unsigned int utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];

#define CONT(x) ((x) >= 0x80 && (x) <= 0xbf)
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return CONT(p[1]) ? 2 : 0;
	if (c == 0xe0)
		return p[1] >= 0xa0 && p[1] <= 0xbf && CONT(p[2]) ? 3 : 0;
	if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		return CONT(p[1]) && CONT(p[2]) ? 3 : 0;
	if (c == 0xed)
		return p[1] >= 0x80 && p[1] <= 0x9f && CONT(p[2]) ? 3 : 0;
	if (c == 0xf0)
		return p[1] >= 0x90 && p[1] <= 0xbf && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
	if (c >= 0xf1 && c <= 0xf3)
		return CONT(p[1]) && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
	if (c == 0xf4)
		return p[1] >= 0x80 && p[1] <= 0x8f && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
	return 0;
#undef CONT
}

/* Bytes from P on that are written as they are: printable ASCII but '"' and '\\', valid UTF-8. */
static size_t plain_run(const unsigned char *p)
{
	const unsigned char *q = p;
	unsigned int n;

	for (;;) {
		if (*q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\') {
			q++;
			continue;
		}
		if (*q < 0x80 || !(n = utf8_len(q)))
			return (size_t)(q - p);
		q += n;
	}
}

void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run;

	putc('"', f);
	while (*p) {
		unsigned char c = *p;

		run = plain_run(p);
		if (run) {	/* one write per run, not per byte: a region prints thousands */
			fwrite(p, 1, run, f);
			p += run;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* a control character, DEL, or a byte that is not UTF-8: its value */
			fprintf(f, "\\u%04x", c);
			break;
		}
		p++;
	}
	putc('"', f);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_put_string(j->f, key);
	putc(':', j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_sep(j);
	json_put_string(j->f, s);
}

void json_u64(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->f);
}

void json_hex(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_end_record(struct json *j)
{
	putc('\n', j->f);
	json_init(j, j->f);
}

void json_end_line(struct json *j)
{
	json_end_record(j);
	fflush(j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_string_or_null(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s && *s ? s : NULL);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

void json_kv_hex(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_hex(j, v);
}
