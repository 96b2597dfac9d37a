/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target options shared by inject, translate and unpoison, and their resolution. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

enum {
	OPT_OFFSET = 0x200,
	OPT_RANDOM,
	OPT_SEED,
	OPT_PFN,
	OPT_PHYS,
};

/* A target option given twice is ambiguous (which page?): a usage error. */
static int twice(struct target_opts *t, bool seen, const char *opt)
{
	if (!seen)
		return 0;
	cli_fail(t->cli, EXIT_USAGE, "%s given twice; give it once", opt);
	return EINVAL;
}

static error_t target_parse(int key, char *arg, struct argp_state *state)
{
	struct target_opts *t = state->input;

	switch (key) {
	case 'p':
		if (twice(t, t->have_pid, "--pid"))
			return EINVAL;
		t->have_pid = true;
		return cli_parse_pid(t->cli, "--pid", arg, &t->pid);
	case 'a':
		if (twice(t, t->have_addr, "--addr"))
			return EINVAL;
		t->have_addr = true;
		return cli_parse_u64(t->cli, "--addr", arg, &t->addr);
	case 'r':
		if (twice(t, t->region != NULL, "--region"))
			return EINVAL;
		t->region = arg;
		return 0;
	case 'n':
		if (twice(t, t->have_count, "--count"))
			return EINVAL;
		t->have_count = true;
		return cli_parse_count(t->cli, "--count", arg, TARGET_MAX_COUNT, &t->count);
	case OPT_OFFSET:
		if (twice(t, t->have_offset, "--offset"))
			return EINVAL;
		t->have_offset = true;
		return cli_parse_u64(t->cli, "--offset", arg, &t->offset);
	case OPT_RANDOM:
		t->random = true;
		return 0;
	case OPT_SEED:
		if (twice(t, t->have_seed, "--seed"))
			return EINVAL;
		t->have_seed = true;
		return cli_parse_u64(t->cli, "--seed", arg, &t->seed);
	case OPT_PFN:
		if (twice(t, t->have_pfn, "--pfn"))
			return EINVAL;
		t->have_pfn = true;
		return cli_parse_u64(t->cli, "--pfn", arg, &t->pfn);
	case OPT_PHYS:
		if (twice(t, t->have_phys, "--phys"))
			return EINVAL;
		t->have_phys = true;
		return cli_parse_u64(t->cli, "--phys", arg, &t->phys);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_option target_options[] = {
	{ "pid", 'p', "PID", 0, "The target process", 0 },
	{ "addr", 'a', "VADDR", 0, "A virtual address of the target process", 0 },
	{ "region", 'r', "SPEC", 0,
	  "A region of the target process: heap, stack, anon, file, file:PATH or ADDR-ADDR", 0 },
	{ "count", 'n', "N", 0, "Pages of the region (default 1)", 0 },
	{ "offset", OPT_OFFSET, "BYTES", 0, "Start this far into the region (default 0)", 0 },
	{ "random", OPT_RANDOM, NULL, 0, "Pick the region's pages at random", 0 },
	{ "seed", OPT_SEED, "N", 0, "Seed for --random (reproducible choice)", 0 },
	{ "pfn", OPT_PFN, "PFN", 0, "A page frame number", 0 },
	{ "phys", OPT_PHYS, "ADDR", 0, "A physical address", 0 },
	{ 0 }
};

static const struct argp_option target_options_simple[] = {
	{ "pid", 'p', "PID", 0, "The process whose page to use (with --addr)", 0 },
	{ "addr", 'a', "VADDR", 0, "A virtual address of that process", 0 },
	{ "pfn", OPT_PFN, "PFN", 0, "A page frame number", 0 },
	{ 0 }
};

/* run: the process is the command started; --count is the number of injections */
static const struct argp_option target_options_command[] = {
	{ "addr", 'a', "VADDR", 0, "A virtual address of the command", 0 },
	{ "region", 'r', "SPEC", 0,
	  "A region of the command: heap, stack, anon, file, file:PATH or ADDR-ADDR", 0 },
	{ "offset", OPT_OFFSET, "BYTES", 0, "Start this far into the region (default 0)", 0 },
	{ "random", OPT_RANDOM, NULL, 0, "Pick the region's pages at random", 0 },
	{ "seed", OPT_SEED, "N", 0, "Seed for --random (reproducible choice)", 0 },
	{ 0 }
};

const struct argp target_argp = {
	.options = target_options,
	.parser = target_parse,
};

const struct argp target_argp_simple = {
	.options = target_options_simple,
	.parser = target_parse,
};

const struct argp target_argp_command = {
	.options = target_options_command,
	.parser = target_parse,
};

/* Options that select pages of a region: --offset, --random, --seed (and --count). */
static int validate_selection(struct cli *cli, const struct target_opts *t, bool count_pages)
{
	bool count = count_pages && t->have_count;

	if ((count || t->have_offset || t->random || t->have_seed) && !t->region)
		return cli_fail(cli, EXIT_USAGE,
				"%s needs --region; it selects pages of a region",
				count ? "--count" : t->have_offset ? "--offset" :
				t->random ? "--random" : "--seed");
	if (t->have_seed && !t->random)
		return cli_fail(cli, EXIT_USAGE, "--seed needs --random; add --random");
	if (t->have_offset && t->random)
		return cli_fail(cli, EXIT_USAGE,
				"--offset and --random exclude each other; give one of them");
	return 0;
}

int target_validate_command(struct cli *cli, const struct target_opts *t)
{
	if (t->have_addr && t->region)
		return cli_fail(cli, EXIT_USAGE,
				"--addr and --region exclude each other; give one of them");
	if (!t->have_addr && !t->region)
		return cli_fail(cli, EXIT_USAGE,
				"no page given; give --region (or --addr) to say which page of the command to inject");
	return validate_selection(cli, t, false);
}

int target_validate(struct cli *cli, const struct target_opts *t)
{
	if (t->have_pfn && t->have_pid)
		return cli_fail(cli, EXIT_USAGE,
				"--pfn and --pid exclude each other; give one target");
	if (t->have_phys && t->have_pid)
		return cli_fail(cli, EXIT_USAGE,
				"--phys and --pid exclude each other; give one target");
	if (t->have_pfn && t->have_phys)
		return cli_fail(cli, EXIT_USAGE,
				"--pfn and --phys exclude each other; give one target");
	if (t->have_addr && t->region)
		return cli_fail(cli, EXIT_USAGE,
				"--addr and --region exclude each other; give one of them");
	if (t->have_pid && !t->have_addr && !t->region)
		return cli_fail(cli, EXIT_USAGE, t->allow_region ?
				"--pid needs --addr or --region; say which page of the process" :
				"--pid needs --addr; say which page of the process");
	if (!t->have_pid && (t->have_addr || t->region))
		return cli_fail(cli, EXIT_USAGE, "%s needs --pid; say which process",
				t->have_addr ? "--addr" : "--region");
	if (!t->have_pid && !t->have_pfn && !t->have_phys)
		return cli_fail(cli, EXIT_USAGE, t->allow_region ?
				"no target given; give --pid with --addr or --region, or --pfn, or --phys" :
				"no target given; give --pfn, or --pid with --addr");
	return validate_selection(cli, t, true);
}

int target_resolve_one(struct cli *cli, pid_t pid, uint64_t vaddr, struct hwpi_target *t)
{
	int r;

	r = hwpi_resolve_vaddr(cli->ctx, pid, vaddr, t);
	if (r == -ESRCH)
		return cli_lib_fail(cli, r, "check the pid; is the process still running?",
				    "no process %d", (int)pid);
	if (r == -EFAULT)
		return cli_lib_fail(cli, r, "pick a mapped address (see /proc/PID/maps or 'hwpinject translate --region')",
				    "0x%" PRIx64 " is not mapped in process %d", vaddr, (int)pid);
	if ((r == -EPERM || r == -EACCES) && strstr(hwpi_ctx_strerror(cli->ctx), "kernel thread"))
		return cli_lib_fail(cli, r, "target a user process", "process %d", (int)pid);
	if (r == -EPERM || r == -EACCES)
		return cli_lib_fail(cli, r,
				    "run as root: page frame numbers need CAP_SYS_ADMIN",
				    "cannot read the page of 0x%" PRIx64 " in process %d", vaddr,
				    (int)pid);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot resolve 0x%" PRIx64 " in process %d",
				    vaddr, (int)pid);
	return 0;
}

static struct hwpi_selection selection(const struct target_opts *o, bool include_absent)
{
	struct hwpi_selection sel = {
		.offset = o->offset,
		.random = o->random,
		.seed = o->seed,
		.include_absent = include_absent,
	};

	return sel;
}

static int select_region(struct cli *cli, const struct target_opts *o, bool include_absent,
			 uint64_t *vaddrs, size_t count, size_t *n)
{
	struct hwpi_selection sel = selection(o, include_absent);
	int r;

	r = hwpi_region_select(cli->ctx, o->pid, o->region, &sel, vaddrs, count, n);
	if (r == -EINVAL)
		return cli_lib_fail(cli, r,
				    "a region is heap, stack, anon, file, file:PATH or ADDR-ADDR",
				    "bad region '%s'", o->region);
	if (r == -ESRCH)
		return cli_lib_fail(cli, r, "check the pid; is the process still running?",
				    "no process %d", (int)o->pid);
	if (r == -EPERM && strstr(hwpi_ctx_strerror(cli->ctx), "kernel thread"))
		return cli_lib_fail(cli, r, "target a user process", "process %d", (int)o->pid);
	if (r == -ENOENT) {
		char hint[64];

		snprintf(hint, sizeof(hint), "see /proc/%d/maps for its mappings", (int)o->pid);
		return cli_lib_fail(cli, r, hint, "process %d has no region '%s'", (int)o->pid,
				    o->region);
	}
	if (r == -ERANGE)
		return cli_lib_fail(cli, r,
				    include_absent || !o->offer_populate ?
				    "ask for fewer pages (--count) or a smaller --offset" :
				    "ask for fewer pages, or fault them in (--populate)",
				    "region '%s' of process %d has fewer than %zu usable pages",
				    o->region, (int)o->pid, count);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot select pages of region '%s' of process %d",
				    o->region, (int)o->pid);
	if (*n == 0)
		return cli_fail(cli, EXIT_DATAERR,
				"region '%s' of process %d has no usable page; %s", o->region,
				(int)o->pid,
				include_absent || !o->offer_populate ? "pick another region" :
				"fault its pages in (--populate)");
	return 0;
}

