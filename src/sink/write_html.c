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
	if (o->col != 0 || o->before_col >= 0) {
		snprintf(err, errlen, "the viewer shows the first value column only; write a .svg "
				      "for a differential or another column");
		return -EINVAL;
	}
	int r = viewer__html(p, out);
	if (r < 0)
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}
