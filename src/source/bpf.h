/* SPDX-License-Identifier: MIT */
/* The eBPF sampling backend: stacks counted in the kernel, drained as neutral raw samples. */
#ifndef SCORCH_SOURCE_BPF_H
#define SCORCH_SOURCE_BPF_H

#include <linux/perf_event.h>
#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/profile.h"
#include "bpf_unwind.h"
#include "sampler.h"
#include "stack.h"


/*
 * What this backend adds to struct sampler_stats: every kernel counter (indexed by enum
 * profile_counter, totals since open) and the traffic between kernel and user space.
 */
struct bpf_backend_detail {
	uint64_t counters[PC_NR];
	uint64_t stacks_missing;  /* a count's stack id was no longer in the stack map */
	uint64_t sideband_lost;   /* process events the side-band rings lost */
	uint64_t wait_timeouts;   /* drains that gave up waiting for an in-flight sample */
	uint64_t bytes_moved;     /* bytes read from BPF maps: count keys, values and stacks */
	uint64_t drains;
	uint64_t stacks_cached;   /* stacks held on the user side (below 2 x stack_entries, plus
				     --call-graph dwarf's user stacks, one per bucket at most) */
	uint32_t counts_entries;  /* bound of each counts hash (they start smaller and grow) */
	uint32_t stack_entries;   /* bound of each stacks hash */
	uint64_t set_grown;       /* counts or stacks hashes replaced by bigger ones */
	struct bpf_unwind_stats unwind; /* --call-graph dwarf: tables and mappings loaded */
	uint64_t prog_run_ns, prog_runs; /* the sampling program's time in the kernel, when
					    kernel.bpf_stats_enabled is 1 (else 0) */
};

/* A sample of the drained interval; s and the arrays it points to are valid during the call. */
typedef void (*bpf_sample_fn)(void *ctx, const struct raw_sample *s);
/* A side-band perf record (COMM, FORK, EXIT, MMAP, MMAP2, LOST) with sample_id_all trailer
 * {pid, tid, time (CLOCK_MONOTONIC), cpu}, as perf_decode.c reads them. */
typedef void (*bpf_record_fn)(void *ctx, const struct perf_event_header *h);

struct bpf_backend;

/* How often the sampler's poll looks at the side band and at the active set's fill. */
#define BPF_POLL_STEP_MS 100

/*
 * 0 when this machine can run the backend (root, kernel BTF); else -errno and a one-line
 * reason in why. Used by --backend auto.
 */
int bpf_backend__available(char *why, size_t whylen);

/* Routes libbpf's messages (kept for error messages; printed with SCORCH_LIBBPF_LOG set). */
void bpf_backend__quiet_libbpf(void);

/*
 * A load of what (e.g. "the BPF sampler") failed with errno e: the message into err, naming
 * the verifier's reason when it rejected a program. Returns -e.
 */
int bpf_backend__load_error(int e, const char *what, char *err, size_t errlen);

/*
 * Loads and attaches the BPF programs for o's targets and starts sampling: one perf event per
 * sampled CPU (cycles, or cpu-clock without a PMU), a side-band event per online CPU for
 * process events. o is copied; o->pids and o->cpu_list are read only here. Map sizes follow
 * from o->freq x CPUs x two 1 s drain intervals; SCORCH_BPF_COUNTS_ENTRIES and
 * SCORCH_BPF_STACK_ENTRIES override them. Returns 0 and *out, or -errno and a reason in err.
 */
int bpf_backend__open(struct bpf_backend **out, const struct sampler_opts *o, char *err,
		      size_t errlen);

/* Waits up to timeout_ms for side-band events; 0, -EINTR on a signal, or another -errno. */
int bpf_backend__poll(struct bpf_backend *b, int timeout_ms);

/*
 * Moves everything counted since the last drain out of the kernel: first the side-band
 * records in time order through record (may be NULL), then one sample per distinct key
 * through sample, with weight = count. The drained set's stacks hash is emptied in batches
 * into a user-side cache keyed by the stacks' hashes, which keeps what recent drains used
 * (bounded: bpf_stacks.h). Returns 0 or -errno.
 */
int bpf_backend__drain(struct bpf_backend *b, bpf_record_fn record, bpf_sample_fn sample,
		       void *ctx);

/* Reads the process events that arrived into the queue the next drain replays; returns how
 * many wait there. */
size_t bpf_backend__collect(struct bpf_backend *b);

/*
 * Detaches the sampling events: nothing more is counted, and the next drain takes all that
 * was (without this, the samples counted after the last drain's flip would be lost).
 */
void bpf_backend__stop(struct bpf_backend *b);

/*
 * True when the set being written is past half full (its counts or its stacks hash): the
 * caller should drain now rather than at the interval's end. The sets start small and grow
 * at the drains that find them past half full, so this comes while they grow and when a
 * burst of new stacks outruns them.
 */
bool bpf_backend__filling(const struct bpf_backend *b);

/* Fills st (backend "bpf") from the counters of the last drain; st->note may point into b. */
void bpf_backend__stats(const struct bpf_backend *b, struct sampler_stats *st);
/* Fills d with the backend's own counters. */
void bpf_backend__detail(const struct bpf_backend *b, struct bpf_backend_detail *d);

/* Detaches and frees; accepts NULL. */
void bpf_backend__close(struct bpf_backend *b);

/*
 * --call-graph dwarf/auto: the maps the backend's unwinder keeps current (CFI row shards,
 * process mappings), for another BPF object to share (the off-CPU one of --on-off). Returns
 * 0, or -ENOENT when user stacks are walked by frame pointers.
 */
int bpf_backend__unwind_fds(const struct bpf_backend *b, int *shards_fd, int *procs_fd);

#endif
