/* SPDX-License-Identifier: MIT */
/* scorch's self-profiler: SIGPROF stack sampling inside a process, written as folded or SVG. */
#ifndef SCORCH_SELFPROF_H
#define SCORCH_SELFPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Two ways to use build/libscorch-selfprof.so:
 *  - LD_PRELOAD=build/libscorch-selfprof.so [SCORCH_SELFPROF_OUT=out.folded] prog args
 *    (SCORCH_SELFPROF_HZ sets the rate, default 99; "%p" in the file name becomes the pid;
 *    a name ending in ".svg" gets a flame graph). Without SCORCH_SELFPROF_OUT the file is
 *    scorch-selfprof.PID.folded in the working directory, and one line on stderr says so.
 *    Sampling starts before main and the file is written at exit.
 *    Every process writes its own file: a forked or exec'd child (a new pid) whose name has
 *    no "%p" gets ".PID" before the extension (out.4242.folded); a process that execs writes
 *    what it sampled so far to out.pre-exec1.folded (2, 3... for further execs) just before,
 *    and the new image writes out.folded at exit.
 *  - link with -lscorch-selfprof and call the functions below.
 * Each thread is sampled on its own CPU-time clock, so only running threads are sampled.
 * Stacks are walked with frame pointers: build with -fno-omit-frame-pointer.
 * POSIX CPU timers fire on the scheduler tick, so each thread gets at most about CONFIG_HZ
 * (often 250) samples a second: the periods beyond are counted as missed (timer overruns)
 * and reported on stderr in the LD_PRELOAD mode.
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
/*
 * The samples taken so far, the timer periods that elapsed without a sample (the tick limit,
 * or a thread that stayed in the signal handler), and the samples dropped because the ring
 * was full. Any pointer may be NULL. Returns 0.
 */
int scorch_selfprof_counts(unsigned long long *samples, unsigned long long *missed,
			   unsigned long long *dropped);

#ifdef __cplusplus
}
#endif

#endif
