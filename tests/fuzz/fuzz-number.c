// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Numbers and durations given by users: hwpi_parse_u64(),
 * hwpi_parse_duration_ms() and the command line's cli_parse_u64(),
 * cli_parse_pid() and cli_parse_count().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "common.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), back[32];
	struct cli cli = { 0 };
	uint64_t v, ms;
	size_t count;
	pid_t pid;
	int r;

	r = hwpi_parse_u64(s, &v);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0) {
		/* it reads back: decimal, or 0x-hex */
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			FUZZ_CHECK(strtoull(s + 2, NULL, 16) == v);
		else
			FUZZ_CHECK(strtoull(s, NULL, 10) == v);
		snprintf(back, sizeof(back), "%" PRIu64, v);
		FUZZ_CHECK(hwpi_parse_u64(back, &ms) == 0 && ms == v);
	}
	r = hwpi_parse_duration_ms(s, &ms);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);

	FUZZ_CHECK((cli_parse_u64(&cli, "--n", s, &v) == 0) == (cli.status == 0));
	memset(&cli, 0, sizeof(cli));
	if (cli_parse_pid(&cli, "--pid", s, &pid) == 0)
		FUZZ_CHECK(pid > 0);
	memset(&cli, 0, sizeof(cli));
	if (cli_parse_count(&cli, "--count", s, 1000, &count) == 0)
		FUZZ_CHECK(count >= 1 && count <= 1000);
	free(s);
	return 0;
}
