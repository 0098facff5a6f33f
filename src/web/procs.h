/* SPDX-License-Identifier: MIT */
/* The process list of serve: pid, user, comm, CPU% (command lines only when allowed). */
#ifndef SCORCH_WEB_PROCS_H
#define SCORCH_WEB_PROCS_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>

struct procs;

/* Creates the list's state (CPU% needs the previous reading). Free with procs__free. */
struct procs *procs__new(const regex_t *pattern, bool show_cmdline, unsigned max);
void procs__free(struct procs *ps);

/*
 * A JSON array of {pid, user, comm, cpu[, cmdline]} for every process the pattern allows,
 * busiest first, at most max entries. CPU% is over the time since the previous call (at
 * least 200 ms apart), else over the process's life. Thread-safe. Caller owns the result.
 */
json_t *procs__list(struct procs *ps);

#endif
