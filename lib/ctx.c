// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: root of the kernel paths, last error, log callback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef HWPI_VERSION
#define HWPI_VERSION "0.0.0"
#endif

HWPI_EXPORT const char *hwpi_version(void)
{
	return HWPI_VERSION;
}

HWPI_EXPORT int hwpi_ctx_new(struct hwpi_ctx **ctx)
{
	struct hwpi_ctx *c;

	if (!ctx)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->log_max = LOG_ERR;
	c->kpageflags_fd = -1;
	c->pagemap_fd = -1;
	c->audit = (struct hwpi_audit_sink)HWPI_AUDIT_SINK_INIT;
	c->page_size = sysconf(_SC_PAGESIZE);
	if (c->page_size <= 0)
		c->page_size = 4096;
	*ctx = c;
	return 0;
}

int hwpi__ctx_observer(struct hwpi_ctx *ctx, unsigned int flags, struct hwpi_observer **out)
{
	struct hwpi_observer **o = &ctx->observer[(flags & HWPI_OBSERVE_NO_TRACE) ? 1 : 0];
	int r;

	if (*o) {
		hwpi_observer_restart(*o);
	} else {
		r = hwpi_observer_new(ctx, flags & HWPI_OBSERVE_NO_TRACE, o);
		if (r < 0)
			return r;
	}
	*out = *o;
	return 0;
}

static void close_cached(struct hwpi_ctx *ctx)
{
	hwpi_observer_free(ctx->observer[0]);
	hwpi_observer_free(ctx->observer[1]);
	ctx->observer[0] = ctx->observer[1] = NULL;
	if (ctx->kpageflags_fd >= 0)
		close(ctx->kpageflags_fd);
	ctx->kpageflags_fd = -1;
	if (ctx->pagemap_fd >= 0)
		close(ctx->pagemap_fd);
	ctx->pagemap_fd = -1;
	ctx->pagemap_pid = 0;
	hwpi__audit_sink_close(&ctx->audit);
	ctx->release[0] = '\0';
	ctx->auid[0] = '\0';
}

HWPI_EXPORT void hwpi_ctx_free(struct hwpi_ctx *ctx)
{
	if (ctx) {
		close_cached(ctx);
		hwpi__pfm_unload(ctx);
	}
	free(ctx);
}

HWPI_EXPORT int hwpi_ctx_set_root(struct hwpi_ctx *ctx, const char *root)
{
	struct stat st;
	size_t len;

	/* files opened under the old root are not those of the new one */
	if (ctx)
		close_cached(ctx);
	if (!ctx)
		return -EINVAL;
	if (!root || !*root || !strcmp(root, "/")) {
		ctx->root[0] = '\0';
		return 0;
	}
	if (root[0] != '/')
		return hwpi__err(ctx, -EINVAL, "root %s is not an absolute path", root);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len >= sizeof(ctx->root) - 64)
		return hwpi__err(ctx, -ENAMETOOLONG, "root path too long");
	if (stat(root, &st) < 0)
		return hwpi__err(ctx, -errno, "root %s: %m", root);
	if (!S_ISDIR(st.st_mode))
		return hwpi__err(ctx, -ENOTDIR, "root %s is not a directory", root);
	memcpy(ctx->root, root, len);
	ctx->root[len] = '\0';
	return 0;
}

HWPI_EXPORT const char *hwpi_ctx_get_root(const struct hwpi_ctx *ctx)
{
	return ctx->root[0] ? ctx->root : "/";
}

HWPI_EXPORT void hwpi_ctx_set_log(struct hwpi_ctx *ctx, hwpi_log_fn fn, void *userdata,
				  int max_priority)
{
	ctx->log_fn = fn;
	ctx->log_data = userdata;
	ctx->log_max = max_priority;
}

HWPI_EXPORT const char *hwpi_ctx_strerror(const struct hwpi_ctx *ctx)
{
	return ctx ? ctx->errmsg : "";
}

int (hwpi__err)(struct hwpi_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	hwpi__log(ctx, LOG_DEBUG, "error: %s", ctx->errmsg);
	return err;
}

void hwpi__log(struct hwpi_ctx *ctx, int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!ctx->log_fn || prio > ctx->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_data, prio, buf);
}
