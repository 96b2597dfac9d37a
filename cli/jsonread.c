/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal, strict JSON reader; see jsonread.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

struct reader {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errlen;
	int nomem;
};

static void set_err(struct reader *r, const char *what)
{
	if (r->err && !r->err[0])
		snprintf(r->err, r->errlen, "at byte %zu: %s", r->pos + 1, what);
}

/* record WHAT (the first error only) and yield -1, visibly so at the call site */
#define fail(r, what) (set_err((r), (what)), -1)

static int peek(const struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void skip_blanks(struct reader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
				   r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
		r->pos++;
}

static int literal(struct reader *r, const char *word, enum jr_type type, struct jr_value *v)
{
	size_t n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n))
		return fail(r, "unexpected character");
	r->pos += n;
	v->type = type;
	return 0;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int number(struct reader *r, struct jr_value *v)
{
	size_t start = r->pos;

	if (peek(r) == '-')
		r->pos++;
	if (peek(r) == '0') {
		r->pos++;
	} else if (is_digit(peek(r))) {
		while (is_digit(peek(r)))
			r->pos++;
	} else {
		return fail(r, "bad number");
	}
	if (peek(r) == '.') {
		r->pos++;
		if (!is_digit(peek(r)))
			return fail(r, "bad number: digits expected after '.'");
		while (is_digit(peek(r)))
			r->pos++;
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		r->pos++;
		if (peek(r) == '+' || peek(r) == '-')
			r->pos++;
		if (!is_digit(peek(r)))
			return fail(r, "bad number: digits expected in the exponent");
		while (is_digit(peek(r)))
			r->pos++;
	}
	v->type = JR_NUMBER;
	v->str = strndup(r->s + start, r->pos - start);
	if (!v->str) {
		r->nomem = 1;
		return -1;
	}
	return 0;
}

