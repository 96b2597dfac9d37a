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

/* What inject_all() passes to each_page() for every page the library reports. */
struct each {
	struct cli *cli;
	const struct cmd_opts *co;
	const sigset_t *set;
	struct hwpi_report *rep;	/* the report the library fills (non-const here) */
	size_t before;
	bool pid;
};

/* One page done: print and judge it; stop at SIGINT/SIGTERM. */
static int each_page(const struct hwpi_report *r, size_t i, void *data)
{
	struct each *e = data;
	struct cli *cli = e->cli;

	(void)r;
	/* --no-observe: the target is not looked at (its state stays unknown) */
	if (e->pid && !e->co->inject.no_observe)
		inject_update_target_state(cli, e->co->target.pid, e->rep, 1);
	inject_print_report(cli, &e->co->inject, e->rep, e->before + i == 0);
	inject_judge(cli, &e->co->inject, e->rep);
	cli->reraise = inject_take_pending(e->set);
	if (e->rep->interrupted && !cli->reraise)
		cli->reraise = SIGINT;
	return cli->reraise != 0;
}

/*
 * Inject the N pages of T (BEFORE of TOTAL done already), printing each
 * report as it comes (one report in memory, however many pages); stops at
 * the first page that cannot be attempted or at SIGINT/SIGTERM.  With
 * --count, the watch follows the last page.  One library call for the
 * chunk: a pid target is held once for all of its pages.
 */
static size_t inject_all(struct cli *cli, const struct cmd_opts *co, const sigset_t *set,
			 struct hwpi_target *t, struct hwpi_report *rep, size_t n, size_t before,
			 size_t total)
{
	const struct inject_opts *o = &co->inject;
	struct each e = { .cli = cli, .co = co, .set = set, .rep = rep, .before = before,
			  .pid = target_is_pid(&co->target) && !o->dry_run };
	struct hwpi_inject_opts io;
	size_t done = 0;
	int r;

	cli->reraise = inject_take_pending(set);
	if (cli->reraise || !n)
		return 0;
	inject_lib_opts(o, before + n == total && o->have_watch ? o->watch_ms : 0, &io);
	r = hwpi_inject_many(cli->ctx, t, n, o->method, &io, rep, each_page, &e, &done);
	if (r < 0)
		inject_fail(cli, o, &t[done], r);
	if (!o->dry_run)
		cli->injections += done;
	return done;
}

int cmd_inject(struct cli *cli, int argc, char **argv)
{
	struct cmd_opts o = { .cli = cli };
	struct inject_opts *io = &o.inject;
	struct hwpi_report *rep = NULL;
	struct hwpi_target *t = NULL;
	struct target_iter it;
	sigset_t set, old;
	size_t i, n = 0, done = 0;
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

	/* pages are resolved (and checked, faulted in) a chunk at a time, then injected */
	r = target_iter_begin(cli, &o.target, io->populate, &it);
	if (r)
		return r;
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer pages");
		goto out;
	}
	r = target_iter_next(cli, &it, &t, &n);
	for (i = 0; !r && i < n; i++)
		r = inject_prepare_page(cli, io, &t[i]);
	if (r)
		goto out;
	r = inject_journal_open(cli, io);
	if (r)
		goto out;

	inject_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	while (n) {
		size_t k = inject_all(cli, &o, &set, t, rep, n, done, it.total);

		done += k;
		if (k < n || cli->reraise)
			break;
		r = target_iter_next(cli, &it, &t, &n);
		for (i = 0; !r && i < n; i++)
			r = inject_prepare_page(cli, io, &t[i]);
		if (r)
			break;
	}
	if (!cli->reraise)
		cli->reraise = inject_take_pending(&set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (cli->reraise)
		cli_fail(cli, 128 + cli->reraise,
			 "interrupted by %s after %zu of %zu pages; the report shows what was done",
			 cli_signal_name(cli->reraise, buf, sizeof(buf)), done, it.total);
	r = r ?: cli->status;
out:
	inject_journal_close(io);
	free(rep);
	target_iter_end(&it);
	return r;
}
