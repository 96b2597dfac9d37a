/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hwpinject: inject memory errors (hwpoison) on Linux and report what the
 * kernel did.  This file parses the global options and dispatches to the
 * command; each command lives in its own cmd-*.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const struct cli_command commands[] = {
	{ "inject", "hwpinject inject", cmd_inject },
	{ "unpoison", "hwpinject unpoison", cmd_unpoison },
	{ "translate", "hwpinject translate", cmd_translate },
	{ "status", "hwpinject status", cmd_status },
	{ "run", "hwpinject run", cmd_run },
	{ "probe", "hwpinject probe", cmd_probe },
	{ "campaign", "hwpinject campaign", cmd_campaign },
};

const struct cli_command *cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

enum {
	OPT_LIST_CMDS = 0x100,
	OPT_LIST_METHODS,
};

struct main_opts {
	struct cli *cli;
	bool list_cmds;
	bool list_methods;
	int cmd_index;		/* argv index of the command name, 0 if none */
};

static error_t main_parse(int key, char *arg, struct argp_state *state)
{
	struct main_opts *o = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o->cli;
		break;
	case OPT_LIST_CMDS:
		o->list_cmds = true;
		break;
	case OPT_LIST_METHODS:
		o->list_methods = true;
		break;
	case ARGP_KEY_ARGS:
		/* The command and everything after it belong to the command. */
		o->cmd_index = state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_NO_ARGS:
		if (o->list_cmds || o->list_methods)
			break;
		cli_fail(o->cli, EXIT_USAGE,
			 "no command given; give one of inject, unpoison, translate, status, run, probe, campaign (see 'hwpinject --help')");
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option main_options[] = {
	{ "list-cmds", OPT_LIST_CMDS, NULL, 0, "Print the command names, one per line", 0 },
	{ "list-methods", OPT_LIST_METHODS, NULL, 0,
	  "Print the injection method names, one per line", 0 },
	{ 0 }
};

static const struct argp_child main_children[] = {
	{ &cli_global_argp, 0, "Global options:", 0 },
	{ 0 }
};

static const char main_doc[] =
	"Inject memory errors (hwpoison) on Linux and report what the kernel did."
	"\v"
	"Commands:\n"
	"  inject     inject an error into a page (or --count pages) and report\n"
	"  unpoison   undo the poisoning of a page\n"
	"  translate  pid + address (or a region) -> pfn, phys, page size, flags\n"
	"  status     what this kernel supports\n"
	"  run        start a command, inject into it, report, pass on its exit status\n"
	"  probe      this kernel's behaviour: page kinds x methods -> signals, fate\n"
	"  campaign   run the inject/unpoison/translate/status steps of a file\n"
	"\n"
	"'hwpinject COMMAND --help' shows the options of a command.\n"
	"Exit status: 0 done, 1 the kernel refused or the expectation was not met, "
	"64 usage, 65 bad data, 66 no such pid/file, 69 kernel lacks the feature, "
	"70 internal error, 77 not permitted.";

static const struct argp main_argp = {
	.options = main_options,
	.parser = main_parse,
	.args_doc = "COMMAND [OPTION...]",
	.doc = main_doc,
	.children = main_children,
};

static void reraise(int signo)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(signo, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct main_opts o = { .cli = &cli };
	const struct cli_command *cmd;
	const char *name;
	int status;
	size_t i;

	/* messages name the program "hwpinject", however it was called */
	if (argc < 1) {
		fprintf(stderr, "hwpinject: started without arguments; run it as 'hwpinject COMMAND'\n");
		return EXIT_USAGE;
	}
	argv[0] = (char *)"hwpinject";
	status = cli_argp_parse(&cli, &main_argp, argc, argv, ARGP_IN_ORDER, &o);
	if (status) {
		fprintf(stderr, "hwpinject: %s\n", cli.errmsg);
		return status;
	}

	if (o.list_cmds || o.list_methods) {
		for (i = 0; o.list_cmds && i < ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i].name);
		for (i = 0; o.list_methods && i < HWPI_METHOD_COUNT; i++)
			printf("%s\n", hwpi_method_name((enum hwpi_method)i));
		if (!fflush(stdout) && !ferror(stdout))
			return 0;
		fprintf(stderr, "hwpinject: cannot write to standard output: %s; check where the output goes\n",
			strerror(errno));
		return EXIT_SOFTWARE;
	}

	name = argv[o.cmd_index];
	cmd = cli_find_command(name);
	if (!cmd) {
		fprintf(stderr,
			"hwpinject: unknown command '%s'; give one of: inject, unpoison, translate, status, run, probe, campaign\n",
			name);
		return EXIT_USAGE;
	}

	argv[o.cmd_index] = (char *)cmd->argv0;
	status = cmd->fn(&cli, argc - o.cmd_index, argv + o.cmd_index);

	if (fflush(stdout) || ferror(stdout)) {
		cli_fail(&cli, EXIT_SOFTWARE,
			 "cannot write to standard output: %s; check where the output goes",
			 strerror(errno));
		if (!status)
			status = EXIT_SOFTWARE;
	}
	if (status)
		fprintf(stderr, "hwpinject: %s\n",
			cli.errmsg[0] ? cli.errmsg : "failed; rerun with --verbose for details");

	hwpi_ctx_free(cli.ctx);
	if (cli.reraise) {
		fflush(stderr);
		reraise(cli.reraise);
		return 128 + cli.reraise;
	}
	return status;
}
