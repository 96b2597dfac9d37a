// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The audit line: one record in the kernel's log for each injection and
 * each unpoison, saying who did what to which page and how.  Written to
 * /dev/kmsg with a user facility, so that it sits next to the kernel's own
 * lines in dmesg but is never taken for one of them (kmsg.c skips records
 * whose facility is not the kernel's).
 *
 *   hwpinject[PID]: op=inject method=M pfn=0x.. phys=0x.. pid=P vaddr=0x.. uid=U auid=A comm=C
 *
 * Fixed order, every field always there, "-" when unknown.  Failure to
 * audit is only logged: it never stops an injection.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* LOG_USER | LOG_NOTICE: a user-space record, never facility 0 (the kernel) */
#define AUDIT_PRIO "<13>"

static void hex_or_dash(char *buf, size_t len, bool have, uint64_t v)
{
	if (have)
		snprintf(buf, len, "0x%" PRIx64, v);
	else
		snprintf(buf, len, "-");
}

/* The calling process's name, one word of printable characters. */
static void own_comm(char *buf, size_t len)
{
	char name[17] = "";
	size_t i;

	if (prctl(PR_GET_NAME, name, 0, 0, 0) < 0 || !name[0])
		snprintf(name, sizeof(name), "-");
	for (i = 0; name[i]; i++)
		if (!isgraph((unsigned char)name[i]))
			name[i] = '?';
	snprintf(buf, len, "%s", name);
}

/*
 * The login uid (who logged in, also through sudo), or "-" if unset or
 * unknown.  Read once per context: it is set once, at login.
 */
static const char *own_auid(struct hwpi_ctx *ctx)
{
	char s[32];
	unsigned long v;
	char *end;

	if (ctx->auid[0])
		return ctx->auid;
	snprintf(ctx->auid, sizeof(ctx->auid), "-");
	if (hwpi__read_file(ctx, s, sizeof(s), "/proc/%d/loginuid", (int)getpid()) <= 0)
		return ctx->auid;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= 4294967295UL) /* (uid_t)-1: not set */
		return ctx->auid;
	snprintf(ctx->auid, sizeof(ctx->auid), "%lu", v);
	return ctx->auid;
}

/*
 * The kernel lets each open file of /dev/kmsg write 10 lines in 5 s and
 * silently drops the rest (printk.devkmsg=ratelimit, the default): a sink
 * opens it again well before that.
 */
#define LINES_PER_OPEN 8

static int kmsg_open(struct hwpi_ctx *ctx)
{
	/*
	 * O_NONBLOCK: never wait (a FIFO in a test tree, a full pipe).
	 * O_APPEND: harmless on the device, keeps a plain file intact.
	 */
	int fd = hwpi__open(ctx, O_WRONLY | O_NONBLOCK | O_APPEND | O_NOCTTY, "/dev/kmsg");

	if (fd < 0)
		hwpi__log(ctx, LOG_WARNING, "cannot write the audit line to /dev/kmsg: %s",
			  strerror(-fd));
	return fd;
}

/*
 * A FIFO in place of /dev/kmsg (a test tree) is never kept: once its reader
 * is gone a kept write end would raise SIGPIPE in the caller's process.
 */
static bool is_fifo(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

void hwpi__audit_sink_close(struct hwpi_audit_sink *sink)
{
	if (sink->fd >= 0)
		close(sink->fd);
	sink->fd = -1;
	sink->opener = 0;
	sink->lines = 0;
}

void hwpi__audit_new_call(struct hwpi_ctx *ctx)
{
	ctx->audit.who_known = false;
}

/*
 * Write LINE for process SELF through SINK's /dev/kmsg (opened again when
 * due); SINK NULL: opened for the line alone.
 */
static void audit_write(struct hwpi_ctx *ctx, const char *line, size_t len,
			struct hwpi_audit_sink *sink, pid_t self)
{
	ssize_t n;
	int fd;

	if (sink && sink->fd >= 0 && (sink->lines >= LINES_PER_OPEN || sink->opener != self))
		hwpi__audit_sink_close(sink);
	if (sink && sink->fd >= 0) {
		fd = sink->fd;
	} else {
		fd = kmsg_open(ctx);
		if (fd < 0)
			return;
		if (sink && !is_fifo(fd)) {
			sink->fd = fd;
			sink->opener = self;
		} else {
			sink = NULL;	/* for this line alone */
		}
	}
	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		hwpi__log(ctx, LOG_WARNING, "cannot write the audit line to /dev/kmsg: %m");
	else if ((size_t)n != len)
		hwpi__log(ctx, LOG_WARNING, "the audit line to /dev/kmsg was cut short");
	if (sink)
		sink->lines++;
	else
		close(fd);
}

/* Who writes the line: the calling process (learnt once per call). */
static void audit_who(struct hwpi_audit_sink *sink, struct hwpi_audit_who *who)
{
	if (!sink->who_known) {
		sink->who.pid = getpid();
		sink->who.uid = (unsigned int)getuid();
		own_comm(sink->who.comm, sizeof(sink->who.comm));
		sink->who_known = true;
	}
	*who = sink->who;
}

static void audit(struct hwpi_ctx *ctx, const char *op, const char *method, bool have_pfn,
		  uint64_t pfn, uint64_t phys, pid_t pid, bool have_vaddr, uint64_t vaddr)
{
	char line[512], spfn[24], sphys[24], svaddr[24], spid[16];
	struct hwpi_audit_who who;
	int n;

	hex_or_dash(spfn, sizeof(spfn), have_pfn, pfn);
	hex_or_dash(sphys, sizeof(sphys), have_pfn, phys);
	hex_or_dash(svaddr, sizeof(svaddr), have_vaddr, vaddr);
	if (pid > 0)
		snprintf(spid, sizeof(spid), "%d", (int)pid);
	else
		snprintf(spid, sizeof(spid), "-");
	audit_who(&ctx->audit, &who);
	n = snprintf(line, sizeof(line),
		     AUDIT_PRIO "hwpinject[%d]: op=%s method=%s pfn=%s phys=%s pid=%s vaddr=%s "
				"uid=%u auid=%s comm=%s\n",
		     (int)who.pid, op, method, spfn, sphys, spid, svaddr, who.uid, own_auid(ctx),
		     who.comm);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	dbg(ctx, "audit: %.*s", n - 1 - (int)strlen(AUDIT_PRIO), line + strlen(AUDIT_PRIO));
	audit_write(ctx, line, (size_t)n, &ctx->audit, who.pid);
}

void hwpi__audit_inject(struct hwpi_ctx *ctx, const struct hwpi_target *t, enum hwpi_method m)
{
	const char *name = hwpi_method_name(m);
	pid_t pid = t->pid;

	/* madvise without a pid runs in the calling process itself */
	if (pid <= 0 && hwpi_method_needs_vaddr(m))
		pid = getpid();
	audit(ctx, "inject", name ? name : "-", t->have_pfn, t->pfn, t->phys,
	      t->have_vaddr ? pid : 0, t->have_vaddr, t->vaddr);
}

void hwpi__audit_unpoison(struct hwpi_ctx *ctx, uint64_t pfn)
{
	hwpi__audit_new_call(ctx);
	audit(ctx, "unpoison", "unpoison-pfn", true, pfn, pfn * (uint64_t)ctx->page_size, 0, false,
	      0);
}
