/* SPDX-License-Identifier: MIT */
/* `-e` event sources: tracepoints, uprobes and uretprobes (kprobes where the kernel has them). */
#ifndef SCORCH_PROBE_H
#define SCORCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One resolved perf event: the attr fields that name it. Every event is sampled at each
 * occurrence (period 1), with its stack. config1 points into path/symbol (kept alive here).
 */
struct probe_event {
	uint32_t type;
	uint64_t config, config1, config2;
	char *path;  /* uprobe: the binary; kprobe: the symbol */
	char *label; /* "tracepoint:sched:sched_switch", "uprobe:/usr/bin/x:main" */
	int user;    /* a user-space probe: its kernel callchain (the trap) is noise */
};

struct probe_set {
	struct probe_event *ev;
	int n;
};

/* Globs may name many events; more than this is refused as a likely mistake. */
#define PROBE_MAX_EVENTS 512

/*
 * Resolves one -e SPEC into perf events, appended to set:
 *   tracepoint:CATEGORY:NAME     (globs allowed in both parts; tracefs is mounted when needed)
 *   uprobe:BINARY:SYMBOL         (SYMBOL a glob over the ELF's function symbols; BINARY a
 *   uprobe:BINARY:ret:SYMBOL      path, or a name found in PATH or the library directories)
 *   uretprobe:BINARY:SYMBOL
 *   kprobe:SYMBOL                (only where the kernel has the kprobe PMU)
 * Returns 0, or a negative errno with a one-line reason in err (ENOENT: nothing matched or
 * no such binary; EOPNOTSUPP: the kernel lacks the probe type; EINVAL: a malformed spec).
 */
int probe__resolve(const char *spec, struct probe_set *set, char *err, size_t errlen);

/* True for the names that mean the timer itself (cpu-clock, task-clock, cycles). */
int probe__is_timer(const char *spec);

void probe__free(struct probe_set *set);

#endif
