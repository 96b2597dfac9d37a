/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What inject and run share: injection options, checks, one injection, the reports. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject-common.h"
#include "json.h"
#include "print.h"
#include "target.h"

enum {
	OPT_EARLY_KILL = 0x100,
	OPT_LATE_KILL,
	OPT_POPULATE,
	OPT_FORCE,
	OPT_NO_LOAD,
	OPT_DRY_RUN,
	OPT_NO_OBSERVE,
	OPT_JOURNAL,
};

static const char *const expectations[] = {
	"sigbus-ar", "sigbus-ao", "killed", "recovered", "ignored",
	"failed", "delayed", "migrated", "alive",
};

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

static error_t inject_opts_parse(int key, char *arg, struct argp_state *state)
{
	struct inject_opts *o = state->input;
	size_t i;
	int r;

	switch (key) {
	case 'm':
		if (hwpi_method_from_name(arg, &o->method) < 0) {
			cli_fail(o->cli, EXIT_USAGE,
				 "unknown method '%s'; give one of hwpoison, soft-offline, corrupt-pfn, soft-offline-page, hard-offline-page",
				 arg);
			return EINVAL;
		}
		o->have_method = true;
		break;
	case OPT_EARLY_KILL:
		o->early_kill = true;
		break;
	case OPT_LATE_KILL:
		o->late_kill = true;
		break;
	case 'w':
		r = hwpi_parse_duration_ms(arg, &o->watch_ms);
		if (r < 0) {
			cli_fail(o->cli, EXIT_DATAERR,
				 "--watch: '%s' is not a duration; give seconds, or a number with ms, s, m or h",
				 arg);
			return EINVAL;
		}
		o->have_watch = true;
		break;
	case 'e':
		for (i = 0; i < ARRAY_SIZE(expectations); i++)
			if (!strcmp(arg, expectations[i]))
				break;
		if (i == ARRAY_SIZE(expectations)) {
			cli_fail(o->cli, EXIT_USAGE,
				 "unknown outcome '%s' for --expect; give one of sigbus-ar, sigbus-ao, killed, recovered, ignored, failed, delayed, migrated, alive",
				 arg);
			return EINVAL;
		}
		o->expect = arg;
		break;
	case OPT_POPULATE:
		o->populate = true;
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case OPT_NO_LOAD:
		o->no_load = true;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_NO_OBSERVE:
		o->no_observe = true;
		break;
	case OPT_JOURNAL:
		if (!*arg) {
			cli_fail(o->cli, EXIT_USAGE, "--journal needs a file name; give --journal FILE");
			return EINVAL;
		}
		o->journal_path = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option inject_options[] = {
	{ "method", 'm', "METHOD", 0,
	  "hwpoison, soft-offline, corrupt-pfn, soft-offline-page or hard-offline-page "
	  "(default: hwpoison for a process, corrupt-pfn for --pfn, hard-offline-page for --phys)", 0 },
	{ "early-kill", OPT_EARLY_KILL, NULL, 0,
	  "Set vm.memory_failure_early_kill to 1 while injecting (restored after)", 0 },
	{ "late-kill", OPT_LATE_KILL, NULL, 0,
	  "Set vm.memory_failure_early_kill to 0 while injecting (restored after)", 0 },
	{ "watch", 'w', "SECONDS", 0, "Keep watching the target this long after injecting", 0 },
	{ "expect", 'e', "OUTCOME", 0,
	  "sigbus-ar, sigbus-ao, killed, recovered, ignored, failed, delayed, migrated or "
	  "alive; exit 1 if not met", 0 },
	{ "populate", OPT_POPULATE, NULL, 0,
	  "Fault the page in first (through /proc/PID/mem) if it is not present", 0 },
	{ "force", OPT_FORCE, NULL, 0,
	  "Allow pages that can take the machine down (reserved, slab, page tables, buddy, "
	  "zero page)", 0 },
	{ "no-load", OPT_NO_LOAD, NULL, 0, "Do not load hwpoison-inject or mount debugfs", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Resolve and check everything, inject nothing", 0 },
	{ "no-observe", OPT_NO_OBSERVE, NULL, 0,
	  "The fast path: report only the kernel's answer and the page's flags (no kernel "
	  "messages, tracepoints, counters or hold of the target)", 0 },
	{ "journal", OPT_JOURNAL, "FILE", 0,
	  "Record each page in FILE (on disk) before poisoning it, for "
	  "'hwpinject unpoison --journal FILE' after a crash", 0 },
	{ 0 }
};

const struct argp inject_opts_argp = {
	.options = inject_options,
	.parser = inject_opts_parse,
};

int inject_opts_validate(struct cli *cli, struct inject_opts *o, bool pid, bool have_pfn)
{
	if (o->early_kill && o->late_kill)
		return cli_fail(cli, EXIT_USAGE,
				"--early-kill and --late-kill exclude each other; give one of them");
	if (o->no_observe && (o->have_watch || o->expect))
		return cli_fail(cli, EXIT_USAGE,
				"--no-observe sees nothing to %s; drop --no-observe, or %s",
				o->have_watch ? "watch" : "judge",
				o->have_watch ? "--watch" : "--expect");
	if (!o->have_method)
		o->method = pid ? HWPI_METHOD_HWPOISON :
			    have_pfn ? HWPI_METHOD_CORRUPT_PFN :
						 HWPI_METHOD_HARD_OFFLINE_PAGE;
	if (hwpi_method_needs_vaddr(o->method) && !pid)
		return cli_fail(cli, EXIT_USAGE,
				"--method %s needs a --pid target (it runs madvise inside the process); give --pid with --addr or --region, or another method",
				hwpi_method_name(o->method));
	if (o->populate && !pid)
		return cli_fail(cli, EXIT_USAGE,
				"--populate needs a --pid target; it faults in a page of a process");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Checks before injecting                                                  */

int inject_journal_open(struct cli *cli, struct inject_opts *o)
{
	int r;

	if (!o->journal_path || o->dry_run)
		return 0;
	r = hwpi_journal_open(cli->ctx, o->journal_path, 0, &o->journal);
	if (r == -EPERM)
		return cli_lib_fail(cli, r, "give a regular file of yours, not writable by others "
				    "and not a symbolic link", "cannot use journal %s", o->journal_path);
	if (r == -EINVAL)
		return cli_lib_fail(cli, r, "give a new file or a journal that hwpinject wrote",
				    "cannot use journal %s", o->journal_path);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot open journal %s", o->journal_path);
	return 0;
}

void inject_journal_close(struct inject_opts *o)
{
	hwpi_journal_close(o->journal);
	o->journal = NULL;
}

int inject_check_method(struct cli *cli, const struct inject_opts *o)
{
	const char *name = hwpi_method_name(o->method);
	struct hwpi_method_status st;
	int r;

	r = hwpi_method_check(cli->ctx, o->method, o->no_load ? 0 : HWPI_CHECK_LOAD, &st);
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot find out whether %s is available", name);
	if (st.available)
		return 0;
	if (st.err == -EPERM || st.err == -EACCES)
		return cli_fail(cli, EXIT_NOPERM, "%s is not permitted: %s; %s", name, st.reason,
				cli_errno_hint(st.err));
	if (st.err == -ENODEV && o->no_load)
		return cli_fail(cli, EXIT_UNAVAIL, "%s is not available: %s; %s", name, st.reason,
				"drop --no-load, or mount debugfs and load hwpoison-inject yourself");
	return cli_fail(cli, EXIT_UNAVAIL, "%s is not available: %s; %s", name, st.reason,
			st.err == -ENODEV ? cli_errno_hint(-ENODEV) : cli_errno_hint(-ENOSYS));
}

int inject_check_pid(struct cli *cli, pid_t pid)
{
	if (pid == 1)
		return cli_fail(cli, EXIT_NOPERM,
				"refusing to inject into pid 1 (init): losing it takes the system down; target a test process");
	if (pid == getpid())
		return cli_fail(cli, EXIT_NOPERM,
				"refusing to inject into hwpinject itself (pid %d); target another process",
				(int)pid);
	return 0;
}

/* Private anonymous memory: a read fault would map the shared zero page. */
static bool needs_write_fault(const struct hwpi_target *t)
{
	switch (t->kind) {
	case HWPI_MAP_ANON:
	case HWPI_MAP_HEAP:
	case HWPI_MAP_STACK:
	case HWPI_MAP_THP:
		return t->map.perms[1] == 'w' && t->map.perms[3] == 'p';
	default:
		return false;
	}
}

/*
 * Fault the page of T in through /proc/PID/mem, as the process itself
 * would: a read for file and shared memory, a read and a write back of the
 * same byte for private anonymous memory (else the zero page gets mapped).
 * The write back races with a write by the target to that byte; the page
 * was not present, so the target was not using it.
 */
static int populate(struct cli *cli, const struct hwpi_target *t)
{
	bool write = needs_write_fault(t);
	char path[HWPI_PATH_MAX];
	unsigned char byte;
	int fd, r;

	r = cli_path(cli, path, sizeof(path), "/proc/%d/mem", (int)t->pid);
	if (r < 0)
		return cli_fail(cli, EXIT_SOFTWARE, "path of /proc/%d/mem too long; use a shorter HWPINJECT_ROOT",
				(int)t->pid);
	fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return cli_fail(cli, cli_exit_status(r), "cannot open %s to fault the page in: %s; %s",
				path, strerror(-r),
				r == -ENOENT ? cli_errno_hint(-ESRCH) : cli_errno_hint(r));
	}
	errno = 0;
	if (pread(fd, &byte, 1, (off_t)t->vaddr) != 1 ||
	    (write && pwrite(fd, &byte, 1, (off_t)t->vaddr) != 1)) {
		r = errno ? -errno : -EIO;
		close(fd);
		return cli_fail(cli, r == -EPERM || r == -EACCES ? EXIT_NOPERM : EXIT_DATAERR,
				"cannot fault in 0x%" PRIx64 " of process %d: %s; pick a page the process can access",
				t->vaddr, (int)t->pid, strerror(-r));
	}
	close(fd);
	return 0;
}

static int not_backed(struct cli *cli, const struct hwpi_target *t)
{
	return cli_fail(cli, EXIT_DATAERR,
			"0x%" PRIx64 " of process %d is not backed by a page (not present); add --populate or pick a present page",
			t->vaddr, (int)t->pid);
}

int inject_prepare_page(struct cli *cli, const struct inject_opts *o, struct hwpi_target *t)
{
	const char *why;
	int r, tries;

	if (t->pid && !t->present && o->populate) {
		r = populate(cli, t);
		if (r)
			return r;
		r = target_resolve_one(cli, t->pid, t->vaddr, t);
		if (r)
			return r;
	}
	if (!hwpi_method_needs_vaddr(o->method) && !t->have_pfn)
		return not_backed(cli, t);
	if (t->have_kpageflags && !o->force) {
		why = hwpi_page_unsafe_reason(t->kpageflags);
		/*
		 * A page a process maps is never one of these; it looks so when the
		 * process let it go (exit, exec, munmap) between the pagemap and the
		 * kpageflags reads: ask again, and say what became of the address.
		 */
		for (tries = 0; why && t->pid && t->have_vaddr && tries < 3; tries++) {
			struct hwpi_target again;

			r = target_resolve_one(cli, t->pid, t->vaddr, &again);
			if (r)
				return r;
			if (again.have_pfn == t->have_pfn && again.pfn == t->pfn &&
			    again.kpageflags == t->kpageflags)
				break;
			*t = again;
			why = t->have_kpageflags ? hwpi_page_unsafe_reason(t->kpageflags) : NULL;
		}
		if (why)
			return cli_fail(cli, EXIT_NOPERM,
					"refusing pfn 0x%" PRIx64 ": %s; poisoning it can crash the machine, add --force if you mean it",
					t->pfn, why);
		if (!hwpi_method_needs_vaddr(o->method) && !t->have_pfn)
			return not_backed(cli, t);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Kill policy and signals                                                  */

/*
 * The library sets vm.memory_failure_early_kill for each injection and
 * restores it; check here that it exists, for a clear message.
 */
int inject_check_kill_policy(struct cli *cli, const struct inject_opts *o)
{
	const char *name = hwpi_sysctl_name(HWPI_SYSCTL_EARLY_KILL);
	long val;
	int r;

	if (!o->early_kill && !o->late_kill)
		return 0;
	r = hwpi_sysctl_get(cli->ctx, HWPI_SYSCTL_EARLY_KILL, &val);
	if (r == -ENOENT)
		return cli_fail(cli, EXIT_UNAVAIL,
				"%s is absent: this kernel was built without CONFIG_MEMORY_FAILURE; %s",
				name, cli_errno_hint(-ENOSYS));
	if (r < 0)
		return cli_lib_fail(cli, r, NULL, "cannot read %s", name);
	return 0;
}

void inject_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

int inject_take_pending(const sigset_t *set)
{
	const struct timespec zero = { 0, 0 };
	int sig;

	do
		sig = sigtimedwait(set, NULL, &zero);
	while (sig < 0 && errno == EINTR);
	return sig > 0 ? sig : 0;
}

/* ------------------------------------------------------------------------ */
/* Report                                                                   */

const char *inject_target_state_name(enum hwpi_target_state s)
{
	switch (s) {
	case HWPI_TARGET_ALIVE:
		return "alive";
	case HWPI_TARGET_KILLED:
		return "killed";
	case HWPI_TARGET_EXITED:
		return "exited";
	case HWPI_TARGET_GONE:
		return "gone";
	default:
		return "unknown";
	}
}

static const char *when_name(enum hwpi_signal_when w)
{
	switch (w) {
	case HWPI_SIG_AT_INJECTION:
		return "injection";
	case HWPI_SIG_ON_ACCESS:
		return "access";
	default:
		return "later";
	}
}

/* si_code as a name, NULL if not known. */
static const char *code_name(const struct hwpi_signal *s)
{
	if (!s->have_code)
		return NULL;	/* only the kernel's message told of it */
	if (s->signo == SIGBUS)
		return hwpi_sigbus_code_name(s->code);
	switch (s->code) {
	case SI_USER:
		return "SI_USER";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TKILL:
		return "SI_TKILL";
	default:
		return NULL;
	}
}

static unsigned int n_signals(const struct hwpi_report *r)
{
	return r->n_signals < HWPI_MAX_SIGNALS ? r->n_signals : HWPI_MAX_SIGNALS;
}

static bool got_sigbus(const struct hwpi_report *r, const char *code)
{
	unsigned int i;

	for (i = 0; i < n_signals(r); i++) {
		const char *name = code_name(&r->signals[i]);

		if (r->signals[i].signo == SIGBUS && name && !strcmp(name, code))
			return true;
	}
	return false;
}

bool inject_expect_met(const struct hwpi_report *r, const char *expect)
{
	if (!strcmp(hwpi_report_outcome(r), expect))
		return true;
	if (!strcmp(expect, "alive"))
		return r->target_state == HWPI_TARGET_ALIVE;
	if (!strcmp(expect, "killed"))
		return r->target_state == HWPI_TARGET_KILLED;
	if (!strcmp(expect, "sigbus-ar"))
		return got_sigbus(r, "BUS_MCEERR_AR");
	if (!strcmp(expect, "sigbus-ao"))
		return got_sigbus(r, "BUS_MCEERR_AO");
	if (!strcmp(expect, "migrated"))
		return r->have_new_pfn;
	/* recovered, ignored, failed, delayed: the kernel's result */
	return r->result[0] && !strcasecmp(r->result, expect);
}

static void print_json(const struct hwpi_report *r, const struct inject_opts *o)
{
	char buf[16];
	struct json j;
	unsigned int i;

	json_init(&j, stdout);
	json_object_begin(&j);
	print_target_json(&j, &r->target);
	json_kv_string(&j, "method", hwpi_method_name(r->method));
	json_kv_bool(&j, "dry_run", o->dry_run);
	/* only when not: the default object keeps its keys */
	if (r->unobserved)
		json_kv_bool(&j, "observed", false);
	print_kernel_json(&j, r, true);

	json_key(&j, "signals");
	json_array_begin(&j);
	for (i = 0; i < n_signals(r); i++) {
		const struct hwpi_signal *s = &r->signals[i];

		json_object_begin(&j);
		json_kv_i64(&j, "pid", s->pid);
		if (s->tid)
			json_kv_i64(&j, "tid", s->tid);
		else
			json_kv_null(&j, "tid");
		json_kv_string(&j, "signal", cli_signal_name(s->signo, buf, sizeof(buf)));
		json_kv_string(&j, "code", code_name(s));
		if (s->have_addr) {
			json_kv_hex(&j, "addr", s->addr);
			json_kv_i64(&j, "addr_lsb", s->addr_lsb);
		} else {
			json_kv_null(&j, "addr");
			json_kv_null(&j, "addr_lsb");
		}
		json_kv_string(&j, "when", when_name(s->when));
		json_kv_string(&j, "source", hwpi_source_name(s->source));
		json_object_end(&j);
	}
	json_array_end(&j);

	json_key(&j, "target");
	json_object_begin(&j);
	json_kv_string(&j, "state", inject_target_state_name(r->target_state));
	if (r->target_state == HWPI_TARGET_KILLED)
		json_kv_string(&j, "signal", cli_signal_name(r->target_status, buf, sizeof(buf)));
	else if (r->target_state == HWPI_TARGET_EXITED)
		json_kv_i64(&j, "status", r->target_status);
	json_object_end(&j);

	print_poison_json(&j, r);
	if (r->have_new_pfn)
		json_kv_hex(&j, "new_pfn", r->new_pfn);
	json_kv_string(&j, "outcome", hwpi_report_outcome(r));
	if (o->expect) {
		json_kv_string(&j, "expect", o->expect);
		if (o->dry_run)
			json_kv_null(&j, "expect_met");
		else
			json_kv_bool(&j, "expect_met", inject_expect_met(r, o->expect));
	}
	json_object_end(&j);
	json_end_line(&j);
}

static void print_signals_text(const struct hwpi_report *r)
{
	char buf[16], addr[24], lsb[16];
	unsigned int i;

	if (!n_signals(r)) {
		cli_kv(stdout, "signals", "none seen");
		return;
	}
	printf("signals:\n");
	printf("  %-8s %-8s %-16s %-8s %-14s %-18s %-4s %s\n", "PID", "TID", "COMM", "SIGNAL",
	       "CODE", "ADDR", "LSB", "WHEN");
	for (i = 0; i < n_signals(r); i++) {
		const struct hwpi_signal *s = &r->signals[i];
		const char *code = code_name(s);
		char comm[sizeof(s->comm)];
		size_t k;

		/* comm is the process's own choice: keep it printable */
		memcpy(comm, s->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		for (k = 0; comm[k]; k++)
			if ((unsigned char)comm[k] < 0x20 || comm[k] == 0x7f || comm[k] == ' ')
				comm[k] = '?';
		if (s->have_addr) {
			snprintf(addr, sizeof(addr), "0x%" PRIx64, s->addr);
			snprintf(lsb, sizeof(lsb), "%d", s->addr_lsb);
		} else {
			snprintf(addr, sizeof(addr), "-");
			snprintf(lsb, sizeof(lsb), "-");
		}
		printf("  %-8d ", (int)s->pid);
		if (s->tid)
			printf("%-8d ", (int)s->tid);
		else
			printf("%-8s ", "-");
		printf("%-16s %-8s %-14s %-18s %-4s %s\n", comm[0] ? comm : "-",
		       cli_signal_name(s->signo, buf, sizeof(buf)), code ? code : "-", addr,
		       lsb, when_name(s->when));
	}
}

static void print_text(const struct hwpi_report *r, const struct inject_opts *o)
{
	char buf[16];

	print_target_text(stdout, &r->target);
	cli_kv(stdout, "method", "%s", hwpi_method_name(r->method));
	print_kernel_text(stdout, r, !o->dry_run && !r->unobserved, o->dry_run);
	if (o->dry_run) {
		cli_kv(stdout, "outcome", "dry-run (nothing injected)");
		return;
	}
	if (r->unobserved)
		cli_kv(stdout, "observed", "no (--no-observe): the kernel's answer and the "
		       "page's flags only");
	print_poison_text(stdout, r);
	if (r->have_new_pfn)
		cli_kv(stdout, "new pfn", "0x%" PRIx64 " (content moved there)", r->new_pfn);
	print_signals_text(r);
	switch (r->target.pid ? r->target_state : HWPI_TARGET_UNKNOWN) {
	case HWPI_TARGET_UNKNOWN:
		if (r->target.pid)
			cli_kv(stdout, "target", "unknown");
		break;
	case HWPI_TARGET_KILLED:
		cli_kv(stdout, "target", "killed by %s",
		       cli_signal_name(r->target_status, buf, sizeof(buf)));
		break;
	case HWPI_TARGET_EXITED:
		cli_kv(stdout, "target", "exited with status %d", r->target_status);
		break;
	default:
		cli_kv(stdout, "target", "%s", inject_target_state_name(r->target_state));
		break;
	}
	cli_kv(stdout, "outcome", "%s", hwpi_report_outcome(r));
	if (o->expect)
		cli_kv(stdout, "expected", "%s (%s)", o->expect,
		       inject_expect_met(r, o->expect) ? "met" : "NOT met");
}

int inject_judge(struct cli *cli, const struct inject_opts *o, const struct hwpi_report *r)
{
	const char *said = NULL;
	char where[64];

	if (o->dry_run)
		return 0;
	if (r->target.have_pfn)
		snprintf(where, sizeof(where), "pfn 0x%" PRIx64, r->target.pfn);
	else
		snprintf(where, sizeof(where), "0x%" PRIx64 " of process %d", r->target.vaddr,
			 (int)r->target.pid);
	if (r->err) {
		if (r->n_messages)
			said = r->messages[(r->n_messages < HWPI_MAX_MESSAGES ? r->n_messages :
					    HWPI_MAX_MESSAGES) - 1];
		cli_fail(cli, EXIT_KERNEL, "the kernel refused %s (%s): %s%s; %s%s", where,
			 hwpi_method_name(r->method), strerror(abs(r->err)),
			 r->already_poisoned ? " (the page was already poisoned)" : "",
			 said ? "it said: " : "try another page or --method",
			 said ? said : "");
		return EXIT_KERNEL;
	}
	if (o->expect && !inject_expect_met(r, o->expect))
		return cli_fail(cli, EXIT_KERNEL, "expected %s, got %s at %s; see the report",
				o->expect, hwpi_report_outcome(r), where);
	return 0;
}


void inject_print_report(const struct cli *cli, const struct inject_opts *o,
			 const struct hwpi_report *r, bool first)
{
	if (cli->json) {
		print_json(r, o);
	} else if (!cli->quiet) {
		if (!first)
			putchar('\n');
		print_text(r, o);
	}
}

/* ------------------------------------------------------------------------ */
/* Injecting                                                                */

void inject_lib_opts(const struct inject_opts *o, uint64_t watch_ms, struct hwpi_inject_opts *io)
{
	*io = (struct hwpi_inject_opts)HWPI_INJECT_OPTS_INIT;
	io->flags = (o->dry_run ? HWPI_INJECT_DRY_RUN : 0) | (o->force ? HWPI_INJECT_FORCE : 0) |
		    (o->no_load ? HWPI_INJECT_NO_LOAD : 0) |
		    (o->no_observe ? HWPI_INJECT_NO_OBSERVE : 0);
	io->early_kill = o->early_kill ? 1 : o->late_kill ? 0 : -1;
	io->watch_ms = watch_ms;
	io->journal = o->journal;
	/* io->observer NULL: the context's, kept for all pages (and campaign steps) */
}

int inject_page(struct cli *cli, const struct inject_opts *o, const struct hwpi_target *t,
		uint64_t watch_ms, struct hwpi_report *rep)
{
	struct hwpi_inject_opts io;
	const struct hwpi_target none = { 0 };
	int r;

	inject_lib_opts(o, watch_ms, &io);
	r = hwpi_inject(cli->ctx, t, o->method, &io, rep);
	if (r < 0)
		return r;
	/* the report names the page even if the library left it out */
	if (!memcmp(&rep->target, &none, sizeof(none)))
		rep->target = *t;
	rep->method = o->method;
	return 0;
}

int inject_fail(struct cli *cli, const struct inject_opts *o, const struct hwpi_target *t,
		int err)
{
	const char *hint = err == -EBUSY ?
		"another tracer (a debugger?) holds the process; detach it first" : NULL;

	if (t->have_pfn)
		return cli_lib_fail(cli, err, hint, "cannot inject pfn 0x%" PRIx64 " with %s", t->pfn,
				    hwpi_method_name(o->method));
	return cli_lib_fail(cli, err, hint, "cannot inject 0x%" PRIx64 " of process %d with %s",
			    t->vaddr, (int)t->pid, hwpi_method_name(o->method));
}

void inject_update_target_state(const struct cli *cli, pid_t pid, struct hwpi_report *rep,
				size_t n)
{
	enum hwpi_target_state st;
	int status;
	size_t i;

	if (!pid || !n)
		return;
	/* what the library saw stays, unless "gone" can be told apart: ask only then */
	for (i = 0; i < n; i++)
		if (rep[i].target_state == HWPI_TARGET_UNKNOWN ||
		    rep[i].target_state == HWPI_TARGET_GONE)
			break;
	if (i == n)
		return;
	st = hwpi_process_state(cli->ctx, pid, &status);
	if (st == HWPI_TARGET_UNKNOWN)
		return;
	for (i = 0; i < n; i++) {
		/* what the library saw stays, unless "gone" can be told apart */
		if (rep[i].target_state != HWPI_TARGET_UNKNOWN &&
		    !(rep[i].target_state == HWPI_TARGET_GONE &&
		      (st == HWPI_TARGET_KILLED || st == HWPI_TARGET_EXITED)))
			continue;
		rep[i].target_state = st;
		rep[i].target_status = status;
	}
}
