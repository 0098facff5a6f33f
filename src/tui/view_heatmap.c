// SPDX-License-Identifier: MIT
/* The heatmap view (FlameScope's): a column per second, a row per sub-second bucket; a
 * selected time range becomes the flame graph and table of just those samples. */
#define _GNU_SOURCE
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

#define LEFT_W 8 /* " 960 ms " row labels and a gap */

/* Bucket sizes that divide a second, smallest first: the first that fits the screen wins. */
static const unsigned bucket_ms[] = {20, 25, 40, 50, 100, 125, 200, 250, 500, 1000};

struct grid {
	unsigned ms;       /* bucket */
	int rows, cols;    /* buckets per second, seconds */
	int cw;            /* characters per column */
	int shown;         /* columns on screen */
	uint32_t *cells;   /* [col * rows + row] samples */
	uint32_t max;
};

static int graph_rows(const struct tui *t)
{
	int h = t->rows - 6; /* header, column labels, axis line, info and status lines */
	return h < 1 ? 1 : h;
}

static void grid_build(struct tui *t, struct grid *g)
{
	const struct aggregate *s = t->snap;
	int h = graph_rows(t);
	g->ms = 1000;
	for (size_t i = 0; i < ARRAY_SIZE(bucket_ms); i++)
		if ((int)(1000 / bucket_ms[i]) <= h) {
			g->ms = bucket_ms[i];
			break;
		}
	g->rows = (int)(1000 / g->ms);
	g->cols = s->ntl && s->t1 >= s->t0 ? (int)(s->t1 / 1000000000ull) + 1 : 1;
	int room = t->cols - LEFT_W;
	g->cw = g->cols * 2 <= room ? 2 : 1;
	g->shown = room / g->cw < g->cols ? room / g->cw : g->cols;
	if (g->shown < 1)
		g->shown = 1;
	g->cells = xcalloc((size_t)g->cols * (size_t)g->rows, sizeof(uint32_t));
	g->max = 0;
	for (size_t i = 0; i < s->ntl; i++) {
		uint64_t ms = s->tl[i].time_ns / 1000000ull;
		int col = (int)(ms / 1000), row = (int)(ms % 1000 / g->ms);
		if (col >= g->cols)
			continue;
		uint32_t *c = &g->cells[(size_t)col * (size_t)g->rows + (size_t)row];
		if (++*c > g->max)
			g->max = *c;
	}
	/* keep the cursor on the grid and on screen */
	if (t->heat_col >= g->cols)
		t->heat_col = g->cols - 1;
	if (t->heat_row >= g->rows)
		t->heat_row = g->rows - 1;
	if (t->heat_left > t->heat_col)
		t->heat_left = t->heat_col;
	if (t->heat_col >= t->heat_left + g->shown)
		t->heat_left = t->heat_col - g->shown + 1;
}

/* Time of a cell's start, ms; cells run down a column, then on to the next second. */
static uint64_t cell_ms(const struct grid *g, int col, int row)
{
	return (uint64_t)col * 1000u + (uint64_t)row * g->ms;
}

/* The selection [lo, hi) ms: the mark to the cursor (both cells included), or the cursor. */
static void sel_range(const struct tui *t, const struct grid *g, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = cell_ms(g, t->heat_col, t->heat_row);
	uint64_t b = t->heat_marked ? cell_ms(g, t->heat_mcol, t->heat_mrow) : a;
	*lo = a < b ? a : b;
	*hi = (a < b ? b : a) + g->ms;
}

