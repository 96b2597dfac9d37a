/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the hwpinject commands. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common.h"

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

/* Make MSG one printable line. */
static void one_line(char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = ' ';
}

static void cli_vfail(struct cli *cli, int status, const char *fmt, va_list ap)
	CLI_PRINTF(3, 0);
static void cli_vfail(struct cli *cli, int status, const char *fmt, va_list ap)
{
	if (cli->status)
		return;		/* the first error is the one that counts */
	cli->status = status;
	vsnprintf(cli->errmsg, sizeof(cli->errmsg), fmt, ap);
	one_line(cli->errmsg);
}

int (cli_fail)(struct cli *cli, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vfail(cli, status, fmt, ap);
	va_end(ap);
	return status;
}

int cli_exit_status(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -EINVAL:
	case -ERANGE:
	case -EFAULT:
		return EXIT_DATAERR;
	case -ESRCH:
	case -ENOENT:
		return EXIT_NOINPUT;
	case -ENOSYS:
	case -ENODEV:
	case -EOPNOTSUPP:
		return EXIT_UNAVAIL;
	case -EPERM:
	case -EACCES:
	case -EBUSY:	/* the target is traced by someone else */
		return EXIT_NOPERM;
	default:
		return EXIT_SOFTWARE;
	}
}

const char *cli_errno_hint(int err)
{
	switch (err) {
	case -EINVAL:
	case -ERANGE:
		return "check the value given";
	case -EFAULT:
		return "pick an address that is mapped (see /proc/PID/maps or 'hwpinject translate')";
	case -ESRCH:
		return "check that the process is running";
	case -ENOENT:
		return "check the name given";
	case -ENOSYS:
		return "run on a kernel with memory failure support (CONFIG_MEMORY_FAILURE), for example in a VM";
	case -ENODEV:
		return "mount debugfs on /sys/kernel/debug and load hwpoison-inject (modprobe hwpoison-inject)";
	case -EOPNOTSUPP:
		return "this kernel does not support it; see 'hwpinject status'";
	case -EPERM:
	case -EACCES:
		return "run as root (needs CAP_SYS_ADMIN)";
	default:
		return "rerun with --verbose for details";
	}
}

