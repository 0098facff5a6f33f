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

/*
 * The input is read in runs of this many bytes, each sorted on its own: neighbouring lines
 * share their prefixes' nodes, and only one run of the input is resident at a time. The
 * whole input sorted at once would be faster to load (10 million stacks: 9.5 s against
 * 10.6 s) but holds the input beside the profile to the end (1,104 MB against 818 MB).
 */
#define VIEW_RUN_BYTES (8u << 20)

/* The frames of the line before, so a line reuses the nodes of the frames it shares. */
struct sorted_load {
	struct profile *p;
	uint32_t *nodes; /* node of frame k */
	size_t *ends;    /* offset just past frame k in prev */
	size_t n, cap;
	const char *prev;
	size_t prevlen;  /* its frames' length */
	size_t prevslen; /* its stack's length (li->len) */
	size_t line;     /* index of the line being added */
	bool in_order;   /* all the lines come in byte order (else only within a run) */
};

/* Adds one line (in byte order after the line before, unless a run starts there: li->lcp_prev
 * is 0 then): the frames as perl's split(";") gives them,
 * empty ones kept but the trailing ones (which frames_len leaves out), at most
 * FOLDED_MAX_DEPTH. Returns 0 or -EOVERFLOW. */
static int add_sorted_line(const struct folded_line_info *li, void *arg)
{
	struct sorted_load *sl = arg;
	const char *s = li->stack;
	size_t len = li->frames_len;
	size_t L = sl->prev ? li->lcp_prev : 0;
	L = L < len ? L : len;
	L = L < sl->prevlen ? L : sl->prevlen;
	/* frames shared with the line before: they end inside the shared bytes, where this
	 * line ends too or has a ';' */
	size_t k = 0;
	while (k < sl->n && sl->ends[k] <= L && (sl->ends[k] == len || s[sl->ends[k]] == ';'))
		k++;
	size_t n = k, start = k ? sl->ends[k - 1] + 1 : 0;
	while (start <= len && n < FOLDED_MAX_DEPTH) {
		const char *semi = memchr(s + start, ';', len - start);
		size_t end = semi ? (size_t)(semi - s) : len;
		if (n == sl->cap) {
			sl->cap = sl->cap ? sl->cap * 2 : 64;
			sl->nodes = xrealloc(sl->nodes, sizeof(*sl->nodes) * sl->cap);
			sl->ends = xrealloc(sl->ends, sizeof(*sl->ends) * sl->cap);
		}
		sl->ends[n++] = end;
		start = end + 1;
	}
	/* an empty stack is one empty frame, which split() drops: the count goes to the root */
	if (n == 1 && sl->ends[0] == 0)
		n = 0;
	if (k > n)
		k = n;
	/*
	 * A frame not all of whose bytes the line before shares is new under its parent: a
	 * line that had it starts with these bytes, so sorts after the line before, which
	 * sorts right before this one. That needs the LCP of the whole lines, which lcp_prev
	 * is while it stops short of both stacks; else every frame is looked up.
	 */
	size_t known = sl->prev ? li->lcp_prev : 0;
	if (!sl->in_order || (sl->prev && (known >= sl->prevslen || known >= li->len)))
		known = SIZE_MAX;
	uint32_t node = k ? sl->nodes[k - 1] : PROFILE_ROOT;
	for (size_t j = k; j < n; j++) {
		size_t b = j ? sl->ends[j - 1] + 1 : 0;
		uint32_t f = profile__frame_named(sl->p, s + b, sl->ends[j] - b, FRAME_USER);
		node = sl->ends[j] <= known ? profile__child(sl->p, node, f)
					    : profile__child_new(sl->p, node, f);
		sl->nodes[j] = node;
	}
	sl->prev = s;
	sl->prevlen = len;
	sl->prevslen = li->len;
	sl->n = n;
	if (profile__add(sl->p, node, 0, li->value) < 0)
		return -EOVERFLOW;
	sl->line++;
	return 0;
}

/*
 * Plain folded text (one count a line) into p through its sorted runs of lines: one
 * profile, each line from the frames it shares with the line before, instead of the
 * general reader's two half profiles and their merge (which holds both, and costs more
 * than it saves when stacks share little). A mapped input's runs are given back once read.
 * Returns 1 when the text is not for this path, else as format__read().
 */
static int load_sorted(const char *buf, size_t len, bool mapped, struct profile *p,
		       struct folded_stats *st)
{
	if (format__sniff(buf, len) != FORMAT_FOLDED)
		return 1;
	struct folded_opts fo = {.release_behind = true, .defer_sort = true,
				 .release_input = mapped};
	struct folded_lines *fl = NULL;
	int rc = folded__lines_open(buf, len, &fo, &fl, st);
	if (rc == 0 && st->before_col >= 0)
		rc = 1; /* two counts a line: the general reader makes the before column */
	if (rc == 0) {
		bool in_order = folded__lines_sort_runs(fl, VIEW_RUN_BYTES);
		struct sorted_load sl = {.p = p, .in_order = in_order};
		rc = folded__lines_each(fl, add_sorted_line, &sl, st);
		if (rc == -EOVERFLOW && !st->overflow_line)
			st->overflow_line = folded__lines_lineno(fl, sl.line);
		free(sl.nodes);
		free(sl.ends);
	}
	folded__lines_free(fl);
	return rc;
}

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
	rc = load_sorted(buf, len, mapped, p, &st);
	if (rc == 1) /* p is untouched */
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
