/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hwpinject unpoison: undo the poisoning of a page. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "print.h"
#include "target.h"

enum {
	OPT_DRY_RUN = 0x100,
	OPT_NO_LOAD,
};

struct unpoison_opts {
	struct cli *cli;
	struct target_opts target;
	bool dry_run;
	bool no_load;
};

static error_t unpoison_parse(int key, char *arg, struct argp_state *state)
{
	struct unpoison_opts *o = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->target;
		state->child_inputs[1] = o->cli;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_NO_LOAD:
		o->no_load = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option unpoison_options[] = {
	{ NULL, 0, NULL, 0, "Unpoison:", 2 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Find the page and check, unpoison nothing", 0 },
	{ "no-load", OPT_NO_LOAD, NULL, 0, "Do not load hwpoison-inject or mount debugfs", 0 },
	{ 0 }
};

static const struct argp_child unpoison_children[] = {
	{ &target_argp_simple, 0, "Target:", 1 },
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp unpoison_argp = {
	.options = unpoison_options,
	.parser = unpoison_parse,
	.doc = "Undo the poisoning of a page through debugfs hwpoison/unpoison-pfn (module "
	       "hwpoison-inject).  The kernel refuses some pages, for example a page of a file "
	       "still in the page cache."
	       "\v"
	       "Targets: --pfn PFN | --pid PID --addr VADDR (the page the address maps, or the "
	       "poisoned page its pagemap entry names).",
	.children = unpoison_children,
};

/* The pfn of --pid/--addr: mapped, or named by a hwpoison pagemap entry. */
static int pfn_of_vaddr(struct cli *cli, const struct target_opts *o, uint64_t *pfn)
{
	struct hwpi_pagemap_entry e;
	struct hwpi_target t;
	int r;

	r = target_resolve_one(cli, o->pid, o->addr, &t);
	if (r)
		return r;
	if (t.have_pfn) {
		*pfn = t.pfn;
		return 0;
	}
	if (t.poisoned_entry) {
		hwpi_pagemap_decode(t.pagemap, &e);
		if (e.swapped) {
			*pfn = e.swap_offset;
			return 0;
		}
	}
	return cli_fail(cli, EXIT_DATAERR,
			"0x%" PRIx64 " in process %d maps no page and no poisoned page; nothing to unpoison there",
			o->addr, (int)o->pid);
}

static int check_available(struct cli *cli, bool no_load)
{
	struct hwpi_method_status st;
	int r;

	/* unpoison-pfn comes with corrupt-pfn (debugfs, module hwpoison-inject) */
	r = hwpi_method_check(cli->ctx, HWPI_METHOD_CORRUPT_PFN, no_load ? 0 : HWPI_CHECK_LOAD, &st);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot find out whether unpoison is available");
	if (st.available)
		return 0;
	if (st.err == -EPERM || st.err == -EACCES)
		return cli_fail(cli, EXIT_NOPERM, "unpoison is not permitted: %s; %s", st.reason,
				cli_errno_hint(st.err));
	return cli_fail(cli, EXIT_UNAVAIL, "unpoison is not available: %s; %s", st.reason,
			st.err == -ENODEV && no_load ? "drop --no-load, or mount debugfs and load hwpoison-inject yourself" :
			cli_errno_hint(st.err ? st.err : -ENOSYS));
}

/* Accepted writes count only if the page really lost HWPOISON (when that is known). */
static bool refused(const struct hwpi_report *r)
{
	return r->err || (r->poisoned_known && r->poisoned);
}

static const char *outcome(const struct hwpi_report *r, bool dry_run)
{
	if (dry_run)
		return "dry-run";
	return refused(r) ? "refused" : "unpoisoned";
}

static void print_json(const struct hwpi_report *r, uint64_t pfn, bool dry_run)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_hex(&j, "pfn", pfn);
	json_kv_string(&j, "method", "unpoison");
	json_kv_bool(&j, "dry_run", dry_run);
	print_kernel_json(&j, r, false);
	print_poison_json(&j, r);
	json_kv_string(&j, "outcome", outcome(r, dry_run));
	json_object_end(&j);
	json_end_line(&j);
}

static void print_text(const struct hwpi_report *r, uint64_t pfn, bool dry_run)
{
	cli_kv(stdout, "pfn", "0x%" PRIx64, pfn);
	cli_kv(stdout, "method", "unpoison");
	print_kernel_text(stdout, r, false, dry_run);
	if (!dry_run)
		print_poison_text(stdout, r);
	cli_kv(stdout, "outcome", "%s", outcome(r, dry_run));
}

int cmd_unpoison(struct cli *cli, int argc, char **argv)
{
	struct unpoison_opts o = { .cli = cli };
	struct hwpi_report *rep;
	uint64_t pfn;
	int r;

	o.target.cli = cli;
	r = cli_argp_parse(cli, &unpoison_argp, argc, argv, 0, &o);
	if (r)
		return r;
	r = target_validate(cli, &o.target);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;

	r = check_available(cli, o.no_load);
	if (r)
		return r;
	if (o.target.have_pfn) {
		pfn = o.target.pfn;
	} else {
		r = pfn_of_vaddr(cli, &o.target, &pfn);
		if (r)
			return r;
	}

	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; try again");

	if (o.dry_run) {
		hwpi_kernel_release(cli->ctx, rep->release, sizeof(rep->release));
	} else {
		r = hwpi_unpoison(cli->ctx, pfn, rep);
		if (r < 0) {
			r = cli_lib_fail(cli, r, NULL, "cannot unpoison pfn 0x%" PRIx64, pfn);
			goto out;
		}
	}

	if (cli->json)
		print_json(rep, pfn, o.dry_run);
	else if (!cli->quiet)
		print_text(rep, pfn, o.dry_run);

	r = 0;
	if (!o.dry_run && refused(rep) && !rep->err) {
		r = cli_fail(cli, EXIT_KERNEL, "pfn 0x%" PRIx64 " still carries HWPOISON after "
			     "unpoison-pfn accepted it; the kernel keeps pages it cannot take back",
			     pfn);
	} else if (!o.dry_run && rep->err) {
		const char *said = rep->n_messages ?
			rep->messages[rep->n_messages > HWPI_MAX_MESSAGES ?
				      HWPI_MAX_MESSAGES - 1 : rep->n_messages - 1] : NULL;

		r = cli_fail(cli, EXIT_KERNEL, "the kernel refused to unpoison pfn 0x%" PRIx64
			     ": %s; %s%s", pfn, strerror(abs(rep->err)),
			     said ? "it said: " : "the page may still be in use (a file page in the page cache is refused)",
			     said ? said : "");
	}
out:
	free(rep);
	return r;
}
