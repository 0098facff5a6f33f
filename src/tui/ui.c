// SPDX-License-Identifier: MIT
/* The UI loop: snapshots, one key dispatcher, header, status line, prompt and help. */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "internal.h"
#include "../sink/sink.h"
#include "../util/util.h"

uint64_t tui__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ui__put_clipped(int y, int x, int w, const char *s, int attr)
{
	char buf[1024];
	if (w <= 0)
		return;
	if (w > (int)sizeof(buf) - 1)
		w = (int)sizeof(buf) - 1;
	size_t len = strlen(s);
	int i = 0;
	if (len <= (size_t)w) {
		for (; i < (int)len; i++)
			buf[i] = s[i];
	} else if (w >= 3) {
		for (; i < w - 2; i++)
			buf[i] = s[i];
		buf[i++] = '.';
		buf[i++] = '.';
	} else if (w == 2) {
		buf[i++] = '.';
		buf[i++] = '.';
	}
	for (int k = 0; k < i; k++)
		if ((unsigned char)buf[k] < 0x20 || (unsigned char)buf[k] >= 0x7f)
			buf[k] = '?'; /* one byte, one cell: keeps the layout exact */
	for (; i < w; i++)
		buf[i] = ' ';
	buf[w] = '\0';
	attrset(attr);
	mvaddnstr(y, x, buf, w);
	attrset(A_NORMAL);
}

void ui__fmt_count(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const char *const view_names[VIEW_COUNT] = {"Flame", "Top functions", "Threads",
						    "Timeline", "Heatmap"};

static void draw_header(struct tui *t)
{
	int hdr = color__role(ROLE_HEADER);
	attrset(hdr);
	mvhline(0, 0, ' ', t->cols);
	mvaddstr(0, 0, " scorch ");
	int x = 8;
	for (int v = 0; v < VIEW_COUNT && x < t->cols; v++) {
		char tab[40];
		snprintf(tab, sizeof(tab), " %s ", view_names[v]);
		int w = (int)strlen(tab);
		if (x + w > t->cols)
			w = t->cols - x;
		ui__put_clipped(0, x, w, tab, v == (int)t->view ? color__role(ROLE_TAB) | (int)A_BOLD : hdr);
		x += w;
	}
	char right[300];
	snprintf(right, sizeof(right), "%s%s%s ", t->icicle && t->view == VIEW_FLAME ? "icicle " : "",
		 t->o->title ? "| " : "", t->o->title ? t->o->title : "");
	if (x + 2 < t->cols)
		ui__put_clipped(0, x + 1, t->cols - x - 1, right, hdr);
}

static void fmt_elapsed(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;
	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
}

static void update_self_cpu(struct tui *t)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return;
	uint64_t used = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
			(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	uint64_t now = tui__now_ns();
	if (t->cpu_wall_ns && now > t->cpu_wall_ns)
		t->self_cpu = 100.0 * (double)(used - t->cpu_used_ns) / (double)(now - t->cpu_wall_ns);
	t->cpu_wall_ns = now;
	t->cpu_used_ns = used;
}

static void draw_status(struct tui *t)
{
	struct live *lv = t->o->live;
	struct live_stats st;
	memset(&st, 0, sizeof(st));
	if (lv) {
		live__stats(lv, &st);
	} else if (t->ls) {
		struct live_snap_info info;
		live_snap__info(t->ls, &info);
		st = info.stats;
	} else {
		st.backend = "file"; /* the redraw benchmark */
	}
	char buf[512], el[32], rate[32] = "", lost[48] = "";
	uint64_t samples = lv ? st.samples : (t->have_snap ? t->snap->total[0] : 0);
	fmt_elapsed(st.elapsed_ns, el, sizeof(el));
	if (st.freq)
		snprintf(rate, sizeof(rate), " | %u Hz", st.freq);
	if (lv)
		snprintf(lost, sizeof(lost), " | lost %llu", (unsigned long long)st.lost);
	int n = snprintf(buf, sizeof(buf), " %s%s%s%s | %llu samples%s", st.backend ? st.backend : "?",
			 st.event ? " " : "", st.event ? st.event : "", rate,
			 (unsigned long long)samples, lost);
	if (lv)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " | %s | %s%s%s%s%s", el,
			      live__mode_name(live__mode(lv)), t->whole_run ? " | WHOLE RUN" : "",
			      live__frozen(lv) ? " | FROZEN" : "",
			      st.error ? " | sampling stopped: " : st.ended ? " | target exited" : "",
			      st.error ? strerror(-st.error) : "");
	snprintf(buf + n, sizeof(buf) - (size_t)n, " | scorch %.1f%% CPU | ? help ", t->self_cpu);
	ui__put_clipped(t->rows - 1, 0, t->cols, buf, color__role(ROLE_STATUS));
}

