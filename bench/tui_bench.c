// SPDX-License-Identifier: MIT
/* Redraw benchmark (build/bench/tui_bench FILE [COLSxROWS] [ITERS]): layout and draw of a
 * profile into an off-screen terminal. Not part of the scorch binary; bench/tui.sh runs it. */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/internal.h"
#include "model/profile.h"
#include "source/read_formats.h"
#include "util/util.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int bench(struct profile *p, int cols, int rows, int iters)
{
	char lines[16], columns[16];
	snprintf(lines, sizeof(lines), "%d", rows);
	snprintf(columns, sizeof(columns), "%d", cols);
	setenv("LINES", lines, 1);
	setenv("COLUMNS", columns, 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	if (!out || !in) {
		int err = -errno;
		util__error("cannot open /dev/null: %s", strerror(-err));
		if (out)
			fclose(out);
		if (in)
			fclose(in);
		return err;
	}
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		util__error("no terminfo entry for xterm-256color; install ncurses-term");
		fclose(out);
		fclose(in);
		return -ENOTTY;
	}
	set_term(scr);
	color__init();

	struct tui_opts o = {.title = "bench"};
	struct aggregate agg;
	struct tui t;
	memset(&t, 0, sizeof(t));
	t.o = &o;
	t.p = p;
	t.hover = PROFILE_NONE;
	getmaxyx(stdscr, t.rows, t.cols);

	uint64_t t0 = tui__now_ns();
	aggregate__build(&agg, p, 0);
	uint64_t snap_ns = tui__now_ns() - t0;
	t.snap = &agg;
	t.have_snap = true;
	table__refresh(&t);

	/* alternate between the whole graph and its widest branch so every redraw changes */
	uint32_t big = PROFILE_ROOT;
	for (uint32_t k = agg.kid_off[0]; k < agg.kid_off[1]; k++)
		if (big == PROFILE_ROOT || agg.total[agg.kids[k]] > agg.total[big])
			big = agg.kids[k];
	if (iters < 1)
		iters = 1;
	uint64_t *ns = xmalloc(sizeof(uint64_t) * (size_t)iters);
	size_t frames = 0;
	for (int i = 0; i < iters; i++) {
		uint64_t a = tui__now_ns();
		t.zoom = t.sel = (i & 1) ? big : PROFILE_ROOT;
		layout__build(&t.lay, &agg, t.zoom, t.cols);
		ui__draw(&t);
		ns[i] = tui__now_ns() - a;
		frames = t.lay.n;
	}
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	qsort(ns, (size_t)iters, sizeof(uint64_t), cmp_u64);
	printf("terminal: %dx%d, %u nodes, %zu frames drawn\n", t.cols, t.rows, agg.nnodes, frames);
	printf("snapshot: %.2f ms (totals, children by name, functions, threads; once per refresh)\n",
	       (double)snap_ns / 1e6);
	printf("redraw: median %.3f ms, min %.3f ms, max %.3f ms over %d redraws\n",
	       (double)ns[iters / 2] / 1e6, (double)ns[0] / 1e6, (double)ns[iters - 1] / 1e6, iters);
	free(ns);
	free(t.order);
	layout__free(&t.lay);
	aggregate__free(&agg);
	return 0;
}

int main(int argc, char **argv)
{
	int cols = 200, rows = 60, iters = 21;
	if (argc < 2 || (argc > 2 && sscanf(argv[2], "%dx%d", &cols, &rows) != 2) || cols < 10 ||
	    rows < 5) {
		fprintf(stderr, "usage: tui_bench FILE [COLSxROWS] [ITERS]\n");
		return 2;
	}
	if (argc > 3)
		iters = atoi(argv[3]);
	char *buf;
	size_t len;
	int rc = util__read_file(argv[1], &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "tui_bench: cannot read %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	struct profile *p = profile__new();
	struct folded_stats st;
	memset(&st, 0, sizeof(st));
	rc = format__read(buf, len, p, 0, NULL, &st);
	free(buf);
	if (rc >= 0 || rc == -EOVERFLOW)
		rc = bench(p, cols, rows, iters);
	profile__free(p);
	return rc < 0 ? 1 : 0;
}
