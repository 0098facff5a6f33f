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

/* The thread-state bar of r over w cells: running '|', runnable '-', blocked ':'. */
static void state_bar(int y, int x, int w, const struct agg_thread *r, double window)
{
	static const char glyph[THREAD_NSTATES] = {'|', '-', ':'};
	static const enum color_role role[THREAD_NSTATES] = {ROLE_BAR, ROLE_BAR_WAIT, ROLE_BAR_OFF};
	int k = 0;
	double acc = 0;
	mvaddch(y, x - 1, '[');
	for (int st = 0; st < THREAD_NSTATES; st++) {
		acc += (double)r->state_ns[st];
		int to = window > 0 ? (int)(acc / window * w + 0.5) : 0;
		for (; k < to && k < w; k++)
			mvaddch(y, x + k, (chtype)glyph[st] | (chtype)color__role(role[st]));
	}
	for (; k < w; k++)
		mvaddch(y, x + k, ' ');
	mvaddch(y, x + w, ']');
}

/* Rows with thread states: the share of the window each thread spent in each state. */
static int state_rows(struct tui *t, int y, int x, int h, int w)
{
	const struct aggregate *s = t->snap;
	double window = s->t1 > s->t0 ? (double)(s->t1 - s->t0) : 0;
	char line[512];
	snprintf(line, sizeof(line), "%7s %-15s %6s %6s %6s", "TID", "COMM", "RUN%", "WAIT%", "BLOCK%");
	ui__put_clipped(y, x, w, line, A_BOLD | A_UNDERLINE);
	int barx = x + 7 + 1 + 15 + 3 * 7 + 2, barw = x + w - barx - 1, n = 0;
	for (int i = 0; i + 1 < h && t->thr_top + i < (int)s->nthreads; i++, n++) {
		const struct agg_thread *r = &s->threads[t->thr_top + i];
		char lab[64];
		label(t, r, lab, sizeof(lab));
		double pct[THREAD_NSTATES];
		for (int st = 0; st < THREAD_NSTATES; st++)
			pct[st] = window > 0 ? 100.0 * (double)r->state_ns[st] / window : 0;
		snprintf(line, sizeof(line), "%-23.23s %6.1f %6.1f %6.1f", lab, pct[THREAD_RUNNING],
			 pct[THREAD_RUNNABLE], pct[THREAD_BLOCKED]);
		ui__put_clipped(y + 1 + i, x, barx - x, line, A_NORMAL);
		if (barw >= 4)
			state_bar(y + 1 + i, barx, barw, r, window);
	}
	return n + 1;
}

int threads__draw_rows(struct tui *t, int y, int x, int h, int w)
{
	const struct aggregate *s = t->snap;
	if (t->thr_top > (int)s->nthreads - 1)
		t->thr_top = (int)s->nthreads - 1;
	if (t->thr_top < 0)
		t->thr_top = 0;
	if (s->has_states)
		return state_rows(t, y, x, h, w);
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
	ui__put_clipped(y, x, w, line, A_BOLD | A_UNDERLINE);
	int barx = x + 7 + 1 + 15 + 1 + 8 + 2;
	int barw = x + w - barx - (s->has_offcpu ? 22 : 1), n = 0;
	for (int i = 0; i + 1 < h && t->thr_top + i < (int)s->nthreads; i++, n++) {
		const struct agg_thread *r = &s->threads[t->thr_top + i];
		double pct = cpu ? 100.0 * (double)r->samples / freq / span
				 : 100.0 * (double)r->samples / (all > 0 ? all : 1.0);
		char lab[64];
		label(t, r, lab, sizeof(lab));
		snprintf(line, sizeof(line), "%-23.23s %7.1f%%", lab, pct);
		int yy = y + 1 + i;
		ui__put_clipped(yy, x, barx - x, line, A_NORMAL);
		if (barw < 4)
			continue;
		/* 100% of one CPU fills the bar */
		double frac = pct / 100.0;
		if (frac > 1)
			frac = 1;
		int filled = (int)(frac * barw + 0.5);
		int off = r->samples ? (int)((double)filled * (double)r->offcpu / (double)r->samples + 0.5) : 0;
		mvaddch(yy, barx - 1, '[');
		for (int k = 0; k < barw; k++) {
			int attr = k < filled - off ? color__role(ROLE_BAR)
				   : k < filled	   ? color__role(ROLE_BAR_OFF)
						   : 0;
			char c = k < filled - off ? '|' : k < filled ? ':' : ' ';
			mvaddch(yy, barx + k, (chtype)c | (chtype)attr);
		}
		mvaddch(yy, barx + barw, ']');
		if (s->has_offcpu) {
			double on = r->samples ? 100.0 * (double)(r->samples - r->offcpu) / (double)r->samples : 0;
			snprintf(line, sizeof(line), " on %5.1f%% off %5.1f%%", on, 100.0 - on);
			ui__put_clipped(yy, barx + barw + 1, x + w - barx - barw - 1, line, A_NORMAL);
		}
	}
	return n + 1;
}

