/* SPDX-License-Identifier: MIT */
/* The terminal UI (scorch top / scorch view): the only module that talks to curses. */
#ifndef SCORCH_TUI_H
#define SCORCH_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/live.h"
#include "../model/profile.h"

struct tui_opts {
	const char *title;      /* shown on the header line, e.g. the file name or command */
	struct live *live;      /* a running live profile (scorch top): the UI shows its snapshots */
	struct live_snap *snap; /* else a fixed snapshot (scorch view); not owned */
};

/* tui__run's positive result when a signal ended the UI: the exit status to return. */
#define TUI_SIGNALED(sig) (128 + (sig))

/*
 * Runs the UI until the user quits. Takes over the terminal and restores it on every exit
 * path (signals included); messages written to stderr meanwhile are printed afterwards.
 * With a live profile, m cycles its mode, z freezes it and a shows the whole run; the UI
 * thread only reads snapshots, so keys are answered while sampling goes on.
 * Returns 0 when the user quit, TUI_SIGNALED(sig) when a signal ended it, or a negative errno
 * when the terminal could not be used (a message is printed).
 */
int tui__run(const struct tui_opts *o);


#endif
