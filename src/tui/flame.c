// SPDX-License-Identifier: MIT
/* The flame graph view: drawing, navigation, zoom, search highlighting and the mouse. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

#define DOUBLE_CLICK_NS 400000000ull

int flame__graph_top(const struct tui *t)
{
	(void)t;
	return 1;
}

int flame__graph_rows(const struct tui *t)
{
	int h = t->rows - 3;
	return h < 1 ? 1 : h;
}

static int depth_row(const struct tui *t, uint32_t d)
{
	int rel = (int)d - t->scroll, gh = flame__graph_rows(t);
	if (rel < 0 || rel >= gh)
		return -1;
	return flame__graph_top(t) + (t->icicle ? rel : gh - 1 - rel);
}

static int row_depth(const struct tui *t, int y)
{
	int gh = flame__graph_rows(t), rel = y - flame__graph_top(t);
	if (rel < 0 || rel >= gh)
		return -1;
	return t->scroll + (t->icicle ? rel : gh - 1 - rel);
}

static void clamp_scroll(struct tui *t)
{
	int max = (int)t->lay.nrows - flame__graph_rows(t);
	if (t->scroll > max)
		t->scroll = max;
	if (t->scroll < 0)
		t->scroll = 0;
}

/* Scrolls just enough for the selected frame's row to be on screen. */
static void show_sel(struct tui *t)
{
	int d = (int)profile__node_depth(t->p, t->sel), gh = flame__graph_rows(t);
	if (d < t->scroll)
		t->scroll = d;
	else if (d >= t->scroll + gh)
		t->scroll = d - gh + 1;
	clamp_scroll(t);
}

static const char *node_label(const struct tui *t, uint32_t n)
{
	return n == PROFILE_ROOT ? "all" : profile__node_name(t->p, n);
}

static bool node_matches(struct tui *t, uint32_t n)
{
	if (!t->search.on || n == PROFILE_ROOT)
		return false;
	const struct frame *f = profile__frame_get(t->p, profile__node_frame(t->p, n));
	return search__match(&t->search, t->p, f->name);
}

static void draw_info(struct tui *t)
{
	int y = t->rows - 2;
	move(y, 0);
	clrtoeol();
	char right[320] = "";
	if (t->search.on)
		snprintf(right, sizeof(right), " match /%s/: %.2f%% ", t->search.pat,
			 t->snap->total[0] ? 100.0 * (double)t->search.matched / (double)t->snap->total[0]
					  : 0.0);
	int rw = (int)strlen(right);
	if (rw > t->cols / 2)
		rw = t->cols / 2;
	if (t->msg[0]) {
		ui__put_clipped(y, 0, t->cols - rw, t->msg, A_BOLD);
	} else {
		uint32_t n = t->hover != PROFILE_NONE ? t->hover : t->sel;
		if (n < t->snap->nnodes) {
			const struct aggregate *s = t->snap;
			char cnt[32], line[1024], where[300] = "";
			ui__fmt_count(s->total[n], cnt, sizeof(cnt));
			if (n != PROFILE_ROOT) {
				const struct frame *f = profile__frame_get(t->p, profile__node_frame(t->p, n));
				if (f->file != PROFILE_NONE)
					snprintf(where, sizeof(where), "  %s:%u", profile__str(t->p, f->file),
						 f->line);
			}
			double zt = (double)s->total[t->zoom];
			snprintf(line, sizeof(line), "%s  %s %s, %.2f%% of total, %.2f%% of zoom%s",
				 node_label(t, n), cnt, profile__column_unit(t->p, 0),
				 s->total[0] ? 100.0 * (double)s->total[n] / (double)s->total[0] : 0.0,
				 zt > 0 ? 100.0 * (double)s->total[n] / zt : 0.0, where);
			ui__put_clipped(y, 0, t->cols - rw, line, A_NORMAL);
		}
	}
	if (rw)
		ui__put_clipped(y, t->cols - rw, rw, right, color__role(ROLE_MATCH));
}

