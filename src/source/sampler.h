/* SPDX-License-Identifier: MIT */
/* Backend-neutral live sampling: options, statistics and the ops table every backend fills. */
#ifndef SCORCH_SAMPLER_H
#define SCORCH_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../model/profile.h"
#include "../symbol/symbolizer.h"

/*
 * The flow: a backend (perf_event.c, bpf.c) produces raw samples {pid, tid, cpu, time,
 * kernel ips, user ips, weight} and process events (comm, fork, exec, mmap, exit); the stack
 * builder (stack.h) turns them into profile stacks through the caller's symbolizer. Process
 * spawn and reap (`-- CMD`) live in target.h. cli/ sees only this header and target.h (exit
 * codes); backends also see sampler_backend.h (struct sampler, the backend table).
 */

enum sampler_backend { SAMPLER_AUTO, SAMPLER_PERF, SAMPLER_BPF };
enum sampler_scope { SCOPE_PIDS, SCOPE_ALL, SCOPE_CPU, SCOPE_COMMAND };
enum sampler_stacks { STACKS_BOTH, STACKS_KERNEL_ONLY, STACKS_USER_ONLY };
enum sampler_root { ROOT_COMM, ROOT_PID, ROOT_TID };
/*
 * How user stacks are walked. FP: frame pointers (the kernel's callchain). DWARF: CFI
 * unwinding of a copy of the user stack (perf backend) or of the live stack in BPF. FP_LEAF:
 * frame pointers, with the first frames rebuilt from CFI over a small stack copy. AUTO: DWARF
 * for processes whose main binary lacks frame pointers, FP otherwise.
 */
enum sampler_call_graph { CALL_GRAPH_AUTO, CALL_GRAPH_FP, CALL_GRAPH_DWARF, CALL_GRAPH_FP_LEAF };
#define SAMPLER_STACK_SIZE_DEFAULT 16384u /* --call-graph dwarf: bytes of user stack copied */
#define SAMPLER_STACK_SIZE_MAX 65528u     /* the kernel's limit (u16, 8-byte aligned) */

struct sampler_opts {
	enum sampler_backend backend;
	enum sampler_scope scope;
	pid_t *pids;        /* SCOPE_PIDS; SCOPE_COMMAND: the sampler's copy holds the command's pid */
	int npids;
	int *cpu_list;      /* SCOPE_CPU: sorted, unique */
	int ncpu_list;
	char **argv;        /* SCOPE_COMMAND: the command to start (see target.h) */
	unsigned freq;      /* Hz, default 99 */
	enum sampler_stacks stacks;
	enum sampler_root root;
	enum sampler_call_graph call_graph;
	unsigned stack_size; /* DWARF/FP_LEAF: user-stack bytes per sample; 0: the mode's default */
	bool group_by_cpu;
	bool skip_idle;
	bool inlines, srcline, demangle;
	bool timeline;      /* keep (time, pid, tid, cpu, leaf) per sample in the profile */
	/*
	 * -e sources (probe.h): tracepoint:, uprobe:, uretprobe: specs sampled at every
	 * occurrence, with stacks, instead of the timer (perf backend); NULL: the timer.
	 */
	char **events;
	int nevents;
	/*
	 * Off-CPU (offcpu_sampler.c, needs root and kernel BTF): off_cpu counts the time threads
	 * spend blocked, per stack, in ns (column 0 becomes "ns"); off_wake adds the waker's
	 * stack above a "--" frame; on_off also samples on-CPU stacks with `backend`, each
	 * weighted 1e9/freq ns, and ends off-CPU stacks with a [blocked] or [runnable] frame
	 * (FRAME_OFFCPU). Intervals outside [min_block_ns, max_block_ns] (0: no bound) are
	 * skipped; state_mask: OFFCPU_TASK_* bits that count as blocked (0: S and D).
	 */
	bool off_cpu, off_wake, on_off;
#define SAMPLER_STATE_S 0x1u /* TASK_INTERRUPTIBLE: sleeping (ps state S) */
#define SAMPLER_STATE_D 0x2u /* TASK_UNINTERRUPTIBLE: disk sleep (ps state D) */
	uint64_t min_block_ns, max_block_ns;
	unsigned state_mask;
	/* a thread's kernel stack at a block is walked anew at least every kstack_every blocks
	 * at the same user stack and state, else its last one is kept (0: 8) */
	unsigned kstack_every;
	/*
	 * A long-running agent (record --every): its own CPU comes first. System-wide, the BPF
	 * backend's side-band reader then rests 50 ms after every wake-up, so a new process's
	 * DWARF tables can reach the kernel up to 50 ms after it starts (its samples until then
	 * are walked by frame pointers); otherwise it reads a process's start at once.
	 */
	bool agent;
};

