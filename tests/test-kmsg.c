// SPDX-License-Identifier: LGPL-2.1-or-later
/* The kernel's messages about a pfn: line matching and /dev/kmsg collection. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testing.h"

#define PFN 0x1a2b3

static bool match(const char *line, uint64_t pfn, struct hwpi_report *r)
{
	memset(r, 0, sizeof(*r));
	fprintf(stderr, "  \"%s\"\n", line);
	return hwpi__kmsg_line_match(line, pfn, r);
}

static void yes_action(const char *line, const char *page_type, const char *result)
{
	struct hwpi_report r;

	CHECK(match(line, PFN, &r));
	CHECK_STR(r.page_type, page_type);
	CHECK_STR(r.result, result);
	CHECK_STR(r.action_source, "kmsg");
}

static void yes_plain(const char *line)
{
	struct hwpi_report r;

	CHECK(match(line, PFN, &r));
	CHECK_STR(r.page_type, "");
	CHECK_STR(r.result, "");
	CHECK_STR(r.action_source, "");
}

static void no(const char *line)
{
	struct hwpi_report r;

	CHECK(!match(line, PFN, &r));
	CHECK_STR(r.page_type, "");
	CHECK_STR(r.result, "");
}

static void test_lines(void)
{
	/* recovery-action lines (6.1 and 6.12 wording) */
	yes_action("Memory failure: 0x1a2b3: recovery action for dirty LRU page: Recovered",
		   "dirty LRU page", "Recovered");
	yes_action("Memory failure: 0x1a2b3: recovery action for clean LRU page: Recovered",
		   "clean LRU page", "Recovered");
	yes_action("Memory failure: 0x1a2b3: recovery action for huge page: Delayed",
		   "huge page", "Delayed");
	yes_action("Memory failure: 0x1a2b3: recovery action for free buddy page: Recovered",
		   "free buddy page", "Recovered");
	yes_action("Memory failure: 0x1a2b3: recovery action for unsplit thp: Ignored",
		   "unsplit thp", "Ignored");
	yes_action("Memory failure: 0x1a2b3: recovery action for kernel slab page: Ignored",
		   "kernel slab page", "Ignored");
	yes_action("Memory failure: 0x1a2b3: recovery action for already poisoned page: Failed",
		   "already poisoned page", "Failed");
	yes_action("Memory failure: 0x1a2b3: recovery action for get hwpoison page: Ignored",
		   "get hwpoison page", "Ignored");
	/* a trailing newline or period does not end up in the result */
	yes_action("Memory failure: 0x1a2b3: recovery action for dirty LRU page: Recovered\n",
		   "dirty LRU page", "Recovered");
	yes_action("Memory failure: 0x1a2b3: recovery action for dirty LRU page: Recovered.",
		   "dirty LRU page", "Recovered");

	/* the other lines about the pfn */
	yes_plain("Injecting memory failure for pfn 0x1a2b3 at process virtual address 0x7f12a000");
	yes_plain("Injecting memory failure at pfn 0x1a2b3");
	yes_plain("Memory failure: 0x1a2b3: Sending SIGBUS to victim:4242 due to hardware memory "
		  "corruption");
	yes_plain("Memory failure: 0x1a2b3: Killing victim:4242 due to hardware memory corruption");
	yes_plain("Soft offlining pfn 0x1a2b3 at process virtual address 0x7f12a000");
	yes_plain("Unpoison: Software-unpoisoned page 0x1a2b3");
	yes_plain("Unpoison: 0x1a2b3: software-unpoisoned page");
	yes_plain("Unpoison: Someone grabs the hwpoison page 0x1a2b3");
	yes_plain("Unpoison: 0x1a2b3: someone grabs the hwpoison page");
	yes_plain("Memory failure: 0x1a2b3: already hardware poisoned");
	yes_plain("Memory failure: 0x1A2B3: already hardware poisoned");

	/* other pfns, and pfns that only share a prefix or suffix */
	no("Memory failure: 0x1a2b30: recovery action for dirty LRU page: Recovered");
	no("Memory failure: 0x1a2b4: recovery action for dirty LRU page: Recovered");
	no("Memory failure: 0x11a2b3: recovery action for dirty LRU page: Recovered");
	no("Injecting memory failure at pfn 0x1a2b30");
	no("Unpoison: Software-unpoisoned page 0x1a2b3f");
	no("Injecting memory failure for pfn 0x5 at process virtual address 0x1a2b3000");
	no("Memory failure: 1a2b3: recovery action for dirty LRU page: Recovered");
	no("random unrelated line");
	no("");

	/* pfn 0 and a big pfn */
	{
		struct hwpi_report r;

		CHECK(match("Injecting memory failure at pfn 0x0", 0, &r));
		CHECK(!match("Injecting memory failure at pfn 0x0", 0x10, &r));
		CHECK(match("Memory failure: 0xfffffffffffff: recovery action for huge page: "
			    "Recovered", 0xfffffffffffffULL, &r));
		CHECK_STR(r.result, "Recovered");
	}
}

