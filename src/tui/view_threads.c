// SPDX-License-Identifier: MIT
/* The threads view (CPU share per thread) and the timeline (samples per thread over time). */
#define _GNU_SOURCE
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

#define LABEL_W 24

static bool no_data(struct tui *t, bool need_times)
{
	if (t->snap->nthreads && !(need_times && t->snap->threads_from != AGG_THREADS_TIMELINE))
		return false;
	if (t->snap->nthreads) {
		ui__put_clipped(3, 2, t->cols - 2,
				"no sample times in this file: the Threads view shows each thread's share",
				A_NORMAL);
		return true;
	}
	ui__put_clipped(3, 2, t->cols - 2,
			t->o->live ? "no per-thread samples yet"
				   : "there is no per-thread data in this file (folded stacks keep no "
				     "thread ids or times)",
			A_NORMAL);
	return true;
}

static unsigned freq_of(struct tui *t)
{
	if (t->o->live) {
		struct live_stats st;
		live__stats(t->o->live, &st);
		if (st.freq)
			return st.freq;
	}
	return profile__meta((struct profile *)t->p)->freq; /* read only */
}

static void label(struct tui *t, const struct agg_thread *r, char *buf, size_t len)
{
	const char *comm = r->comm != PROFILE_NONE ? profile__str(t->p, r->comm) : "";
	snprintf(buf, len, "%7u %.*s", r->tid, r->comm_len ? (int)r->comm_len : (int)strlen(comm), comm);
}

static int list_rows(const struct tui *t)
{
	int h = t->rows - 5;
	return h < 1 ? 1 : h;
}

void threads__draw(struct tui *t)
{
	if (no_data(t, false))
		return;
	const struct aggregate *s = t->snap;
	bool timed = s->threads_from == AGG_THREADS_TIMELINE;
	unsigned freq = timed ? freq_of(t) : 0;
	double span = timed ? (double)(s->t1 - s->t0) / 1e9 + (freq ? 1.0 / freq : 0.0) : 0.0;
	bool cpu = freq && span > 0;
	/* without times, a row's share is of all samples (its root frame's total) */
	double all = timed ? (double)s->ntl : (double)s->total[PROFILE_ROOT];
	char line[512];
	snprintf(line, sizeof(line), "%7s %-15s %8s  %s",
		 s->threads_from == AGG_THREADS_PIDS ? "PID" : "TID", "COMM",
		 cpu ? "CPU%" : "SAMPLES%", s->has_offcpu ? "ON-CPU / OFF-CPU" : "");
	ui__put_clipped(1, 0, t->cols, line, A_BOLD | A_UNDERLINE);
	int h = list_rows(t), barx = 7 + 1 + 15 + 1 + 8 + 2;
	int barw = t->cols - barx - (s->has_offcpu ? 22 : 1);
	if (t->thr_top > (int)s->nthreads - 1)
		t->thr_top = (int)s->nthreads - 1;
	if (t->thr_top < 0)
		t->thr_top = 0;
	for (int i = 0; i < h && t->thr_top + i < (int)s->nthreads; i++) {
		const struct agg_thread *r = &s->threads[t->thr_top + i];
		double pct = cpu ? 100.0 * (double)r->samples / freq / span
				 : 100.0 * (double)r->samples / (all > 0 ? all : 1.0);
		char lab[64];
		label(t, r, lab, sizeof(lab));
		snprintf(line, sizeof(line), "%-23.23s %7.1f%%", lab, pct);
		int y = 2 + i;
		ui__put_clipped(y, 0, barx, line, A_NORMAL);
		if (barw < 4)
			continue;
		/* 100% of one CPU fills the bar */
		double frac = pct / 100.0;
		if (frac > 1)
			frac = 1;
		int filled = (int)(frac * barw + 0.5);
		int off = r->samples ? (int)((double)filled * (double)r->offcpu / (double)r->samples + 0.5) : 0;
		mvaddch(y, barx - 1, '[');
		for (int k = 0; k < barw; k++) {
			int attr = k < filled - off ? color__role(ROLE_BAR)
				   : k < filled	   ? color__role(ROLE_BAR_OFF)
						   : 0;
			char c = k < filled - off ? '|' : k < filled ? ':' : ' ';
			mvaddch(y, barx + k, (chtype)c | (chtype)attr);
		}
		mvaddch(y, barx + barw, ']');
		if (s->has_offcpu) {
			double on = r->samples ? 100.0 * (double)(r->samples - r->offcpu) / (double)r->samples : 0;
			snprintf(line, sizeof(line), " on %5.1f%% off %5.1f%%", on, 100.0 - on);
			ui__put_clipped(y, barx + barw + 1, t->cols - barx - barw - 1, line, A_NORMAL);
		}
	}
	if (timed)
		snprintf(line, sizeof(line), "%u threads, %zu samples over %.1f s%s | j/k scroll",
			 s->nthreads, s->ntl, span, s->has_offcpu ? " | | on-CPU  : off-CPU" : "");
	else
		snprintf(line, sizeof(line), "%u %s from the root frames, %llu samples%s | j/k scroll",
			 s->nthreads, s->threads_from == AGG_THREADS_PIDS ? "processes" : "threads",
			 (unsigned long long)s->total[PROFILE_ROOT],
			 s->has_offcpu ? " | | on-CPU  : off-CPU" : "");
	ui__put_clipped(t->rows - 2, 0, t->cols, t->msg[0] ? t->msg : line, A_NORMAL);
}

