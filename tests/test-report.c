// SPDX-License-Identifier: LGPL-2.1-or-later
/* The outcome word of a report, and SIGBUS code names. */
#include <signal.h>

#include "testing.h"

static struct hwpi_report rep(enum hwpi_method m)
{
	struct hwpi_report r;

	memset(&r, 0, sizeof(r));
	r.method = m;
	return r;
}

static void add_signal(struct hwpi_report *r, int signo, int code)
{
	r->signals[r->n_signals].signo = signo;
	r->signals[r->n_signals].code = code;
	r->n_signals++;
}

static void test_outcome(void)
{
	struct hwpi_report r;

	r = rep(HWPI_METHOD_HWPOISON);
	CHECK_STR(hwpi_report_outcome(&r), "unknown");

	r.dry_run = true;
	add_signal(&r, SIGBUS, 4);
	CHECK_STR(hwpi_report_outcome(&r), "dry-run");

	r = rep(HWPI_METHOD_HWPOISON);
	snprintf(r.result, sizeof(r.result), "Recovered");
	CHECK_STR(hwpi_report_outcome(&r), "recovered");
	snprintf(r.result, sizeof(r.result), "Ignored");
	CHECK_STR(hwpi_report_outcome(&r), "ignored");
	snprintf(r.result, sizeof(r.result), "Failed");
	CHECK_STR(hwpi_report_outcome(&r), "failed");
	snprintf(r.result, sizeof(r.result), "Delayed");
	CHECK_STR(hwpi_report_outcome(&r), "delayed");
	snprintf(r.result, sizeof(r.result), "recovered"); /* any case */
	CHECK_STR(hwpi_report_outcome(&r), "recovered");
	snprintf(r.result, sizeof(r.result), "Whatever");
	CHECK_STR(hwpi_report_outcome(&r), "unknown");

	/* signals win over the kernel's result: AR over AO */
	snprintf(r.result, sizeof(r.result), "Recovered");
	add_signal(&r, SIGBUS, 5);
	CHECK_STR(hwpi_report_outcome(&r), "sigbus-ao");
	add_signal(&r, SIGBUS, 4);
	CHECK_STR(hwpi_report_outcome(&r), "sigbus-ar");
	/* a SIGBUS that is not a memory error does not count */
	r = rep(HWPI_METHOD_HWPOISON);
	add_signal(&r, SIGBUS, 2);
	add_signal(&r, SIGSEGV, 4);
	CHECK_STR(hwpi_report_outcome(&r), "unknown");
	/* killed: by SIGKILL, or the target's fate */
	add_signal(&r, SIGBUS, 4);
	add_signal(&r, SIGKILL, 0);
	CHECK_STR(hwpi_report_outcome(&r), "killed");
	r = rep(HWPI_METHOD_CORRUPT_PFN);
	add_signal(&r, SIGBUS, 5);
	r.target_state = HWPI_TARGET_KILLED;
	CHECK_STR(hwpi_report_outcome(&r), "killed");

	/* refused by the kernel */
	r = rep(HWPI_METHOD_CORRUPT_PFN);
	r.err = EBUSY;
	CHECK_STR(hwpi_report_outcome(&r), "refused");
	snprintf(r.result, sizeof(r.result), "Failed");
	CHECK_STR(hwpi_report_outcome(&r), "failed");

	/* soft offline: migrated when the page moved */
	r = rep(HWPI_METHOD_SOFT_OFFLINE);
	r.have_new_pfn = true;
	r.new_pfn = 0x1234;
	CHECK_STR(hwpi_report_outcome(&r), "migrated");
	r = rep(HWPI_METHOD_SOFT_OFFLINE_PAGE);
	r.have_new_pfn = true;
	CHECK_STR(hwpi_report_outcome(&r), "migrated");
	r.err = EIO;
	CHECK_STR(hwpi_report_outcome(&r), "refused");
	/* a new pfn means nothing for the hard methods */
	r = rep(HWPI_METHOD_HWPOISON);
	r.have_new_pfn = true;
	CHECK_STR(hwpi_report_outcome(&r), "unknown");
}

static void test_sigbus_names(void)
{
	CHECK_STR(hwpi_sigbus_code_name(1), "BUS_ADRALN");
	CHECK_STR(hwpi_sigbus_code_name(2), "BUS_ADRERR");
	CHECK_STR(hwpi_sigbus_code_name(3), "BUS_OBJERR");
	CHECK_STR(hwpi_sigbus_code_name(4), "BUS_MCEERR_AR");
	CHECK_STR(hwpi_sigbus_code_name(5), "BUS_MCEERR_AO");
	CHECK_NULL(hwpi_sigbus_code_name(0));
	CHECK_NULL(hwpi_sigbus_code_name(6));
	CHECK_NULL(hwpi_sigbus_code_name(-1));
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_outcome);
	RUN(test_sigbus_names);
	return 0;
}
