// SPDX-License-Identifier: LGPL-2.1-or-later
/* Turning a report into one outcome word. */
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#define BUS_MCEERR_AO 5
#endif

struct hwpi_signal *hwpi__report_add_siginfo(struct hwpi_report *r, pid_t pid, pid_t tid,
					     const char *comm, const siginfo_t *si,
					     enum hwpi_signal_when when)
{
	struct hwpi_signal *g;
	int sig = si->si_signo;

	if (!r || r->n_signals >= HWPI_MAX_SIGNALS)
		return NULL;
	g = &r->signals[r->n_signals++];
	memset(g, 0, sizeof(*g));
	g->pid = pid;
	g->tid = tid;
	g->signo = sig;
	g->have_code = true;
	g->code = si->si_code;
	g->when = when;
	g->source = HWPI_SOURCE_PTRACE;
	/* si_addr is meaningful only for faults raised by the kernel (si_code > 0) */
	if (si->si_code > 0 && (sig == SIGBUS || sig == SIGSEGV || sig == SIGILL ||
				sig == SIGFPE || sig == SIGTRAP)) {
		g->have_addr = true;
		g->addr = (uint64_t)(uintptr_t)si->si_addr;
		if (sig == SIGBUS && (si->si_code == BUS_MCEERR_AR || si->si_code == BUS_MCEERR_AO))
			g->addr_lsb = si->si_addr_lsb;
	}
	if (comm)
		snprintf(g->comm, sizeof(g->comm), "%s", comm);
	return g;
}

HWPI_EXPORT const char *hwpi_sigbus_code_name(int code)
{
	switch (code) {
	case BUS_ADRALN:
		return "BUS_ADRALN";
	case BUS_ADRERR:
		return "BUS_ADRERR";
	case BUS_OBJERR:
		return "BUS_OBJERR";
	case BUS_MCEERR_AR:
		return "BUS_MCEERR_AR";
	case BUS_MCEERR_AO:
		return "BUS_MCEERR_AO";
	default:
		return NULL;
	}
}

static const char *result_outcome(const char *result)
{
	static const char *const map[][2] = {
		{ "Recovered", "recovered" }, { "Ignored", "ignored" },
		{ "Failed", "failed" },	      { "Delayed", "delayed" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcasecmp(result, map[i][0]))
			return map[i][1];
	return NULL;
}

HWPI_EXPORT const char *hwpi_report_outcome(const struct hwpi_report *r)
{
	const char *res = result_outcome(r->result);
	unsigned int i;
	bool ar = false, ao = false;

	if (r->dry_run)
		return "dry-run";
	if (r->target_state == HWPI_TARGET_KILLED)
		return "killed";
	for (i = 0; i < r->n_signals; i++) {
		if (r->signals[i].signo == SIGKILL)
			return "killed";
		if (r->signals[i].signo != SIGBUS)
			continue;
		ar |= r->signals[i].code == BUS_MCEERR_AR;
		ao |= r->signals[i].code == BUS_MCEERR_AO;
	}
	if (ar)
		return "sigbus-ar";
	if (ao)
		return "sigbus-ao";
	if (r->err)
		return res ? res : "refused";
	if (hwpi_method_is_soft(r->method) && r->have_new_pfn)
		return "migrated";
	if (res)
		return res;
	/* not looked for: the kernel took the page, which is all that is known */
	return r->unobserved ? "injected" : "unknown";
}
