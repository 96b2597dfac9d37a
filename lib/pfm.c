// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpfm4, loaded when the first tracepoint is encoded.  Linked in, its
 * ~40 000 relocations cost every start of every program using the library
 * 2 MB of memory, tracepoints or not: `hwpinject --version` was more than
 * twice the size of a trivial program for it.  With HWPI_PFM_DLOPEN off
 * (static builds) it is linked as usual.
 */
#include <errno.h>
#include <string.h>

#include <perfmon/pfmlib_perf_event.h>

#include "internal.h"

#ifdef HWPI_PFM_DLOPEN
#include <dlfcn.h>

#define PFM_SONAME "libpfm.so.4"

static const char *const pfm_names[] = { "pfm_initialize", "pfm_get_os_event_encoding",
					 "pfm_strerror", "pfm_terminate" };

typedef pfm_err_t (*initialize_fn)(void);
typedef pfm_err_t (*encode_fn)(const char *, int, pfm_os_t, void *);
typedef const char *(*strerror_fn)(int);
typedef void (*terminate_fn)(void);

/* the function pointer in slot I (dlsym gives a void *; memcpy, not a cast) */
#define FN(ctx, type, i) ({ type f_; memcpy(&f_, &(ctx)->pfm.fn[i], sizeof(f_)); f_; })

int hwpi__pfm_load(struct hwpi_ctx *ctx)
{
	struct hwpi_pfm *p = &ctx->pfm;
	unsigned int i;
	void *dl;

	if (p->dl)
		return 0;
	dl = dlopen(PFM_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return hwpi__err(ctx, -ENOENT, "cannot load %s: %s", PFM_SONAME, dlerror());
	for (i = 0; i < ARRAY_SIZE(pfm_names); i++) {
		p->fn[i] = dlsym(dl, pfm_names[i]);
		if (!p->fn[i]) {
			dlclose(dl);
			memset(p, 0, sizeof(*p));
			return hwpi__err(ctx, -ENOENT, "%s has no %s", PFM_SONAME, pfm_names[i]);
		}
	}
	p->dl = dl;
	return 0;
}

void hwpi__pfm_unload(struct hwpi_ctx *ctx)
{
	if (!ctx->pfm.dl)
		return;
	/* its tables are its own allocations: freed before it is unmapped */
	if (ctx->pfm.initialized)
		FN(ctx, terminate_fn, 3)();
	dlclose(ctx->pfm.dl);
	memset(&ctx->pfm, 0, sizeof(ctx->pfm));
}

static pfm_err_t pfm_init(struct hwpi_ctx *ctx)
{
	return FN(ctx, initialize_fn, 0)();
}

static pfm_err_t pfm_encode(struct hwpi_ctx *ctx, const char *name, void *arg)
{
	return FN(ctx, encode_fn, 1)(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, arg);
}

static const char *pfm_why(struct hwpi_ctx *ctx, int r)
{
	return FN(ctx, strerror_fn, 2)(r);
}

#else /* linked */

int hwpi__pfm_load(struct hwpi_ctx *ctx)
{
	(void)ctx;
	return 0;
}

void hwpi__pfm_unload(struct hwpi_ctx *ctx)
{
	if (ctx->pfm.initialized)
		pfm_terminate();
	ctx->pfm.initialized = false;
}

static pfm_err_t pfm_init(struct hwpi_ctx *ctx)
{
	(void)ctx;
	return pfm_initialize();
}

static pfm_err_t pfm_encode(struct hwpi_ctx *ctx, const char *name, void *arg)
{
	(void)ctx;
	return pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, arg);
}

static const char *pfm_why(struct hwpi_ctx *ctx, int r)
{
	(void)ctx;
	return pfm_strerror(r);
}
#endif

int hwpi__pfm_encode_tracepoint(struct hwpi_ctx *ctx, const char *name,
				struct perf_event_attr *attr, const char **why)
{
	pfm_perf_encode_arg_t arg;
	int r;

	*why = NULL;
	r = hwpi__pfm_load(ctx);
	if (r < 0) {
		*why = ctx->errmsg;
		return r;
	}
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	r = pfm_init(ctx);
	if (r == PFM_SUCCESS) {
		ctx->pfm.initialized = true;
		r = pfm_encode(ctx, name, &arg);
	}
	if (r != PFM_SUCCESS) {
		*why = pfm_why(ctx, r);
		return -EINVAL;
	}
	return 0;
}
