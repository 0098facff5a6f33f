/* SPDX-License-Identifier: MIT */
/* Private to src/source/bpf*.c: process events (comm, fork, exit, mmap) beside BPF sampling. */
#ifndef SCORCH_SOURCE_BPF_SIDEBAND_H
#define SCORCH_SOURCE_BPF_SIDEBAND_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf.h"

struct bpf_sideband;

/*
 * Opens a dummy software event per online CPU that takes no samples but records every
 * process's comm, fork, exit and mmap (perf_decode.c's sample_id_all layout, CLOCK_MONOTONIC).
 * Returns 0 and *out, or -errno and a one-line reason in err.
 */
int bpf_sideband__open(struct bpf_sideband **out, char *err, size_t errlen);
/*
 * The same, for a reader that acts on process events at once (the DWARF unwinder's mapping
 * tables): every record wakes a poller of bpf_sideband__fds, and hook (not NULL) sees each
 * record as bpf_sideband__collect or __drain reads it, in ring order, before the drain
 * replays them in time order.
 */
int bpf_sideband__open_hooked(struct bpf_sideband **out, bpf_record_fn hook, void *ctx,
			      char *err, size_t errlen);
/* Writes up to max pollfds of the rings into out (POLLIN); returns how many (out NULL: all). */
int bpf_sideband__fds(const struct bpf_sideband *sb, struct pollfd *out, int max);
/* Reads what the rings hold now (running the hook) and keeps it for the next drain. */
void bpf_sideband__collect(struct bpf_sideband *sb);
/* Waits up to timeout_ms for records; 0, -EINTR on a signal, or another -errno. */
int bpf_sideband__poll(struct bpf_sideband *sb, int timeout_ms);
/* Hands every record that arrived to record (may be NULL), all CPUs merged in time order. */
void bpf_sideband__drain(struct bpf_sideband *sb, bpf_record_fn record, void *ctx);
/* Records the kernel lost so far (PERF_RECORD_LOST). */
uint64_t bpf_sideband__lost(const struct bpf_sideband *sb);
/* Unmaps and closes; accepts NULL. */
void bpf_sideband__close(struct bpf_sideband *sb);

#endif
