/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target options shared by inject and translate, and their resolution. */
#ifndef HWPINJECT_CLI_TARGET_H
#define HWPINJECT_CLI_TARGET_H

#include "common.h"

#define TARGET_MAX_COUNT (1u << 20)	/* inject, translate --count: 4 GiB of 4 KiB pages */
#define RUN_MAX_COUNT 1024		/* run --count: injections, one page picked for each */

struct target_opts {
	struct cli *cli;		/* for errors while parsing */
	bool allow_region;		/* --region and its options are offered */
	bool offer_populate;		/* --populate is offered (hints) */

	bool have_pid, have_addr, have_pfn, have_phys;
	bool have_count, have_offset, have_seed;
	bool random;
	pid_t pid;
	uint64_t addr, pfn, phys, offset, seed;
	size_t count;
	const char *region;
};

/* Options -p -a -r -n --offset --random --seed --pfn --phys (input: target_opts). */
extern const struct argp target_argp;
/* Only -p -a --pfn --phys (unpoison). */
extern const struct argp target_argp_simple;

/* Only -a -r --offset --random --seed (run: the process is the command it starts). */
extern const struct argp target_argp_command;

/* Check the combination; returns 0 or an exit status (error recorded). */
int target_validate(struct cli *cli, const struct target_opts *t);
/* The same for target_argp_command: --addr or --region, and its selection. */
int target_validate_command(struct cli *cli, const struct target_opts *t);

/* True for --pid targets. */
static inline bool target_is_pid(const struct target_opts *t)
{
	return t->have_pid;
}

/*
 * The target(s), resolved chunk by chunk: one for --addr/--pfn/--phys,
 * --count for --region (absent pages included if INCLUDE_ABSENT), which
 * are selected by target_iter_begin() and resolved TARGET_CHUNK at a time
 * by target_iter_next() (*N = 0 at the end; *T valid until the next call).
 * Both return 0 or an exit status (error recorded); target_iter_end()
 * frees what the iterator holds.
 */
#define TARGET_CHUNK 1024
struct target_iter {
	pid_t pid;
	uint64_t *vaddrs;	/* --region: the selection */
	size_t total, next;
	struct hwpi_target *t;	/* the current chunk */
};
int target_iter_begin(struct cli *cli, const struct target_opts *t, bool include_absent,
		      struct target_iter *it);
int target_iter_next(struct cli *cli, struct target_iter *it, struct hwpi_target **t, size_t *n);
void target_iter_end(struct target_iter *it);

/*
 * Resolve the page of pid O->pid for the next of several injections: the
 * --addr, or the first page of the --region selection that is not one of
 * the N_USED vaddrs USED.  Returns 0 or an exit status (error recorded).
 */
int target_pick(struct cli *cli, const struct target_opts *o, const uint64_t *used,
		size_t n_used, bool include_absent, struct hwpi_target *out);

/* Resolve one vaddr of the --pid target again (after --populate). */
int target_resolve_one(struct cli *cli, pid_t pid, uint64_t vaddr, struct hwpi_target *t);

#endif /* HWPINJECT_CLI_TARGET_H */
