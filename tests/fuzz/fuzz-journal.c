// SPDX-License-Identifier: LGPL-2.1-or-later
/* The write-ahead journal's reader (hwpi_journal_read(), hwpinject-journal(5)). */
#include <errno.h>

#include "fuzz.h"
#include "internal.h"

/* hwpi__journal_parse() of the first LEN bytes of DATA, as read_all() leaves them */
static int parse(const uint8_t *data, size_t len, struct hwpi_journal_contents *c)
{
	char *buf = malloc(len + 1);
	int r;

	if (!buf)
		abort();
	if (len)
		memcpy(buf, data, len);
	buf[len] = '\0';
	r = hwpi__journal_parse(fuzz_ctx(), "fuzz", buf, len, c);
	free(buf);
	return r;
}

static bool same(const struct hwpi_journal_contents *a, const struct hwpi_journal_contents *b)
{
	return a->n_pfns == b->n_pfns && a->n_sysctls == b->n_sysctls &&
	       a->n_injections == b->n_injections && a->n_unknown == b->n_unknown &&
	       !memcmp(a->pfns, b->pfns, a->n_pfns * sizeof(*a->pfns)) &&
	       !memcmp(a->sysctls, b->sysctls, a->n_sysctls * sizeof(*a->sysctls));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hwpi_journal_contents c, whole;
	const uint8_t *nl;
	size_t i, j;
	int r;

	r = parse(data, size, &c);
	if (r == 0) {
		FUZZ_CHECK(c.n_sysctls <= HWPI_SYSCTL_COUNT);
		FUZZ_CHECK(c.n_unknown <= c.n_injections);
		for (i = 0; i < c.n_sysctls; i++)
			FUZZ_CHECK(hwpi_sysctl_name(c.sysctls[i].sysctl));
		/* each pfn once */
		for (i = 0; i < c.n_pfns; i++)
			for (j = i + 1; j < c.n_pfns; j++)
				FUZZ_CHECK(c.pfns[i] != c.pfns[j]);
		/* an incomplete last record is as if it were not there */
		nl = size ? memrchr(data, '\n', size) : NULL;
		FUZZ_CHECK(c.truncated == (size && data[size - 1] != '\n'));
		if (c.truncated) {
			FUZZ_CHECK(parse(data, nl ? (size_t)(nl - data) + 1 : 0, &whole) == 0);
			FUZZ_CHECK(!whole.truncated && same(&c, &whole));
			hwpi_journal_contents_free(&whole);
		}
	} else {
		FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM);
	}
	hwpi_journal_contents_free(&c);
	return 0;
}
