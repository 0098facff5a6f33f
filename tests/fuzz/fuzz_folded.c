// SPDX-License-Identifier: MIT
/* libFuzzer target: folded text -> profile -> SVG and folded output. */
#include <stdint.h>
#include <stdlib.h>

#include "model/profile.h"
#include "sink/sink.h"
#include "sink/write_svg.h"
#include "source/read_folded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	struct folded_opts fo = {.reverse = flags & 1, .chain = flags & 2, .striphex = flags & 4,
				 .keep_order = flags & 8};
	struct profile *p = profile__new();
	struct folded_stats st;
	folded__read((const char *)data + 1, size - 1, p, 0, &fo, &st);
	struct svg_opts o;
	svg_opts__init(&o);
	o.flamechart = fo.keep_order;
	o.inverted = flags & 16;
	o.hash = flags & 32;
	o.minwidth = (flags & 64) ? "0" : "0.1";
	struct sink_opts so;
	sink_opts__init(&so);
	so.before_col = st.before_col;
	so.svg = &o;
	struct strbuf out = {0};
	char err[256];
	svg__write(p, &so, &out, err, sizeof(err));
	out.len = 0;
	folded__write(p, &so, &out, err, sizeof(err));
	strbuf__free(&out);
	profile__free(p);
	return 0;
}
