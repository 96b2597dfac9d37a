/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of campaign files (hwpinject-campaign(5)); see campaign-file.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "campaign-file.h"

#define LINE_MAX_BYTES	4096
#define REPEAT_DEPTH	4
#define REPEAT_MAX	1000000
#define STEPS_MAX	10000000

/*
 * Split LINE (NUL-terminated) into words like sh(1) does, without any
 * expansion: '...', "..." (\ escapes $ ` " \), \X, # comments.  The words
 * are written into BUF (strlen(LINE) + 1 bytes).  Returns NULL or what is
 * wrong.
 */
static const char *split(const char *line, char *buf, char ***argv, int *argc)
{
	const char *p = line;
	char *out = buf, **v;

	*argc = 0;
	*argv = NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return NULL;
		v = realloc(*argv, sizeof(*v) * ((size_t)*argc + 2));
		if (!v)
			return "out of memory";
		*argv = v;
		v[(*argc)++] = out;
		v[*argc] = NULL;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
			if (*p == '\'') {
				for (p++; *p && *p != '\''; p++)
					*out++ = *p;
				if (!*p)
					return "unterminated single quote; close it with '";
				p++;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("$`\"\\", p[1]))
						p++;
					*out++ = *p;
				}
				if (!*p)
					return "unterminated double quote; close it with \"";
				p++;
			} else if (*p == '\\') {
				if (!p[1])
					return "backslash at the end of the line; remove it (lines do not continue)";
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
	}
}

static int bad(struct cli *cli, const char *name, unsigned int line, const char *what)
{
	return cli_fail(cli, EXIT_DATAERR, "%s: line %u: %s", name, line, what);
}

/* Check the words of line LINE and fill in S.  Returns 0 or an exit status. */
static int classify(struct cli *cli, const char *name, struct campaign_file *cf,
		    unsigned int line, struct step *s, size_t *stack, size_t *depth)
{
	static const char *const cmds[] = { "inject", "unpoison", "translate", "status" };
	static const char *const never[] = { "--help", "--usage", "--version", "-?", "-V" };
	char **v = s->argv;
	size_t i;
	int k;

	s->line = line;
	if (!strcmp(v[0], "repeat")) {
		if (s->argc != 3 || strcmp(v[2], "{"))
			return bad(cli, name, line, "malformed repeat; write 'repeat N {'");
		if (hwpi_parse_u64(v[1], &s->n) < 0 || s->n > REPEAT_MAX)
			return bad(cli, name, line,
				   "bad repeat count; give a number from 0 to 1000000");
		if (*depth >= REPEAT_DEPTH)
			return bad(cli, name, line, "repeat nested too deep; nest at most 4");
		s->kind = STEP_REPEAT;
		stack[(*depth)++] = (size_t)(s - cf->steps);
		return 0;
	}
	if (!strcmp(v[0], "}")) {
		if (s->argc != 1)
			return bad(cli, name, line,
				   "unexpected words after '}'; put them on a line of their own");
		if (!*depth)
			return bad(cli, name, line, "'}' without 'repeat'; remove it");
		s->kind = STEP_END;
		cf->steps[stack[--*depth]].end = (size_t)(s - cf->steps);
		return 0;
	}
	if (!strcmp(v[0], "sleep")) {
		if (s->argc != 2 || hwpi_parse_duration_ms(v[1], &s->n) < 0)
			return bad(cli, name, line,
				   "malformed sleep; write 'sleep DURATION' (seconds, or a number with ms, s, m or h)");
		s->kind = STEP_SLEEP;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(v[0], cmds[i]))
			break;
	if (i == ARRAY_SIZE(cmds))
		return cli_fail(cli, EXIT_DATAERR,
				"%s: line %u: unknown step '%s'; give inject, unpoison, translate, status, sleep or repeat",
				name, line, v[0]);
	for (k = 1; k < s->argc; k++)
		for (i = 0; i < ARRAY_SIZE(never); i++)
			if (!strcmp(v[k], never[i]))
				return cli_fail(cli, EXIT_DATAERR,
						"%s: line %u: %s is not for a campaign step; remove it",
						name, line, v[k]);
	s->kind = STEP_CMD;
	return 0;
}