void heatmap__draw(struct tui *t)
{
	const struct aggregate *s = t->range_p ? t->range_saved_snap : t->snap;
	if (!s->ntl) {
		ui__put_clipped(3, 2, t->cols - 2,
				t->o->live ? "no sample times yet"
					   : "no sample times in this file: record with -o FILE.html, "
					     ".trace.json or use scorch top",
				A_NORMAL);
		return;
	}
	struct tui tmp = *t;
	tmp.snap = s;
	struct grid g;
	grid_build(&tmp, &g);
	t->heat_col = tmp.heat_col;
	t->heat_row = tmp.heat_row;
	t->heat_left = tmp.heat_left;
	uint64_t lo = 0, hi = 0;
	sel_range(t, &g, &lo, &hi);
	bool marking = t->heat_marked;

	char line[512];
	snprintf(line, sizeof(line), "%-*s%s", LEFT_W, "",
		 "seconds ->  (a row per bucket; darker = more samples)");
	ui__put_clipped(1, 0, t->cols, line, A_BOLD | A_UNDERLINE);
	static const char ramp[] = " .:-=+*#@";
	for (int r = 0; r < g.rows; r++) {
		int y = 2 + r;
		if (r % (g.rows > 10 ? 5 : 1) == 0) {
			snprintf(line, sizeof(line), "%4u ms", r * g.ms);
			ui__put_clipped(y, 0, LEFT_W, line, color__role(ROLE_DIM));
		}
		for (int k = 0; k < g.shown && t->heat_left + k < g.cols; k++) {
			int col = t->heat_left + k;
			uint32_t c = g.cells[(size_t)col * (size_t)g.rows + (size_t)r];
			int lvl = c ? 1 + (int)((uint64_t)(c - 1) * 8 / (g.max ? g.max : 1)) : 0;
			if (lvl > 8)
				lvl = 8;
			uint64_t at = cell_ms(&g, col, r);
			int attr = c ? color__role(ROLE_BAR) : 0;
			if (marking && at >= lo && at < hi)
				attr = color__role(ROLE_MATCH);
			if (col == t->heat_col && r == t->heat_row)
				attr |= A_REVERSE;
			for (int i = 0; i < g.cw; i++)
				mvaddch(y, LEFT_W + k * g.cw + i, (chtype)(lvl ? ramp[lvl] : ' ') | (chtype)attr);
		}
	}
	/* second labels under the grid, every few columns */
	int y = 2 + g.rows, step = g.cw == 2 ? 5 : 10;
	for (int k = 0; k < g.shown && t->heat_left + k < g.cols; k++) {
		int col = t->heat_left + k;
		if (col % step)
			continue;
		snprintf(line, sizeof(line), "%ds", col);
		int x = LEFT_W + k * g.cw;
		if (x + (int)strlen(line) <= t->cols)
			ui__put_clipped(y, x, (int)strlen(line), line, color__role(ROLE_DIM));
	}
	uint32_t here = g.cells[(size_t)t->heat_col * (size_t)g.rows + (size_t)t->heat_row];
	if (t->range_p)
		snprintf(line, sizeof(line),
			 "graphing %.3f-%.3f s (%llu samples) | c: the whole profile again",
			 (double)t->range_lo / 1e3, (double)t->range_hi / 1e3,
			 (unsigned long long)t->snap->total[PROFILE_ROOT]);
	else
		snprintf(line, sizeof(line),
			 "%.3f s: %u samples | %u ms rows | arrows move, space marks, Enter graphs "
			 "the range%s",
			 (double)cell_ms(&g, t->heat_col, t->heat_row) / 1e3, here, g.ms,
			 marking ? " (marked)" : "");
	ui__put_clipped(t->rows - 2, 0, t->cols, t->msg[0] ? t->msg : line, A_NORMAL);
	free(g.cells);
}

/* ---- a time range as its own profile ---- */

/*
 * The samples of p's timeline in [lo, hi) ms as a new profile of sample counts: the same
 * stacks (frames copied by name, module, file, line and kind), one count per sample.
 */
static struct profile *range_profile(const struct profile *p, uint64_t lo, uint64_t hi)
{
	size_t n;
	const struct timeline_entry *tl = profile__timeline(p, &n);
	uint32_t nn = profile__nnodes(p), nf = profile__nframes(p);
	struct profile *r = profile__new();
	uint32_t *nodemap = xmalloc((size_t)nn * sizeof(*nodemap));
	uint32_t *framemap = xmalloc(((size_t)nf + 1) * sizeof(*framemap));
	memset(nodemap, 0xff, (size_t)nn * sizeof(*nodemap));
	memset(framemap, 0xff, ((size_t)nf + 1) * sizeof(*framemap));
	uint32_t *stack = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t ms = tl[i].time_ns / 1000000ull;
		uint32_t leaf = tl[i].node;
		if (ms < lo || ms >= hi || leaf >= nn)
			continue;
		if (nodemap[leaf] == PROFILE_NONE) {
			size_t k = 0;
			for (uint32_t v = leaf; v != PROFILE_ROOT; v = profile__node_parent(p, v)) {
				if (k == cap) {
					cap = cap ? cap * 2 : 64;
					stack = xrealloc(stack, cap * sizeof(*stack));
				}
				stack[k++] = profile__node_frame(p, v);
			}
			for (size_t a = 0, b = k; a + 1 < b; a++, b--) { /* root first */
				uint32_t x = stack[a];
				stack[a] = stack[b - 1];
				stack[b - 1] = x;
			}
			for (size_t j = 0; j < k; j++) {
				uint32_t f = stack[j];
				if (framemap[f] == PROFILE_NONE) {
					const struct frame *fr = profile__frame_get(p, f);
					const char *nm = profile__str(p, fr->name);
					uint32_t mod = fr->module == PROFILE_NONE
							       ? PROFILE_NONE
							       : profile__intern(r, profile__str(p, fr->module),
										 profile__strlen(p, fr->module));
					uint32_t file = fr->file == PROFILE_NONE
								? PROFILE_NONE
								: profile__intern(r, profile__str(p, fr->file),
										  profile__strlen(p, fr->file));
					framemap[f] = profile__frame(r, profile__intern(r, nm, profile__strlen(p, fr->name)),
								     mod, file, fr->line, (enum frame_kind)fr->kind);
				}
				stack[j] = framemap[f];
			}
			nodemap[leaf] = profile__add_stack(r, stack, k, 0, 1);
		} else {
			profile__add(r, nodemap[leaf], 0, 1);
		}
	}
	free(stack);
	free(framemap);
	free(nodemap);
	return r;
}

