// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strict JSON reader of probe --compare (cli/jsonread.c), and the
 * writer's strings (cli/json.c) read back by it.
 */
#include <errno.h>

#include "fuzz.h"
#include "json.h"
#include "jsonread.h"

/* S written by json_put_string() is read back as a string: the same one if it is ASCII. */
static void check_written(const char *s)
{
	struct jr_value *v = NULL;
	const char *p;
	char *buf = NULL;
	bool ascii = true;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	json_put_string(f, s);
	fclose(f);
	FUZZ_CHECK(jr_parse(buf, len, &v, NULL, 0) == 0);
	FUZZ_CHECK(v->type == JR_STRING);
	for (p = s; *p; p++)
		ascii = ascii && !(*p & 0x80);
	FUZZ_CHECK(!ascii || !strcmp(v->str, s));
	jr_free(v);
	free(buf);
}

static void walk(const struct jr_value *v, unsigned int depth)
{
	size_t i;

	FUZZ_CHECK(depth <= JSON_READ_MAX_DEPTH + 1);
	switch (v->type) {
	case JR_NUMBER:
	case JR_STRING:
		FUZZ_CHECK(v->str);
		FUZZ_CHECK(jr_string(v) == (v->type == JR_STRING ? v->str : NULL));
		if (v->type == JR_STRING)
			check_written(v->str);
		break;
	case JR_OBJECT:
		for (i = 0; i < v->n; i++) {
			/* the first member of that name */
			FUZZ_CHECK(jr_get(v, v->keys[i]));
			check_written(v->keys[i]);
			walk(&v->items[i], depth + 1);
		}
		break;
	case JR_ARRAY:
		FUZZ_CHECK(!jr_get(v, "x"));
		for (i = 0; i < v->n; i++)
			walk(&v->items[i], depth + 1);
		break;
	default:
		FUZZ_CHECK(!jr_string(v));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_value *v = NULL;
	char err[256] = "";
	int r;

	r = jr_parse((const char *)data, size, &v, err, sizeof(err));
	if (r == 0) {
		FUZZ_CHECK(v);
		walk(v, 0);
		jr_free(v);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK(r == -ENOMEM || err[0]);
	}
	return 0;
}
