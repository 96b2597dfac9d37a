/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Campaign files (hwpinject-campaign(5)): steps of hwpinject commands,
 * sleep DURATION and repeat N { ... }, parsed whole before anything runs.
 */
#ifndef HWPINJECT_CLI_CAMPAIGN_FILE_H
#define HWPINJECT_CLI_CAMPAIGN_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"

enum step_kind { STEP_CMD, STEP_SLEEP, STEP_REPEAT, STEP_END };

struct step {
	enum step_kind kind;
	unsigned int line;
	char **argv;		/* STEP_CMD: the words, argv[0] the command */
	int argc;
	uint64_t n;		/* STEP_SLEEP: ms; STEP_REPEAT: count */
	size_t end;		/* STEP_REPEAT: index of its '}' */
};

struct campaign_file {
	struct step *steps;
	size_t n_steps;
	size_t total;		/* commands run with the repeats */
};

/*
 * Parse the campaign FILE ("-": standard input) into CF (zeroed by the
 * caller).  Returns 0 or an exit status (the error recorded in CLI with
 * cli_fail()); CF holds the steps parsed either way: free them with
 * campaign_steps_free().
 */
int campaign_file_read(struct cli *cli, const char *file, struct campaign_file *cf);
/* The same from the open stream F, named NAME in messages. */
int campaign_file_parse(struct cli *cli, const char *name, FILE *f, struct campaign_file *cf);
/* Free the N STEPS (NULL accepted). */
void campaign_steps_free(struct step *steps, size_t n);

#endif /* HWPINJECT_CLI_CAMPAIGN_FILE_H */
