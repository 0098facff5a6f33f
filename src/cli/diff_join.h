/* SPDX-License-Identifier: MIT */
/* scorch diff's fast path for plain folded files: a hash join on the stack text. */
#ifndef SCORCH_DIFF_JOIN_H
#define SCORCH_DIFF_JOIN_H

#include <stdbool.h>

/*
 * Prints difffolded.pl's "stack BEFORE AFTER" lines for two folded files to out_path ("-"
 * is stdout): BEFORE's stacks in the order they first appear, then the stacks only AFTER
 * has, in AFTER's order. Stacks are summed as the profile path sums them (trailing ';'
 * dropped); a stack with no samples on either side is left out. Returns an exit status, or
 * -1 without a word when an input is not plain folded text of one integer count per line
 * (fractions, two counts, lines without a count, sums past 64 bits, unreadable files): the
 * caller then takes the general path, which reads such files or says what is wrong.
 */
int diff_join__run(const char *before_path, const char *after_path, bool normalize,
		   const char *out_path);

#endif
