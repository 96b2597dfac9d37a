/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hwpinject translate: pid + vaddr (or a region) -> pfn, phys, page size, flags. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "print.h"
#include "target.h"

struct translate_opts {
	struct cli *cli;
	struct target_opts target;
};

static error_t translate_parse(int key, char *arg, struct argp_state *state)
{
	struct translate_opts *o = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->target;
		state->child_inputs[1] = o->cli;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child translate_children[] = {
	{ &target_argp, 0, "Target:", 1 },
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp translate_argp = {
	.parser = translate_parse,
	.doc = "Translate a process and virtual address (or pages of a region) to page frame "
	       "number, physical address, page size, mapping kind and page flags; or show the "
	       "page flags of a page frame number or physical address."
	       "\v"
	       "Targets: --pid PID --addr VADDR | --pid PID --region SPEC [--count N] "
	       "[--offset BYTES | --random [--seed N]] | --pfn PFN | --phys ADDR.",
	.children = translate_children,
};

/* The page carries HWPOISON: 1 yes, 0 no, -1 unknown. */
static int hwpoisoned(const struct hwpi_target *t)
{
	if (t->poisoned_entry)
		return 1;
	if (!t->have_kpageflags)
		return -1;
	return !!(t->kpageflags & (1ULL << HWPI_KPF_HWPOISON));
}

static void print_json(const struct hwpi_target *t)
{
	bool vaddr = t->pid && t->have_vaddr;
	struct json j;
	unsigned int bit;
	int hwp = hwpoisoned(t);

	json_init(&j, stdout);
	json_object_begin(&j);
	print_target_json(&j, t);
	json_kv_string_or_null(&j, "perms", vaddr ? t->map.perms : NULL);
	if (vaddr)
		json_kv_bool(&j, "present", t->present);
	else
		json_kv_null(&j, "present");
	json_key(&j, "kpageflags");
	if (t->have_kpageflags) {
		json_array_begin(&j);
		for (bit = 0; bit < 64; bit++) {
			const char *name = hwpi_kpageflag_name(bit);

			if ((t->kpageflags & (1ULL << bit)) && name)
				json_string(&j, name);
		}
		json_array_end(&j);
		json_kv_hex(&j, "kpageflags_raw", t->kpageflags);
	} else {
		json_null(&j);
		json_kv_null(&j, "kpageflags_raw");
	}
	json_key(&j, "hwpoison");
	if (hwp < 0)
		json_null(&j);
	else
		json_bool(&j, hwp);
	json_object_end(&j);
	json_end_record(&j);	/* flushed a chunk at a time */
}

static void print_text(const struct hwpi_target *t)
{
	char flags[1024];
	size_t len = 0;
	unsigned int bit;
	int hwp = hwpoisoned(t);

	print_target_text(stdout, t);
	if (t->pid && t->have_vaddr)
		cli_kv(stdout, "present", "%s", t->present ? "yes" : "no");
	if (t->have_kpageflags) {
		flags[0] = '\0';
		for (bit = 0; bit < 64; bit++) {
			const char *name = hwpi_kpageflag_name(bit);
			int w;

			if (!(t->kpageflags & (1ULL << bit)))
				continue;
			if (name)
				w = snprintf(flags + len, sizeof(flags) - len, " %s", name);
			else
				w = snprintf(flags + len, sizeof(flags) - len, " bit%u", bit);
			if (w < 0 || (size_t)w >= sizeof(flags) - len)
				break;
			len += (size_t)w;
		}
		cli_kv(stdout, "kpageflags", "0x%" PRIx64 "%s", t->kpageflags, flags);
	} else {
		cli_kv(stdout, "kpageflags", "unknown");
	}
	cli_kv(stdout, "hwpoison", "%s", hwp < 0 ? "unknown" : hwp ? "yes" : "no");
}

int cmd_translate(struct cli *cli, int argc, char **argv)
{
	struct translate_opts o = { .cli = cli };
	struct hwpi_target *t = NULL;
	struct target_iter it;
	size_t i, n = 0, done = 0;
	int r;

	o.target.cli = cli;
	o.target.allow_region = true;
	r = cli_argp_parse(cli, &translate_argp, argc, argv, 0, &o);
	if (r)
		return r;
	r = target_validate(cli, &o.target);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;

	/* a region is resolved and printed a chunk at a time: any size in little memory */
	r = target_iter_begin(cli, &o.target, false, &it);
	while (!r && !(r = target_iter_next(cli, &it, &t, &n)) && n) {
		for (i = 0; i < n; i++, done++) {
			if (cli->json) {
				print_json(&t[i]);
			} else if (!cli->quiet) {
				if (done)
					putchar('\n');
				print_text(&t[i]);
			}
		}
		fflush(stdout);
	}
	target_iter_end(&it);
	return r;
}
