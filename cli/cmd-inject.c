/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hwpinject inject: inject an error into one page (or --count pages) and report. */
#include <signal.h>
#include <stdlib.h>

#include "common.h"
#include "inject-common.h"
#include "target.h"

struct cmd_opts {
	struct cli *cli;
	struct target_opts target;
	struct inject_opts inject;
};

static error_t cmd_parse(int key, char *arg, struct argp_state *state)
{
	struct cmd_opts *o = state->input;

	(void)arg;
	if (key != ARGP_KEY_INIT)
		return ARGP_ERR_UNKNOWN;
	state->child_inputs[0] = &o->target;
	state->child_inputs[1] = &o->inject;
	state->child_inputs[2] = o->cli;
	return 0;
}

static const struct argp_child inject_children[] = {
	{ &target_argp, 0, "Target:", 1 },
	{ &inject_opts_argp, 0, "Injection:", 2 },
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp inject_argp = {
	.parser = cmd_parse,
	.doc = "Inject a memory error into one page (or --count pages of a region) and report "
	       "what the kernel did, which signals were sent and what became of the target."
	       "\v"
	       "Targets: --pid PID --addr VADDR | --pid PID --region SPEC [--count N] "
	       "[--offset BYTES | --random [--seed N]] | --pfn PFN | --phys ADDR.  "
	       "Run it in a VM: a poisoned page stays lost until unpoisoned or reboot.",
	.children = inject_children,
};

static int validate(struct cli *cli, struct cmd_opts *o)
{
	int r;

	r = target_validate(cli, &o->target);
	if (r)
		return r;
	return inject_opts_validate(cli, &o->inject, target_is_pid(&o->target),
				    o->target.have_pfn);
}

/*
 * Inject every page; stops at the first page that cannot be attempted or
 * at SIGINT/SIGTERM.  With --count, the watch follows the last page.
 */
static size_t inject_all(struct cli *cli, const struct inject_opts *o, const sigset_t *set,
			 struct hwpi_target *t, struct hwpi_report *rep, size_t n)
{
	size_t i;
	int r, sig;

	for (i = 0; i < n; i++) {
		sig = inject_take_pending(set);
		if (sig) {
			cli->reraise = sig;
			break;
		}
		r = inject_page(cli, o, &t[i], i + 1 == n && o->have_watch ? o->watch_ms : 0,
				&rep[i]);
		if (r < 0) {
			inject_fail(cli, o, &t[i], r);
			break;
		}
		if (rep[i].interrupted) {
			i++;
			cli->reraise = inject_take_pending(set);
			if (!cli->reraise)
				cli->reraise = SIGINT;
			break;
		}
	}
	return i;
}

int cmd_inject(struct cli *cli, int argc, char **argv)
{
	struct cmd_opts o = { .cli = cli };
	struct inject_opts *io = &o.inject;
	struct hwpi_report *rep = NULL;
	struct hwpi_target *t = NULL;
	sigset_t set, old;
	size_t i, n = 0, done;
	char buf[16];
	int r;

	o.target.cli = cli;
	o.target.allow_region = true;
	o.target.offer_populate = true;
	io->cli = cli;
	r = cli_argp_parse(cli, &inject_argp, argc, argv, 0, &o);
	if (r)
		return r;
	r = validate(cli, &o);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;

	if (target_is_pid(&o.target)) {
		r = inject_check_pid(cli, o.target.pid);
		if (r)
			return r;
	}
	r = inject_check_method(cli, io);
	if (r)
		return r;
	r = inject_check_kill_policy(cli, io);
	if (r)
		return r;

	r = target_resolve(cli, &o.target, io->populate, &t, &n);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		r = inject_prepare_page(cli, io, &t[i]);
		if (r)
			goto out;
	}
	rep = calloc(n, sizeof(*rep));
	if (!rep) {
		r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer pages");
		goto out;
	}
	r = inject_journal_open(cli, io);
	if (r)
		goto out;

	inject_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	done = inject_all(cli, io, &set, t, rep, n);
	if (!cli->reraise)
		cli->reraise = inject_take_pending(&set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (cli->reraise)
		cli_fail(cli, 128 + cli->reraise,
			 "interrupted by %s after %zu of %zu pages; the report shows what was done",
			 cli_signal_name(cli->reraise, buf, sizeof(buf)), done, n);

	if (!io->dry_run)
		cli->injections += done;
	if (target_is_pid(&o.target) && !io->dry_run)
		inject_update_target_state(cli, o.target.pid, rep, done);
	for (i = 0; i < done; i++) {
		inject_print_report(cli, io, &rep[i], i == 0);
		inject_judge(cli, io, &rep[i]);
	}
	r = cli->status;
out:
	inject_journal_close(io);
	free(rep);
	free(t);
	return r;
}