static const char *const help_lines[] = {
	"Keys",
	"  arrows / hjkl   move to parent, child, neighbours",
	"  Enter           zoom into the selected frame",
	"  Esc, Backspace  zoom out one level",
	"  /               search (POSIX extended regex); in the table: filter",
	"  n / N           next / previous match",
	"  #               search the selected function",
	"  r               reset zoom and search",
	"  PgUp PgDn g G   scroll deep stacks",
	"  i               flame / icicle orientation",
	"  Tab, Shift-Tab  flame graph, top functions, threads, timeline, heatmap",
	"  space, Enter    (heatmap) mark a cell, graph the range; c: whole profile",
	"  s               (table) sort by self, total, name",
	"  m               (live) mode: reset, accumulate, decay, everything recorded",
	"  z               (live) freeze / unfreeze the display",
	"  a               (live) everything recorded / the mode's view",
	"  w               write what is shown to a file (.folded, .svg, .pb.gz, ...)",
	"  q, Ctrl-C       quit",
	"Mouse: hover shows a frame, click selects, double-click zooms, wheel scrolls",
	"",
	"Press any key to close this help.",
};

static void draw_help(struct tui *t)
{
	int h = (int)ARRAY_SIZE(help_lines) + 2, w = 78;
	if (w > t->cols)
		w = t->cols;
	if (h > t->rows)
		h = t->rows;
	int y0 = (t->rows - h) / 2, x0 = (t->cols - w) / 2;
	for (int i = 0; i < h; i++) {
		const char *s = i > 0 && i - 1 < (int)ARRAY_SIZE(help_lines) ? help_lines[i - 1] : "";
		char line[200];
		snprintf(line, sizeof(line), " %s", s);
		ui__put_clipped(y0 + i, x0, w, line, color__role(ROLE_STATUS) | (i == 1 ? A_BOLD : 0));
	}
}

