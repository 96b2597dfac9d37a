// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pagemap entries (hwpi_pagemap_decode) and kpageflags words (flag names,
 * hwpi_page_unsafe_reason): the input is a run of 64-bit records, as read
 * from /proc/PID/pagemap and /proc/kpageflags.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hwpi_pagemap_entry e;
	const uint8_t *p = data;
	size_t left = size;
	unsigned int bit;
	char *s;

	while (left) {
		uint64_t raw = fuzz_u64(&p, &left);

		hwpi_pagemap_decode(raw, &e);
		FUZZ_CHECK(e.pfn < (1ULL << 55));
		FUZZ_CHECK(!e.present || e.swap_type == 0);
		FUZZ_CHECK(e.swap_type < 32);
		for (bit = 0; bit < 64; bit++) {
			const char *name = hwpi_kpageflag_name(bit);

			if (name && (raw & (1ULL << bit)))
				FUZZ_CHECK(hwpi_kpageflag_bit(name) == (int)bit);
		}
		hwpi_page_unsafe_reason(raw);
	}
	FUZZ_CHECK(!hwpi_kpageflag_name(64));
	/* a flag name as given on the command line */
	s = fuzz_str(data, size);
	bit = (unsigned int)hwpi_kpageflag_bit(s);
	FUZZ_CHECK((int)bit < 0 || hwpi_kpageflag_name(bit));
	free(s);
	return 0;
}