void threads__state_summary(const struct tui *t, char *buf, size_t len)
{
	const struct aggregate *s = t->snap;
	uint64_t sum[THREAD_NSTATES] = {0}, all = 0;
	for (uint32_t i = 0; i < s->nthreads; i++)
		for (int st = 0; st < THREAD_NSTATES; st++) {
			sum[st] += s->threads[i].state_ns[st];
			all += s->threads[i].state_ns[st];
		}
	double a = all ? (double)all : 1.0;
	snprintf(buf, len,
		 "%u threads over %.2f s: running %.1f%%, runnable %.1f%%, blocked %.1f%% of their "
		 "time",
		 s->nthreads, s->t1 > s->t0 ? (double)(s->t1 - s->t0) / 1e9 : 0.0,
		 100.0 * (double)sum[THREAD_RUNNING] / a, 100.0 * (double)sum[THREAD_RUNNABLE] / a,
		 100.0 * (double)sum[THREAD_BLOCKED] / a);
}

void threads__draw(struct tui *t)
{
	if (no_data(t, false))
		return;
	const struct aggregate *s = t->snap;
	threads__draw_rows(t, 1, 0, list_rows(t) + 1, t->cols);
	char line[512];
	if (s->has_states) {
		char sum[300];
		threads__state_summary(t, sum, sizeof(sum));
		snprintf(line, sizeof(line), "%s | | running - runnable : blocked | j/k scroll", sum);
	} else if (s->threads_from == AGG_THREADS_TIMELINE) {
		unsigned freq = freq_of(t);
		double span = (double)(s->t1 - s->t0) / 1e9 + (freq ? 1.0 / freq : 0.0);
		snprintf(line, sizeof(line), "%u threads, %zu samples over %.1f s%s | j/k scroll",
			 s->nthreads, s->ntl, span, s->has_offcpu ? " | | on-CPU  : off-CPU" : "");
	} else {
		snprintf(line, sizeof(line), "%u %s from the root frames, %llu samples%s | j/k scroll",
			 s->nthreads, s->threads_from == AGG_THREADS_PIDS ? "processes" : "threads",
			 (unsigned long long)s->total[PROFILE_ROOT],
			 s->has_offcpu ? " | | on-CPU  : off-CPU" : "");
	}
	ui__put_clipped(t->rows - 2, 0, t->cols, t->msg[0] ? t->msg : line, A_NORMAL);
}

static int by_tid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The lane row of tid in map (pairs sorted by tid), or -1. */
static int lane_of(const uint32_t *map, int nrow, uint32_t tid)
{
	const uint32_t *row = util__bsearch_le(&tid, map, (size_t)nrow, sizeof(uint32_t) * 2, by_tid);
	return row && row[0] == tid ? (int)row[1] : -1;
}

/*
 * Thread states per bucket: each span's time added to the buckets it overlaps; a cell shows
 * the state that took most of it ('#' running, '-' runnable, '.' blocked).
 */
static void draw_state_lanes(struct tui *t, const uint32_t *map, int nrow, int y, int x, int nb)
{
	const struct aggregate *s = t->snap;
	uint64_t range = s->t1 - s->t0 + 1;
	uint64_t *ns = xcalloc((size_t)nrow * (size_t)nb * THREAD_NSTATES + 1, sizeof(uint64_t));
	for (size_t i = 0; i < s->nspans; i++) {
		const struct thread_span *sp = &s->spans[i];
		int lane = lane_of(map, nrow, sp->tid);
		if (lane < 0 || sp->state >= THREAD_NSTATES || sp->end_ns <= sp->start_ns ||
		    sp->start_ns < s->t0)
			continue;
		uint64_t a = sp->start_ns - s->t0, e = sp->end_ns - s->t0;
		int b0 = (int)((unsigned __int128)a * (unsigned)nb / range);
		int b1 = (int)((unsigned __int128)(e - 1) * (unsigned)nb / range);
		for (int b = b0; b <= b1 && b < nb; b++) {
			uint64_t lo = (uint64_t)((unsigned __int128)range * (unsigned)b / (unsigned)nb);
			uint64_t hi = (uint64_t)((unsigned __int128)range * (unsigned)(b + 1) / (unsigned)nb);
			uint64_t from = a > lo ? a : lo, to = e < hi ? e : hi;
			if (to > from)
				ns[((size_t)lane * (size_t)nb + (size_t)b) * THREAD_NSTATES + sp->state] += to - from;
		}
	}
	static const char glyph[THREAD_NSTATES] = {'#', '-', '.'};
	static const enum color_role role[THREAD_NSTATES] = {ROLE_BAR, ROLE_BAR_WAIT, ROLE_BAR_OFF};
	for (int i = 0; i < nrow; i++)
		for (int b = 0; b < nb; b++) {
			const uint64_t *c = &ns[((size_t)i * (size_t)nb + (size_t)b) * THREAD_NSTATES];
			int best = -1;
			for (int st = 0; st < THREAD_NSTATES; st++)
				if (c[st] && (best < 0 || c[st] > c[best]))
					best = st;
			mvaddch(y + i, x + b,
				best < 0 ? ' ' : (chtype)glyph[best] | (chtype)color__role(role[best]));
		}
	free(ns);
}