struct sampler_stats {
	const char *backend;  /* "perf_event", "bpf" */
	const char *event;    /* "cpu-clock" or the hardware event used */
	uint64_t samples;
	uint64_t lost;        /* samples the kernel could not deliver (ring full, map full) */
	uint64_t throttled;   /* throttle events */
	uint64_t errors;      /* other per-sample failures the backend counted */
	uint64_t bytes_in;    /* bytes read from the kernel: ring records, BPF map entries */
	uint64_t elapsed_ns;
	double self_cpu;      /* scorch's own CPU use, percent of one core */
	bool targets_exited;  /* every target process has exited */
	const char *note;     /* one line worth telling the user (rate capped, no kernel frames) */
	const char *info;     /* one line for -v only (the event fallback), or NULL */
	const char *unwind;   /* user-space unwinding (dwarf, fp+leaf): samples stopped early by
				 cause, stacks repaired; NULL when none */
	unsigned freq;        /* the rate actually asked of the kernel (-F may be capped) */
	size_t unwind_spaces, unwind_dwfls; /* perf dwarf unwinder: address spaces known, and
					       those with their CFI loaded (bounded) */
	uint64_t unresolved[SYM_WHY_COUNT]; /* sample frames without a symbol, by enum sym_why
					       (stack__unresolved_text words them) */
};

struct sampler;

/*
 * What a backend implements. open() sets up events for the targets in opts (for
 * SCOPE_COMMAND the target module has already started the command, held before exec, and put
 * its pid in opts->pids); poll() waits up to timeout_ms for data (returns 0, -EINTR when a
 * signal arrived, or another -errno); drain() moves everything that arrived into p through
 * the stack builder; stats() fills st; close() frees, accepts a half-open sampler.
 * Each returns 0 or a negative errno; open() writes a one-line reason into err.
 */
struct sampler_ops {
	const char *name;
	int (*open)(struct sampler *s, char *err, size_t errlen);
	int (*poll)(struct sampler *s, int timeout_ms);
	int (*drain)(struct sampler *s, struct profile *p);
	void (*stats)(const struct sampler *s, struct sampler_stats *st);
	void (*close)(struct sampler *s);
	/* Optional: sampling ends (sampler__stop); what was taken stays to be drained. */
	void (*stop)(struct sampler *s);
	/* How often the caller need drain, in ms (0: SAMPLER_DRAIN_MS). A backend whose kernel
	 * side aggregates wants fewer drains than one whose rings fill. */
	int drain_ms;
};

#define SAMPLER_DRAIN_MS 100

struct symbolizer;

/*
 * The front every caller uses. Opens a sampler with the backend opts->backend asks for
 * (SAMPLER_AUTO: perf_event). For SCOPE_COMMAND it starts opts->argv held before exec, sets
 * up the events on it, then lets it run (target.h). sym is the caller's, and must outlive the
 * sampler. Sampling runs from here on.
 * On failure returns NULL, writes a one-line reason into err and sets errno: ENOENT (not
 * found) or EACCES (not executable) only when the command could not be started; ESRCH for
 * a pid that does not exist, EPERM when perf_event_paranoid forbids the events, EINVAL for
 * bad options (an offline CPU), EOPNOTSUPP for a backend this build lacks.
 */
struct sampler *sampler__open(const struct sampler_opts *opts, struct symbolizer *sym, char *err,
			      size_t errlen);
/*
 * Waits up to timeout_ms for samples, a target's exit, or the wake fd. Returns 0, -EINTR
 * when a signal arrived, or another negative errno. Call sampler__drain afterwards.
 */
int sampler__poll(struct sampler *s, int timeout_ms);
/*
 * Moves every sample and process event that arrived into p (column 0, symbolized), and fills
 * p's metadata (event, frequency, start, duration, lost, command line, host). Keep passing
 * the same profile: the symbol cache holds its frame ids. Returns 0 or a negative errno.
 */
int sampler__drain(struct sampler *s, struct profile *p);
/* How long a caller that only records may wait between drains, in ms: 100 for perf_event's
 * rings, 1000 for the BPF backend, whose kernel side counts (issue 8: drained once a second). */
int sampler__drain_interval_ms(const struct sampler *s);
/* Makes sampler__poll return as soon as fd is readable (a UI's keyboard); -1: none. */
void sampler__wake_on(struct sampler *s, int fd);
/* Current statistics; elapsed_ns stops growing at sampler__stop. */
void sampler__stats(struct sampler *s, struct sampler_stats *st);
struct stack_tables;
/* The per-process state the stack builder holds now (stack.h), for -v. */
void sampler__tables(const struct sampler *s, struct stack_tables *t);
/*
 * Ends the measured time and, for SCOPE_COMMAND, stops the command if it still runs
 * (SIGTERM, as perf record does) and reaps it. Stats stay readable. Idempotent.
 */
void sampler__stop(struct sampler *s);
/*
 * `-d` without --kill: the command keeps running after sampling stops. Returns its pid, or 0
 * when it has exited already. Call before sampler__stop.
 */
pid_t sampler__detach_command(struct sampler *s);
/* SCOPE_COMMAND: the command's exit code (0..255, 128 + signal) once it has ended, else -1. */
int sampler__exit_code(const struct sampler *s);
/* Stops (as sampler__stop) and frees; accepts NULL. */
void sampler__close(struct sampler *s);

#endif
