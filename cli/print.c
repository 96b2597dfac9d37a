/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text and JSON printers shared by the commands. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "print.h"

const char *print_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	uint64_t v = bytes;
	size_t u = 0;

	if (!bytes || bytes % 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	v /= 1024;
	while (v % 1024 == 0 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
	return buf;
}

void print_target_json(struct json *j, const struct hwpi_target *t)
{
	bool vaddr = t->pid && t->have_vaddr;

	if (t->pid)
		json_kv_i64(j, "pid", t->pid);
	else
		json_kv_null(j, "pid");
	if (vaddr)
		json_kv_hex(j, "vaddr", t->vaddr);
	else
		json_kv_null(j, "vaddr");
	if (t->have_pfn) {
		json_kv_hex(j, "pfn", t->pfn);
		json_kv_hex(j, "phys", t->phys);
	} else {
		json_kv_null(j, "pfn");
		json_kv_null(j, "phys");
	}
	if (t->page_size)
		json_kv_u64(j, "page_size", t->page_size);
	else
		json_kv_null(j, "page_size");
	if (vaddr && t->kind != HWPI_MAP_NONE)
		json_kv_string(j, "mapping", hwpi_mapping_kind_name(t->kind));
	else
		json_kv_null(j, "mapping");
	json_kv_string_or_null(j, "path", vaddr ? t->map.path : NULL);
}

void print_target_text(FILE *f, const struct hwpi_target *t)
{
	char size[32];

	if (t->pid)
		cli_kv(f, "pid", "%d", (int)t->pid);
	if (t->pid && t->have_vaddr) {
		cli_kv(f, "vaddr", "0x%" PRIx64, t->vaddr);
		cli_kv(f, "mapping", "%s %s%s%s", hwpi_mapping_kind_name(t->kind), t->map.perms,
		       t->map.path[0] ? " " : "", t->map.path);
	}
	if (t->have_pfn) {
		cli_kv(f, "pfn", "0x%" PRIx64, t->pfn);
		cli_kv(f, "phys", "0x%" PRIx64, t->phys);
	} else if (t->pid && t->have_vaddr && !t->present && !t->poisoned_entry) {
		cli_kv(f, "pfn", "none (page not present)");
	} else {
		cli_kv(f, "pfn", "unknown");
	}
	if (t->page_size)
		cli_kv(f, "page size", "%s", print_size(t->page_size, size, sizeof(size)));
}

void print_counters_json(struct json *j, const char *key, const struct hwpi_mf_counters *c)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_u64(j, "total", c->total);
	json_kv_u64(j, "ignored", c->ignored);
	json_kv_u64(j, "failed", c->failed);
	json_kv_u64(j, "delayed", c->delayed);
	json_kv_u64(j, "recovered", c->recovered);
	json_object_end(j);
}

void print_kernel_json(struct json *j, const struct hwpi_report *r, bool with_action)
{
	unsigned int i, n = r->n_messages;

	json_key(j, "kernel");
	json_object_begin(j);
	json_kv_string_or_null(j, "release", r->release);
	json_kv_i64(j, "errno", abs(r->err));
	if (r->err)
		json_kv_string(j, "error", strerror(abs(r->err)));
	if (with_action) {
		json_key(j, "action");
		if (!r->page_type[0] && !r->result[0]) {
			json_null(j);
		} else {
			json_object_begin(j);
			json_kv_string_or_null(j, "page_type", r->page_type);
			json_kv_string_or_null(j, "result", r->result);
			json_kv_string_or_null(j, "source", r->action_source);
			json_object_end(j);
		}
	}
	json_key(j, "messages");
	json_array_begin(j);
	if (n > HWPI_MAX_MESSAGES)
		n = HWPI_MAX_MESSAGES;
	for (i = 0; i < n; i++)
		json_string(j, r->messages[i]);
	json_array_end(j);
	if (with_action) {
		json_key(j, "tracepoints");
		json_object_begin(j);
		json_kv_bool(j, "used", !r->trace_error[0]);
		json_kv_string_or_null(j, "error", r->trace_error);
		json_kv_string_or_null(j, "note", r->trace_note);
		json_object_end(j);
		json_key(j, "counters");
		if (!r->counters_known) {
			json_null(j);
		} else {
			json_object_begin(j);
			print_counters_json(j, "before", &r->counters_before);
			print_counters_json(j, "after", &r->counters_after);
			json_object_end(j);
		}
	}
	json_object_end(j);
}

void print_kernel_text(FILE *f, const struct hwpi_report *r, bool with_action, bool dry_run)
{
	unsigned int i, n = r->n_messages;

	cli_kv(f, "kernel", "%s", r->release[0] ? r->release : "unknown");
	if (dry_run) {
		cli_kv(f, "kernel said", "nothing asked (dry run)");
		return;
	}
	if (r->err)
		cli_kv(f, "kernel said", "refused: %s (errno %d)", strerror(abs(r->err)),
		       abs(r->err));
	else
		cli_kv(f, "kernel said", "accepted");
	if (with_action) {
		if (r->page_type[0] || r->result[0])
			cli_kv(f, "action", "%s: %s%s%s%s", r->page_type[0] ? r->page_type : "?",
			       r->result[0] ? r->result : "?",
			       r->action_source[0] ? " (from " : "", r->action_source,
			       r->action_source[0] ? ")" : "");
		else if (r->trace_error[0])
			cli_kv(f, "action", "unknown (no kernel message seen; no tracepoint: %s)",
			       r->trace_error);
		else
			cli_kv(f, "action", "unknown (no tracepoint event or kernel message seen)");
	}
	if (n > HWPI_MAX_MESSAGES)
		n = HWPI_MAX_MESSAGES;
	for (i = 0; i < n; i++)
		cli_kv(f, i ? "" : "messages", "%s", r->messages[i]);
}

void print_poison_json(struct json *j, const struct hwpi_report *r)
{
	if (r->already_poisoned_known)
		json_kv_bool(j, "already_poisoned", r->already_poisoned);
	else
		json_kv_null(j, "already_poisoned");
	if (r->poisoned_known)
		json_kv_bool(j, "poisoned", r->poisoned);
	else
		json_kv_null(j, "poisoned");
	json_key(j, "hardware_corrupted_kb");
	if (!r->hwcorrupted_known) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_u64(j, "before", r->hwcorrupted_before_kb);
	json_kv_u64(j, "after", r->hwcorrupted_after_kb);
	json_object_end(j);
}

void print_poison_text(FILE *f, const struct hwpi_report *r)
{
	if (r->already_poisoned_known && r->already_poisoned)
		cli_kv(f, "before", "the page was already poisoned");
	cli_kv(f, "poisoned", "%s", !r->poisoned_known ? "unknown" : r->poisoned ? "yes" : "no");
	if (r->hwcorrupted_known)
		cli_kv(f, "hw corrupted", "%" PRIu64 " kB -> %" PRIu64 " kB",
		       r->hwcorrupted_before_kb, r->hwcorrupted_after_kb);
}
