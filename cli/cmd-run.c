/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hwpinject run: start a command, inject into it (once, or --count times
 * --every period), report every injection and, at the end, the command's
 * fate; exit with the command's own status.
 *
 * hwpinject is the command's parent and reaps it.  While the library holds
 * the command with ptrace it may reap it itself (the tracer's waitpid on a
 * child that is also its own): the report then carries the fate.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "inject-common.h"
#include "json.h"
#include "target.h"

enum {
	OPT_AFTER = 0x300,
	OPT_EVERY,
};

#define FOREVER UINT64_MAX
#define POLL_MS 500	/* longest sleep between looks at the command */

struct run_opts {
	struct cli *cli;
	struct target_opts target;
	struct inject_opts inject;
	uint64_t after_ms, every_ms;
	bool have_every;
	char **argv;		/* the command and its arguments, NULL-terminated */
	int argc;
};

/* What became of the command, and of the injections into it. */
struct run_state {
	pid_t pid;
	bool ended;		/* it has ended and was reaped (by us or the library) */
	enum hwpi_target_state fate;	/* KILLED, EXITED, or UNKNOWN (status lost) */
	int fate_status;	/* signal or exit status */
	bool stop;		/* a stop signal arrived: no more injections */
	int forwarded;		/* the last signal passed on to the command, 0 if none */
	size_t n;		/* injections reported */
	uint64_t *used;		/* their vaddrs */
	bool all_met;		/* every report met --expect */
	const char *outcome;	/* of the last injection, NULL if none */
	const char *unmet;	/* outcome of the first report that did not meet --expect */
};

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;
	uint64_t *ms;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->target;
		state->child_inputs[1] = &o->inject;
		state->child_inputs[2] = o->cli;
		break;
	case OPT_AFTER:
	case OPT_EVERY:
		ms = key == OPT_AFTER ? &o->after_ms : &o->every_ms;
		if (hwpi_parse_duration_ms(arg, ms) < 0) {
			cli_fail(o->cli, EXIT_DATAERR,
				 "%s: '%s' is not a duration; give seconds, or a number with ms, s, m or h",
				 key == OPT_AFTER ? "--after" : "--every", arg);
			return EINVAL;
		}
		o->have_every |= key == OPT_EVERY;
		break;
	case 'n':
		o->target.have_count = true;
		return cli_parse_count(o->cli, "--count", arg, RUN_MAX_COUNT, &o->target.count);
	case ARGP_KEY_ARGS:
		/* the command and everything after it are the command's */
		o->argv = state->argv + state->next;
		o->argc = state->argc - state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_NO_ARGS:
		cli_fail(o->cli, EXIT_USAGE,
			 "no command given; put it after '--' (hwpinject run --region anon -- ./app)");
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option run_options[] = {
	{ NULL, 0, NULL, 0, "When:", 2 },
	{ "after", OPT_AFTER, "DURATION", 0,
	  "Inject this long after the command started (default 0: as soon as it has exec'd)", 0 },
	{ "every", OPT_EVERY, "DURATION", 0, "With --count: the time between injections", 0 },
	{ "count", 'n', "N", 0,
	  "Inject N times, --every DURATION, each time into another page of the region "
	  "(default 1)", 0 },
	{ 0 }
};

static const struct argp_child run_children[] = {
	{ &target_argp_command, 0, "Page of the command:", 1 },
	{ &inject_opts_argp, 0, "Injection:", 3 },
	{ &cli_global_argp, 0, "Global options:", 4 },
	{ 0 }
};

static const struct argp run_argp = {
	.options = run_options,
	.parser = run_parse,
	.args_doc = "-- COMMAND [ARG...]",
	.doc = "Start COMMAND, inject memory errors into it, report each injection and at the "
	       "end what became of the command; exit with the command's own status."
	       "\v"
	       "Exit status: the command's (128 + N if signal N killed it), or with --expect 0 "
	       "(met) or 1 (not met); 64, 65, 66, 69, 70 or 77 if hwpinject itself failed (a "
	       "command it started is then killed).  SIGINT, SIGTERM, SIGHUP and SIGQUIT sent "
	       "to hwpinject are passed on to the command and end the injections.",
	.children = run_children,
};