int cli_lib_fail(struct cli *cli, int err, const char *hint, const char *fmt, ...)
{
	const char *libmsg = cli->ctx ? hwpi_ctx_strerror(cli->ctx) : "";
	char what[512];
	va_list ap;
	int status = cli_exit_status(err);

	if (!hint)
		hint = cli_errno_hint(err);
	/* the library's message says what and where; else say it here */
	if (libmsg && *libmsg)
		return cli_fail(cli, status, "%s; %s", libmsg, hint);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return cli_fail(cli, status, "%s: %s; %s", what, strerror(-err), hint);
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                  */

int cli_parse_u64(struct cli *cli, const char *opt, const char *arg, uint64_t *out)
{
	int r = hwpi_parse_u64(arg, out);

	if (r == -ERANGE) {
		cli_fail(cli, EXIT_DATAERR, "%s: '%s' is too large; give a 64-bit number", opt,
			 arg);
		return EINVAL;
	}
	if (r < 0) {
		cli_fail(cli, EXIT_DATAERR,
			 "%s: '%s' is not a number; give a decimal or 0x-hex number", opt, arg);
		return EINVAL;
	}
	return 0;
}

int cli_parse_pid(struct cli *cli, const char *opt, const char *arg, pid_t *out)
{
	uint64_t v;
	int r;

	r = cli_parse_u64(cli, opt, arg, &v);
	if (r)
		return r;
	if (v == 0 || v > INT_MAX) {
		cli_fail(cli, EXIT_DATAERR, "%s: %s is not a valid process id; give a pid > 0", opt,
			 arg);
		return EINVAL;
	}
	*out = (pid_t)v;
	return 0;
}

int cli_parse_count(struct cli *cli, const char *opt, const char *arg, size_t max,
		    size_t *out)
{
	uint64_t v;
	int r;

	r = cli_parse_u64(cli, opt, arg, &v);
	if (r)
		return r;
	if (v == 0 || v > max) {
		cli_fail(cli, EXIT_DATAERR, "%s: %s is out of range; give 1 to %zu", opt, arg, max);
		return EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Global options and the library context                                  */

#ifndef HWPINJECT_VERSION
#define HWPINJECT_VERSION "0.0.0"
#endif

enum {
	OPT_USAGE = 0x1000,
};

/*
 * argp runs with ARGP_NO_HELP | ARGP_NO_ERRS everywhere: help, usage and
 * version are ours, and so is the one-line message of a usage error (argp's
 * own "Try ..." line wraps for long command names).
 */
static error_t global_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *cli = state->input;

	switch (key) {
	case 'j':
		cli->json = true;
		break;
	case 'q':
		cli->quiet = true;
		break;
	case 'v':
		cli->verbose = true;
		break;
	case '?':
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, state->name);
		exit(fflush(stdout) ? EXIT_SOFTWARE : 0);
	case OPT_USAGE:
		argp_help(state->root_argp, stdout, ARGP_HELP_USAGE, state->name);
		exit(fflush(stdout) ? EXIT_SOFTWARE : 0);
	case 'V':
		printf("hwpinject %s (libhwpinject %s)\n", HWPINJECT_VERSION, hwpi_version());
		exit(fflush(stdout) ? EXIT_SOFTWARE : 0);
	case ARGP_KEY_ARG:
		cli_fail(cli, EXIT_USAGE, "unexpected argument '%s'; see '%s --help'", arg,
			 state->name);
		return EINVAL;
	case ARGP_KEY_ERROR:
		/* an unknown option, or one without its argument (else recorded) */
		if (state->next > 0 && state->next <= state->argc)
			cli_fail(cli, EXIT_USAGE,
				 "bad option '%s' (unknown, or its argument is missing); see '%s --help'",
				 state->argv[state->next - 1], state->name);
		else
			cli_fail(cli, EXIT_USAGE, "bad usage; see '%s --help'", state->name);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option global_options[] = {
	{ "json", 'j', NULL, 0, "Print results as JSON, one object per line", 0 },
	{ "quiet", 'q', NULL, 0, "Print no text results (errors and JSON still)", 0 },
	{ "verbose", 'v', NULL, 0, "Print the library's debug messages on stderr", 0 },
	{ "help", '?', NULL, 0, "Give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "Print program version", -1 },
	{ 0 }
};

const struct argp cli_global_argp = {
	.options = global_options,
	.parser = global_parse,
};

int cli_argp_parse(struct cli *cli, const struct argp *argp, int argc, char **argv,
		   unsigned int flags, void *input)
{
	int r;

	r = argp_parse(argp, argc, argv, flags | ARGP_NO_HELP | ARGP_NO_ERRS, NULL, input);
	if (!r)
		return 0;
	if (!cli->status)
		cli_fail(cli, EXIT_USAGE, "bad usage; see '%s --help'", argv[0]);
	return cli->status;
}

static void log_stderr(void *userdata, int priority, const char *msg)
{
	const char *what = "debug";

	(void)userdata;
	if (priority <= LOG_WARNING)
		what = "warning";
	else if (priority <= LOG_INFO)
		what = "info";
	fprintf(stderr, "hwpinject: %s: %s\n", what, msg);
}

int cli_start(struct cli *cli)
{
	const char *root;
	int r;

	if (cli->quiet && cli->verbose)
		return cli_fail(cli, EXIT_USAGE,
				"--quiet and --verbose exclude each other; give one of them");

	/* a campaign step runs in the campaign's context */
	if (cli->ctx) {
		hwpi_ctx_set_log(cli->ctx, cli->verbose ? log_stderr : NULL, NULL,
				 cli->verbose ? LOG_DEBUG : LOG_ERR);
		return 0;
	}
	r = hwpi_ctx_new(&cli->ctx);
	if (r < 0)
		return cli_fail(cli, EXIT_SOFTWARE, "cannot create the library context: %s; %s",
				strerror(-r), cli_errno_hint(r));
	if (cli->verbose)
		hwpi_ctx_set_log(cli->ctx, log_stderr, NULL, LOG_DEBUG);

	/* Test-only: a fake /proc, /sys, /dev tree.  Ignored for setuid runs. */
	root = secure_getenv("HWPINJECT_ROOT");
	if (root && *root) {
		r = hwpi_ctx_set_root(cli->ctx, root);
		if (r < 0)
			return cli_fail(cli, EXIT_USAGE,
					"HWPINJECT_ROOT='%s' cannot be used: %s; unset it or give an absolute directory",
					root, strerror(-r));
	}
	return 0;
}

int cli_path(const struct cli *cli, char *buf, size_t len, const char *fmt, ...)
{
	const char *root = cli->ctx ? hwpi_ctx_get_root(cli->ctx) : NULL;
	size_t rl;
	va_list ap;
	int n;

	if (!root || !strcmp(root, "/"))
		root = "";
	rl = strlen(root);
	if (rl && root[rl - 1] == '/')
		rl--;
	n = snprintf(buf, len, "%.*s", (int)rl, root);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - rl)
		return -ENAMETOOLONG;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Text output                                                              */

const char *cli_signal_name(int signo, char *buf, size_t len)
{
	static const struct {
		int signo;
		const char *name;
	} names[] = {
		{ SIGHUP, "SIGHUP" },	{ SIGINT, "SIGINT" },	{ SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" },	{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" },	{ SIGFPE, "SIGFPE" },	{ SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
		{ SIGSYS, "SIGSYS" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].signo == signo)
			return names[i].name;
	snprintf(buf, len, "SIG%d", signo);
	return buf;
}

void cli_put_text(FILE *f, const char *s)
{
	for (; *s; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

void cli_kv(FILE *f, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (!*key)	/* a continuation line */
		fprintf(f, "%*s", CLI_KEY_WIDTH, "");
	else
		fprintf(f, "%s:%*s", key, (int)(strlen(key) + 1 < CLI_KEY_WIDTH ?
						 CLI_KEY_WIDTH - strlen(key) - 1 : 1), "");
	cli_put_text(f, value);
	putc('\n', f);
}
