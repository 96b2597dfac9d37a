/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hwpinject unpoison: undo the poisoning of a page. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "print.h"
#include "target.h"

enum {
	OPT_DRY_RUN = 0x100,
	OPT_NO_LOAD,
	OPT_JOURNAL,
};

struct unpoison_opts {
	struct cli *cli;
	struct target_opts target;
	bool dry_run;
	bool no_load;
	const char *journal;	/* --journal FILE */
};

static error_t unpoison_parse(int key, char *arg, struct argp_state *state)
{
	struct unpoison_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->target;
		state->child_inputs[1] = o->cli;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_NO_LOAD:
		o->no_load = true;
		break;
	case OPT_JOURNAL:
		if (!*arg) {
			cli_fail(o->cli, EXIT_USAGE, "--journal needs a file name; give --journal FILE");
			return EINVAL;
		}
		o->journal = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option unpoison_options[] = {
	{ NULL, 0, NULL, 0, "Unpoison:", 2 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Find the page and check, unpoison nothing", 0 },
	{ "no-load", OPT_NO_LOAD, NULL, 0, "Do not load hwpoison-inject or mount debugfs", 0 },
	{ "journal", OPT_JOURNAL, "FILE", 0,
	  "Undo everything the journal FILE (inject/run --journal) recorded: unpoison its pages, "
	  "restore its sysctls", 0 },
	{ 0 }
};

static const struct argp_child unpoison_children[] = {
	{ &target_argp_simple, 0, "Target:", 1 },
	{ &cli_global_argp, 0, "Global options:", 3 },
	{ 0 }
};

static const struct argp unpoison_argp = {
	.options = unpoison_options,
	.parser = unpoison_parse,
	.doc = "Undo the poisoning of a page through debugfs hwpoison/unpoison-pfn (module "
	       "hwpoison-inject).  The kernel refuses some pages, for example a page of a file "
	       "still in the page cache."
	       "\v"
	       "Targets: --pfn PFN | --pid PID --addr VADDR (the page the address maps, or the "
	       "poisoned page its pagemap entry names) | --journal FILE (every page a journal "
	       "recorded; exit 65 if it is corrupt, 66 if missing, 77 if unsafe to trust).",
	.children = unpoison_children,
};

/* The pfn of --pid/--addr: mapped, or named by a hwpoison pagemap entry. */
static int pfn_of_vaddr(struct cli *cli, const struct target_opts *o, uint64_t *pfn)
{
	struct hwpi_pagemap_entry e;
	struct hwpi_target t;
	int r;

	r = target_resolve_one(cli, o->pid, o->addr, &t);
	if (r)
		return r;
	if (t.have_pfn) {
		*pfn = t.pfn;
		return 0;
	}
	if (t.poisoned_entry) {
		hwpi_pagemap_decode(t.pagemap, &e);
		if (e.swapped) {
			*pfn = e.swap_offset;
			return 0;
		}
	}
	return cli_fail(cli, EXIT_DATAERR,
			"0x%" PRIx64 " in process %d maps no page and no poisoned page; nothing to unpoison there",
			o->addr, (int)o->pid);
}

static int check_available(struct cli *cli, bool no_load)
{
	struct hwpi_method_status st;
	int r;

	/* unpoison-pfn comes with corrupt-pfn (debugfs, module hwpoison-inject) */
	r = hwpi_method_check(cli->ctx, HWPI_METHOD_CORRUPT_PFN, no_load ? 0 : HWPI_CHECK_LOAD, &st);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot find out whether unpoison is available");
	if (st.available)
		return 0;
	if (st.err == -EPERM || st.err == -EACCES)
		return cli_fail(cli, EXIT_NOPERM, "unpoison is not permitted: %s; %s", st.reason,
				cli_errno_hint(st.err));
	return cli_fail(cli, EXIT_UNAVAIL, "unpoison is not available: %s; %s", st.reason,
			st.err == -ENODEV && no_load ? "drop --no-load, or mount debugfs and load hwpoison-inject yourself" :
			cli_errno_hint(st.err ? st.err : -ENOSYS));
}

/* Accepted writes count only if the page really lost HWPOISON (when that is known). */
static bool refused(const struct hwpi_report *r)
{
	return r->err || (r->poisoned_known && r->poisoned);
}

static const char *outcome(const struct hwpi_report *r, bool dry_run)
{
	if (dry_run)
		return "dry-run";
	return refused(r) ? "refused" : "unpoisoned";
}

/*
 * With --journal: a page that carried no HWPOISON before and after was
 * never poisoned (the writer died between its record and the injection);
 * the kernel answers EBUSY for it.
 */
static const char *journal_outcome(const struct hwpi_report *r, bool dry_run)
{
	if (!dry_run && r->err && r->poisoned_known && !r->poisoned && r->already_poisoned_known &&
	    !r->already_poisoned)
		return "not-poisoned";
	return outcome(r, dry_run);
}

static void print_json(const struct hwpi_report *r, uint64_t pfn, bool dry_run,
		       const char *word)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_hex(&j, "pfn", pfn);
	json_kv_string(&j, "method", "unpoison");
	json_kv_bool(&j, "dry_run", dry_run);
	print_kernel_json(&j, r, false);
	print_poison_json(&j, r);
	json_kv_string(&j, "outcome", word);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_text(const struct hwpi_report *r, uint64_t pfn, bool dry_run, const char *word)
{
	cli_kv(stdout, "pfn", "0x%" PRIx64, pfn);
	cli_kv(stdout, "method", "unpoison");
	print_kernel_text(stdout, r, false, dry_run);
	if (!dry_run)
		print_poison_text(stdout, r);
	cli_kv(stdout, "outcome", "%s", word);
}

/* ------------------------------------------------------------------------ */
/* --journal                                                                */

static int journal_fail(struct cli *cli, const char *path, int err)
{
	const char *msg = hwpi_ctx_strerror(cli->ctx);

	if (!msg || !*msg)
		msg = strerror(-err);
	switch (err) {
	case -ENOENT:
		return cli_fail(cli, EXIT_NOINPUT, "%s; give the file that inject or run --journal wrote",
				msg);
	case -EBADMSG:
	case -EFBIG:
		return cli_fail(cli, EXIT_DATAERR,
				"%s; %s is not an intact hwpinject journal, see hwpinject-journal(5)",
				msg, path);
	case -EPERM:
	case -EACCES:
		return cli_fail(cli, EXIT_NOPERM,
				"%s; refusing to trust it: give a regular file of yours, not writable by others and not a symbolic link",
				msg);
	case -EBUSY:
		return cli_fail(cli, EXIT_NOPERM,
				"%s; wait until the hwpinject that writes it has ended (or kill it)", msg);
	default:
		return cli_lib_fail(cli, err, NULL, "cannot use journal %s", path);
	}
}

struct journal_run {
	size_t unpoisoned, not_poisoned, n_refused, n_restored;
	uint64_t *refused;
	struct hwpi_journal_sysctl *restored;
};

static void print_journal_summary(const struct cli *cli, const struct unpoison_opts *o,
				  const struct hwpi_journal_contents *c, const struct journal_run *jr)
{
	char buf[1024];
	struct json j;
	size_t i, n;

	if (cli->json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "journal", o->journal);
		json_kv_bool(&j, "dry_run", o->dry_run);
		json_kv_u64(&j, "pages", c->n_pfns);
		json_kv_u64(&j, "unpoisoned", jr->unpoisoned);
		json_kv_u64(&j, "not_poisoned", jr->not_poisoned);
		json_key(&j, "refused");
		json_array_begin(&j);
		for (i = 0; i < jr->n_refused; i++)
			json_hex(&j, jr->refused[i]);
		json_array_end(&j);
		json_key(&j, "sysctls_restored");
		json_array_begin(&j);
		for (i = 0; i < jr->n_restored; i++) {
			json_object_begin(&j);
			json_kv_string(&j, "name", hwpi_sysctl_name(jr->restored[i].sysctl));
			json_kv_i64(&j, "value", jr->restored[i].value);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_kv_u64(&j, "unresolved", c->n_unknown);
		json_kv_bool(&j, "truncated", c->truncated);
		json_object_end(&j);
		json_end_line(&j);
		return;
	}
	if (cli->quiet)
		return;
	if (c->n_pfns)
		putchar('\n');
	cli_kv(stdout, "journal", "%s", o->journal);
	cli_kv(stdout, "pages", "%zu", c->n_pfns);
	cli_kv(stdout, "unpoisoned", "%zu%s", jr->unpoisoned, o->dry_run ? " (dry run)" : "");
	if (jr->not_poisoned)
		cli_kv(stdout, "not poisoned", "%zu (never poisoned: nothing to undo)",
		       jr->not_poisoned);
	for (i = 0, n = 0, buf[0] = '\0'; i < jr->n_refused && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s0x%" PRIx64, i ? " " : "",
				      jr->refused[i]);
	cli_kv(stdout, "refused", "%s", jr->n_refused ? buf : "none");
	for (i = 0, n = 0, buf[0] = '\0'; i < jr->n_restored && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s=%ld", i ? " " : "",
				      hwpi_sysctl_name(jr->restored[i].sysctl),
				      jr->restored[i].value);
	cli_kv(stdout, "sysctls restored", "%s", jr->n_restored ? buf : "none");
	if (c->n_unknown)
		cli_kv(stdout, "unresolved", "%zu injections whose pfn was never learnt", c->n_unknown);
	if (c->truncated)
		cli_kv(stdout, "truncated", "yes: the incomplete last record was ignored");
}

/* Unpoison PFN, record it in J; its outcome word. */
static const char *journal_page(struct cli *cli, const struct unpoison_opts *o,
				struct hwpi_journal *j, uint64_t pfn, struct hwpi_report *rep,
				bool first)
{
	const char *word;
	int r;

	if (o->dry_run) {
		memset(rep, 0, sizeof(*rep));
		hwpi_kernel_release(cli->ctx, rep->release, sizeof(rep->release));
	} else {
		r = hwpi_unpoison(cli->ctx, pfn, rep);
		if (r < 0)	/* could not even be tried (pfn beyond the end ...) */
			rep->err = -r;
		if (j && hwpi_journal_record_unpoison(j, pfn, rep) < 0 && cli->verbose)
			fprintf(stderr, "hwpinject: warning: %s\n", hwpi_ctx_strerror(cli->ctx));
	}
	word = journal_outcome(rep, o->dry_run);
	if (cli->json) {
		print_json(rep, pfn, o->dry_run, word);
	} else if (!cli->quiet) {
		if (!first)
			putchar('\n');
		print_text(rep, pfn, o->dry_run, word);
	}
	return word;
}

static int unpoison_journal(struct cli *cli, const struct unpoison_opts *o)
{
	struct hwpi_journal_contents c;
	struct journal_run jr = { 0 };
	struct hwpi_journal *j = NULL;
	struct hwpi_report *rep = NULL;
	int r, sysctl_err = 0;
	char buf[256], corrupt[512] = "";
	size_t i, n;

	r = hwpi_journal_read(cli->ctx, o->journal, &c);
	/* a malformed record: undo what the lines before it record, then exit 65 */
	if (r == -EBADMSG && (c.n_pfns || c.n_sysctls)) {
		snprintf(corrupt, sizeof(corrupt), "%s", hwpi_ctx_strerror(cli->ctx));
	} else if (r < 0) {
		hwpi_journal_contents_free(&c);
		return journal_fail(cli, o->journal, r);
	}
	if (c.n_pfns) {
		r = check_available(cli, o->no_load);
		if (r)
			goto out;
	}
	if (!o->dry_run) {
		/* what is undone goes into the journal too: a second run has less to do */
		r = hwpi_journal_open(cli->ctx, o->journal, 0, &j);
		if (r < 0) {
			r = journal_fail(cli, o->journal, r);
			goto out;
		}
	}
	rep = calloc(1, sizeof(*rep));
	jr.refused = calloc(c.n_pfns + 1, sizeof(*jr.refused));
	jr.restored = calloc(c.n_sysctls + 1, sizeof(*jr.restored));
	if (!rep || !jr.refused || !jr.restored) {
		r = cli_fail(cli, EXIT_SOFTWARE, "out of memory; try again");
		goto out;
	}
	for (i = 0; i < c.n_pfns; i++) {
		const char *word = journal_page(cli, o, j, c.pfns[i], rep, i == 0);

		if (!strcmp(word, "refused"))
			jr.refused[jr.n_refused++] = c.pfns[i];
		else if (!strcmp(word, "not-poisoned"))
			jr.not_poisoned++;
		else if (!o->dry_run)
			jr.unpoisoned++;
	}
	for (i = 0; i < c.n_sysctls && !o->dry_run; i++) {
		const struct hwpi_journal_sysctl *s = &c.sysctls[i];

		r = hwpi_sysctl_set(cli->ctx, s->sysctl, s->value);
		if (r < 0) {
			if (!sysctl_err)
				cli_lib_fail(cli, r, NULL, "cannot restore %s=%ld",
					     hwpi_sysctl_name(s->sysctl), s->value);
			sysctl_err = r;
			continue;
		}
		jr.restored[jr.n_restored++] = *s;
		hwpi_journal_record_sysctl(j, s->sysctl, s->value, true);
	}
	print_journal_summary(cli, o, &c, &jr);
	r = cli->status;
	if (!r && corrupt[0])
		r = cli_fail(cli, EXIT_DATAERR,
			     "%s; the %zu pages and %zu sysctls recorded before that line were %s, the rest of %s is not an intact hwpinject journal (see hwpinject-journal(5)): undo what it names by hand",
			     corrupt, c.n_pfns, c.n_sysctls, o->dry_run ? "listed" : "undone",
			     o->journal);
	if (!r && jr.n_refused) {
		for (i = 0, n = 0, buf[0] = '\0'; i < jr.n_refused && i < 8; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s0x%" PRIx64, i ? ", " : "",
					      jr.refused[i]);
		r = cli_fail(cli, EXIT_KERNEL,
			     "the kernel kept %zu of %zu pages of journal %s poisoned (%s%s); it refuses pages still in use, e.g. a file page in the page cache: see the reports",
			     jr.n_refused, c.n_pfns, o->journal, buf, jr.n_refused > 8 ? ", ..." : "");
	}
out:
	hwpi_journal_close(j);
	hwpi_journal_contents_free(&c);
	free(jr.refused);
	free(jr.restored);
	free(rep);
	return r;
}

int cmd_unpoison(struct cli *cli, int argc, char **argv)
{
	struct unpoison_opts o = { .cli = cli };
	struct hwpi_report *rep;
	uint64_t pfn;
	int r;

	o.target.cli = cli;
	r = cli_argp_parse(cli, &unpoison_argp, argc, argv, 0, &o);
	if (r)
		return r;
	if (o.journal) {
		if (o.target.have_pid || o.target.have_addr || o.target.have_pfn ||
		    o.target.have_phys)
			return cli_fail(cli, EXIT_USAGE,
					"--journal names the pages itself; give it without --pfn, --pid or --addr");
		r = cli_start(cli);
		return r ? r : unpoison_journal(cli, &o);
	}
	r = target_validate(cli, &o.target);
	if (r)
		return r;
	r = cli_start(cli);
	if (r)
		return r;

	r = check_available(cli, o.no_load);
	if (r)
		return r;
	if (o.target.have_pfn) {
		pfn = o.target.pfn;
	} else {
		r = pfn_of_vaddr(cli, &o.target, &pfn);
		if (r)
			return r;
	}

	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return cli_fail(cli, EXIT_SOFTWARE, "out of memory; try again");

	if (o.dry_run) {
		hwpi_kernel_release(cli->ctx, rep->release, sizeof(rep->release));
	} else {
		r = hwpi_unpoison(cli->ctx, pfn, rep);
		if (r < 0) {
			r = cli_lib_fail(cli, r, NULL, "cannot unpoison pfn 0x%" PRIx64, pfn);
			goto out;
		}
	}

	if (cli->json)
		print_json(rep, pfn, o.dry_run, outcome(rep, o.dry_run));
	else if (!cli->quiet)
		print_text(rep, pfn, o.dry_run, outcome(rep, o.dry_run));

	r = 0;
	if (!o.dry_run && refused(rep) && !rep->err) {
		r = cli_fail(cli, EXIT_KERNEL, "pfn 0x%" PRIx64 " still carries HWPOISON after "
			     "unpoison-pfn accepted it; the kernel keeps pages it cannot take back",
			     pfn);
	} else if (!o.dry_run && rep->err) {
		const char *said = rep->n_messages ?
			rep->messages[rep->n_messages > HWPI_MAX_MESSAGES ?
				      HWPI_MAX_MESSAGES - 1 : rep->n_messages - 1] : NULL;

		r = cli_fail(cli, EXIT_KERNEL, "the kernel refused to unpoison pfn 0x%" PRIx64
			     ": %s; %s%s", pfn, strerror(abs(rep->err)),
			     said ? "it said: " : "the page may still be in use (a file page in the page cache is refused)",
			     said ? said : "");
	}
out:
	free(rep);
	return r;
}
