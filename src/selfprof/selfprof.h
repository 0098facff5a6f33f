/* SPDX-License-Identifier: MIT */
/* scorch's self-profiler: SIGPROF stack sampling inside a process, written as folded or SVG. */
#ifndef SCORCH_SELFPROF_H
#define SCORCH_SELFPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Two ways to use build/libscorch-selfprof.so:
 *  - LD_PRELOAD=build/libscorch-selfprof.so SCORCH_SELFPROF_OUT=out.folded prog args
 *    (SCORCH_SELFPROF_HZ sets the rate, default 99; "%p" in the file name becomes the pid;
 *    a name ending in ".svg" gets a flame graph).
 *    Sampling starts before main and the file is written at exit.
 *  - link with -lscorch-selfprof and call the functions below.
 * Each thread is sampled on its own CPU-time clock, so only running threads are sampled.
 * Stacks are walked with frame pointers: build with -fno-omit-frame-pointer.
 * POSIX CPU timers fire on the scheduler tick: rates above CONFIG_HZ (often 250) saturate.
 */

/* Starts sampling every existing thread and the ones created later. Returns 0 or -errno. */
int scorch_selfprof_start(unsigned hz);
/* Stops sampling (keeps the samples). Returns 0 or -errno. */
int scorch_selfprof_stop(void);
/*
 * Writes the samples so far (atomically): an SVG flame graph when path ends in ".svg", sorted
 * folded stacks otherwise. Names come from scorch's symbolizer, as `scorch record` prints
 * them. Returns 0 or -errno.
 */
int scorch_selfprof_write_folded(const char *path);

#ifdef __cplusplus
}
#endif

#endif
