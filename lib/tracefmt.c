// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parser for a tracepoint's format file (tracefs events/SYS/NAME/format):
 * field offsets and the __print_symbolic() tables that name enum values.
 *
 * The names differ between kernels (memory_failure_event's page types
 * change from release to release), so they are read at run time.  Only
 * these two things are needed, which is why this is a small parser of its
 * own rather than libtraceevent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *skip_ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* "\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;" */
static int parse_field(const char *line, struct hwpi_tp_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *e, *b, *p;
	size_t n;

	if (!decl)
		return -EINVAL;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi)
		return -EINVAL;
	e = semi;
	/* strip an array suffix: "char comm[16]" */
	for (p = decl; p < semi; p++) {
		if (*p == '[') {
			e = p;
			break;
		}
	}
	while (e > decl && isspace((unsigned char)e[-1]))
		e--;
	b = e;
	while (b > decl && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
		b--;
	n = (size_t)(e - b);
	if (n == 0 || n >= sizeof(f->name))
		return -EINVAL;
	memcpy(f->name, b, n);
	f->name[n] = '\0';
	p = strstr(semi, "offset:");
	if (!p || sscanf(p, "offset:%u", &f->offset) != 1)
		return -EINVAL;
	p = strstr(semi, "size:");
	if (!p || sscanf(p, "size:%u", &f->size) != 1)
		return -EINVAL;
	p = strstr(semi, "signed:");
	f->is_signed = p && p[7] == '1';
	return 0;
}

/* Parse a C string literal at P into OUT; returns the end or NULL. */
static const char *parse_string(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 < len)
			out[n++] = *p;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	return p + 1;
}

/*
 * "__print_symbolic(REC->type, { 0, "reserved kernel page" }, { 1, ... })"
 * P points just after "__print_symbolic(".
 */
static const char *parse_symbolic(const char *p, struct hwpi_tp_format *f)
{
	struct hwpi_tp_table *t;
	const char *b;
	size_t n;

	p = skip_ws(p);
	if (strncmp(p, "REC->", 5))
		return p;
	p += 5;
	for (b = p; isalnum((unsigned char)*p) || *p == '_'; p++)
		;
	n = (size_t)(p - b);
	if (f->n_tables == HWPI_TP_MAX_TABLES || n == 0 || n >= sizeof(t->field))
		return p;
	t = &f->tables[f->n_tables];
	memset(t, 0, sizeof(*t));
	memcpy(t->field, b, n);
	for (;;) {
		struct hwpi_tp_symbol *s;
		char *end;
		long v;

		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		if (*p != '{')
			break;
		p = skip_ws(p + 1);
		v = strtol(p, &end, 0);
		if (end == p)
			return p;
		p = skip_ws(end);
		if (*p != ',')
			return p;
		p = skip_ws(p + 1);
		if (t->n_symbols < HWPI_TP_MAX_SYMBOLS) {
			s = &t->symbols[t->n_symbols];
			s->value = v;
			p = parse_string(p, s->name, sizeof(s->name));
			if (!p)
				return NULL;
			t->n_symbols++;
		} else {
			char skip[2];

			p = parse_string(p, skip, sizeof(skip));
			if (!p)
				return NULL;
		}
		p = skip_ws(p);
		if (*p != '}')
			return p;
		p++;
	}
	if (t->n_symbols)
		f->n_tables++;
	return p;
}

int hwpi__tp_format_parse(const char *text, struct hwpi_tp_format *f)
{
	const char *line = text, *p;

	memset(f, 0, sizeof(*f));
	while (line && *line) {
		const char *nl = strchr(line, '\n');

		/* blanks only: an empty line must not run into the next one */
		p = line + strspn(line, " \t");
		if (!strncmp(p, "ID:", 3)) {
			f->id = (unsigned int)strtoul(p + 3, NULL, 10);
		} else if (!strncmp(p, "field:", 6) && f->n_fields < HWPI_TP_MAX_FIELDS) {
			/*
			 * Name, offset and size from this line alone, never from
			 * the next one; a line this long is not the kernel's.
			 */
			char one[512];
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			if (n < sizeof(one)) {
				memcpy(one, p, n);
				one[n] = '\0';
				if (parse_field(one, &f->fields[f->n_fields]) == 0)
					f->n_fields++;
			}
		} else if (!strncmp(p, "print fmt:", 10)) {
			const char *s = p;

			while (s && (s = strstr(s, "__print_symbolic(")))
				s = parse_symbolic(s + 17, f);
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	return f->n_fields ? 0 : -EINVAL;
}

const struct hwpi_tp_field *hwpi__tp_field(const struct hwpi_tp_format *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < f->n_fields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

const char *hwpi__tp_symbol(const struct hwpi_tp_format *f, const char *field, long value)
{
	unsigned int i, j;

	for (i = 0; i < f->n_tables; i++) {
		if (strcmp(f->tables[i].field, field))
			continue;
		for (j = 0; j < f->tables[i].n_symbols; j++)
			if (f->tables[i].symbols[j].value == value)
				return f->tables[i].symbols[j].name;
	}
	return NULL;
}

/* Read an integer field of a raw record; false if it does not fit. */
bool hwpi__tp_get(const struct hwpi_tp_field *fl, const void *raw, size_t len, int64_t *v)
{
	const unsigned char *b = raw;

	if (!fl || fl->offset > len || fl->size > len - fl->offset)
		return false;
	switch (fl->size) {
	case 1: {
		uint8_t x;

		memcpy(&x, b + fl->offset, 1);
		*v = fl->is_signed ? (int64_t)(int8_t)x : (int64_t)x;
		return true;
	}
	case 2: {
		uint16_t x;

		memcpy(&x, b + fl->offset, 2);
		*v = fl->is_signed ? (int64_t)(int16_t)x : (int64_t)x;
		return true;
	}
	case 4: {
		uint32_t x;

		memcpy(&x, b + fl->offset, 4);
		*v = fl->is_signed ? (int64_t)(int32_t)x : (int64_t)x;
		return true;
	}
	case 8: {
		uint64_t x;

		memcpy(&x, b + fl->offset, 8);
		*v = (int64_t)x;
		return true;
	}
	default:
		return false;
	}
}