static int hex4(struct reader *r, unsigned int *out)
{
	unsigned int x = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = peek(r);
		if (c >= '0' && c <= '9')
			x = x * 16 + (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x * 16 + (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = x * 16 + (unsigned int)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape: 4 hex digits expected");
		r->pos++;
	}
	*out = x;
	return 0;
}

/* Append code point CP as UTF-8 to BUF (room checked by the caller: 4 bytes). */
static size_t put_utf8(char *buf, unsigned int cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int escape(struct reader *r, char *buf, size_t *n)
{
	unsigned int cp, lo;
	int c = peek(r);

	r->pos++;
	switch (c) {
	case '"': buf[(*n)++] = '"'; return 0;
	case '\\': buf[(*n)++] = '\\'; return 0;
	case '/': buf[(*n)++] = '/'; return 0;
	case 'b': buf[(*n)++] = '\b'; return 0;
	case 'f': buf[(*n)++] = '\f'; return 0;
	case 'n': buf[(*n)++] = '\n'; return 0;
	case 'r': buf[(*n)++] = '\r'; return 0;
	case 't': buf[(*n)++] = '\t'; return 0;
	case 'u':
		break;
	default:
		r->pos--;
		return fail(r, "bad escape in a string");
	}
	if (hex4(r, &cp))
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(r, "lone low surrogate in a \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->len - r->pos < 2 || r->s[r->pos] != '\\' || r->s[r->pos + 1] != 'u')
			return fail(r, "high surrogate without its low surrogate");
		r->pos += 2;
		if (hex4(r, &lo))
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(r, "high surrogate without its low surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!cp)
		return fail(r, "\\u0000 in a string is not supported");
	*n += put_utf8(buf + *n, cp);
	return 0;
}

/* A string at r->pos (the opening quote); *OUT is malloc'd. */
static int string(struct reader *r, char **out)
{
	size_t start, n = 0;
	char *buf;
	int c;

	r->pos++;	/* '"' */
	start = r->pos;
	/* the decoded string is never longer than its text */
	while (r->pos < r->len && r->s[r->pos] != '"') {
		if (r->s[r->pos] == '\\')
			r->pos++;
		r->pos++;
	}
	if (r->pos >= r->len)
		return fail(r, "unterminated string");
	buf = malloc(r->pos - start + 4);
	if (!buf) {
		r->nomem = 1;
		return -1;
	}
	r->pos = start;
	for (;;) {
		c = peek(r);
		if (c == '"')
			break;
		if (c < 0x20) {
			free(buf);
			return fail(r, c < 0 ? "unterminated string" : "control character in a string");
		}
		if (c == '\\') {
			r->pos++;
			if (escape(r, buf, &n)) {
				free(buf);
				return -1;
			}
			continue;
		}
		buf[n++] = (char)c;
		r->pos++;
	}
	r->pos++;
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int value(struct reader *r, struct jr_value *v, unsigned int depth);

/* Grow an array of SIZE-byte elements at *P holding N to hold N + 1. */
static int grow(struct reader *r, void **p, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / size) {
		r->nomem = 1;
		return -1;
	}
	q = realloc(*p, ncap * size);
	if (!q) {
		r->nomem = 1;
		return -1;
	}
	*p = q;
	*cap = ncap;
	return 0;
}

static int container(struct reader *r, struct jr_value *v, unsigned int depth, int object)
{
	size_t cap = 0, kcap = 0;
	int close = object ? '}' : ']';
	char *key;

	if (depth >= JSON_READ_MAX_DEPTH)
		return fail(r, "nested too deeply");
	v->type = object ? JR_OBJECT : JR_ARRAY;
	r->pos++;
	skip_blanks(r);
	if (peek(r) == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		skip_blanks(r);
		if (object) {
			if (peek(r) != '"')
				return fail(r, "object key expected");
			if (grow(r, (void **)&v->keys, v->n, &kcap, sizeof(*v->keys)))
				return -1;
			if (string(r, &key))
				return -1;
			v->keys[v->n] = key;
			skip_blanks(r);
			if (peek(r) != ':') {
				free(key);
				return fail(r, "':' expected after an object key");
			}
			r->pos++;
		}
		if (grow(r, (void **)&v->items, v->n, &cap, sizeof(*v->items))) {
			if (object)
				free(v->keys[v->n]);
			return -1;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		/* counted now, so that jr_free() frees what was read on failure */
		v->n++;
		if (value(r, &v->items[v->n - 1], depth + 1))
			return -1;
		skip_blanks(r);
		if (peek(r) == ',') {
			r->pos++;
			continue;
		}
		if (peek(r) == close) {
			r->pos++;
			return 0;
		}
		return fail(r, object ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static int value(struct reader *r, struct jr_value *v, unsigned int depth)
{
	int c;

	skip_blanks(r);
	c = peek(r);
	switch (c) {
	case '{':
		return container(r, v, depth, 1);
	case '[':
		return container(r, v, depth, 0);
	case '"':
		v->type = JR_STRING;
		return string(r, &v->str);
	case 't':
		return literal(r, "true", JR_TRUE, v);
	case 'f':
		return literal(r, "false", JR_FALSE, v);
	case 'n':
		return literal(r, "null", JR_NULL, v);
	case -1:
		return fail(r, "unexpected end of input");
	default:
		if (c == '-' || is_digit(c))
			return number(r, v);
		return fail(r, "unexpected character");
	}
}

static void free_members(struct jr_value *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (v->items)
			free_members(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

void jr_free(struct jr_value *v)
{
	if (!v)
		return;
	free_members(v);
	free(v);
}

int jr_parse(const char *text, size_t len, struct jr_value **out, char *err, size_t errlen)
{
	struct reader r = { .s = text, .len = len, .err = err, .errlen = errlen };
	struct jr_value *v;

	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (value(&r, v, 0) == 0) {
		skip_blanks(&r);
		if (r.pos == r.len) {
			*out = v;
			return 0;
		}
		set_err(&r, "junk after the value");
	}
	jr_free(v);
	return r.nomem ? -ENOMEM : -EINVAL;
}

const struct jr_value *jr_get(const struct jr_value *v, const char *key)
{
	size_t i;

	if (!v || v->type != JR_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

const char *jr_string(const struct jr_value *v)
{
	return v && v->type == JR_STRING ? v->str : NULL;
}