int target_iter_begin(struct cli *cli, const struct target_opts *o, bool include_absent,
		      struct target_iter *it)
{
	size_t count = o->region && o->have_count ? o->count : 1;
	int r;

	memset(it, 0, sizeof(*it));
	it->pid = o->pid;
	it->t = calloc(count < TARGET_CHUNK ? count : TARGET_CHUNK, sizeof(*it->t));
	if (!it->t)
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer pages");
	it->total = 1;
	if (o->have_pfn) {
		r = hwpi_resolve_pfn(cli->ctx, o->pfn, it->t);
		if (r < 0)
			r = cli_lib_fail(cli, r, r == -EINVAL ?
					 "give a pfn below the end of memory (see /proc/zoneinfo)" : NULL,
					 "cannot use pfn 0x%" PRIx64, o->pfn);
	} else if (o->have_phys) {
		r = hwpi_resolve_phys(cli->ctx, o->phys, it->t);
		if (r < 0)
			r = cli_lib_fail(cli, r, r == -EINVAL ?
					 "give an address of RAM (see /proc/iomem)" : NULL,
					 "cannot use physical address 0x%" PRIx64, o->phys);
	} else if (o->have_addr) {
		r = target_resolve_one(cli, o->pid, o->addr, it->t);
	} else {
		it->vaddrs = calloc(count, sizeof(*it->vaddrs));
		if (!it->vaddrs)
			r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer pages");
		else
			r = select_region(cli, o, include_absent, it->vaddrs, count, &it->total);
	}
	if (r)
		target_iter_end(it);
	return r;
}

