// SPDX-License-Identifier: LGPL-2.1-or-later
/* Names and properties of the injection methods. */
#include <errno.h>
#include <string.h>

#include "internal.h"

static const char *const method_names[HWPI_METHOD_COUNT] = {
	[HWPI_METHOD_HWPOISON] = "hwpoison",
	[HWPI_METHOD_SOFT_OFFLINE] = "soft-offline",
	[HWPI_METHOD_CORRUPT_PFN] = "corrupt-pfn",
	[HWPI_METHOD_SOFT_OFFLINE_PAGE] = "soft-offline-page",
	[HWPI_METHOD_HARD_OFFLINE_PAGE] = "hard-offline-page",
};

HWPI_EXPORT const char *hwpi_method_name(enum hwpi_method m)
{
	return (unsigned int)m < HWPI_METHOD_COUNT ? method_names[m] : NULL;
}

HWPI_EXPORT int hwpi_method_from_name(const char *name, enum hwpi_method *out)
{
	unsigned int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < HWPI_METHOD_COUNT; i++) {
		if (!strcmp(name, method_names[i])) {
			*out = (enum hwpi_method)i;
			return 0;
		}
	}
	return -EINVAL;
}

HWPI_EXPORT bool hwpi_method_needs_vaddr(enum hwpi_method m)
{
	return m == HWPI_METHOD_HWPOISON || m == HWPI_METHOD_SOFT_OFFLINE;
}

HWPI_EXPORT bool hwpi_method_is_soft(enum hwpi_method m)
{
	return m == HWPI_METHOD_SOFT_OFFLINE || m == HWPI_METHOD_SOFT_OFFLINE_PAGE;
}
