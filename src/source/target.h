/* SPDX-License-Identifier: MIT */
/* The processes a sampler watches: the command it starts (held until sampling is set up). */
#ifndef SCORCH_TARGET_H
#define SCORCH_TARGET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes, as a shell reports them, for a command that could not be started. */
#define TARGET_EXIT_CANNOT_RUN 126 /* found, but not executable */
#define TARGET_EXIT_NOT_FOUND 127

struct target;

/* An empty set of watched processes. Free with target__free. */
struct target *target__new(void);
/* Stops a started command still running (as target__stop), closes everything; accepts NULL. */
void target__free(struct target *t);

/*
 * Forks argv (found like execvp finds it) and holds it before exec until target__start, so
 * that events can be set up on its pid first. It is watched like target__watch. Returns 0,
 * -ENOENT (not found) or -EACCES (not executable), or another -errno; err gets one line
 * ("command not found: NAME").
 */
int target__spawn(struct target *t, char *const argv[], char *err, size_t errlen);
/* The pid of the spawned command, or -1. */
pid_t target__command_pid(const struct target *t);
/*
 * Lets the held command exec. Returns 0, or when exec failed -ENOENT or -EACCES (whatever
 * the cause: err names it, "cannot run 'x': Exec format error"); the command has then been
 * reaped with exit code 127 or 126.
 */
int target__start(struct target *t, char *err, size_t errlen);

/* Watches an existing process (pidfd when the kernel has it, else kill(pid, 0)). */
void target__watch(struct target *t, pid_t pid);
/* Fds that become readable when a watched process exits; fills at most max; returns how many. */
int target__wait_fds(const struct target *t, struct pollfd *out, int max);
/* Notes which watched processes have exited (reaps the command). Never blocks. */
void target__update(struct target *t);
/* True when something is watched and every watched process has exited. */
bool target__all_exited(const struct target *t);
/*
 * A command that never started is released to exit; one still running gets SIGTERM (SIGKILL
 * after 2 s) as perf record does. Either way it is reaped. Idempotent.
 */
void target__stop(struct target *t);
/*
 * Lets a started command that still runs go on alone: stop and free will neither signal nor
 * wait for it. Returns its pid, or 0 when it has already exited (its status is then kept).
 */
pid_t target__detach(struct target *t);

/* The spawned command's wait status once reaped, else -1. */
int target__command_status(const struct target *t);

/* The exit code a shell reports for a wait status: the code, or 128 + signal. */
int target__exit_code(int wstatus);
/* The exit code for a command that failed to start with errno e: 127, 126, or 1 otherwise. */
int target__start_exit_code(int e);

#endif
