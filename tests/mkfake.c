// SPDX-License-Identifier: LGPL-2.1-or-later
/* mkfake SRC DST: build a fake /proc + /sys tree (for test_cli.py). */
#include <stdio.h>

#include "fake.h"

int main(int argc, char **argv)
{
	char err[512];

	if (argc != 3) {
		fprintf(stderr, "usage: mkfake SRC DST\n");
		return 2;
	}
	if (fake_make(argv[1], argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "mkfake: %s\n", err);
		return 1;
	}
	return 0;
}
