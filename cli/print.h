/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text and JSON printers shared by the commands. */
#ifndef HWPINJECT_CLI_PRINT_H
#define HWPINJECT_CLI_PRINT_H

#include <stdio.h>

#include <hwpinject.h>

#include "json.h"

/*
 * Target fields: pid, vaddr, pfn, phys, page_size, mapping, path.  Facts
 * that do not apply or are unknown are null.
 */
void print_target_json(struct json *j, const struct hwpi_target *t);
void print_target_text(FILE *f, const struct hwpi_target *t);

/* "kernel":{"release","errno","error","action"(if WITH_ACTION),"messages"} */
/* "KEY": {"total": …, "ignored": …, "failed": …, "delayed": …, "recovered": …} */
void print_counters_json(struct json *j, const char *key, const struct hwpi_mf_counters *c);
void print_kernel_json(struct json *j, const struct hwpi_report *r, bool with_action);
/* kernel, its answer (or "dry run"), action (if WITH_ACTION), messages. */
void print_kernel_text(FILE *f, const struct hwpi_report *r, bool with_action, bool dry_run);

/* "poisoned" and "hardware_corrupted_kb" */
void print_poison_json(struct json *j, const struct hwpi_report *r);
void print_poison_text(FILE *f, const struct hwpi_report *r);

/* "4 KiB", "2 MiB", or the number of bytes. */
const char *print_size(uint64_t bytes, char *buf, size_t len);

#endif /* HWPINJECT_CLI_PRINT_H */
