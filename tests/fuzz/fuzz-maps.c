// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/maps lines (hwpi_mapping_parse), mapping kinds, and smaps KernelPageSize. */
#include <stdio.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t flags[] = { 0, 1ULL << 12, 1ULL << 14, 1ULL << 17,
					  (1ULL << 17) | (1ULL << 22), 1ULL << 22 };
	struct hwpi_mapping m;
	uint64_t vaddr = 0;
	bool first = true;
	char *line = NULL;
	size_t cap = 0, i;
	FILE *f;

	if (!size)
		return 0;
	/* line by line, as hwpi__maps_foreach() reads them */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		if (hwpi_mapping_parse(line, &m) < 0)
			continue;
		FUZZ_CHECK(m.start < m.end);
		FUZZ_CHECK(strlen(m.perms) == 4);
		FUZZ_CHECK(strlen(m.path) < sizeof(m.path));
		for (i = 0; i < ARRAY_SIZE(flags); i++)
			FUZZ_CHECK(hwpi_mapping_kind_name(hwpi__mapping_kind(&m, flags[i], true)));
		FUZZ_CHECK(hwpi_mapping_kind_name(hwpi__mapping_kind(&m, 0, false)));
		if (first)
			vaddr = m.start;
		first = false;
	}
	free(line);
	fclose(f);

	/* the same text as smaps, asking for the first mapping's page size */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	hwpi__smaps_page_size_stream(f, vaddr);
	fclose(f);
	return 0;
}
