/* SPDX-License-Identifier: MIT */
/* Private to src/source: what a sampler backend (perf_event.c, bpf.c) sees of the sampler. */
#ifndef SCORCH_SAMPLER_BACKEND_H
#define SCORCH_SAMPLER_BACKEND_H

#include <poll.h>
#include <stdint.h>

#include "../symbol/symbolizer.h"
#include "sampler.h"
#include "stack.h"
#include "target.h"

/*
 * Filled by the front (sampler.c) before ops->open: a backend reads opts, feeds samples and
 * process events to stacks (which symbolizes through sym), and keeps its own state in priv.
 * The front owns everything else: the target processes, the wake fd, time and metadata.
 * There is no start op: open() leaves sampling running (SCOPE_COMMAND: armed for the exec of
 * the held command, e.g. perf's enable_on_exec), and the front releases the command after it.
 * close() may find priv NULL (open failed early) and must then do nothing.
 */
struct sampler {
	const struct sampler_ops *ops;
	struct sampler_opts opts;     /* a copy; freq defaulted; SCOPE_COMMAND: pids = {command} */
	struct symbolizer *sym;	      /* the caller's */
	struct stack_builder *stacks; /* owned by the front */
	struct target *target;	      /* processes whose exit ends sampling */
	int wake_fd;		      /* sampler__wake_on; -1: none */
	pid_t command_pid;	      /* storage for opts.pids under SCOPE_COMMAND */
	uint64_t t0_ns, wall0_ns, tstop_ns;
	bool stopped;
	const struct profile *meta_prof; /* the profile whose metadata is filled */
	char *cmdline;
	char *pick_note; /* how --backend auto chose, for -v ("" otherwise) */
	char info[320];  /* sampler__stats: pick_note joined with the backend's info */
	void *priv; /* the backend's state */
};

/*
 * The fds a backend's poll() must wait on besides its own, so that a target's exit or a key
 * press ends the wait: writes at most max entries to out, returns how many (at most
 * SAMPLER_MAX_WAIT_FDS(s)). The front looks at them itself after poll() returns.
 */
#define SAMPLER_MAX_WAIT_FDS(s) ((s)->opts.npids + 2)
int sampler__wait_fds(const struct sampler *s, struct pollfd *out, int max);
/*
 * poll() for backends whose kernel side aggregates: waits only for a target's exit or the
 * wake fd, up to timeout_ms. Returns how many of those fds are ready (0: the time ran out),
 * or -errno (-EINTR on a signal).
 */
int sampler__wait_targets(const struct sampler *s, int timeout_ms);

/*
 * --call-graph auto for `-- CMD` and -p, decided once before sampling: true when the
 * command's binary (or a target's /proc/PID/exe) lacks frame pointers (unwind__binary_has_fp).
 * The notes say which, for -v.
 */
bool sampler__targets_lack_fp(const struct sampler_opts *o);
#define SAMPLER_AUTO_DWARF_NOTE "call graph auto: dwarf (the binary lacks frame pointers)"
#define SAMPLER_AUTO_FP_NOTE "call graph auto: fp (the binary keeps frame pointers)"

/* The backends. Add a new one here and in the table in sampler.c. */
extern const struct sampler_ops sampler_perf_ops;
extern const struct sampler_ops sampler_bpf_ops;
extern const struct sampler_ops sampler_offcpu_ops; /* opts.off_cpu, whatever opts.backend */

#endif
