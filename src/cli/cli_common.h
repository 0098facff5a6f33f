/* SPDX-License-Identifier: MIT */
/* Option parsing shared by the subcommands that sample (record, top). */
#ifndef SCORCH_CLI_COMMON_H
#define SCORCH_CLI_COMMON_H

#include <sys/types.h>

#include "../source/sampler.h"

/*
 * Appends the pids of a "-p PID[,PID...]" argument to *pids (realloc'd; caller frees) and
 * *npids. Each must be a whole decimal number > 0. On a bad list prints
 * "scorch CMD: 'x' is not a pid (use -p PID[,PID...])" naming the subcommand cmd, and
 * returns -EINVAL (the pids before the bad one stay appended); else 0.
 */
int cli__parse_pids(const char *cmd, const char *arg, pid_t **pids, int *npids);

/*
 * --backend NAME: "perf", "bpf" or "auto" into *out. Prints "scorch CMD: ..." and returns
 * -EINVAL for anything else.
 */
int cli__parse_backend(const char *cmd, const char *arg, enum sampler_backend *out);

/*
 * --call-graph MODE[,SIZE]: MODE is fp, dwarf, fp+leaf or auto; SIZE (dwarf, fp+leaf) the
 * bytes of user stack copied per sample, 8..65528, rounded up to 8. Fills o->call_graph and
 * o->stack_size. Prints "scorch CMD: ..." and returns -EINVAL for anything else.
 */
int cli__parse_call_graph(const char *cmd, const char *arg, struct sampler_opts *o);

#endif