int target_iter_next(struct cli *cli, struct target_iter *it, struct hwpi_target **t, size_t *n)
{
	size_t i, k;

	*t = it->t;
	*n = 0;
	if (it->next >= it->total)
		return 0;
	if (!it->vaddrs) {	/* the one target, resolved by target_iter_begin() */
		it->next = *n = 1;
		return 0;
	}
	k = it->total - it->next < TARGET_CHUNK ? it->total - it->next : TARGET_CHUNK;
	/* all at once; on an error, page by page for the message of the page at fault */
	if (hwpi_resolve_vaddrs(cli->ctx, it->pid, it->vaddrs + it->next, k, it->t) < 0) {
		for (i = 0; i < k; i++) {
			int r = target_resolve_one(cli, it->pid, it->vaddrs[it->next + i], &it->t[i]);

			if (r)
				return r;
		}
	}
	it->next += k;
	*n = k;
	return 0;
}

void target_iter_end(struct target_iter *it)
{
	free(it->vaddrs);
	free(it->t);
	memset(it, 0, sizeof(*it));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* the first of VADDRS[0..N) not in SORTED_USED, or -1 */
static long first_unused(const uint64_t *vaddrs, size_t n, const uint64_t *sorted_used,
			 size_t n_used)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!bsearch(&vaddrs[i], sorted_used, n_used, sizeof(*sorted_used), cmp_u64))
			return (long)i;
	return -1;
}

