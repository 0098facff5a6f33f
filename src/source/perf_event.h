/* SPDX-License-Identifier: MIT */
/* Live sampling with perf_event_open: stacks from running processes into a struct profile. */
#ifndef SCORCH_PERF_EVENT_H
#define SCORCH_PERF_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../model/profile.h"

enum record_scope { SCOPE_PIDS, SCOPE_ALL, SCOPE_CPU, SCOPE_COMMAND };
enum record_stacks { STACKS_BOTH, STACKS_KERNEL_ONLY, STACKS_USER_ONLY };
enum record_root { ROOT_COMM, ROOT_PID, ROOT_TID };

struct record_opts {
	enum record_scope scope;
	pid_t *pids;        /* SCOPE_PIDS */
	int npids;
	int cpu;            /* SCOPE_CPU: the CPU when cpu_list is empty */
	int *cpu_list;      /* SCOPE_CPU: several CPUs (-C 0,2-3), sorted, unique */
	int ncpu_list;
	char **argv;        /* SCOPE_COMMAND: the command to start */
	unsigned freq;      /* Hz, default 99 */
	enum record_stacks stacks;
	enum record_root root;
	bool group_by_cpu;
	bool skip_idle;
	bool inlines, srcline, demangle;
	bool timeline;      /* keep (time, tid, leaf) per sample in the profile */
};

struct record_stats {
	uint64_t samples;
	uint64_t lost;       /* from PERF_RECORD_LOST */
	uint64_t throttled;  /* PERF_RECORD_THROTTLE count */
	uint64_t elapsed_ns;
	double self_cpu;     /* scorch's own CPU use, percent of one core */
	const char *event;   /* "cpu-clock" or the hardware event used */
	bool targets_exited; /* every target process has exited */
	int child_status;    /* SCOPE_COMMAND: wait status of the command, -1 while running */
	const char *note;    /* one line worth telling the user (event fallback), or NULL */
};

struct perf_session;

/*
 * Opens events (and starts the command for SCOPE_COMMAND, stopped until enabled).
 * On failure returns NULL, writes a one-line reason into err and sets errno: ENOENT for a
 * command that does not exist, EACCES for one that cannot be executed, ESRCH for a pid that
 * does not exist, EPERM when perf_event_paranoid forbids the events, EINVAL for bad options.
 */
struct perf_session *perf_session__open(const struct record_opts *opts, char *err,
					size_t errlen);
/*
 * Enables sampling (starts the command for SCOPE_COMMAND). Returns 0 or a negative errno;
 * when exec of the command fails it returns that -errno (the command printed why).
 */
int perf_session__start(struct perf_session *s);
/*
 * Waits up to timeout_ms for data, then drains every ring buffer into p (symbolizing new
 * samples). Returns 0, -EINTR when interrupted by a signal, or another negative errno.
 * Keep passing the same profile: the symbol cache holds its frame ids (another profile
 * flushes the cache). Timeline times are ns since perf_session__start; the session fills
 * p's metadata (event, frequency, start, duration, lost, command line).
 */
int perf_session__poll(struct perf_session *s, struct profile *p, int timeout_ms);
/* Makes perf_session__poll return early when fd is readable (a UI's keyboard); -1: none. */
void perf_session__wake_on(struct perf_session *s, int fd);
void perf_session__stats(const struct perf_session *s, struct record_stats *st);
/*
 * Stops sampling; for SCOPE_COMMAND a command still running gets SIGTERM and is reaped, so
 * that child_status is final. Stats stay readable until close. Idempotent.
 */
void perf_session__stop(struct perf_session *s);
/* Stops sampling, reaps the command; returns. Accepts NULL. */
void perf_session__close(struct perf_session *s);

#endif
