/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What inject and run share: the injection options (method, kill policy,
 * watch, expect, populate, force, no-load, dry-run), the checks before
 * injecting, the injection of one page with the stop signals blocked, and
 * the report printers.
 */
#ifndef HWPINJECT_CLI_INJECT_COMMON_H
#define HWPINJECT_CLI_INJECT_COMMON_H

#include <signal.h>

#include "common.h"

struct inject_opts {
	struct cli *cli;		/* for errors while parsing */
	bool have_method;
	enum hwpi_method method;
	bool early_kill, late_kill;
	bool have_watch;
	uint64_t watch_ms;
	const char *expect;
	bool populate, force, no_load, dry_run, no_observe;
	const char *journal_path;	/* --journal FILE */
	struct hwpi_journal *journal;	/* opened by inject_journal_open() */
};

/*
 * -m --early-kill --late-kill -w -e --populate --force --no-load --dry-run
 * --no-observe --journal (input: inject_opts).
 */
extern const struct argp inject_opts_argp;

/*
 * After parsing: --early-kill/--late-kill exclusive, --no-observe without
 * --watch and --expect, the method defaulted
 * (PID: hwpoison; else HAVE_PFN: corrupt-pfn; else hard-offline-page) and
 * matched to the target.  Returns 0 or an exit status (error recorded).
 */
int inject_opts_validate(struct cli *cli, struct inject_opts *o, bool pid, bool have_pfn);

/*
 * Open --journal FILE, if given and not --dry-run, for inject_page() to
 * record each page in.  Returns 0 or an exit status (error recorded).
 */
int inject_journal_open(struct cli *cli, struct inject_opts *o);
void inject_journal_close(struct inject_opts *o);

/* Before injecting: the method is available, the kill policy can be set. */
int inject_check_method(struct cli *cli, const struct inject_opts *o);
int inject_check_kill_policy(struct cli *cli, const struct inject_opts *o);
/* Refuse pid 1 and hwpinject itself. */
int inject_check_pid(struct cli *cli, pid_t pid);
/* Make page T ready: fault it in (--populate), know its pfn if needed, check it. */
int inject_prepare_page(struct cli *cli, const struct inject_opts *o, struct hwpi_target *t);

/*
 * The signals held back while pages are injected (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT): the library restores the kill policy and releases a held target
 * before it returns, and it ends a watch early when one is pending.
 */
void inject_stop_signals(sigset_t *set);
/* A blocked signal of SET that arrived (consumed), or 0. */
int inject_take_pending(const sigset_t *set);

/*
 * Inject page T with the options of O, watching WATCH_MS after it, into REP
 * (its method and target filled in even if the library left them out).
 * Returns 0, or the library's negative errno when the injection could not
 * be attempted (nothing recorded: see inject_fail()).
 */
int inject_page(struct cli *cli, const struct inject_opts *o, const struct hwpi_target *t,
		uint64_t watch_ms, struct hwpi_report *rep);
/* The library's options for O, with a watch of WATCH_MS (0: none). */
void inject_lib_opts(const struct inject_opts *o, uint64_t watch_ms, struct hwpi_inject_opts *io);
/* Record the error line for inject_page()'s negative errno ERR on T. */
int inject_fail(struct cli *cli, const struct inject_opts *o, const struct hwpi_target *t,
		int err);

/*
 * If the library did not say, fill in the state of process PID from /proc
 * into the N reports.
 */
void inject_update_target_state(const struct cli *cli, pid_t pid, struct hwpi_report *rep,
				size_t n);

/* Whether report R meets the --expect OUTCOME EXPECT. */
bool inject_expect_met(const struct hwpi_report *r, const char *expect);
/* "alive", "killed", "exited", "gone", "unknown" */
const char *inject_target_state_name(enum hwpi_target_state s);

/*
 * Print report R as --json or text (nothing with --quiet); FIRST: the
 * first report of the command (text reports after it get a blank line).
 */
void inject_print_report(const struct cli *cli, const struct inject_opts *o,
			 const struct hwpi_report *r, bool first);
/*
 * Record the one error line for what went wrong with report R, if anything:
 * the kernel refused the page, or --expect was not met.  Returns the status.
 */
int inject_judge(struct cli *cli, const struct inject_opts *o, const struct hwpi_report *r);

#endif /* HWPINJECT_CLI_INJECT_COMMON_H */
