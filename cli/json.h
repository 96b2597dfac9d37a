/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal streaming JSON writer for the CLI: objects, arrays, strings,
 * numbers, booleans, null and "0x..." hex strings.  Commas and nesting are
 * tracked by the writer; the caller only says what comes next.
 */
#ifndef HWPINJECT_CLI_JSON_H
#define HWPINJECT_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	unsigned int depth;
	bool first[JSON_MAX_DEPTH + 1];	/* nothing written yet at this level */
	bool after_key;			/* a key was written, its value is next */
};

void json_init(struct json *j, FILE *f);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* The key of the next value of the current object. */
void json_key(struct json *j, const char *key);

/* Values.  json_string(NULL) writes null. */
void json_string(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* "0x1a2b3": lowercase hex in a string. */
void json_hex(struct json *j, uint64_t v);

/* End a top-level value: newline and flush (a reader sees it now). */
void json_end_line(struct json *j);
/* The same without the flush, for many lines in a burst: flush after them. */
void json_end_record(struct json *j);

/* Key + value in one call. */
void json_kv_string(struct json *j, const char *key, const char *s);
/* Like json_kv_string(), but null for NULL or "". */
void json_kv_string_or_null(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_i64(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);
void json_kv_hex(struct json *j, const char *key, uint64_t v);

/* Write S as a quoted, escaped JSON string (exposed for the tests). */
void json_put_string(FILE *f, const char *s);

#endif /* HWPINJECT_CLI_JSON_H */
