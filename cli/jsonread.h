/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal, strict JSON reader (RFC 8259): objects, arrays, strings with
 * escapes, numbers, true, false, null.  Bounds-checked on a buffer of known
 * length, nesting limited to JSON_READ_MAX_DEPTH.  Used by probe --compare.
 */
#ifndef HWPINJECT_CLI_JSONREAD_H
#define HWPINJECT_CLI_JSONREAD_H

#include <stddef.h>

#define JSON_READ_MAX_DEPTH 32

enum jr_type {
	JR_NULL = 0,
	JR_FALSE,
	JR_TRUE,
	JR_NUMBER,
	JR_STRING,
	JR_ARRAY,
	JR_OBJECT,
};

struct jr_value {
	enum jr_type type;
	/* JR_NUMBER: its text as written; JR_STRING: decoded (NUL-terminated, no NUL inside) */
	char *str;
	/* JR_ARRAY: items; JR_OBJECT: members (keys[i] -> items[i]) */
	struct jr_value *items;
	char **keys;
	size_t n;
};

/*
 * Parse exactly one JSON value of LEN bytes at TEXT (blanks around it
 * allowed).  On success *OUT is set (free with jr_free()) and 0 returned;
 * on malformed input -EINVAL with a message in ERR (byte offset and what
 * was wrong); -ENOMEM if out of memory.
 */
int jr_parse(const char *text, size_t len, struct jr_value **out, char *err, size_t errlen);
void jr_free(struct jr_value *v);

/* The member KEY of object V, or NULL (also when V is not an object). */
const struct jr_value *jr_get(const struct jr_value *v, const char *key);
/* The string of V if it is a string, else NULL. */
const char *jr_string(const struct jr_value *v);

#endif /* HWPINJECT_CLI_JSONREAD_H */
