// SPDX-License-Identifier: GPL-2.0-or-later
/* Campaign files (hwpinject-campaign(5)): words, quotes, repeat blocks, sleep. */
#include <stdio.h>

#include "campaign-file.h"
#include "fuzz.h"

/* at most this many commands with the repeats (hwpinject-campaign(5)) */
#define STEPS_MAX 10000000

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > (STEPS_MAX + 1) / b ? STEPS_MAX + 1 : a * b;
}

/* The number of commands the steps run (STEPS_MAX + 1: more), counted another way. */
static uint64_t count(const struct campaign_file *cf)
{
	uint64_t mult[8] = { 1 }, total = 0;
	unsigned int depth = 0;
	size_t i;

	for (i = 0; i < cf->n_steps; i++) {
		const struct step *s = &cf->steps[i];

		if (s->kind == STEP_CMD) {
			total += mult[depth];
			if (total > STEPS_MAX)
				total = STEPS_MAX + 1;
		} else if (s->kind == STEP_REPEAT && depth + 1 < ARRAY_SIZE(mult)) {
			mult[depth + 1] = mul_sat(mult[depth], s->n);
			depth++;
		} else if (s->kind == STEP_END && depth > 0) {
			depth--;
		}
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct campaign_file cf = { 0 };
	struct cli cli = { 0 };
	size_t i;
	FILE *f;
	int r;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	r = campaign_file_parse(&cli, "fuzz", f, &cf);
	fclose(f);
	FUZZ_CHECK(r == cli.status);
	FUZZ_CHECK(r == 0 || cli.errmsg[0]);
	if (r == 0)
		FUZZ_CHECK(cf.total == count(&cf) && cf.total <= STEPS_MAX);
	else if (!strncmp(cli.errmsg, "fuzz: more than", 15))
		FUZZ_CHECK(count(&cf) > STEPS_MAX);
	for (i = 0; r == 0 && i < cf.n_steps; i++) {
		const struct step *s = &cf.steps[i];

		FUZZ_CHECK(s->argc > 0 && s->argv[s->argc] == NULL);
		if (s->kind == STEP_REPEAT)
			FUZZ_CHECK(s->end > i && s->end < cf.n_steps &&
				   cf.steps[s->end].kind == STEP_END);
	}
	campaign_steps_free(cf.steps, cf.n_steps);
	return 0;
}
