/* SPDX-License-Identifier: MIT */
/* Frame names as stackcollapse-perf.pl prints them; shared by record and the self-profiler. */
#ifndef SCORCH_FRAME_NAME_H
#define SCORCH_FRAME_NAME_H

#include "../util/util.h"

/*
 * Rewrites sb (a function name as perf script shows it) in place the way
 * stackcollapse-perf.pl tidies it: ';' -> ':', everything from the first '(' removed
 * (except "(anonymous namespace)") unless the name looks like ".(...).", quotes dropped.
 */
void frame_name__tidy(struct strbuf *sb);

/* "[basename]" of a module path, or "[unknown]" for NULL / "[unknown]"; replaces sb. */
void frame_name__module(struct strbuf *sb, const char *module);

#endif