void heatmap__drop_range(struct tui *t)
{
	if (!t->range_p)
		return;
	aggregate__free(&t->range_agg);
	profile__free(t->range_p);
	t->range_p = NULL;
	t->p = t->range_saved_p;
	t->snap = t->range_saved_snap;
}

/* Shows p (the range, or the saved whole) in the flame graph and the table. */
static void show(struct tui *t)
{
	t->zoom = t->sel = PROFILE_ROOT;
	t->hover = PROFILE_NONE;
	t->scroll = 0;
	layout__build(&t->lay, t->snap, t->zoom, t->cols);
	flame__search_update(t);
	table__refresh(t);
}

static void graph_range(struct tui *t, uint64_t lo, uint64_t hi)
{
	const struct profile *whole = t->range_p ? t->range_saved_p : t->p;
	const struct aggregate *wagg = t->range_p ? t->range_saved_snap : t->snap;
	struct profile *r = range_profile(whole, lo, hi);
	if (profile__column_total(r, 0) == 0) {
		profile__free(r);
		snprintf(t->msg, sizeof(t->msg), "no samples from %.3f to %.3f s", (double)lo / 1e3,
			 (double)hi / 1e3);
		return;
	}
	heatmap__drop_range(t);
	t->range_saved_p = whole;
	t->range_saved_snap = wagg;
	memset(&t->range_agg, 0, sizeof(t->range_agg));
	if (aggregate__build(&t->range_agg, r, 0) < 0) {
		profile__free(r);
		return;
	}
	t->range_p = r;
	t->range_lo = lo;
	t->range_hi = hi;
	t->p = r;
	t->snap = &t->range_agg;
	t->heat_marked = false;
	show(t);
	t->view = VIEW_FLAME;
	snprintf(t->msg, sizeof(t->msg), "%.3f-%.3f s: %llu samples (Heatmap view, c: whole profile)",
		 (double)lo / 1e3, (double)hi / 1e3,
		 (unsigned long long)profile__column_total(r, 0));
}

int heatmap__key(struct tui *t, int ch)
{
	const struct aggregate *s = t->range_p ? t->range_saved_snap : t->snap;
	if (!s->ntl)
		return TUI_UNHANDLED;
	struct tui tmp = *t;
	tmp.snap = s;
	struct grid g;
	grid_build(&tmp, &g);
	free(g.cells);
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (t->heat_row > 0)
			t->heat_row--;
		else if (t->heat_col > 0)
			t->heat_col--, t->heat_row = g.rows - 1;
		break;
	case KEY_DOWN:
	case 'j':
		if (t->heat_row + 1 < g.rows)
			t->heat_row++;
		else if (t->heat_col + 1 < g.cols)
			t->heat_col++, t->heat_row = 0;
		break;
	case KEY_LEFT:
	case 'h':
		if (t->heat_col > 0)
			t->heat_col--;
		break;
	case KEY_RIGHT:
	case 'l':
		if (t->heat_col + 1 < g.cols)
			t->heat_col++;
		break;
	case KEY_HOME:
	case 'g':
		t->heat_row = 0;
		break;
	case KEY_END:
	case 'G':
		t->heat_row = g.rows - 1;
		break;
	case ' ':
	case 'v':
		t->heat_marked = !t->heat_marked;
		t->heat_mcol = t->heat_col;
		t->heat_mrow = t->heat_row;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER: {
		uint64_t lo, hi;
		sel_range(t, &g, &lo, &hi);
		graph_range(t, lo, hi);
		break;
	}
	case 27:
		t->heat_marked = false;
		break;
	case 'c':
		if (t->range_p) {
			heatmap__drop_range(t);
			show(t);
			snprintf(t->msg, sizeof(t->msg), "showing the whole profile");
		}
		break;
	default:
		return TUI_UNHANDLED;
	}
	return TUI_HANDLED | TUI_REDRAW;
}
