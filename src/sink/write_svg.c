// SPDX-License-Identifier: MIT
/* SVG flame graph writer (placeholder). */
#include "sink.h"
#include <errno.h>
int svg__render(const struct profile *p, int value_col, int before_col, const struct svg_opts *o,
		struct strbuf *out)
{
	return -ENOSYS;
}
