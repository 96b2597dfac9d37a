/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Build a fake /proc + /sys tree from tests/fake/<case> (see fake.c). */
#ifndef HWPI_TEST_FAKE_H
#define HWPI_TEST_FAKE_H

#include <stddef.h>

/*
 * Copy the tree SRC to DST (created if missing).  A file NAME.gen is not
 * copied: it describes the binary file NAME, which is generated instead.
 * Returns 0, or -1 with a message in ERR.
 */
int fake_make(const char *src, const char *dst, char *err, size_t errlen);

/* Remove the tree DIR (rm -rf).  Returns 0 or -1. */
int fake_remove(const char *dir);

#endif
