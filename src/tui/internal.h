/* SPDX-License-Identifier: MIT */
/* Shared state of the terminal UI's parts (snapshot, layout, views); private to src/tui. */
#ifndef SCORCH_TUI_INTERNAL_H
#define SCORCH_TUI_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui.h"
#include "../model/aggregate.h"
#include "../model/live.h"

/* ---- layout: frames that are at least one cell wide, row by row ---- */

struct lframe {
	uint32_t node;
	uint16_t x, w;
};

struct layout {
	struct lframe *f;
	double *fx; /* exact left edge of each frame, for its children */
	size_t n, cap;
	uint32_t *row;   /* frames of depth d: f[row[d] .. row[d + 1]) */
	uint32_t nrows, caprows;
	int width;
	uint32_t zoom;
};

/* Lays out the subtree of zoom (its ancestors span the full width) in width cells. */
void layout__build(struct layout *l, const struct aggregate *s, uint32_t zoom, int width);
void layout__free(struct layout *l);
/* The frame at depth d covering column x, or NULL. */
const struct lframe *layout__at(const struct layout *l, uint32_t d, int x);
/* The laid-out frame of node, or NULL when it is hidden. */
const struct lframe *layout__find(const struct layout *l, const struct aggregate *s, uint32_t node);

/* ---- colours ---- */

enum color_role {
	ROLE_HEADER = 1,
	ROLE_STATUS,
	ROLE_MATCH,
	ROLE_BAR,
	ROLE_BAR_OFF,
	ROLE_DIM,
	ROLE_TAB,
	ROLE_FIRST_FRAME, /* frame palette starts here */
};

/* Sets up colour pairs for the terminal (truecolor / 256 / 8 / none per NO_COLOR). */
void color__init(void);
/* Attributes (colour pair included) for a frame of this name and kind. */
int color__frame(const char *name, uint32_t kind);
int color__role(enum color_role r);
bool color__enabled(void);
const char *color__mode(void);

/* ---- the UI state ---- */

enum view { VIEW_FLAME, VIEW_TABLE, VIEW_THREADS, VIEW_TIMELINE, VIEW_HEATMAP, VIEW_COUNT };
enum table_sort { SORT_SELF, SORT_TOTAL, SORT_NAME, SORT_COUNT };

/* What a key handler tells the loop. */
enum {
	TUI_UNHANDLED = 0,
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,
	TUI_QUIT = 1 << 2,
};

struct search {
	bool on;
	char pat[256];
	regex_t re;
	uint8_t *strmatch; /* per string id: 0 unknown, 1 no, 2 yes */
	uint32_t nstr;
	uint64_t matched;  /* samples under matching frames, each counted once */
};

struct tui {
	const struct tui_opts *o;
	struct live_snap *ls;          /* the snapshot shown (a reference), or NULL */
	const struct profile *p;       /* its profile: the live view or the whole run */
	const struct aggregate *snap;  /* and the aggregate of p */
	bool whole_run;                /* live: show everything recorded, not the mode's view */
	uint64_t seq;                  /* live__seq() of ls */
	struct layout lay;
	bool have_snap;
	int rows, cols;

	enum view view;
	bool icicle;
	uint32_t zoom, sel, hover;
	int scroll; /* depth shown on the first graph row (flame: bottom) */
	struct search search;

	/* table view */
	enum table_sort sort;
	uint32_t *order;   /* indexes into snap.funcs after sort and filter */
	uint32_t norder;
	int tcur, ttop;
	struct search filter;

	int thr_top; /* first thread row shown */

	/* heatmap view: cursor cell, first column shown, the marked cell of a range */
	int heat_col, heat_row, heat_left;
	bool heat_marked;
	int heat_mcol, heat_mrow;
	/* a time range graphed from the heatmap: its own profile and aggregate stand in for
	 * the snapshot's (saved here) until c, or until a new snapshot is shown */
	struct profile *range_p;
	struct aggregate range_agg;
	const struct profile *range_saved_p;
	const struct aggregate *range_saved_snap;
	uint64_t range_lo, range_hi; /* ms */

	/* prompt ("/" search or filter, "w" file name) */
	bool prompting;
	bool prompt_write;
	bool run_ended; /* live: the target exited (the whole run was shown once) */
	char pbuf[256];
	size_t plen;

	bool help;
	char msg[256]; /* one-shot message on the info line */


	/* mouse double-click detection */
	uint64_t last_click_ns;
	uint32_t last_click_node;

	/* own CPU */
	double self_cpu;
	uint64_t cpu_wall_ns, cpu_used_ns;
};

uint64_t tui__now_ns(void);

/* flame.c */
void flame__draw(struct tui *t);
int flame__key(struct tui *t, int ch);
int flame__mouse(struct tui *t, int y, int x, unsigned long bstate);
/* Recomputes matches and the matched share after a new pattern or snapshot. */
void flame__search_update(struct tui *t);
/* Shows node in the graph: selects it and zooms out or in so that it is visible. */
void flame__reveal(struct tui *t, uint32_t node);
/* Screen rows of the graph area. */
int flame__graph_top(const struct tui *t);
int flame__graph_rows(const struct tui *t);

/* search.c */
/* Compiles pat into s; returns 0 or -EINVAL with the regerror text in err. */
int search__set(struct search *s, const char *pat, char *err, size_t errlen);
void search__clear(struct search *s);
bool search__match(struct search *s, const struct profile *p, uint32_t str);
/* Escapes regex metacharacters of s into out. */
void search__quote(const char *s, char *out, size_t outlen);

/* view_table.c */
void table__draw(struct tui *t);
int table__key(struct tui *t, int ch);
int table__mouse(struct tui *t, int y, int x, unsigned long bstate);
void table__refresh(struct tui *t);

/* view_threads.c */
void threads__draw(struct tui *t);
void timeline__draw(struct tui *t);
int threads__key(struct tui *t, int ch);

/* view_heatmap.c */
void heatmap__draw(struct tui *t);
int heatmap__key(struct tui *t, int ch);
/* Ends a graphed time range: the saved snapshot's profile is shown again (not redrawn). */
void heatmap__drop_range(struct tui *t);

/* term.c: taking over and giving back the terminal */
/* Holds stderr, starts curses (raw keys, mouse, colours) and installs signal handlers. */
int term__open(char *err, size_t errlen);
/* Gives the terminal back and prints the held stderr; safe to call twice. */
void term__close(void);
/* Set by SIGINT/SIGTERM: the loop should quit. */
bool term__stop_requested(void);
/* The signal that asked the UI to stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT), or 0. */
int term__stop_signal(void);

/* ui.c */
/* Draws the whole screen for the current view and pushes it to the terminal. */
void ui__draw(struct tui *t);

/* draw helpers (ui.c) */
/* Writes s into [x, x + w) at row y, cut with ".." when longer, padded with spaces. */
void ui__put_clipped(int y, int x, int w, const char *s, int attr);
void ui__fmt_count(uint64_t v, char *buf, size_t len);

#endif
