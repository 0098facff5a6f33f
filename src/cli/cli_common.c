// SPDX-License-Identifier: MIT
/* Option parsing shared by the subcommands that sample (record, top). */
#include "cli_common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

/* A whole decimal number in [1, INT_MAX], digits only, or -1. */
static long parse_pid(const char *s)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	long v = strtol(s, NULL, 10);
	return errno || v <= 0 || v > INT_MAX ? -1 : v;
}

int cli__parse_pids(const char *cmd, const char *arg, pid_t **pids, int *npids)
{
	char *copy = xstrdup(arg), *save = NULL;
	int added = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v = parse_pid(tok);
		if (v < 0) {
			fprintf(stderr, "%s: '%s' is not a pid (use -p PID[,PID...])\n",
				util__progname, tok);
			free(copy);
			return -EINVAL;
		}
		*pids = xrealloc(*pids, sizeof(**pids) * (size_t)(*npids + 1));
		(*pids)[(*npids)++] = (pid_t)v;
		added++;
	}
	free(copy);
	if (!added) {
		fprintf(stderr, "%s: -p needs at least one pid (use -p PID[,PID...])\n",
			util__progname);
		return -EINVAL;
	}
	return 0;
}

int cli__parse_backend(const char *cmd, const char *arg, enum sampler_backend *out)
{
	static const struct {
		const char *name;
		enum sampler_backend b;
	} names[] = {{"auto", SAMPLER_AUTO}, {"perf", SAMPLER_PERF}, {"bpf", SAMPLER_BPF}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i].name) == 0) {
			*out = names[i].b;
			return 0;
		}
	}
	util__error("unknown backend '%s' (use perf, bpf or auto)", arg);
	return -EINVAL;
}

int cli__parse_call_graph(const char *cmd, const char *arg, struct sampler_opts *o)
{
	static const struct {
		const char *name;
		enum sampler_call_graph cg;
	} modes[] = {{"auto", CALL_GRAPH_AUTO},
		     {"fp", CALL_GRAPH_FP},
		     {"dwarf", CALL_GRAPH_DWARF},
		     {"fp+leaf", CALL_GRAPH_FP_LEAF}};
	(void)cmd;
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	size_t i = 0;
	while (i < sizeof(modes) / sizeof(modes[0]) &&
	       (strlen(modes[i].name) != len || strncmp(arg, modes[i].name, len) != 0))
		i++;
	if (i == sizeof(modes) / sizeof(modes[0])) {
		util__error("unknown call graph '%.*s' (use fp, dwarf, fp+leaf or auto)", (int)len,
			    arg);
		return -EINVAL;
	}
	o->call_graph = modes[i].cg;
	o->stack_size = 0;
	if (!comma)
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(comma + 1, &end, 10);
	if (o->call_graph == CALL_GRAPH_FP || o->call_graph == CALL_GRAPH_AUTO) {
		util__error("--call-graph %.*s takes no stack size", (int)len, arg);
		return -EINVAL;
	}
	if (errno || !comma[1] || *end || comma[1] == '-' || v < 8 || v > SAMPLER_STACK_SIZE_MAX) {
		util__error("--call-graph: '%s' is not a stack size (8..%u bytes)", comma + 1,
			    SAMPLER_STACK_SIZE_MAX);
		return -EINVAL;
	}
	o->stack_size = (unsigned)((v + 7) & ~7ul);
	return 0;
}
