/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hwpinject campaign: run the steps of a file (hwpinject-campaign(5)) in this
 * process, each through the command function the CLI dispatches to, with
 * --json.  The whole file is parsed before anything runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "campaign-file.h"
#include "common.h"
#include "inject-common.h"
#include "json.h"

enum { OPT_RATE = 0x100, OPT_STOP_ON_ERROR, OPT_JOURNAL, OPT_SEED };

struct failure {
	unsigned int line;
	int status;
	char *error;
};

struct campaign {
	struct cli *cli;
	const char *file;
	double rate;		/* pages per second, 0: no limit */
	bool stop_on_error;
	const char *journal;
	bool have_seed;
	uint64_t seed;

	struct step *steps;
	size_t n_steps;

	sigset_t set;		/* the stop signals, blocked throughout */
	size_t total, done, ok, injections;
	struct failure *failed;
	size_t n_failed;	/* recorded in FAILED */
	size_t failures;	/* all, also those not recorded (out of memory) */
	int sig;		/* the stop signal that arrived, 0 if none */
	bool stop;
	bool progress;
	size_t progress_shown;	/* the step number last shown */
	uint64_t progress_ms;	/* when it was shown */
	uint64_t next_inject_ms;
};

static error_t campaign_parse(int key, char *arg, struct argp_state *state)
{
	struct campaign *c = state->input;
	char *end;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = c->cli;
		break;
	case OPT_RATE:
		errno = 0;
		c->rate = strtod(arg, &end);
		if (errno || end == arg || *end || !(c->rate > 0) || c->rate > 1e9) {
			cli_fail(c->cli, EXIT_DATAERR,
				 "--rate: '%s' is not a rate; give pages per second, a number > 0", arg);
			return EINVAL;
		}
		break;
	case OPT_STOP_ON_ERROR:
		c->stop_on_error = true;
		break;
	case OPT_JOURNAL:
		c->journal = arg;
		break;
	case OPT_SEED:
		c->have_seed = true;
		return cli_parse_u64(c->cli, "--seed", arg, &c->seed);
	case ARGP_KEY_ARG:
		if (c->file) {
			cli_fail(c->cli, EXIT_USAGE, "unexpected argument '%s'; give one FILE", arg);
			return EINVAL;
		}
		c->file = arg;
		break;
	case ARGP_KEY_NO_ARGS:
		cli_fail(c->cli, EXIT_USAGE,
			 "no campaign file given; give FILE, or - for standard input");
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option campaign_options[] = {
	{ "rate", OPT_RATE, "PAGES/S", 0,
	  "Sleep between inject steps so that no more pages per second are injected", 0 },
	{ "stop-on-error", OPT_STOP_ON_ERROR, NULL, 0,
	  "Stop at the first step that fails (default: go on)", 0 },
	{ "journal", OPT_JOURNAL, "FILE", 0,
	  "Give every inject step --journal FILE (unless it has its own)", 0 },
	{ "seed", OPT_SEED, "N", 0,
	  "Give inject steps with --random and no --seed the seed N + the step's number", 0 },
	{ 0 }
};

static const struct argp_child campaign_children[] = {
	{ &cli_global_argp, 0, "Global options:", 1 },
	{ 0 }
};

static const struct argp campaign_argp = {
	.options = campaign_options,
	.parser = campaign_parse,
	.args_doc = "FILE|-",
	.doc = "Run the steps of FILE (hwpinject-campaign(5)): inject, unpoison, translate and "
	       "status lines, sleep DURATION, repeat N { ... }.  Each step prints its JSON "
	       "lines, then a summary line follows."
	       "\v"
	       "Exit status: 0 all steps succeeded, 1 some failed, 65 malformed file (nothing "
	       "run), 66 no such file, 128+N interrupted by signal N.",
	.children = campaign_children,
};

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

/* The steps of the file, in C (campaign-file.c). */
static int parse_file(struct campaign *c)
{
	struct campaign_file cf = { 0 };
	int r = campaign_file_read(c->cli, c->file, &cf);

	c->steps = cf.steps;
	c->n_steps = cf.n_steps;
	c->total = cf.total;
	return r;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                  */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * "step N/TOTAL" on a terminal, at most ten times a second (a step can take
 * microseconds, and a serial console or a slow link costs far more per
 * line); FINAL shows the last step done if it was not shown.
 */
static void show_progress(struct campaign *c, uint64_t now, bool final)
{
	if (!c->progress || c->progress_shown == c->done)
		return;
	if (!final && c->progress_shown && now - c->progress_ms < 100)
		return;
	fprintf(stderr, "\rstep %zu/%zu", c->done, c->total);
	c->progress_shown = c->done;
	c->progress_ms = now;
}

/* Wait until DEADLINE (now_ms()), or a stop signal. */
static void wait_until(struct campaign *c, uint64_t deadline)
{
	struct timespec ts;
	uint64_t now;
	int sig;

	while (!c->stop && (now = now_ms()) < deadline) {
		ts.tv_sec = (time_t)((deadline - now) / 1000);
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
		sig = sigtimedwait(&c->set, NULL, &ts);
		if (sig > 0) {
			c->sig = sig;
			c->stop = true;
		}
	}
}

static bool has_opt(const struct step *s, const char *opt)
{
	size_t n = strlen(opt);
	int i;

	for (i = 1; i < s->argc; i++)
		if (!strncmp(s->argv[i], opt, n) && (!s->argv[i][n] || s->argv[i][n] == '='))
			return true;
	return false;
}

static void add_failure(struct campaign *c, unsigned int line, int status, const char *error)
{
	struct failure *f = realloc(c->failed, (c->n_failed + 1) * sizeof(*f));

	c->failures++;
	if (!f)
		return;
	c->failed = f;
	f[c->n_failed].line = line;
	f[c->n_failed].status = status;
	f[c->n_failed].error = strdup(error);
	c->n_failed++;
}

static void run_cmd(struct campaign *c, const struct step *s)
{
	const struct cli_command *cmd = cli_find_command(s->argv[0]);
	struct cli sc = { .json = true, .quiet = c->cli->quiet, .verbose = c->cli->verbose,
			  .ctx = c->cli->ctx };
	bool inject = !strcmp(s->argv[0], "inject");
	char seed[24], **argv;
	uint64_t start;
	int argc = 0, i, status;

	c->sig = inject_take_pending(&c->set);
	if (c->sig) {
		c->stop = true;
		return;
	}
	if (inject && c->rate > 0) {
		wait_until(c, c->next_inject_ms);
		if (c->stop)
			return;
	}
	argv = calloc((size_t)s->argc + 6, sizeof(*argv));
	if (!argv) {
		add_failure(c, s->line, EXIT_SOFTWARE, "out of memory");
		c->stop = true;
		return;
	}
	c->done++;
	argv[argc++] = (char *)cmd->argv0;
	/* the additions go first: a "--" in the step ends the options */
	if (inject && c->journal && !has_opt(s, "--journal")) {
		argv[argc++] = (char *)"--journal";
		argv[argc++] = (char *)c->journal;
	}
	if (inject && c->have_seed && has_opt(s, "--random") && !has_opt(s, "--seed")) {
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)(c->seed + c->done));
		argv[argc++] = (char *)"--seed";
		argv[argc++] = seed;
	}
	for (i = 1; i < s->argc; i++)
		argv[argc++] = s->argv[i];
	start = now_ms();
	show_progress(c, start, false);
	status = cmd->fn(&sc, argc, argv);
	fflush(stdout);
	/* the first step's context (and its observer) serve all that follow; main() frees it */
	c->cli->ctx = sc.ctx;
	free(argv);

	c->injections += sc.injections;
	if (inject && c->rate > 0)
		c->next_inject_ms = start + (uint64_t)((double)sc.injections * 1000.0 / c->rate);
	if (status) {
		add_failure(c, s->line, status,
			    sc.errmsg[0] ? sc.errmsg : "failed; rerun the step with --verbose");
		if (c->stop_on_error)
			c->stop = true;
	} else {
		c->ok++;
	}
	if (sc.reraise) {
		c->sig = sc.reraise;
		c->stop = true;
	}
}

