/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hwpinject status: what this kernel supports. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "print.h"

enum {
	OPT_NO_LOAD = 0x100,
};

struct status_opts {
	struct cli *cli;
	bool no_load;
};

/* Everything status found out, gathered before printing. */
struct status_info {
	int release_err;
	char release[65];
	bool memory_failure;
	struct hwpi_method_status methods[HWPI_METHOD_COUNT];
	int sysctl_err[HWPI_SYSCTL_COUNT];
	long sysctl[HWPI_SYSCTL_COUNT];
	int hwcorrupted_err;
	uint64_t hwcorrupted_kb;
	int counters_err;
	struct hwpi_mf_counters counters;
};

static error_t status_parse(int key, char *arg, struct argp_state *state)
{
	struct status_opts *o = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o->cli;
		break;
	case OPT_NO_LOAD:
		o->no_load = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option status_options[] = {
	{ NULL, 0, NULL, 0, "Status:", 2 },
	{ "no-load", OPT_NO_LOAD, NULL, 0,
	  "Do not load hwpoison-inject or mount debugfs to find out", 0 },
	{ 0 }
};

static const struct argp_child status_children[] = {
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp status_argp = {
	.options = status_options,
	.parser = status_parse,
	.doc = "Show what this kernel supports: each injection method (available, or why "
	       "not), the memory-failure sysctls, the memory marked corrupted and the "
	       "kernel's memory-failure counters.",
	.children = status_children,
};

static void gather(struct cli *cli, const struct status_opts *o, struct status_info *s)
{
	unsigned int flags = o->no_load ? 0 : HWPI_CHECK_LOAD;
	size_t i;
	int r;

	s->release_err = hwpi_kernel_release(cli->ctx, s->release, sizeof(s->release));
	if (s->release_err < 0)
		s->release[0] = '\0';
	s->memory_failure = hwpi_kernel_has_memory_failure(cli->ctx);

	for (i = 0; i < HWPI_METHOD_COUNT; i++) {
		struct hwpi_method_status *st = &s->methods[i];

		r = hwpi_method_check(cli->ctx, (enum hwpi_method)i, flags, st);
		if (r < 0) {
			/* could not even find out: say why */
			memset(st, 0, sizeof(*st));
			st->err = r;
			snprintf(st->reason, sizeof(st->reason), "cannot check: %s",
				 hwpi_ctx_strerror(cli->ctx)[0] ? hwpi_ctx_strerror(cli->ctx) :
								  strerror(-r));
		}
	}
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++)
		s->sysctl_err[i] = hwpi_sysctl_get(cli->ctx, (enum hwpi_sysctl)i, &s->sysctl[i]);
	s->hwcorrupted_err = hwpi_hardware_corrupted_kb(cli->ctx, &s->hwcorrupted_kb);
	s->counters_err = hwpi_mf_counters(cli->ctx, &s->counters);
}

static void print_json(const struct status_info *s)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string_or_null(&j, "release", s->release);
	json_kv_bool(&j, "memory_failure", s->memory_failure);

	json_key(&j, "methods");
	json_object_begin(&j);
	for (i = 0; i < HWPI_METHOD_COUNT; i++) {
		const struct hwpi_method_status *st = &s->methods[i];

		json_key(&j, hwpi_method_name((enum hwpi_method)i));
		json_object_begin(&j);
		json_kv_bool(&j, "available", st->available);
		json_kv_string_or_null(&j, "reason", st->reason);
		json_kv_string_or_null(&j, "path", st->path);
		json_object_end(&j);
	}
	json_object_end(&j);

	json_key(&j, "sysctls");
	json_object_begin(&j);
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++) {
		json_key(&j, hwpi_sysctl_name((enum hwpi_sysctl)i));
		if (s->sysctl_err[i] < 0)
			json_null(&j);
		else
			json_i64(&j, s->sysctl[i]);
	}
	json_object_end(&j);

	if (s->hwcorrupted_err < 0)
		json_kv_null(&j, "hardware_corrupted_kb");
	else
		json_kv_u64(&j, "hardware_corrupted_kb", s->hwcorrupted_kb);

	if (s->counters_err < 0)
		json_kv_null(&j, "counters");
	else
		print_counters_json(&j, "counters", &s->counters);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_text(const struct status_info *s)
{
	size_t i, w = 0;

	if (s->memory_failure)
		cli_kv(stdout, "memory failure", "supported");
	else
		cli_kv(stdout, "memory failure",
		       "not supported by this kernel (built without CONFIG_MEMORY_FAILURE)");
	cli_kv(stdout, "kernel", "%s", s->release[0] ? s->release : "unknown");

	printf("methods:\n");
	for (i = 0; i < HWPI_METHOD_COUNT; i++) {
		const struct hwpi_method_status *st = &s->methods[i];

		printf("  %-18s %-4s ", hwpi_method_name((enum hwpi_method)i),
		       st->available ? "yes" : "no");
		if (st->available)
			cli_put_text(stdout, st->path[0] ? st->path : st->reason);
		else
			cli_put_text(stdout, st->reason[0] ? st->reason : "unavailable");
		putchar('\n');
	}

	printf("sysctls:\n");
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++)
		if (strlen(hwpi_sysctl_name((enum hwpi_sysctl)i)) > w)
			w = strlen(hwpi_sysctl_name((enum hwpi_sysctl)i));
	for (i = 0; i < HWPI_SYSCTL_COUNT; i++) {
		printf("  %-*s  ", (int)w, hwpi_sysctl_name((enum hwpi_sysctl)i));
		if (s->sysctl_err[i] == -ENOENT)
			printf("absent\n");
		else if (s->sysctl_err[i] < 0)
			printf("unreadable: %s\n", strerror(-s->sysctl_err[i]));
		else
			printf("%ld\n", s->sysctl[i]);
	}

	if (s->hwcorrupted_err == -ENOENT)
		cli_kv(stdout, "hw corrupted", "absent (no HardwareCorrupted in /proc/meminfo)");
	else if (s->hwcorrupted_err < 0)
		cli_kv(stdout, "hw corrupted", "unknown (%s)", strerror(-s->hwcorrupted_err));
	else
		cli_kv(stdout, "hw corrupted", "%" PRIu64 " kB (HardwareCorrupted)",
		       s->hwcorrupted_kb);

	if (s->counters_err == -ENOENT)
		cli_kv(stdout, "counters", "absent (per-node memory_failure counters: Linux 6.12+)");
	else if (s->counters_err < 0)
		cli_kv(stdout, "counters", "unreadable: %s", strerror(-s->counters_err));
	else
		cli_kv(stdout, "counters",
		       "total %" PRIu64 ", recovered %" PRIu64 ", delayed %" PRIu64
		       ", failed %" PRIu64 ", ignored %" PRIu64,
		       s->counters.total, s->counters.recovered, s->counters.delayed,
		       s->counters.failed, s->counters.ignored);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct status_opts o = { .cli = cli };
	struct status_info s;
	int r;

	r = cli_argp_parse(cli, &status_argp, argc, argv, 0, &o);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;

	memset(&s, 0, sizeof(s));
	gather(cli, &o, &s);
	if (cli->json)
		print_json(&s);
	else if (!cli->quiet)
		print_text(&s);
	return 0;
}