void ui__draw(struct tui *t)
{
	erase();
	draw_header(t);
	if (!t->have_snap) {
		mvaddstr(2, 2, "waiting for samples...");
	} else {
		switch (t->view) {
		case VIEW_FLAME:
			flame__draw(t);
			break;
		case VIEW_TABLE:
			table__draw(t);
			break;
		case VIEW_THREADS:
			threads__draw(t);
			break;
		case VIEW_TIMELINE:
			timeline__draw(t);
			break;
		case VIEW_HEATMAP:
			heatmap__draw(t);
			break;
		default:
			break;
		}
	}
	draw_status(t);
	if (t->prompting) {
		char line[300];
		snprintf(line, sizeof(line), "%s: %.*s",
			 t->prompt_write ? "write to (the ending picks the format)"
			 : t->view == VIEW_TABLE ? "filter" : "search",
			 (int)t->plen, t->pbuf);
		ui__put_clipped(t->rows - 2, 0, t->cols, line, A_BOLD);
		int cx = (int)strlen(line);
		if (cx < t->cols)
			mvaddch(t->rows - 2, cx, ' ' | A_REVERSE);
	}
	if (t->help)
		draw_help(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Points the views at the current snapshot (the mode's view or the whole run). */
static void show_snapshot(struct tui *t)
{
	if (!t->ls)
		return;
	heatmap__drop_range(t);
	if (t->whole_run) {
		t->p = live_snap__run(t->ls, &t->snap);
	} else {
		t->p = live_snap__profile(t->ls);
		t->snap = live_snap__aggregate(t->ls);
	}
	t->have_snap = true;
	/* node ids are stable across snapshots of one live profile: zoom and selection stay */
	if (t->zoom >= t->snap->nnodes)
		t->zoom = PROFILE_ROOT;
	if (t->sel >= t->snap->nnodes)
		t->sel = t->zoom;
	if (t->hover != PROFILE_NONE && t->hover >= t->snap->nnodes)
		t->hover = PROFILE_NONE;
	layout__build(&t->lay, t->snap, t->zoom, t->cols);
	flame__search_update(t);
	table__refresh(t);
}

/* Takes the live profile's newest snapshot if there is one the screen does not show yet. */
static bool next_snapshot(struct tui *t)
{
	struct live *lv = t->o->live;
	if (live__seq(lv) == t->seq)
		return false;
	struct live_snap *s = live__snapshot(lv);
	if (!s)
		return false;
	struct live_snap_info info;
	live_snap__info(s, &info);
	live_snap__put(t->ls);
	t->ls = s;
	t->seq = info.seq;
	if ((info.stats.ended || info.stats.error) && !t->run_ended) {
		/* the last interval alone would hide the run: show all of it (a goes back) */
		t->run_ended = true;
		t->whole_run = true;
		snprintf(t->msg, sizeof(t->msg), "%s: showing everything recorded (a: the last view)",
			 info.stats.error ? "sampling stopped" : "the target exited");
	}
	show_snapshot(t);
	return true;
}

/* Writes the profile on screen (the mode's view or the whole run) to the prompted path. */
static void write_shown(struct tui *t, const char *path)
{
	if (!t->have_snap) {
		snprintf(t->msg, sizeof(t->msg), "nothing to write yet");
		return;
	}
	if (!strcmp(path, "-")) {
		snprintf(t->msg, sizeof(t->msg), "standard output is the screen: give a file name");
		return;
	}
	if (!sink__for_path(path)) {
		struct strbuf sb = {0};
		sink__list(&sb);
		snprintf(t->msg, sizeof(t->msg), "unknown format for '%.80s': use one of %.120s", path,
			 sb.buf ? sb.buf : "");
		strbuf__free(&sb);
		return;
	}
	/* stderr is held while the screen is up: the result goes to the info line */
	int rc = sink__write(t->p, path, NULL, NULL);
	if (rc < 0)
		snprintf(t->msg, sizeof(t->msg), "cannot write '%.120s': %s", path,
			 rc == -EINVAL ? "nothing to write in this format" : strerror(-rc));
	else
		snprintf(t->msg, sizeof(t->msg), "wrote %s to '%.120s' (%llu samples)",
			 t->whole_run || !t->o->live ? "the whole run" : "this view", path,
			 (unsigned long long)t->snap->total[PROFILE_ROOT]);
}

static void apply_prompt(struct tui *t)
{
	char pat[256], err[160];
	snprintf(pat, sizeof(pat), "%.*s", (int)t->plen, t->pbuf);
	if (t->prompt_write) {
		t->prompt_write = false;
		if (pat[0])
			write_shown(t, pat);
		return;
	}
	struct search *s = t->view == VIEW_TABLE ? &t->filter : &t->search;
	if (!pat[0])
		search__clear(s);
	else if (search__set(s, pat, err, sizeof(err)) < 0)
		snprintf(t->msg, sizeof(t->msg), "%s", err);
	if (t->view == VIEW_TABLE) {
		t->tcur = t->ttop = 0;
		table__refresh(t);
	} else {
		flame__search_update(t);
	}
}

static int prompt_key(struct tui *t, int ch)
{
	switch (ch) {
	case 27:
		t->prompting = false;
		t->prompt_write = false;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		t->prompting = false;
		apply_prompt(t);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (t->plen)
			t->plen--;
		break;
	case 21: /* ^U */
		t->plen = 0;
		break;
	case 3:
		return TUI_QUIT;
	default:
		if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && t->plen + 1 < sizeof(t->pbuf))
			t->pbuf[t->plen++] = (char)ch;
		else
			return TUI_HANDLED;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int mouse_event(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return TUI_HANDLED;
	if (ev.y == 0 && (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) {
		/* a click on a tab switches views */
		int x = 8;
		for (int v = 0; v < VIEW_COUNT; v++) {
			int w = (int)strlen(view_names[v]) + 2;
			if (ev.x >= x && ev.x < x + w) {
				t->view = (enum view)v;
				return TUI_HANDLED | TUI_REDRAW;
			}
			x += w;
		}
		return TUI_HANDLED;
	}
	switch (t->view) {
	case VIEW_FLAME:
		return flame__mouse(t, ev.y, ev.x, ev.bstate);
	case VIEW_TABLE:
		return table__mouse(t, ev.y, ev.x, ev.bstate);
	default:
		return TUI_HANDLED;
	}
}

static int handle_key(struct tui *t, int ch)
{
	if (ch == KEY_RESIZE) {
		getmaxyx(stdscr, t->rows, t->cols);
		if (t->have_snap)
			layout__build(&t->lay, t->snap, t->zoom, t->cols);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (t->help) {
		t->help = false;
		return ch == 'q' || ch == 3 ? TUI_QUIT : TUI_HANDLED | TUI_REDRAW;
	}
	if (t->prompting)
		return prompt_key(t, ch);
	if (ch == KEY_MOUSE)
		return t->have_snap ? mouse_event(t) : TUI_HANDLED;
	t->msg[0] = '\0';
	switch (ch) {
	case 'q':
	case 3:
		return TUI_QUIT;
	case '\t':
		t->view = (enum view)((t->view + 1) % VIEW_COUNT);
		return TUI_HANDLED | TUI_REDRAW;
	case KEY_BTAB:
		t->view = (enum view)((t->view + VIEW_COUNT - 1) % VIEW_COUNT);
		return TUI_HANDLED | TUI_REDRAW;
	case '?':
	case KEY_F(1):
		t->help = true;
		return TUI_HANDLED | TUI_REDRAW;
	case '/':
		if (t->view != VIEW_FLAME && t->view != VIEW_TABLE)
			break;
		t->prompting = true;
		t->plen = 0;
		return TUI_HANDLED | TUI_REDRAW;
	case 'w':
		t->prompting = true;
		t->prompt_write = true;
		t->plen = 0;
		return TUI_HANDLED | TUI_REDRAW;
	case 'm': {
		if (!t->o->live)
			break;
		/* the cycle: reset, accumulate, decay, everything recorded; once the target has
		 * exited no interval comes any more, so m only flips to and from the whole run */
		enum live_mode m = live__mode(t->o->live);
		if (t->whole_run || t->run_ended) {
			t->whole_run = !t->whole_run;
			if (!t->whole_run && !t->run_ended) {
				m = LIVE_RESET;
				live__set_mode(t->o->live, m);
			}
			if (t->whole_run)
				snprintf(t->msg, sizeof(t->msg), "showing everything recorded");
			else
				snprintf(t->msg, sizeof(t->msg), "update mode: %s%s", live__mode_name(m),
					 t->run_ended ? " (the last view)" : " (from the next refresh)");
			show_snapshot(t);
		} else if (m + 1 == LIVE_MODE_COUNT) {
			t->whole_run = true;
			snprintf(t->msg, sizeof(t->msg), "showing everything recorded");
			show_snapshot(t);
		} else {
			m = (enum live_mode)(m + 1);
			live__set_mode(t->o->live, m);
			snprintf(t->msg, sizeof(t->msg), "update mode: %s (from the next refresh)",
				 live__mode_name(m));
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	case 'z': {
		if (!t->o->live)
			break;
		bool frozen = !live__frozen(t->o->live);
		live__set_frozen(t->o->live, frozen);
		snprintf(t->msg, sizeof(t->msg), "%s",
			 frozen ? "display frozen (z to resume)" : "display resumed");
		return TUI_HANDLED | TUI_REDRAW;
	}
	case 'a':
		if (!t->o->live)
			break;
		t->whole_run = !t->whole_run;
		snprintf(t->msg, sizeof(t->msg), "%s",
			 t->whole_run ? "showing everything recorded (a: back to the live view)"
				      : "showing the live view");
		show_snapshot(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!t->have_snap)
		return TUI_UNHANDLED;
	if (ch == 'c' && t->range_p) /* back from a heatmap range, in any view */
		return heatmap__key(t, ch);
	switch (t->view) {
	case VIEW_FLAME:
		return flame__key(t, ch);
	case VIEW_TABLE:
		return table__key(t, ch);
	case VIEW_HEATMAP:
		return heatmap__key(t, ch);
	default:
		return threads__key(t, ch);
	}
}

int tui__run(const struct tui_opts *o)
{
	struct tui t;
	memset(&t, 0, sizeof(t));
	t.o = o;
	t.hover = PROFILE_NONE;
	t.last_click_node = PROFILE_NONE;
	char err[256];
	int rc = term__open(err, sizeof(err));
	if (rc < 0) {
		util__error("%s", err);
		return rc;
	}
	getmaxyx(stdscr, t.rows, t.cols);
	update_self_cpu(&t);
	if (!o->live && o->snap) {
		t.ls = live_snap__get(o->snap);
		show_snapshot(&t);
	}

	bool dirty = true;
	uint64_t last_status = tui__now_ns();
	while (!term__stop_requested()) {
		if (o->live && next_snapshot(&t)) {
			update_self_cpu(&t);
			dirty = true;
		}
		if (dirty) {
			ui__draw(&t);
			dirty = false;
		}
		/* a key is answered at once; without one, look for a new snapshot every 20 ms */
		timeout(o->live ? 20 : 500);
		int ch = getch();
		if (ch == ERR) {
			uint64_t now = tui__now_ns();
			if (now - last_status >= 1000000000ull) {
				update_self_cpu(&t);
				last_status = now;
				dirty = true;
			}
			continue;
		}
		int r = handle_key(&t, ch);
		if (r & TUI_QUIT)
			break;
		if (r & TUI_REDRAW)
			dirty = true;
	}
	term__close();
	search__clear(&t.search);
	search__clear(&t.filter);
	free(t.order);
	heatmap__drop_range(&t);
	layout__free(&t.lay);
	live_snap__put(t.ls);
	/* Ended by a signal, not by q: the caller exits 128 + sig, as a shell would report. */
	return term__stop_signal() ? TUI_SIGNALED(term__stop_signal()) : 0;
}