static void run_steps(struct campaign *c, size_t lo, size_t hi)
{
	const struct step *s;
	uint64_t k;
	size_t i;

	for (i = lo; i < hi && !c->stop; i++) {
		s = &c->steps[i];
		switch (s->kind) {
		case STEP_CMD:
			run_cmd(c, s);
			break;
		case STEP_SLEEP:
			wait_until(c, now_ms() + s->n);
			break;
		case STEP_REPEAT:
			for (k = 0; k < s->n && !c->stop; k++)
				run_steps(c, i + 1, s->end);
			i = s->end;
			break;
		case STEP_END:
			break;
		}
	}
}

static void print_summary(const struct campaign *c)
{
	struct json j;
	char buf[16];
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "campaign", c->file);
	json_kv_u64(&j, "steps", c->done);
	json_kv_u64(&j, "ok", c->ok);
	json_key(&j, "failed");
	json_array_begin(&j);
	for (i = 0; i < c->n_failed; i++) {
		json_object_begin(&j);
		json_kv_u64(&j, "line", c->failed[i].line);
		json_kv_i64(&j, "status", c->failed[i].status);
		json_kv_string(&j, "error", c->failed[i].error ? c->failed[i].error : "");
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_u64(&j, "injections", c->injections);
	json_kv_string(&j, "interrupted",
		       c->sig ? cli_signal_name(c->sig, buf, sizeof(buf)) : NULL);
	json_object_end(&j);
	json_end_line(&j);
}

int cmd_campaign(struct cli *cli, int argc, char **argv)
{
	struct campaign c = { .cli = cli };
	sigset_t old;
	char buf[16];
	size_t i;
	int r;

	r = cli_argp_parse(cli, &campaign_argp, argc, argv, 0, &c);
	if (r)
		return r;
	if (cli->quiet && cli->verbose)
		return cli_fail(cli, EXIT_USAGE,
				"--quiet and --verbose exclude each other; give one of them");
	r = parse_file(&c);
	if (r)
		goto out;

	c.progress = isatty(STDERR_FILENO);
	inject_stop_signals(&c.set);
	sigprocmask(SIG_BLOCK, &c.set, &old);
	run_steps(&c, 0, c.n_steps);
	if (!c.sig)
		c.sig = inject_take_pending(&c.set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	show_progress(&c, now_ms(), true);
	if (c.progress && c.done)
		fputc('\n', stderr);
	print_summary(&c);

	if (c.sig) {
		cli->reraise = c.sig;
		r = cli_fail(cli, 128 + c.sig,
			     "interrupted by %s after %zu of %zu steps; the summary shows what was done",
			     cli_signal_name(c.sig, buf, sizeof(buf)), c.done, c.total);
	} else if (c.failures) {
		r = cli_fail(cli, EXIT_KERNEL,
			     "%zu of %zu steps failed (the first at line %u: %s); see \"failed\" in the summary",
			     c.failures, c.done, c.n_failed ? c.failed[0].line : 0,
			     c.n_failed && c.failed[0].error ? c.failed[0].error : "?");
	}
out:
	campaign_steps_free(c.steps, c.n_steps);
	for (i = 0; i < c.n_failed; i++)
		free(c.failed[i].error);
	free(c.failed);
	return r;
}
