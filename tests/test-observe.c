// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The observer (lib/observe.c) without tracepoints: the kernel's messages
 * about one pfn, the signals they name (code unknown: never guessed),
 * counters and HardwareCorrupted before/after, and a restart that forgets
 * what was seen.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testing.h"

static void put(int w, const char *rec)
{
	CHECK(write(w, rec, strlen(rec)) == (ssize_t)strlen(rec));
}

static void test_kmsg_signals(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_observer *o;
	struct hwpi_report r;
	int w = test_kmsg_fifo(root);

	CHECK_OK(hwpi_observer_new(ctx, HWPI_OBSERVE_NO_TRACE, &o));
	put(w, "3,10,100,-;Memory failure: 0x2000: Sending SIGBUS to victim:4242 due to "
	       "hardware memory corruption\n");
	put(w, "3,11,101,-;Memory failure: 0x2001: Sending SIGBUS to other:999 due to "
	       "hardware memory corruption\n");
	put(w, "3,12,102,-;Memory failure: 0x2000: forcibly killing my:proc:777 because of "
	       "failure to unmap corrupted page\n");
	put(w, "3,13,103,-;Memory failure: 0x2000: recovery action for dirty LRU page: "
	       "Failed\n");
	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi_observer_collect(o, 0x2000, 4242, &r));

	CHECK_INT(r.n_messages, 3);	/* not the one about pfn 0x2001 */
	CHECK_STR(r.page_type, "dirty LRU page");
	CHECK_STR(r.result, "Failed");
	CHECK_STR(r.action_source, "kmsg");
	CHECK_STR(r.trace_error, "tracepoints not requested");

	CHECK_INT(r.n_signals, 2);
	CHECK_INT(r.signals[0].pid, 4242);
	CHECK_INT(r.signals[0].signo, SIGBUS);
	CHECK_STR(r.signals[0].comm, "victim");
	CHECK(!r.signals[0].have_code);	/* the message does not say which code */
	CHECK(!r.signals[0].have_addr);
	CHECK_INT(r.signals[0].source, HWPI_SOURCE_KMSG);
	CHECK_STR(hwpi_source_name(r.signals[0].source), "kmsg");
	CHECK_INT(r.signals[1].pid, 777);
	CHECK_INT(r.signals[1].signo, SIGKILL);
	CHECK_STR(r.signals[1].comm, "my:proc");	/* a comm may hold ':' */

	/* counters and HardwareCorrupted of the fake tree, before and after */
	CHECK(r.counters_known);
	CHECK_U64(r.counters_after.total, r.counters_before.total);
	CHECK(r.hwcorrupted_known);
	CHECK_U64(r.hwcorrupted_after_kb, r.hwcorrupted_before_kb);

	/* a restart forgets what came before it */
	put(w, "3,14,104,-;Memory failure: 0x2000: Sending SIGBUS to late:4343 due to "
	       "hardware memory corruption\n");
	hwpi_observer_restart(o);
	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi_observer_collect(o, 0x2000, 4242, &r));
	CHECK_INT(r.n_messages, 0);
	CHECK_INT(r.n_signals, 0);
	CHECK_STR(r.page_type, "");

	hwpi_observer_free(o);
	hwpi_observer_free(NULL);
	close(w);
	hwpi_ctx_free(ctx);
}

static void test_no_sources(void)
{
	const char *root = test_fake("nomf");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_observer *o;
	struct hwpi_report r;

	/* nothing to read: no error, every fact unknown, tracepoints say why not */
	CHECK_OK(hwpi_observer_new(ctx, 0, &o));
	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi_observer_collect(o, 0x2000, 0, &r));
	CHECK_INT(r.n_messages, 0);
	CHECK_INT(r.n_signals, 0);
	CHECK_STR(r.action_source, "");
	CHECK(r.trace_error[0] != '\0');
	CHECK(!r.counters_known);
	hwpi_observer_free(o);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_kmsg_signals);
	RUN(test_no_sources);
	return 0;
}
