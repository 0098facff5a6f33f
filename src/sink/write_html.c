// SPDX-License-Identifier: MIT
/* The .html writer: one offline page with the canvas viewer and the profile inlined. */
#include "sink.h"
#include "../web/viewer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int html__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		char *err, size_t errlen)
{
	int r = viewer__html_columns(p, o->col, o->before_col, out);
	if (r < 0)
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}
