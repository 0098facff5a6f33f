// SPDX-License-Identifier: MIT
/* The top-functions view: self and total share per function, sortable and filterable. */
#define _GNU_SOURCE
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../util/util.h"

static const char *const sort_names[SORT_COUNT] = {"self", "total", "name"};

static int row_cmp(const void *a, const void *b, void *arg)
{
	struct tui *t = arg;
	const struct agg_func *x = &t->snap->funcs[*(const uint32_t *)a];
	const struct agg_func *y = &t->snap->funcs[*(const uint32_t *)b];
	uint64_t kx = 0, ky = 0;
	if (t->sort == SORT_SELF)
		kx = x->self, ky = y->self;
	else if (t->sort == SORT_TOTAL)
		kx = x->total, ky = y->total;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(profile__str(t->p, x->name), profile__str(t->p, y->name));
}

void table__refresh(struct tui *t)
{
	free(t->order);
	t->order = xmalloc(sizeof(uint32_t) * (t->snap->nfuncs + 1));
	t->norder = 0;
	for (uint32_t i = 0; i < t->snap->nfuncs; i++) {
		const struct agg_func *r = &t->snap->funcs[i];
		if (!r->total)
			continue;
		if (t->filter.on && !search__match(&t->filter, t->p, r->name))
			continue;
		t->order[t->norder++] = i;
	}
	qsort_r(t->order, t->norder, sizeof(uint32_t), row_cmp, t);
	if (t->tcur >= (int)t->norder)
		t->tcur = t->norder ? (int)t->norder - 1 : 0;
}

static int list_rows(const struct tui *t)
{
	int h = t->rows - 4;
	return h < 1 ? 1 : h;
}

static void keep_cursor(struct tui *t)
{
	int h = list_rows(t);
	if (t->tcur >= (int)t->norder)
		t->tcur = (int)t->norder - 1;
	if (t->tcur < 0)
		t->tcur = 0;
	if (t->tcur < t->ttop)
		t->ttop = t->tcur;
	if (t->tcur >= t->ttop + h)
		t->ttop = t->tcur - h + 1;
	if (t->ttop < 0)
		t->ttop = 0;
}

void table__draw(struct tui *t)
{
	keep_cursor(t);
	char line[1200];
	double all = t->snap->total[0] ? (double)t->snap->total[0] : 1.0;
	snprintf(line, sizeof(line), "%7s %7s %12s  %s", "SELF%", "TOTAL%", "SELF", "FUNCTION");
	ui__put_clipped(1, 0, t->cols, line, A_BOLD | A_UNDERLINE);
	int h = list_rows(t);
	for (int i = 0; i < h && t->ttop + i < (int)t->norder; i++) {
		const struct agg_func *r = &t->snap->funcs[t->order[t->ttop + i]];
		char where[300] = "";
		if (r->file != PROFILE_NONE)
			snprintf(where, sizeof(where), "  %s:%u", profile__str(t->p, r->file), r->line);
		snprintf(line, sizeof(line), "%6.2f%% %6.2f%% %12llu  %s%s", 100.0 * (double)r->self / all,
			 100.0 * (double)r->total / all, (unsigned long long)r->self,
			 profile__str(t->p, r->name), where);
		ui__put_clipped(2 + i, 0, t->cols, line,
				t->ttop + i == t->tcur ? A_REVERSE : A_NORMAL);
	}
	if (!t->norder)
		ui__put_clipped(3, 2, t->cols - 2,
				t->filter.on ? "no function matches the filter" : "no samples", A_NORMAL);
	if (t->msg[0]) {
		ui__put_clipped(t->rows - 2, 0, t->cols, t->msg, A_BOLD);
		return;
	}
	char info[400];
	snprintf(info, sizeof(info), "%u functions | sort: %s (s) | filter: %s%s%s (/) | Enter: show in the flame graph",
		 t->norder, sort_names[t->sort], t->filter.on ? "/" : "none",
		 t->filter.on ? t->filter.pat : "", t->filter.on ? "/" : "");
	ui__put_clipped(t->rows - 2, 0, t->cols, info, A_NORMAL);
}

static int jump(struct tui *t)
{
	if (!t->norder)
		return TUI_HANDLED;
	const struct agg_func *r = &t->snap->funcs[t->order[t->tcur]];
	char q[600], pat[620], err[160];
	search__quote(profile__str(t->p, r->name), q, sizeof(q));
	snprintf(pat, sizeof(pat), "^%s$", q);
	if (search__set(&t->search, pat, err, sizeof(err)) == 0)
		flame__search_update(t);
	t->view = VIEW_FLAME;
	flame__reveal(t, r->best);
	return TUI_HANDLED | TUI_REDRAW;
}

int table__key(struct tui *t, int ch)
{
	int h = list_rows(t);
	switch (ch) {
	case KEY_UP:
	case 'k':
		t->tcur--;
		break;
	case KEY_DOWN:
	case 'j':
		t->tcur++;
		break;
	case KEY_PPAGE:
		t->tcur -= h;
		break;
	case KEY_NPAGE:
		t->tcur += h;
		break;
	case 'g':
	case KEY_HOME:
		t->tcur = 0;
		break;
	case 'G':
	case KEY_END:
		t->tcur = (int)t->norder - 1;
		break;
	case 's':
		t->sort = (enum table_sort)((t->sort + 1) % SORT_COUNT);
		table__refresh(t);
		break;
	case 'r':
	case 27:
		search__clear(&t->filter);
		table__refresh(t);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return jump(t);
	default:
		return TUI_UNHANDLED;
	}
	keep_cursor(t);
	return TUI_HANDLED | TUI_REDRAW;
}

int table__mouse(struct tui *t, int y, int x, unsigned long bstate)
{
	(void)x;
	if (bstate & BUTTON4_PRESSED)
		return table__key(t, KEY_UP);
#ifdef BUTTON5_PRESSED
	if (bstate & BUTTON5_PRESSED)
		return table__key(t, KEY_DOWN);
#endif
	if (!(bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return TUI_HANDLED;
	int row = t->ttop + y - 2;
	if (y < 2 || row >= (int)t->norder)
		return TUI_HANDLED;
	uint64_t now = tui__now_ns();
	bool dbl = (bstate & BUTTON1_DOUBLE_CLICKED) ||
		   (row == t->tcur && now - t->last_click_ns < 400000000ull);
	t->tcur = row;
	t->last_click_ns = now;
	if (dbl)
		return jump(t);
	return TUI_HANDLED | TUI_REDRAW;
}