static int run_validate(struct cli *cli, struct run_opts *o)
{
	struct target_opts *t = &o->target;
	int r;

	r = target_validate_command(cli, t);
	if (r)
		return r;
	r = inject_opts_validate(cli, &o->inject, true, false);
	if (r)
		return r;
	if (!t->have_count)
		t->count = 1;
	if (t->count > 1 && !o->have_every)
		return cli_fail(cli, EXIT_USAGE,
				"--count %zu needs --every; say how long to wait between injections",
				t->count);
	if (o->have_every && !t->have_count)
		return cli_fail(cli, EXIT_USAGE, "--every needs --count; say how many injections");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The command                                                              */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Exit status for a command that cannot be executed (execvp's errno). */
static int exec_status(int err, const char **hint)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ELOOP:
		*hint = "check the command's name (and PATH)";
		return EXIT_NOINPUT;
	case EACCES:
	case EPERM:
	case ENOEXEC:
		*hint = "give an executable file that you may run";
		return EXIT_NOPERM;
	default:
		*hint = cli_errno_hint(-err);
		return EXIT_SOFTWARE;
	}
}

/* Whether PATH is a file we may execute: 0, or a positive errno. */
static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return EACCES;
	return 0;
}

/*
 * Before anything is done: can the command be found and executed?  As
 * execvp(3) finds it: NAME itself if it has a '/', else in $PATH.
 */
static int check_command(struct cli *cli, const char *name)
{
	const char *dirs = getenv("PATH"), *p, *end, *hint;
	char path[HWPI_PATH_MAX];
	int err = ENOENT, e, status;

	if (strchr(name, '/')) {
		err = executable(name);
	} else if (*name) {
		if (!dirs)
			dirs = "/bin:/usr/bin";
		for (p = dirs; err; p = end + 1) {
			end = strchrnul(p, ':');
			/* an empty entry is the current directory */
			if (snprintf(path, sizeof(path), "%.*s%s%s", (int)(end - p), p,
				     end > p ? "/" : "", name) < (int)sizeof(path)) {
				e = executable(path);
				if (!e || e == EACCES)
					err = e;
			}
			if (!*end)
				break;
		}
	}
	if (!err)
		return 0;
	status = exec_status(err, &hint);
	return cli_fail(cli, status, "cannot run '%s': %s; %s", name, strerror(err), hint);
}

/*
 * Start the command with the signal mask OLD.  Returns once it has exec'd
 * (the close-on-exec pipe closed), or an exit status (error recorded) if
 * it could not be executed; then it has been reaped.
 */
static int spawn(struct cli *cli, char **argv, const sigset_t *old, pid_t *out)
{
	const char *hint;
	int fds[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return cli_fail(cli, EXIT_SOFTWARE, "cannot create a pipe: %s; %s", strerror(errno),
				cli_errno_hint(-errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return cli_fail(cli, EXIT_SOFTWARE, "cannot start '%s': fork: %s; %s", argv[0],
				strerror(err), cli_errno_hint(-err));
	}
	if (pid == 0) {
		close(fds[0]);
		sigprocmask(SIG_SETMASK, old, NULL);
		execvp(argv[0], argv);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	do
		n = read(fds[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == 0) {
		*out = pid;
		return 0;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(err))
		err = EIO;
	n = exec_status(err, &hint);
	return cli_fail(cli, (int)n, "cannot run '%s': %s; %s", argv[0], strerror(err), hint);
}

/*
 * Whether the command has ended; reaps it if it has.  ECHILD: the library
 * reaped it while holding it (the fate came with that injection's report).
 */
static bool command_ended(struct run_state *rs)
{
	siginfo_t si;
	int status;

	if (rs->ended)
		return true;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)rs->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == EINTR)
			return false;
		rs->ended = true;
		return true;
	}
	if (si.si_pid != rs->pid)
		return false;
	while (waitpid(rs->pid, &status, 0) < 0 && errno == EINTR)
		;
	rs->ended = true;
	if (WIFSIGNALED(status)) {
		rs->fate = HWPI_TARGET_KILLED;
		rs->fate_status = WTERMSIG(status);
	} else {
		rs->fate = HWPI_TARGET_EXITED;
		rs->fate_status = WEXITSTATUS(status);
	}
	return true;
}

/*
 * A stop signal for hwpinject: no more injections, and the command gets it
 * too -- unless it came from the terminal (SI_KERNEL), which sent it to the
 * whole foreground process group, the command included.
 */
static void pass_on(struct run_state *rs, int sig, const siginfo_t *si)
{
	rs->stop = true;
	if (si->si_code == SI_KERNEL)
		return;
	if (kill(rs->pid, sig) == 0)
		rs->forwarded = sig;
}

/*
 * Wait until DEADLINE (now_ms() time, or FOREVER) or the command's end,
 * passing stop signals on.  Returns true if the command has ended.
 */
static bool wait_until(struct run_state *rs, const sigset_t *set, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms(), ms;
		struct timespec ts;
		siginfo_t si;
		int sig;

		if (command_ended(rs))
			return true;
		if (now >= deadline)
			return false;
		ms = deadline - now < POLL_MS ? deadline - now : POLL_MS;
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		sig = sigtimedwait(set, &si, &ts);
		if (sig > 0 && sig != SIGCHLD)
			pass_on(rs, sig, &si);
	}
}