static int by_tid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void timeline__draw(struct tui *t)
{
	if (no_data(t, true))
		return;
	const struct aggregate *s = t->snap;
	int nb = t->cols - LABEL_W - 1, h = list_rows(t);
	if (nb < 4)
		return;
	if (t->thr_top > (int)s->nthreads - 1)
		t->thr_top = (int)s->nthreads - 1;
	if (t->thr_top < 0)
		t->thr_top = 0;
	int nrow = (int)s->nthreads - t->thr_top < h ? (int)s->nthreads - t->thr_top : h;

	/* (tid, row) pairs sorted by tid, so each sample finds its row by binary search */
	uint32_t *map = xmalloc(sizeof(uint32_t) * 2 * (size_t)(nrow + 1));
	for (int i = 0; i < nrow; i++) {
		map[2 * i] = s->threads[t->thr_top + i].tid;
		map[2 * i + 1] = (uint32_t)i;
	}
	qsort(map, (size_t)nrow, sizeof(uint32_t) * 2, by_tid);
	uint32_t *cells = xcalloc((size_t)nrow * (size_t)nb + 1, sizeof(uint32_t));
	uint64_t range = s->t1 - s->t0 + 1;
	uint32_t max = 0;
	for (size_t i = 0; i < s->ntl; i++) {
		const struct timeline_entry *e = &s->tl[i];
		const uint32_t *row =
			util__bsearch_le(&e->tid, map, (size_t)nrow, sizeof(uint32_t) * 2, by_tid);
		if (!row || row[0] != e->tid || e->time_ns < s->t0)
			continue;
		int b = (int)((unsigned __int128)(e->time_ns - s->t0) * (unsigned)nb / range);
		uint32_t *c = &cells[(size_t)row[1] * (size_t)nb + (size_t)b];
		if (++*c > max)
			max = *c;
	}
	static const char ramp[] = " .:-=+*#@";
	char line[256];
	snprintf(line, sizeof(line), "%-*s samples per %.3f s bucket (darker = more)", LABEL_W,
		 "    TID COMM", (double)range / 1e9 / nb);
	ui__put_clipped(1, 0, t->cols, line, A_BOLD | A_UNDERLINE);
	for (int i = 0; i < nrow; i++) {
		char lab[64];
		label(t, &s->threads[t->thr_top + i], lab, sizeof(lab));
		ui__put_clipped(2 + i, 0, LABEL_W, lab, A_NORMAL);
		for (int b = 0; b < nb; b++) {
			uint32_t c = cells[(size_t)i * (size_t)nb + (size_t)b];
			int lvl = c ? 1 + (int)((uint64_t)(c - 1) * 8 / (max ? max : 1)) : 0;
			if (lvl > 8)
				lvl = 8;
			mvaddch(2 + i, LABEL_W + 1 + b,
				(chtype)ramp[lvl] | (chtype)(c ? color__role(ROLE_BAR) : 0));
		}
	}
	snprintf(line, sizeof(line), "0 s%*s%.2f s", nb - 3 - 8, "", (double)range / 1e9);
	ui__put_clipped(2 + nrow, LABEL_W + 1, nb, line, color__role(ROLE_DIM));
	free(cells);
	free(map);
	snprintf(line, sizeof(line), "%u threads, one row each; time runs left to right | j/k scroll",
		 s->nthreads);
	ui__put_clipped(t->rows - 2, 0, t->cols, t->msg[0] ? t->msg : line, A_NORMAL);
}

int threads__key(struct tui *t, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		t->thr_top--;
		break;
	case KEY_DOWN:
	case 'j':
		t->thr_top++;
		break;
	case KEY_PPAGE:
		t->thr_top -= list_rows(t);
		break;
	case KEY_NPAGE:
		t->thr_top += list_rows(t);
		break;
	case 'g':
		t->thr_top = 0;
		break;
	default:
		return TUI_UNHANDLED;
	}
	if (t->thr_top < 0)
		t->thr_top = 0;
	return TUI_HANDLED | TUI_REDRAW;
}