/* Sample counts per bucket, darker = more. */
static void draw_sample_lanes(struct tui *t, const uint32_t *map, int nrow, int y, int x, int nb)
{
	const struct aggregate *s = t->snap;
	uint32_t *cells = xcalloc((size_t)nrow * (size_t)nb + 1, sizeof(uint32_t));
	uint64_t range = s->t1 - s->t0 + 1;
	uint32_t max = 0;
	for (size_t i = 0; i < s->ntl; i++) {
		const struct timeline_entry *e = &s->tl[i];
		int lane = lane_of(map, nrow, e->tid);
		if (lane < 0 || e->time_ns < s->t0)
			continue;
		int b = (int)((unsigned __int128)(e->time_ns - s->t0) * (unsigned)nb / range);
		uint32_t *c = &cells[(size_t)lane * (size_t)nb + (size_t)b];
		if (++*c > max)
			max = *c;
	}
	static const char ramp[] = " .:-=+*#@";
	for (int i = 0; i < nrow; i++)
		for (int b = 0; b < nb; b++) {
			uint32_t c = cells[(size_t)i * (size_t)nb + (size_t)b];
			int lvl = c ? 1 + (int)((uint64_t)(c - 1) * 8 / (max ? max : 1)) : 0;
			if (lvl > 8)
				lvl = 8;
			mvaddch(y + i, x + b, (chtype)ramp[lvl] | (chtype)(c ? color__role(ROLE_BAR) : 0));
		}
	free(cells);
}

int timeline__draw_lanes(struct tui *t, int y, int x, int h, int w)
{
	const struct aggregate *s = t->snap;
	int nb = w - LABEL_W - 1;
	if (nb < 4 || h < 3)
		return 0;
	if (t->thr_top > (int)s->nthreads - 1)
		t->thr_top = (int)s->nthreads - 1;
	if (t->thr_top < 0)
		t->thr_top = 0;
	int nrow = (int)s->nthreads - t->thr_top < h - 2 ? (int)s->nthreads - t->thr_top : h - 2;
	if (nrow < 0)
		nrow = 0;
	/* (tid, row) pairs sorted by tid, so each sample or span finds its row by binary search */
	uint32_t *map = xmalloc(sizeof(uint32_t) * 2 * (size_t)(nrow + 1));
	for (int i = 0; i < nrow; i++) {
		map[2 * i] = s->threads[t->thr_top + i].tid;
		map[2 * i + 1] = (uint32_t)i;
	}
	qsort(map, (size_t)nrow, sizeof(uint32_t) * 2, by_tid);
	uint64_t range = s->t1 - s->t0 + 1;
	char line[256];
	if (s->has_states)
		snprintf(line, sizeof(line), "%-*s state per %.3f s bucket (# running - runnable . blocked)",
			 LABEL_W, "    TID COMM", (double)range / 1e9 / nb);
	else
		snprintf(line, sizeof(line), "%-*s samples per %.3f s bucket (darker = more)", LABEL_W,
			 "    TID COMM", (double)range / 1e9 / nb);
	ui__put_clipped(y, x, w, line, A_BOLD | A_UNDERLINE);
	for (int i = 0; i < nrow; i++) {
		char lab[64];
		label(t, &s->threads[t->thr_top + i], lab, sizeof(lab));
		ui__put_clipped(y + 1 + i, x, LABEL_W, lab, A_NORMAL);
	}
	if (s->has_states)
		draw_state_lanes(t, map, nrow, y + 1, x + LABEL_W + 1, nb);
	else
		draw_sample_lanes(t, map, nrow, y + 1, x + LABEL_W + 1, nb);
	snprintf(line, sizeof(line), "0 s%*s%.2f s", nb - 3 - 8, "", (double)range / 1e9);
	ui__put_clipped(y + 1 + nrow, x + LABEL_W + 1, nb, line, color__role(ROLE_DIM));
	free(map);
	return nrow + 2;
}

void timeline__draw(struct tui *t)
{
	if (no_data(t, true))
		return;
	timeline__draw_lanes(t, 1, 0, list_rows(t) + 2, t->cols);
	char line[256];
	snprintf(line, sizeof(line), "%u threads, one row each; time runs left to right | j/k scroll",
		 t->snap->nthreads);
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