/* The command ended during a failed step: not hwpinject's failure. */
static bool ended_meanwhile(struct cli *cli, struct run_state *rs)
{
	if (!command_ended(rs))
		return false;
	cli->status = 0;
	cli->errmsg[0] = '\0';
	return true;
}

/* Inject the next page and report it.  Returns 0 or an exit status (error recorded). */
static int inject_next(struct cli *cli, const struct run_opts *o, struct run_state *rs)
{
	const struct inject_opts *io = &o->inject;
	struct hwpi_report rep;
	struct hwpi_target t;
	int r;

	r = target_pick(cli, &o->target, rs->used, rs->n, io->populate, &t);
	if (!r)
		r = inject_prepare_page(cli, io, &t);
	if (r)
		return ended_meanwhile(cli, rs) ? 0 : r;
	r = inject_page(cli, io, &t, io->have_watch ? io->watch_ms : 0, &rep);
	if (r < 0)
		return ended_meanwhile(cli, rs) ? 0 : inject_fail(cli, io, &t, r);
	rs->used[rs->n++] = t.vaddr;
	/* the library reaped the command while holding it: the report has its fate */
	if (rep.target_state == HWPI_TARGET_KILLED || rep.target_state == HWPI_TARGET_EXITED) {
		rs->fate = rep.target_state;
		rs->fate_status = rep.target_status;
	}
	if (!io->dry_run)
		inject_update_target_state(cli, rs->pid, &rep, 1);
	inject_print_report(cli, io, &rep, rs->n == 1);
	rs->outcome = hwpi_report_outcome(&rep);
	if (io->expect && !inject_expect_met(&rep, io->expect)) {
		rs->all_met = false;
		if (!rs->unmet)
			rs->unmet = rs->outcome;
	}
	return 0;
}

/* Inject as scheduled until done, a stop signal, the command's end or a failure. */
static int inject_scheduled(struct cli *cli, const struct run_opts *o, struct run_state *rs,
			    const sigset_t *set)
{
	uint64_t start = now_ms();
	size_t i;
	int r;

	for (i = 0; i < o->target.count; i++) {
		if (wait_until(rs, set, start + o->after_ms + i * o->every_ms) || rs->stop)
			return 0;
		r = inject_next(cli, o, rs);
		if (r || rs->ended)
			return r;
	}
	return 0;
}

static bool expectation_met(const struct run_opts *o, const struct run_state *rs)
{
	/* the command's death counts, also when it came after the injections */
	if (!strcmp(o->inject.expect, "killed") && rs->fate == HWPI_TARGET_KILLED)
		return true;
	return rs->n > 0 && rs->all_met;
}

