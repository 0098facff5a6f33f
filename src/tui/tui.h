/* SPDX-License-Identifier: MIT */
/* The terminal UI (scorch top / scorch view): the only module that talks to curses. */
#ifndef SCORCH_TUI_H
#define SCORCH_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/profile.h"

/* What a live source reports for the status line. */
struct tui_stats {
	const char *backend; /* "perf_event", "file", ... */
	const char *event;   /* "cpu-clock", or NULL */
	unsigned freq;       /* Hz, 0 if unknown */
	uint64_t samples;
	uint64_t lost;
	uint64_t elapsed_ns;
	bool ended; /* every target has exited; no more data will come */
};

/*
 * A live source: the UI calls poll() between key presses (it must return within about
 * timeout_ms, 0 or a negative errno; -EINTR is not an error) and stats() for the status line.
 */
struct tui_live {
	void *ctx;
	int (*poll)(void *ctx, struct profile *p, int timeout_ms);
	void (*stats)(void *ctx, struct tui_stats *st);
	unsigned refresh_ms; /* how often the screen takes a new snapshot (default 1000) */
};

struct tui_opts {
	const char *title;   /* shown on the header line, e.g. the file name or command */
	struct profile *p;   /* not owned; live sources append to it */
	const struct tui_live *live; /* NULL for a saved profile */
	const char *backend; /* for a saved profile: shown on the status line */
};

/*
 * Runs the UI until the user quits. Takes over the terminal and restores it on every exit
 * path (signals included); messages written to stderr meanwhile are printed afterwards.
 * Returns 0, or a negative errno when the terminal could not be used (a message is printed).
 */
int tui__run(const struct tui_opts *o);

/*
 * Benchmark: lays out and draws p into an off-screen cols x rows terminal iters times;
 * prints the snapshot time and the median / min / max redraw time on stdout. Returns 0 or a
 * negative errno.
 */
int tui__bench(struct profile *p, int cols, int rows, int iters);

#endif
