// SPDX-License-Identifier: MIT
/* scorch view: option parsing for the terminal UI on a saved folded profile. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "../source/read_formats.h"
#include "../tui/tui.h"
#include "../util/util.h"

static const char view_usage[] =
	"usage: scorch view [options] FILE\n"
	"\n"
	"Opens a saved profile (folded stacks, \"a;b;c 42\" per line) in the terminal UI:\n"
	"a flame graph at the terminal's width, a top-functions table and, when the file has\n"
	"them, per-thread views. \"-\" reads standard input (keys then come from the terminal).\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help\n"
	"\n"
	"Keys (press ? in the UI for the full list):\n"
	"  arrows/hjkl move, Enter zoom, Esc/Backspace zoom out, / regex search, n/N next/prev\n"
	"  match, # search the selected function, r reset, i icicle, Tab next view, q quit.\n"
	"\n"
	"Colours follow the terminal: truecolor when COLORTERM=truecolor and the terminfo entry\n"
	"has RGB (e.g. TERM=xterm-direct), else 256 or 8 colours; NO_COLOR=1 turns them off.\n"
	"\n"
	"Examples:\n"
	"  scorch view app.folded\n"
	"  scorch record -F 999 -o app.folded -- ./app && scorch view app.folded\n"
	"  perf script | scorch collapse > out.folded && scorch view out.folded\n";


static const struct option view_options[] = {
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int load(const char *path, struct profile *p)
{
	char *buf;
	size_t len;
	int mapped;
	/* mapped, not copied: a fresh page of a copy costs more than the mapping's first touch */
	int rc = util__map_file(path, &buf, &len, &mapped);
	if (rc < 0) {
		util__error("cannot read '%s': %s", path, strerror(-rc));
		return rc;
	}
	struct folded_stats st;
	memset(&st, 0, sizeof(st));
	rc = format__read(buf, len, p, 0, NULL, &st);
	util__unmap_file(buf, len, mapped);
	if (rc == -EINVAL)
		return rc; /* a broken pprof/JSON file: already said why */
	if (rc < 0) {
		util__error("'%s' line %llu: a count does not fit in 64 bits", path,
			    (unsigned long long)st.overflow_line);
		return rc;
	}
	if (!st.valid) {
		util__error("'%s' holds no folded stacks (lines like \"main;work 42\"); "
			    "convert perf output with 'scorch collapse' first", path);
		return -EINVAL;
	}
	return 0;
}

int cmd_view(int argc, char **argv)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", view_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(view_usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'scorch view --help'.\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		util__error("expected one FILE; see 'scorch view --help'");
		return 2;
	}
	const char *path = argv[optind];
	struct profile *p = profile__new();
	int rc = load(path, p);
	if (rc < 0) {
		profile__free(p);
		return 1;
	}
	/* a saved file is a fixed snapshot: the UI reads it the way it reads live ones */
	struct live_stats st = {.backend = "file"};
	struct live_snap *snap = live_snap__of_profile(p, &st);
	struct tui_opts o = {.title = path, .snap = snap};
	rc = tui__run(&o);
	live_snap__put(snap);
	return rc < 0 ? 1 : rc;
}