void flame__draw(struct tui *t)
{
	const struct layout *l = &t->lay;
	uint32_t zd = profile__node_depth(t->p, t->zoom);
	bool colour = color__enabled();
	for (uint32_t d = (uint32_t)t->scroll; d < l->nrows; d++) {
		int y = depth_row(t, d);
		if (y < 0)
			break;
		for (uint32_t i = l->row[d]; i < l->row[d + 1]; i++) {
			const struct lframe *f = &l->f[i];
			uint32_t n = f->node;
			const char *name = node_label(t, n);
			int attr;
			if (node_matches(t, n))
				attr = color__role(ROLE_MATCH);
			else if (d < zd)
				attr = color__role(ROLE_DIM) | (colour ? 0 : (int)A_UNDERLINE);
			else if (n == PROFILE_ROOT)
				attr = color__role(ROLE_STATUS) | (colour ? 0 : (int)A_UNDERLINE);
			else
				attr = colour ? color__frame(name,
							     profile__frame_get(t->p, profile__node_frame(t->p, n))->kind)
					      : (int)A_UNDERLINE;
			if (n == t->sel)
				attr |= A_REVERSE | A_BOLD;
			/* the last cell of a wider frame is a gap, so neighbours stay apart */
			int lw = f->w >= 2 ? f->w - 1 : f->w;
			ui__put_clipped(y, f->x, lw, name, attr);
			if (lw < f->w)
				mvaddch(y, f->x + lw, ' ');
		}
	}
	draw_info(t);
}

void flame__search_update(struct tui *t)
{
	struct search *s = &t->search;
	s->matched = 0;
	if (!s->on || !t->have_snap)
		return;
	uint32_t nn = t->snap->nnodes;
	uint8_t *cov = xcalloc(nn, 1);
	for (uint32_t n = 1; n < nn; n++) {
		uint32_t par = profile__node_parent(t->p, n);
		bool m = node_matches(t, n);
		if (m && !cov[par])
			s->matched += t->snap->total[n];
		cov[n] = cov[par] || m;
	}
	free(cov);
}

void flame__reveal(struct tui *t, uint32_t node)
{
	if (node >= t->snap->nnodes)
		return;
	uint32_t a = node;
	while (a != PROFILE_ROOT && a != t->zoom)
		a = profile__node_parent(t->p, a);
	if (a != t->zoom && t->zoom != PROFILE_ROOT) {
		t->zoom = PROFILE_ROOT;
		layout__build(&t->lay, t->snap, t->zoom, t->cols);
	}
	if (!layout__find(&t->lay, t->snap, node)) {
		t->zoom = node == PROFILE_ROOT ? node : profile__node_parent(t->p, node);
		layout__build(&t->lay, t->snap, t->zoom, t->cols);
	}
	t->sel = node;
	show_sel(t);
}

static void select_node(struct tui *t, uint32_t n)
{
	t->sel = n;
	t->hover = PROFILE_NONE;
	show_sel(t);
}

static void zoom_to(struct tui *t, uint32_t n)
{
	t->zoom = n;
	layout__build(&t->lay, t->snap, t->zoom, t->cols);
	t->sel = n;
	t->hover = PROFILE_NONE;
	show_sel(t);
}

/* The widest laid-out child of the selected frame. */
static int go_child(struct tui *t)
{
	uint32_t d = profile__node_depth(t->p, t->sel) + 1;
	if (d >= t->lay.nrows)
		return TUI_HANDLED;
	const struct lframe *best = NULL;
	for (uint32_t i = t->lay.row[d]; i < t->lay.row[d + 1]; i++) {
		const struct lframe *f = &t->lay.f[i];
		if (profile__node_parent(t->p, f->node) == t->sel && (!best || f->w > best->w))
			best = f;
	}
	if (best)
		select_node(t, best->node);
	return TUI_HANDLED | TUI_REDRAW;
}

static int go_parent(struct tui *t)
{
	if (t->sel != PROFILE_ROOT)
		select_node(t, profile__node_parent(t->p, t->sel));
	return TUI_HANDLED | TUI_REDRAW;
}

static int go_side(struct tui *t, int dir)
{
	const struct lframe *f = layout__find(&t->lay, t->snap, t->sel);
	if (!f) {
		select_node(t, t->zoom);
		return TUI_HANDLED | TUI_REDRAW;
	}
	uint32_t d = profile__node_depth(t->p, t->sel);
	size_t i = (size_t)(f - t->lay.f);
	if (dir < 0 && i > t->lay.row[d])
		select_node(t, t->lay.f[i - 1].node);
	else if (dir > 0 && i + 1 < t->lay.row[d + 1])
		select_node(t, t->lay.f[i + 1].node);
	return TUI_HANDLED | TUI_REDRAW;
}