int target_pick(struct cli *cli, const struct target_opts *o, const uint64_t *used,
		size_t n_used, bool include_absent, struct hwpi_target *out)
{
	struct hwpi_selection sel = selection(o, include_absent);
	uint64_t *vaddrs, *sorted;
	size_t k, n;
	long i;
	int r;

	if (o->have_addr)
		return target_resolve_one(cli, o->pid, o->addr, out);
	vaddrs = calloc(n_used + 1, sizeof(*vaddrs));
	sorted = malloc((n_used + 1) * sizeof(*sorted));
	if (!vaddrs || !sorted) {
		free(vaddrs);
		free(sorted);
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer injections");
	}
	if (n_used)
		memcpy(sorted, used, n_used * sizeof(*sorted));
	qsort(sorted, n_used, sizeof(*sorted), cmp_u64);
	/*
	 * The first K pages of a selection are the same for any count >= K, and
	 * of N_USED + 1 pages one at least was not injected before: one walk of
	 * the region.  Only a region of N_USED pages or fewer (-ERANGE) is
	 * searched a page at a time, to tell "all used" from "one left" (and
	 * the errors of the region are told by select_region()).
	 */
	r = hwpi_region_select(cli->ctx, o->pid, o->region, &sel, vaddrs, n_used + 1, &n);
	if (r == 0 && (i = first_unused(vaddrs, n, sorted, n_used)) >= 0) {
		r = target_resolve_one(cli, o->pid, vaddrs[i], out);
		goto out;
	}
	for (k = 1;; k++) {
		r = hwpi_region_select(cli->ctx, o->pid, o->region, &sel, vaddrs, k, &n);
		if (r && !(r == -ERANGE && n_used)) {
			r = select_region(cli, o, include_absent, vaddrs, k, &n); /* says why */
			if (!r)	/* the region changed between the two reads */
				r = cli_fail(cli, EXIT_DATAERR,
					     "region '%s' of process %d changed while it was read; try again",
					     o->region, (int)o->pid);
			break;
		}
		i = r ? -1 : first_unused(vaddrs, k, sorted, n_used);
		if (i >= 0) {
			r = target_resolve_one(cli, o->pid, vaddrs[i], out);
			break;
		}
		if (r || k > n_used) {
			r = cli_fail(cli, EXIT_DATAERR,
				     "region '%s' of process %d has no %spage left that was not injected before; ask for fewer injections (--count) or pick a larger region",
				     o->region, (int)o->pid, include_absent ? "" : "present ");
			break;
		}
	}
out:
	free(vaddrs);
	free(sorted);
	return r;
}