/* /dev/kmsg as a FIFO: each write is one record, read whole, like the real device. */
static void test_collect(void)
{
	const char *root = test_fake("mf-6.12");
	struct hwpi_ctx *ctx = test_ctx(root);
	struct hwpi_report r;
	struct hwpi_kmsg k;
	unsigned int i;
	int w;

#define RECORD(s)                                                                        \
	do {                                                                             \
		CHECK(write(w, s, strlen(s)) == (ssize_t)strlen(s));                     \
		hwpi__kmsg_collect(ctx, &k, PFN, &r);                                    \
	} while (0)

	w = test_kmsg_fifo(root);
	memset(&r, 0, sizeof(r));
	hwpi__kmsg_begin(ctx, &k);
	CHECK(k.fd >= 0);

	hwpi__kmsg_collect(ctx, &k, PFN, &r); /* nothing yet */
	CHECK_INT(r.n_messages, 0);

	RECORD("6,1001,5000000,-;Injecting memory failure at pfn 0x1a2b3\n");
	CHECK_INT(r.n_messages, 1);
	CHECK_STR(r.messages[0], "Injecting memory failure at pfn 0x1a2b3");

	RECORD("3,1002,5000100,-;Memory failure: 0x1a2b30: recovery action for dirty LRU page: "
	       "Recovered\n");
	CHECK_INT(r.n_messages, 1);
	CHECK_STR(r.page_type, "");

	/* a record with dictionary lines after the text */
	RECORD("3,1003,5000200,-;Memory failure: 0x1a2b3: recovery action for dirty LRU page: "
	       "Recovered\n SUBSYSTEM=memory\n DEVICE=+memory:memory0\n");
	CHECK_INT(r.n_messages, 2);
	CHECK_STR(r.messages[1], "Memory failure: 0x1a2b3: recovery action for dirty LRU page: "
				 "Recovered");
	CHECK_STR(r.page_type, "dirty LRU page");
	CHECK_STR(r.result, "Recovered");
	CHECK_STR(r.action_source, "kmsg");

	/* no ';': not a record */
	RECORD("garbage 0x1a2b3\n");
	CHECK_INT(r.n_messages, 2);

	/* extra header fields (caller id) before ';' */
	RECORD("4,1004,5000300,-,caller=T42;Unpoison: 0x1a2b3: software-unpoisoned page\n");
	CHECK_INT(r.n_messages, 3);
	CHECK_STR(r.messages[2], "Unpoison: 0x1a2b3: software-unpoisoned page");

	/*
	 * Records user space wrote (facility != 0: prio = facility << 3 | level), like
	 * hwpinject's own audit line, are not the kernel's messages even when they
	 * name the pfn; kernel records of any level are.
	 */
	RECORD("13,1010,5000310,-;hwpinject[77]: op=inject method=corrupt-pfn pfn=0x1a2b3 "
	       "phys=0x1a2b3000 pid=- vaddr=- uid=0 auid=- comm=hwpinject\n");
	RECORD("14,1011,5000320,-;myapp: Memory failure: 0x1a2b3: recovery action for huge "
	       "page: Ignored\n");
	RECORD("8,1012,5000330,-;Memory failure: 0x1a2b3: already hardware poisoned\n");
	RECORD("191,1013,5000340,-,caller=T7;Memory failure: 0x1a2b3: already hardware "
	       "poisoned\n");
	/* not a record at all: the raw line as written (the fake FIFO passes it on) */
	RECORD("<13>hwpinject[77]: op=inject method=corrupt-pfn pfn=0x1a2b3 phys=0x1a2b3000\n");
	RECORD("x3,1014,5000350,-;Memory failure: 0x1a2b3: already hardware poisoned\n");
	RECORD("3;Memory failure: 0x1a2b3: already hardware poisoned\n");
	CHECK_INT(r.n_messages, 3);
	CHECK_STR(r.page_type, "dirty LRU page");
	CHECK_STR(r.result, "Recovered");
	RECORD("0,1015,5000360,-;Memory failure: 0x1a2b3: already hardware poisoned\n");
	RECORD("7,1016,5000370,-;Memory failure: 0x1a2b3: already hardware poisoned\n");
	CHECK_INT(r.n_messages, 5);
	CHECK_STR(r.messages[3], "Memory failure: 0x1a2b3: already hardware poisoned");
	CHECK_STR(r.messages[4], "Memory failure: 0x1a2b3: already hardware poisoned");

	/* at most HWPI_MAX_MESSAGES */
	for (i = 0; i < 2 * HWPI_MAX_MESSAGES; i++)
		RECORD("4,1005,5000400,-;Memory failure: 0x1a2b3: already hardware poisoned\n");
	CHECK_INT(r.n_messages, HWPI_MAX_MESSAGES);
	CHECK_STR(r.messages[HWPI_MAX_MESSAGES - 1],
		  "Memory failure: 0x1a2b3: already hardware poisoned");

	hwpi__kmsg_end(&k);
	CHECK_INT(k.fd, -1);
	hwpi__kmsg_end(&k); /* twice is harmless */
	close(w);
#undef RECORD

	/* without /dev/kmsg: nothing, no crash */
	tfile_unlink(root, "dev/kmsg");
	memset(&r, 0, sizeof(r));
	hwpi__kmsg_begin(ctx, &k);
	CHECK_INT(k.fd, -1);
	hwpi__kmsg_collect(ctx, &k, PFN, &r);
	CHECK_INT(r.n_messages, 0);
	hwpi__kmsg_end(&k);
	hwpi_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_lines);
	RUN(test_collect);
	return 0;
}
