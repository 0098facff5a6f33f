/* SPDX-License-Identifier: MIT */
/* Private to src/source/bpf*.c: process events (comm, fork, exit, mmap) beside BPF sampling. */
#ifndef SCORCH_SOURCE_BPF_SIDEBAND_H
#define SCORCH_SOURCE_BPF_SIDEBAND_H

#include <stddef.h>
#include <stdint.h>

#include "bpf.h"

struct bpf_sideband;

/*
 * Opens a dummy software event per online CPU that takes no samples but records the comm,
 * fork, exit and mmap of every process (pid -1), or of pid and the processes and threads it
 * starts from now on (perf_decode.c's sample_id_all layout, CLOCK_MONOTONIC). Returns 0 and
 * *out, or -errno and a one-line reason in err.
 */
int bpf_sideband__open(struct bpf_sideband **out, int pid, char *err, size_t errlen);
/*
 * The same, for a reader that acts on process events at once (the DWARF unwinder's mapping
 * tables): a thread wakes on every record and hands it to hook (not NULL) in ring order, under
 * the hook lock (__lock/__unlock), never the rings' lock, so a drain does not wait for a slow
 * hook; the records stay queued for bpf_sideband__drain, which replays them in time order.
 * Whatever the hook touches is read elsewhere only between __lock and __unlock.
 * Up to burst wake-ups per 100 ms are read at once; past that the thread rests 20 ms after
 * each (0: always), trading how soon a record is read for fewer wake-ups in a fork storm.
 */
int bpf_sideband__open_hooked(struct bpf_sideband **out, int pid, bpf_record_fn hook, void *ctx,
			      unsigned burst, char *err, size_t errlen);
void bpf_sideband__lock(struct bpf_sideband *sb);
void bpf_sideband__unlock(struct bpf_sideband *sb);
/* Waits up to timeout_ms for records; 0, -EINTR on a signal, or another -errno. */
int bpf_sideband__poll(struct bpf_sideband *sb, int timeout_ms);
/*
 * Hands every record that arrived with a time up to until (CLOCK_MONOTONIC ns) to record (may
 * be NULL), all CPUs merged in time order; later ones wait for the next call.
 */
void bpf_sideband__drain(struct bpf_sideband *sb, uint64_t until, bpf_record_fn record, void *ctx);
/* Copies what the rings hold into the queue bpf_sideband__drain replays (so the rings do not
 * fill between drains), and shows it to the hook. Returns the records queued now. */
size_t bpf_sideband__collect(struct bpf_sideband *sb);
/* A record's time: sample_id_all ends every non-sample record with {..., time, cpu}. */
uint64_t bpf_sideband__time(const struct perf_event_header *h);
/* Records the kernel lost so far (PERF_RECORD_LOST). */
uint64_t bpf_sideband__lost(const struct bpf_sideband *sb);
/* Bytes of records read out of the rings so far. */
uint64_t bpf_sideband__bytes(const struct bpf_sideband *sb);
/* Unmaps and closes; accepts NULL. */
void bpf_sideband__close(struct bpf_sideband *sb);

#endif
