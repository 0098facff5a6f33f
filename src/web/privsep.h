/* SPDX-License-Identifier: MIT */
/* serve's privilege split: a privileged sampling helper driven over a socketpair. */
#ifndef SCORCH_WEB_PRIVSEP_H
#define SCORCH_WEB_PRIVSEP_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../source/sampler.h"

/*
 * The helper is forked before the HTTP process drops root. It reads fixed-size requests from
 * a SOCK_SEQPACKET socket, checks every field (pids exist and match the process pattern,
 * bounds on seconds and frequency, known mode and call-graph values) and, for a valid one,
 * forks a sampler that streams the profile as wire.h deltas into a fresh socket whose other
 * end it passes back (SCM_RIGHTS). No shell and no exec other than the operator's own
 * `serve -- CMD`. Writing a byte into the data socket stops that sampler early (it still
 * sends what it has); closing it stops it at once.
 */

#define PRIV_MAGIC 0x53435250u /* "SCRP" */
#define PRIV_MAX_PIDS 64

enum priv_op { PRIV_START = 1, PRIV_START_CLI };
enum priv_mode { PRIV_MODE_CPU, PRIV_MODE_OFFCPU, PRIV_MODE_ONOFF, PRIV_MODE_COUNT };

struct priv_request {
	uint32_t magic, op;
	uint32_t all, npids;
	int32_t pids[PRIV_MAX_PIDS];
	uint32_t seconds, hz, mode, call_graph; /* call_graph: enum sampler_call_graph */
};

struct priv_opts {
	const regex_t *pattern;   /* pids must match it (comm or command line); NULL: any */
	unsigned max_seconds, max_hz;
	size_t max_timeline;      /* per-sample times forwarded at most, per profile */
	/* The command line's profile (-p, -a, -- CMD), started by PRIV_START_CLI once; or NULL. */
	const struct sampler_opts *cli;
	unsigned cli_seconds;     /* 0: until its targets exit or it is stopped */
	int close_fd;             /* closed in the helper (the listening socket); -1: none */
};

/*
 * Forks the helper. Returns the control socket's fd (the caller's end) and the helper's pid,
 * or a negative errno.
 */
int priv__spawn(const struct priv_opts *o, pid_t *helper);

/*
 * Asks the helper (over ctl, one request at a time: callers serialise) to start sampling.
 * Returns the data socket's fd, or a negative errno with a one-line reason in err: -EINVAL
 * (a bad field), -EPERM (a pid outside the pattern, or all processes with a pattern),
 * -ESRCH (no such pid), -EPIPE (the helper is gone).
 */
int priv__start(int ctl, const struct priv_request *rq, char *err, size_t errlen);

/* True when pid's comm or command line matches re (read from /proc). */
bool priv__pid_matches(const regex_t *re, pid_t pid);

#endif
