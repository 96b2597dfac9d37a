// SPDX-License-Identifier: LGPL-2.1-or-later
/* A program built against the installed libhwpinject (tests/install/run.sh). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hwpinject.h>

int main(int argc, char **argv)
{
	struct hwpi_ctx *ctx = NULL;
	uint64_t v = 0;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer EXPECTED-VERSION\n");
		return 2;
	}
	if (strcmp(hwpi_version(), argv[1])) {
		fprintf(stderr, "consumer: library version %s, expected %s\n", hwpi_version(),
			argv[1]);
		return 1;
	}
	r = hwpi_ctx_new(&ctx);
	if (r < 0 || !ctx) {
		fprintf(stderr, "consumer: hwpi_ctx_new: %s\n", strerror(-r));
		return 1;
	}
	r = hwpi_parse_u64("0x1a2b3", &v);
	if (r != 0 || v != 0x1a2b3) {
		fprintf(stderr, "consumer: hwpi_parse_u64(0x1a2b3): %d, %llu\n", r,
			(unsigned long long)v);
		return 1;
	}
	r = hwpi_parse_u64("12abc", &v);
	if (r != -EINVAL) {
		fprintf(stderr, "consumer: hwpi_parse_u64(12abc): %d, expected -EINVAL\n", r);
		return 1;
	}
	if (strcmp(hwpi_method_name(HWPI_METHOD_CORRUPT_PFN), "corrupt-pfn")) {
		fprintf(stderr, "consumer: hwpi_method_name\n");
		return 1;
	}
	hwpi_ctx_free(ctx);
	printf("consumer: libhwpinject %s ok\n", hwpi_version());
	return 0;
}
