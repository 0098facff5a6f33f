// SPDX-License-Identifier: MIT
/* scorch's entry point: dispatches to one subcommand, like perf and git. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "../util/util.h"

#ifndef SCORCH_VERSION
#define SCORCH_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"record", cmd_record, "sample stacks of a command, pids or the whole system"},
	{"top", cmd_top, "live flame graph in the terminal"},
	{"view", cmd_view, "open a saved profile in the terminal UI"},
	{"serve", cmd_serve, "local web UI: pick a process, profile it, explore it live"},
	{"collapse", cmd_collapse, "perf script text -> folded stacks"},
	{"flamegraph", cmd_flamegraph, "folded stacks -> interactive SVG flame graph"},
	{"diff", cmd_diff, "compare two folded profiles (differential flame graph)"},
	{"convert", cmd_convert, "any profile format -> pprof, speedscope, trace, JSON, folded, SVG"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: scorch <command> [options] [args]\n\n"
		   "scorch samples stacks from running programs and shows them as flame graphs.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'scorch <command> --help' for the options of one command.\n\n"
		   "Examples:\n"
		   "  scorch record -F 999 -o out.svg -- ./myprog arg    profile a command\n"
		   "  scorch record -p 1234 -d 10 -o app.folded          profile a pid for 10 s\n"
		   "  scorch top -a                                      live system-wide view\n"
		   "  perf script | scorch collapse | scorch flamegraph > cpu.svg\n"
		   "  scorch diff before.folded after.folded -o diff.svg\n"
		   "  scorch view app.folded\n"
		   "  scorch serve                                       web UI on loopback\n"
		   "  scorch convert app.folded -o app.pb.gz\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			char *hargv[] = {argv[2], "--help", NULL};
			for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].fn(2, hargv);
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("scorch %s\n", SCORCH_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, cmd))
			continue;
		/* One style for every message: "scorch CMD: ...", getopt's own included. */
		static char name[64];
		snprintf(name, sizeof(name), "scorch %s", cmd);
		util__progname = name;
		argv[1] = name;
		return commands[i].fn(argc - 1, argv + 1);
	}
	util__error("'%s' is not a scorch command; see 'scorch --help'", cmd);
	return 2;
}
