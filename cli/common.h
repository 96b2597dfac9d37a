/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the hwpinject commands: errors, numbers, global options. */
#ifndef HWPINJECT_CLI_COMMON_H
#define HWPINJECT_CLI_COMMON_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <hwpinject.h>

/* sysexits(3) */
#define EXIT_KERNEL	1	/* the kernel refused/failed, or expectation not met */
#define EXIT_USAGE	64
#define EXIT_DATAERR	65
#define EXIT_NOINPUT	66
#define EXIT_UNAVAIL	69
#define EXIT_SOFTWARE	70
#define EXIT_NOPERM	77

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* State of one run of the program, passed to every command. */
struct cli {
	bool json;
	bool quiet;
	bool verbose;
	/*
	 * Created by cli_start(), or given (campaign steps share the first
	 * step's: its observer, opened once, serves every page and step).
	 */
	struct hwpi_ctx *ctx;

	/* The one line printed on stderr for a non-zero exit. */
	int status;
	char errmsg[1024];

	/* A blocked SIGINT/SIGTERM/... that arrived: re-raised after cleanup. */
	int reraise;

	/* Pages injected (not --dry-run) by inject, counted for campaign. */
	size_t injections;
};

/*
 * The global options (-j, -q, -v, --help, --usage, -V), a child of every
 * command's argp; its parser's input is a struct cli *.
 */
extern const struct argp cli_global_argp;

/*
 * argp_parse() with our help and error handling: returns 0, or the exit
 * status of a usage error (its one line recorded).
 */
int cli_argp_parse(struct cli *cli, const struct argp *argp, int argc, char **argv,
		   unsigned int flags, void *input);

/*
 * Record the error line "hwpinject: MSG" (only the first one counts; main()
 * prints it) and return STATUS, so that commands can `return cli_fail(...)`.
 */
int cli_fail(struct cli *cli, int status, const char *fmt, ...) CLI_PRINTF(3, 4);
/* STATUS is returned at the call site, where static analyzers (one file at a time) see it. */
#define cli_fail(cli, status, ...) \
	({ int cli__s = (status); (cli_fail)(cli, cli__s, __VA_ARGS__); cli__s; })

/*
 * Record "hwpinject: <library message>; <hint>" for the negative errno ERR
 * of a library call ("MSG: <strerror>; <hint>" when the library left no
 * message), and return the exit status it maps to.  HINT NULL picks a hint
 * from the errno.
 */
int cli_lib_fail(struct cli *cli, int err, const char *hint, const char *fmt, ...)
	CLI_PRINTF(4, 5);

/*
 * Exit status for a negative errno, per doc/cli-spec.md:
 * EINVAL/ERANGE/EFAULT 65, ESRCH/ENOENT 66, ENOSYS/ENODEV/EOPNOTSUPP 69,
 * EPERM/EACCES 77, anything else 70.
 */
int cli_exit_status(int err);
/* What to do about a negative errno, as a short imperative sentence. */
const char *cli_errno_hint(int err);

/*
 * Number parsing for option arguments.  On junk, record an exit-65 error
 * naming OPT and return EINVAL (to be returned by an argp parser).
 */
int cli_parse_u64(struct cli *cli, const char *opt, const char *arg, uint64_t *out);
int cli_parse_pid(struct cli *cli, const char *opt, const char *arg, pid_t *out);
int cli_parse_count(struct cli *cli, const char *opt, const char *arg, size_t max,
		    size_t *out);

/*
 * After option parsing: check the global options, create the library
 * context (HWPINJECT_ROOT, --verbose logging).  Returns 0 or an exit status
 * (error recorded).
 */
int cli_start(struct cli *cli);

/* PATH below the context's root ("/proc/42/stat" -> "ROOT/proc/42/stat"). */
int cli_path(const struct cli *cli, char *buf, size_t len, const char *fmt, ...)
	CLI_PRINTF(4, 5);

/* "SIGBUS", "SIGKILL", ... (or "SIG<n>" written to BUF). */
const char *cli_signal_name(int signo, char *buf, size_t len);

/*
 * Text output: "key:" padded to a fixed column, then the value and "\n"
 * (control characters in the value shown as '?').  KEY "" continues the
 * previous line's value on a new line.
 */
void cli_kv(FILE *f, const char *key, const char *fmt, ...) CLI_PRINTF(3, 4);
#define CLI_KEY_WIDTH 16
/* Write S with control characters replaced by '?' (for text output). */
void cli_put_text(FILE *f, const char *s);

/* Commands: each parses its own options and returns the exit status. */
int cmd_inject(struct cli *cli, int argc, char **argv);
int cmd_unpoison(struct cli *cli, int argc, char **argv);
int cmd_translate(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_probe(struct cli *cli, int argc, char **argv);
int cmd_campaign(struct cli *cli, int argc, char **argv);

/* The command table of main(), for campaign's steps. */
struct cli_command {
	const char *name;
	const char *argv0;	/* what argp shows in the command's messages */
	int (*fn)(struct cli *cli, int argc, char **argv);
};
/* The command NAME, or NULL. */
const struct cli_command *cli_find_command(const char *name);

#endif /* HWPINJECT_CLI_COMMON_H */