static void print_fate(const struct cli *cli, const struct run_opts *o, const struct run_state *rs)
{
	const char *expect = o->inject.dry_run ? NULL : o->inject.expect;
	char buf[16];
	struct json j;
	int i;

	if (!cli->json) {
		if (cli->quiet)
			return;
		if (rs->n)
			putchar('\n');
		if (rs->fate == HWPI_TARGET_KILLED)
			cli_kv(stdout, "command", "killed by %s",
			       cli_signal_name(rs->fate_status, buf, sizeof(buf)));
		else if (rs->fate == HWPI_TARGET_EXITED)
			cli_kv(stdout, "command", "exited with status %d", rs->fate_status);
		else
			cli_kv(stdout, "command", "ended, its exit status unknown");
		if (expect)
			cli_kv(stdout, "expected", "%s (%s)", expect,
			       expectation_met(o, rs) ? "met" : "NOT met");
		return;
	}
	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "command");
	json_array_begin(&j);
	for (i = 0; i < o->argc; i++)
		json_string(&j, o->argv[i]);
	json_array_end(&j);
	json_kv_i64(&j, "pid", rs->pid);
	json_key(&j, "fate");
	json_object_begin(&j);
	json_kv_string(&j, "state", inject_target_state_name(rs->fate));
	if (rs->fate == HWPI_TARGET_KILLED)
		json_kv_string(&j, "signal", cli_signal_name(rs->fate_status, buf, sizeof(buf)));
	else if (rs->fate == HWPI_TARGET_EXITED)
		json_kv_i64(&j, "status", rs->fate_status);
	json_object_end(&j);
	json_kv_u64(&j, "injections", rs->n);
	json_kv_string(&j, "outcome", rs->outcome);
	json_kv_string(&j, "forwarded_signal",
		       rs->forwarded ? cli_signal_name(rs->forwarded, buf, sizeof(buf)) : NULL);
	if (o->inject.expect) {
		json_kv_string(&j, "expect", o->inject.expect);
		if (expect)
			json_kv_bool(&j, "expect_met", expectation_met(o, rs));
		else
			json_kv_null(&j, "expect_met");
	}
	json_object_end(&j);
	json_end_line(&j);
}

/* hwpinject's exit status once the command has ended. */
static int run_status(struct cli *cli, const struct run_opts *o, const struct run_state *rs)
{
	const char *name = o->argv[0];
	char buf[16];

	if (cli->status)
		return cli->status;	/* hwpinject itself failed */
	if (o->inject.expect && !o->inject.dry_run) {
		if (expectation_met(o, rs))
			return 0;
		if (!rs->n)
			return cli_fail(cli, EXIT_KERNEL,
					"expected %s, but '%s' ended before any injection; inject sooner (--after)",
					o->inject.expect, name);
		return cli_fail(cli, EXIT_KERNEL, "expected %s, got %s in '%s'; see the report",
				o->inject.expect, rs->unmet ? rs->unmet : rs->outcome, name);
	}
	switch (rs->fate) {
	case HWPI_TARGET_KILLED:
		return cli_fail(cli, 128 + rs->fate_status,
				"'%s' was killed by %s; its status is passed on as 128 + %d",
				name, cli_signal_name(rs->fate_status, buf, sizeof(buf)),
				rs->fate_status);
	case HWPI_TARGET_EXITED:
		if (!rs->fate_status)
			return 0;
		return cli_fail(cli, rs->fate_status,
				"'%s' exited with status %d; its status is passed on", name,
				rs->fate_status);
	default:
		return cli_fail(cli, EXIT_SOFTWARE,
				"the exit status of '%s' was lost; rerun with --verbose for details",
				name);
	}
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_opts o = { .cli = cli };
	struct run_state rs = { .all_met = true };
	sigset_t set, old;
	int r;

	o.target.cli = cli;
	o.target.allow_region = true;
	o.target.offer_populate = true;
	o.inject.cli = cli;
	r = cli_argp_parse(cli, &run_argp, argc, argv, ARGP_IN_ORDER, &o);
	if (r)
		return r;
	r = run_validate(cli, &o);
	if (r)
		return r;
	r = check_command(cli, o.argv[0]);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;
	/* find out before starting the command whether the injection can work */
	r = inject_check_method(cli, &o.inject);
	if (r)
		return r;
	r = inject_check_kill_policy(cli, &o.inject);
	if (r)
		return r;
	r = inject_journal_open(cli, &o.inject);
	if (r)
		return r;
	rs.used = calloc(o.target.count, sizeof(*rs.used));
	if (!rs.used) {
		inject_journal_close(&o.inject);
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; ask for fewer injections");
	}

	inject_stop_signals(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	r = spawn(cli, o.argv, &old, &rs.pid);
	if (r)
		goto out;
	o.target.have_pid = true;
	o.target.pid = rs.pid;

	r = inject_scheduled(cli, &o, &rs, &set);
	if (r && !command_ended(&rs)) {
		/* hwpinject failed: the command is not left behind */
		kill(rs.pid, SIGKILL);
	}
	wait_until(&rs, &set, FOREVER);
	print_fate(cli, &o, &rs);
	r = run_status(cli, &o, &rs);
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	inject_journal_close(&o.inject);
	free(rs.used);
	return r;
}
