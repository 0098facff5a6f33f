// SPDX-License-Identifier: MIT
/* Frame names as stackcollapse-perf.pl prints them, for record and the self-profiler. */
#include "frame_name.h"

#include <string.h>

#include "perf_names.h"

void frame_name__tidy(struct strbuf *sb)
{
	if (!sb->buf)
		strbuf__add(sb, "", 0);
	perf_names__tidy(sb, 0, false);
}

void frame_name__module(struct strbuf *sb, const char *module)
{
	sb->len = 0;
	perf_names__unknown(sb, module, module ? strlen(module) : 0, NULL, 0, false);
}
