// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tracepoint format files (hwpi__tp_format_parse): fields and their
 * __print_symbolic() tables; the input doubles as a raw record for
 * hwpi__tp_get().
 */
#include "fuzz.h"
#include "internal.h"

static struct hwpi_tp_format fmt, one;

/*
 * Each field comes from its own line: parsing the "field:" lines of TEXT one
 * at a time gives the same fields, in the same order, as parsing TEXT.
 */
static void check_lines(const char *text)
{
	const char *line = text, *nl, *p;
	unsigned int n = 0;
	char *copy;

	while (line && *line && n < fmt.n_fields) {
		nl = strchr(line, '\n');
		p = line + strspn(line, " \t");
		if (!strncmp(p, "print fmt:", 10))
			break;
		if (!strncmp(p, "field:", 6)) {
			copy = nl ? strndup(p, (size_t)(nl - p)) : strdup(p);
			if (!copy)
				abort();
			if (hwpi__tp_format_parse(copy, &one) == 0) {
				FUZZ_CHECK(one.n_fields == 1);
				FUZZ_CHECK(!strcmp(one.fields[0].name, fmt.fields[n].name));
				FUZZ_CHECK(one.fields[0].offset == fmt.fields[n].offset);
				FUZZ_CHECK(one.fields[0].size == fmt.fields[n].size);
				FUZZ_CHECK(one.fields[0].is_signed == fmt.fields[n].is_signed);
				n++;
			}
			free(copy);
		}
		line = nl ? nl + 1 : NULL;
	}
	FUZZ_CHECK(n == fmt.n_fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	unsigned int i, j;
	int64_t v;

	if (hwpi__tp_format_parse(text, &fmt) == 0) {
		FUZZ_CHECK(fmt.n_fields > 0 && fmt.n_fields <= HWPI_TP_MAX_FIELDS);
		FUZZ_CHECK(fmt.n_tables <= HWPI_TP_MAX_TABLES);
		check_lines(text);
		for (i = 0; i < fmt.n_fields; i++) {
			const struct hwpi_tp_field *fl = hwpi__tp_field(&fmt, fmt.fields[i].name);

			FUZZ_CHECK(fl && !strcmp(fl->name, fmt.fields[i].name));
			hwpi__tp_get(fl, data, size, &v);
		}
		for (i = 0; i < fmt.n_tables; i++) {
			const struct hwpi_tp_table *t = &fmt.tables[i];

			FUZZ_CHECK(t->n_symbols > 0 && t->n_symbols <= HWPI_TP_MAX_SYMBOLS);
			for (j = 0; j < t->n_symbols; j++)
				FUZZ_CHECK(hwpi__tp_symbol(&fmt, t->field, t->symbols[j].value));
		}
	}
	FUZZ_CHECK(!hwpi__tp_get(NULL, data, size, &v));
	free(text);
	return 0;
}
