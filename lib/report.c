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
	return "unknown";
}