/* The number of commands run for steps [LO, HI), at most STEPS_MAX + 1. */
static size_t count_steps(const struct campaign_file *cf, size_t lo, size_t hi)
{
	size_t i, n = 0, body;

	for (i = lo; i < hi && n <= STEPS_MAX; i++) {
		if (cf->steps[i].kind == STEP_CMD) {
			n++;
		} else if (cf->steps[i].kind == STEP_REPEAT) {
			body = count_steps(cf, i + 1, cf->steps[i].end);
			if (body && cf->steps[i].n > (STEPS_MAX + 1 - n) / body)
				return STEPS_MAX + 1;
			n += body * cf->steps[i].n;
			i = cf->steps[i].end;
		}
	}
	return n;
}

int campaign_file_parse(struct cli *cli, const char *name, FILE *f, struct campaign_file *cf)
{
	size_t stack[REPEAT_DEPTH] = { 0 }, depth = 0, cap = 0, sz = 0;
	unsigned int line = 0;
	char *text = NULL, *buf;
	struct step *s;
	const char *why;
	ssize_t len;
	int r = 0, e;

	while (!r && (len = getline(&text, &sz, f)) >= 0) {
		line++;
		if (len > 0 && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len > LINE_MAX_BYTES) {
			r = bad(cli, name, line, "line longer than 4096 bytes; shorten it");
			break;
		}
		if (memchr(text, '\0', (size_t)len)) {
			r = bad(cli, name, line, "NUL byte in the line; remove it");
			break;
		}
		if (cf->n_steps == cap) {
			cap = cap ? 2 * cap : 16;
			s = realloc(cf->steps, cap * sizeof(*s));
			if (!s) {
				r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; shorten the campaign");
				break;
			}
			cf->steps = s;
		}
		s = &cf->steps[cf->n_steps];
		memset(s, 0, sizeof(*s));
		buf = malloc((size_t)len + 1);
		if (!buf) {
			r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; shorten the campaign");
			break;
		}
		why = split(text, buf, &s->argv, &s->argc);
		if (!s->argc) {
			free(s->argv);
			free(buf);
		} else {
			cf->n_steps++;	/* owns argv and buf (argv[0]) from here on */
		}
		if (why)
			r = bad(cli, name, line, why);
		else if (s->argc)
			r = classify(cli, name, cf, line, s, stack, &depth);
	}
	e = errno;
	if (!r && ferror(f) && e == EISDIR)	/* fopen(3) opens a directory */
		r = cli_fail(cli, EXIT_NOINPUT, "cannot read %s: %s; give a campaign file", name,
			     strerror(e));
	else if (!r && ferror(f))
		r = cli_fail(cli, cli_exit_status(-e), "cannot read %s: %s; %s", name, strerror(e),
			     cli_errno_hint(-e));
	if (!r && depth)
		r = bad(cli, name, cf->steps[stack[depth - 1]].line,
			"'repeat' without '}'; close it");
	free(text);
	if (r)
		return r;
	cf->total = count_steps(cf, 0, cf->n_steps);
	if (cf->total > STEPS_MAX)
		return cli_fail(cli, EXIT_DATAERR,
				"%s: more than %d steps with the repeats; repeat less", name,
				STEPS_MAX);
	return 0;
}

int campaign_file_read(struct cli *cli, const char *file, struct campaign_file *cf)
{
	FILE *f;
	int r, e;

	f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		e = -errno;
		return cli_fail(cli, cli_exit_status(e), "cannot open %s: %s; %s", file,
				strerror(-e), e == -ENOENT ? "check the file name" : cli_errno_hint(e));
	}
	r = campaign_file_parse(cli, file, f, cf);
	if (f != stdin)
		fclose(f);
	return r;
}

void campaign_steps_free(struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(steps[i].argv ? steps[i].argv[0] : NULL);
		free(steps[i].argv);
	}
	free(steps);
}