/* Next (dir 1) or previous (dir -1) visible match, left to right then bottom-up. */
static int go_match(struct tui *t, int dir)
{
	if (!t->search.on) {
		snprintf(t->msg, sizeof(t->msg), "no search: press / to search");
		return TUI_HANDLED | TUI_REDRAW;
	}
	const struct layout *l = &t->lay;
	const struct lframe *cur = layout__find(l, t->snap, t->sel);
	int64_t ck = cur ? (int64_t)cur->x * 65536 + profile__node_depth(t->p, t->sel) : -1;
	int64_t best = -1, wrap = -1;
	uint32_t bn = PROFILE_NONE, wn = PROFILE_NONE;
	for (uint32_t d = 0; d < l->nrows; d++)
		for (uint32_t i = l->row[d]; i < l->row[d + 1]; i++) {
			uint32_t n = l->f[i].node;
			if (!node_matches(t, n))
				continue;
			int64_t k = (int64_t)l->f[i].x * 65536 + d;
			if (dir > 0) {
				if (k > ck && (best < 0 || k < best))
					best = k, bn = n;
				if (wrap < 0 || k < wrap)
					wrap = k, wn = n;
			} else {
				if ((ck < 0 || k < ck) && (best < 0 || k > best))
					best = k, bn = n;
				if (wrap < 0 || k > wrap)
					wrap = k, wn = n;
			}
		}
	if (bn == PROFILE_NONE)
		bn = wn;
	if (bn == PROFILE_NONE)
		snprintf(t->msg, sizeof(t->msg), "no visible frame matches /%.120s/", t->search.pat);
	else
		select_node(t, bn);
	return TUI_HANDLED | TUI_REDRAW;
}

int flame__key(struct tui *t, int ch)
{
	int gh = flame__graph_rows(t);
	bool up_is_child = !t->icicle;
	switch (ch) {
	case KEY_UP:
	case 'k':
		return up_is_child ? go_child(t) : go_parent(t);
	case KEY_DOWN:
	case 'j':
		return up_is_child ? go_parent(t) : go_child(t);
	case KEY_LEFT:
	case 'h':
		return go_side(t, -1);
	case KEY_RIGHT:
	case 'l':
		return go_side(t, 1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		zoom_to(t, t->sel);
		return TUI_HANDLED | TUI_REDRAW;
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (t->zoom != PROFILE_ROOT) {
			uint32_t old = t->zoom;
			zoom_to(t, profile__node_parent(t->p, t->zoom));
			select_node(t, old);
		}
		return TUI_HANDLED | TUI_REDRAW;
	case 'n':
		return go_match(t, 1);
	case 'N':
		return go_match(t, -1);
	case '#': {
		if (t->sel == PROFILE_ROOT)
			return TUI_HANDLED;
		char q[600], pat[620], err[160];
		search__quote(profile__node_name(t->p, t->sel), q, sizeof(q));
		snprintf(pat, sizeof(pat), "^%s$", q);
		if (search__set(&t->search, pat, err, sizeof(err)) < 0)
			snprintf(t->msg, sizeof(t->msg), "%s", err);
		flame__search_update(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
	case 'r':
		search__clear(&t->search);
		t->scroll = 0;
		zoom_to(t, PROFILE_ROOT);
		return TUI_HANDLED | TUI_REDRAW;
	case 'i':
		t->icicle = !t->icicle;
		return TUI_HANDLED | TUI_REDRAW;
	case KEY_PPAGE:
		t->scroll += t->icicle ? -gh / 2 : gh / 2;
		clamp_scroll(t);
		return TUI_HANDLED | TUI_REDRAW;
	case KEY_NPAGE:
		t->scroll += t->icicle ? gh / 2 : -gh / 2;
		clamp_scroll(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 'g':
	case KEY_HOME:
		t->scroll = 0;
		return TUI_HANDLED | TUI_REDRAW;
	case 'G':
	case KEY_END:
		t->scroll = (int)t->lay.nrows;
		clamp_scroll(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_UNHANDLED;
}

int flame__mouse(struct tui *t, int y, int x, unsigned long bstate)
{
	int d = row_depth(t, y);
	const struct lframe *f = d >= 0 ? layout__at(&t->lay, (uint32_t)d, x) : NULL;
	if (bstate & BUTTON4_PRESSED) {
		t->scroll += t->icicle ? -1 : 1;
		clamp_scroll(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
#ifdef BUTTON5_PRESSED
	if (bstate & BUTTON5_PRESSED) {
		t->scroll += t->icicle ? 1 : -1;
		clamp_scroll(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
#endif
	if (bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		if (!f)
			return TUI_HANDLED;
		uint64_t now = tui__now_ns();
		if (f->node == t->last_click_node && now - t->last_click_ns < DOUBLE_CLICK_NS) {
			zoom_to(t, f->node);
			t->last_click_node = PROFILE_NONE;
		} else {
			t->sel = f->node;
			t->last_click_node = f->node;
			t->last_click_ns = now;
		}
		t->hover = PROFILE_NONE;
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (bstate & BUTTON1_DOUBLE_CLICKED) {
		if (f)
			zoom_to(t, f->node);
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* motion: hover */
	uint32_t h = f ? f->node : PROFILE_NONE;
	if (h != t->hover) {
		t->hover = h;
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED;
}
