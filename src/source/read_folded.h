/* SPDX-License-Identifier: MIT */
/* Reader of folded stacks ("a;b;c 42", optionally "a;b;c BEFORE AFTER") into a profile. */
#ifndef SCORCH_READ_FOLDED_H
#define SCORCH_READ_FOLDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/profile.h"

struct folded_opts {
	bool reverse;   /* flamegraph.pl --reverse: leaf becomes root */
	bool chain;     /* flamegraph.pl --colors=chain: mark waker frames with _[w] */
	bool striphex;  /* difffolded.pl -s: 0x1234 -> 0x... */
	bool keep_order; /* also record lines in reading order (profile__sequence) */
	bool sort;       /* read lines in byte order, as flamegraph.pl sorts them */
	/* keep fractional counts: when a count has a nonzero fraction, every value is stored
	 * times PROFILE_FRAC_SCALE (6 decimals, rounded half up) and the profile's value scale
	 * says so; otherwise counts are rounded to integers. p must be empty then. */
	bool fraction;
	/* keep the empty frames after a trailing ';' (not with reverse or chain) as trie nodes
	 * named "", so "a; 1" stays a line of its own that sorts where flamegraph.pl sorts it;
	 * the SVG layout draws such a line as its non-empty prefix, as flamegraph.pl does. */
	bool keep_trailing;
	/* folded__lines_open() only: sort by stack text (trailing ';' dropped), shorter first,
	 * instead of whole lines, so identical stacks are adjacent */
	bool by_stack;
	/* folded__lines_open() only: leave the sort to folded__lines_sort() */
	bool defer_sort;
	/* folded__lines_open() only: folded__lines_each() runs once and gives back the memory of
	 * the index behind the line it is at (a profile of 10 million lines indexes 280 MB) */
	bool release_behind;
	/* with release_behind: buf is a private file mapping, and the pages of it that
	 * folded__lines_each() has read for the last time (lines in the input's order, or the
	 * runs of folded__lines_sort_runs() before the one at hand) are given back too (they
	 * read again from the file if asked for) */
	bool release_input;
};

/*
 * Frames kept of one stack: deeper frames are dropped (counted in folded_stats.cut), so a
 * line of 50 million ';' cannot become a 50-million-frame graph. Real stacks stop far
 * below: perf's own limit (kernel.perf_event_max_stack) is 127 by default.
 */
#define FOLDED_MAX_DEPTH 65536

struct folded_stats {
	uint64_t lines;      /* lines read */
	uint64_t valid;      /* lines that were folded stacks */
	uint64_t ignored;    /* lines that were not */
	uint64_t fractional; /* counts with a fractional part (rounded unless opts->fraction) */
	uint64_t first_ignored_line; /* 1-based, 0 if none */
	int before_col;      /* column holding the first of two counts, -1 if no such line */
	uint64_t overflow_line; /* line whose count does not fit in 64 bits, 0 if none */
	uint64_t cut;           /* stacks cut to FOLDED_MAX_DEPTH frames */
};

/*
 * Parses folded text with flamegraph.pl's rules: the count is the last whitespace-separated
 * token (digits, optional fraction), everything before the whitespace is the stack, frames
 * are separated by ';'. A line with two counts is "stack before after": after goes to col,
 * before to a "before" column the reader adds (reported in st->before_col).
 * Returns 0, or -EOVERFLOW when a count or a sum does not fit in 64 bits (st->overflow_line).
 */
int folded__read(const char *buf, size_t len, struct profile *p, int col,
		 const struct folded_opts *opts, struct folded_stats *st);

/*
 * Folded text as a sequence of valid lines in byte order, the order flamegraph.pl lays
 * them out in, for a writer that draws lines as they come instead of building a profile
 * (memory near the input's size). folded__lines_open() reads and sorts the lines (lines
 * that cannot hold a count are counted, never stored) and fills st as folded__read does
 * (before_col >= 0 when some line has two counts); buf must outlive the handle, which is
 * freed with folded__lines_free() (also after an error). Counts are fixed-point when
 * opts->fraction finds a fraction (folded__lines_scale() says by how much). Returns 0 or
 * -EOVERFLOW (st->overflow_line).
 */
struct folded_lines;
struct folded_line_info {
	const char *stack; /* the stack part of the line, frames separated by ';' */
	size_t len;
	size_t frames_len; /* len without trailing ';' (perl's split drops empty last frames) */
	uint64_t value;  /* the count (the after count of a two-count line) */
	uint64_t before; /* the first of two counts */
	bool two;
	/* folded__lines_each() only: bytes of the stack shared with the previous and the next
	 * line's stacks (0 for the first and last line) */
	size_t lcp_prev, lcp_next;
};
typedef int (*folded_line_fn)(const struct folded_line_info *li, void *arg);
int folded__lines_open(const char *buf, size_t len, const struct folded_opts *opts,
		       struct folded_lines **fl, struct folded_stats *st);
/*
 * Sorts the lines (once; folded__lines_open() does it unless opts->defer_sort). Lines
 * whose stacks start with some prefix no other line has, whose counts (scaled) sum below
 * leave_below, may stay in any order among themselves (see strsort__sort); 0 sorts all.
 */
void folded__lines_sort(struct folded_lines *fl, uint64_t leave_below);
/*
 * Instead of that sort (opts->defer_sort): sorts the lines of each run of about run_bytes
 * of the input on its own, the runs in the input's order, so a reader that builds a profile
 * shares the prefixes of neighbouring lines while only one run of the input is in use at a
 * time. Returns whether all the lines are in byte order now (the input was sorted or is one
 * run); a line's lcp_prev is 0 at the start of a run.
 */
bool folded__lines_sort_runs(struct folded_lines *fl, size_t run_bytes);
uint64_t folded__lines_scale(const struct folded_lines *fl);
/* Sum of every line's (after) count, in scaled units. */
double folded__lines_total(const struct folded_lines *fl);
/* Calls fn for each line in order; stops at fn's negative return, or -EOVERFLOW when the
 * sum of identical adjacent stacks does not fit in 64 bits (st->overflow_line). */
int folded__lines_each(struct folded_lines *fl, folded_line_fn fn, void *arg,
		       struct folded_stats *st);
/* Random access: how many lines, line i, and its 1-based number in the input. */
size_t folded__lines_count(const struct folded_lines *fl);
void folded__lines_get(const struct folded_lines *fl, size_t i, struct folded_line_info *li);
uint64_t folded__lines_lineno(const struct folded_lines *fl, size_t i);
void folded__lines_free(struct folded_lines *fl);

#endif
