// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /dev/kmsg records ("prio,seq,usec,flags;text", continuation lines) and the
 * matching of the lines about a pfn.  The pfn is the first 0x-number of the
 * input, so that matches are found often.
 */
#include "fuzz.h"
#include "internal.h"

static struct hwpi_report report;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size), *hex = strstr(text, "0x");
	uint64_t pfn = hex ? strtoull(hex + 2, NULL, 16) : 0;
	unsigned int i;

	memset(&report, 0, sizeof(report));
	hwpi__kmsg_line_match(text, pfn, &report);
	FUZZ_CHECK(strlen(report.page_type) < sizeof(report.page_type));
	FUZZ_CHECK(strlen(report.result) < sizeof(report.result));

	memset(&report, 0, sizeof(report));
	hwpi__kmsg_parse(fuzz_ctx(), text, pfn, &report);
	FUZZ_CHECK(report.n_messages <= HWPI_MAX_MESSAGES);
	for (i = 0; i < report.n_messages; i++)
		FUZZ_CHECK(strlen(report.messages[i]) < HWPI_MSG_MAX);
	free(text);
	return 0;
}
