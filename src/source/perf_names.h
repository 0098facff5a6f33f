/* SPDX-License-Identifier: MIT */
/* Frame naming rules of stackcollapse-perf.pl, shared by the perf-script reader and record. */
#ifndef SCORCH_PERF_NAMES_H
#define SCORCH_PERF_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/util.h"

/*
 * Tidies the function name in sb->buf[start..sb->len) in place, as stackcollapse-perf.pl
 * does: ';' -> ':', everything from the first '(' dropped (except "(anonymous namespace)"
 * and Go methods like "net/http.(*Client).Do"), quotes removed; for java processes a
 * leading 'L' of a class path is dropped.
 */
void perf_names__tidy(struct strbuf *sb, size_t start, bool java);

/* Appends "[basename(module)]" (or "[unknown]") as stackcollapse-perf.pl names a frame
 * without a symbol; with addrs, "[name <pc>]". */
void perf_names__unknown(struct strbuf *sb, const char *module, size_t modlen, const char *pc,
			 size_t pclen, bool addrs);

/* Appends name with ' ' replaced by '_' (process names as stack roots). */
void perf_names__comm(struct strbuf *sb, const char *comm, size_t len);

#endif
