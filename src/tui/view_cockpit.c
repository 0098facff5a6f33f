// SPDX-License-Identifier: MIT
/* The cockpit: status, top functions, one bar per thread and the timeline on one screen. */
#define _GNU_SOURCE
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

/* Functions by self value, largest first (indexes into snap->funcs). */
static int by_self_desc(const void *a, const void *b, void *arg)
{
	const struct agg_func *f = arg;
	uint64_t x = f[*(const uint32_t *)a].self, y = f[*(const uint32_t *)b].self;
	return x > y ? -1 : x < y;
}

/* The top functions by self share, in the box (y, x, h, w). */
static void draw_top(struct tui *t, int y, int x, int h, int w)
{
	const struct aggregate *s = t->snap;
	ui__put_clipped(y, x, w, "  SELF%  TOTAL%  FUNCTION", A_BOLD | A_UNDERLINE);
	uint32_t *idx = xmalloc(sizeof(uint32_t) * (s->nfuncs + 1));
	for (uint32_t i = 0; i < s->nfuncs; i++)
		idx[i] = i;
	qsort_r(idx, s->nfuncs, sizeof(*idx), by_self_desc, s->funcs);
	double all = s->total[PROFILE_ROOT] ? (double)s->total[PROFILE_ROOT] : 1.0;
	for (int i = 0; i + 1 < h && (uint32_t)i < s->nfuncs; i++) {
		const struct agg_func *f = &s->funcs[idx[i]];
		if (!f->self)
			break;
		char line[600];
		snprintf(line, sizeof(line), "%6.1f%% %6.1f%%  %s", 100.0 * (double)f->self / all,
			 100.0 * (double)f->total / all, profile__str(t->p, f->name));
		ui__put_clipped(y + 1 + i, x, w, line, A_NORMAL);
	}
	free(idx);
}

void cockpit__draw(struct tui *t)
{
	const struct aggregate *s = t->snap;
	char line[512];
	if (s->has_states)
		threads__state_summary(t, line, sizeof(line));
	else if (s->threads_from == AGG_THREADS_TIMELINE)
		snprintf(line, sizeof(line), "%u threads, %zu samples; no thread states (they come "
					     "with --off-cpu or --on-off)",
			 s->nthreads, s->ntl);
	else
		snprintf(line, sizeof(line), "no per-thread data: top functions only");
	ui__put_clipped(1, 0, t->cols, line, A_BOLD);

	/* top half: functions on the left, thread bars on the right; bottom: the timeline */
	int avail = t->rows - 4; /* rows 2 .. rows-3 */
	bool threads = s->nthreads > 0 && s->threads_from != AGG_THREADS_NONE;
	int top_h = threads ? avail / 2 : avail;
	int left_w = threads && t->cols >= 100 ? t->cols * 2 / 5 : t->cols;
	draw_top(t, 2, 0, top_h, left_w);
	if (threads && left_w < t->cols)
		threads__draw_rows(t, 2, left_w + 1, top_h, t->cols - left_w - 1);
	else if (threads)
		threads__draw_rows(t, 2 + top_h, 0, avail / 4, t->cols);
	if (threads && s->threads_from == AGG_THREADS_TIMELINE)
		timeline__draw_lanes(t, 2 + top_h + (left_w < t->cols ? 0 : avail / 4), 0,
				     avail - top_h - (left_w < t->cols ? 0 : avail / 4), t->cols);
	snprintf(line, sizeof(line), "cockpit: top functions, threads (| running - runnable : "
				     "blocked), timeline | j/k scroll the threads");
	ui__put_clipped(t->rows - 2, 0, t->cols, t->msg[0] ? t->msg : line, A_NORMAL);
}
