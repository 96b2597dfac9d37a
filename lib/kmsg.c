// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's own messages about a pfn, read from /dev/kmsg around an
 * injection.  Their wording differs between kernel versions: match on the
 * pfn, and parse the recovery-action line tolerantly.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"

void hwpi__kmsg_begin(struct hwpi_ctx *ctx, struct hwpi_kmsg *k)
{
	k->fd = hwpi__open(ctx, O_RDONLY | O_NONBLOCK, "/dev/kmsg");
	if (k->fd < 0) {
		dbg(ctx, "/dev/kmsg unavailable: %s", strerror(-k->fd));
		k->fd = -1;
		return;
	}
	/* only records written from now on */
	if (lseek(k->fd, 0, SEEK_END) < 0)
		dbg(ctx, "cannot seek /dev/kmsg: %m");
}

void hwpi__kmsg_end(struct hwpi_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* Does TEXT contain "0x<pfn>" as a whole hex number? */
static bool mentions_pfn(const char *text, uint64_t pfn)
{
	char needle[24];
	const char *p = text;
	size_t len;

	len = (size_t)snprintf(needle, sizeof(needle), "0x%" PRIx64, pfn);
	while ((p = strcasestr(p, needle))) {
		bool start_ok = p == text || !isalnum((unsigned char)p[-1]);

		if (start_ok && !isxdigit((unsigned char)p[len]))
			return true;
		p += len;
	}
	return false;
}

static void copy_trim(char *dst, size_t len, const char *src, size_t n)
{
	while (n > 0 && isspace((unsigned char)*src)) {
		src++;
		n--;
	}
	while (n > 0 && (isspace((unsigned char)src[n - 1]) || src[n - 1] == '.'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

bool hwpi__kmsg_line_match(const char *text, uint64_t pfn, struct hwpi_report *r)
{
	static const char tag[] = "recovery action for ";
	const char *p, *colon;

	if (!mentions_pfn(text, pfn))
		return false;
	/* "Memory failure: 0x1a2b3: recovery action for dirty LRU page: Recovered" */
	p = strcasestr(text, tag);
	if (p) {
		p += sizeof(tag) - 1;
		colon = strrchr(p, ':');
		if (colon) {
			copy_trim(r->page_type, sizeof(r->page_type), p, (size_t)(colon - p));
			copy_trim(r->result, sizeof(r->result), colon + 1, strlen(colon + 1));
			snprintf(r->action_source, sizeof(r->action_source), "kmsg");
		}
	}
	return true;
}

/*
 * The facility of a record "prio,seq,usec,flags[,...];text" (prio is
 * facility << 3 | level), or -1 if LINE does not start like a record.
 */
static long record_facility(const char *line)
{
	unsigned long prio;
	char *end;

	if (!isdigit((unsigned char)line[0]))
		return -1;
	errno = 0;
	prio = strtoul(line, &end, 10);
	if (errno || *end != ',' || prio > 0xffffUL)
		return -1;
	return (long)(prio >> 3);
}

/*
 * One record "prio,seq,usec,flags[,...];text" (continuation lines " KEY=value"
 * are skipped).  Only the kernel's own records (facility 0) count: lines that
 * user space wrote to /dev/kmsg -- hwpinject's audit line among them (audit.c)
 * -- may name the pfn too, but they are not what the kernel did.
 */
static void take_record(struct hwpi_ctx *ctx, char *line, uint64_t pfn, struct hwpi_report *r)
{
	char *text = strchr(line, ';');
	long facility;

	if (line[0] == ' ' || !text)
		return;
	text++;
	facility = record_facility(line);
	if (facility != 0) {
		if (facility > 0 && mentions_pfn(text, pfn))
			dbg(ctx, "kmsg: not the kernel's (facility %ld): %s", facility, text);
		return;
	}
	if (!hwpi__kmsg_line_match(text, pfn, r))
		return;
	dbg(ctx, "kmsg: %s", text);
	if (r->n_messages < HWPI_MAX_MESSAGES)
		snprintf(r->messages[r->n_messages++], HWPI_MSG_MAX, "%s", text);
}

void hwpi__kmsg_parse(struct hwpi_ctx *ctx, char *buf, uint64_t pfn, struct hwpi_report *r)
{
	char *line, *save = NULL;

	/* /dev/kmsg gives one record per read; be tolerant of more */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		take_record(ctx, line, pfn, r);
}

void hwpi__kmsg_collect(struct hwpi_ctx *ctx, struct hwpi_kmsg *k, uint64_t pfn,
			struct hwpi_report *r)
{
	char rec[8192];

	if (k->fd < 0)
		return;
	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue; /* EPIPE: records were overwritten */
			if (errno != EAGAIN)
				dbg(ctx, "reading /dev/kmsg: %m");
			break;
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		hwpi__kmsg_parse(ctx, rec, pfn, r);
	}
}
