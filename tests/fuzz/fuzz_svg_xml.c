// SPDX-License-Identifier: MIT
/* libFuzzer target: any bytes as folded input -> SVG, which expat must parse as well-formed XML. */
#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/profile.h"
#include "sink/sink.h"
#include "sink/write_svg.h"
#include "source/read_folded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with expat's reason and position when svg is not well-formed XML. */
static void check_xml(const char *svg, size_t len)
{
	XML_Parser x = XML_ParserCreate(NULL);
	if (!x)
		abort();
	if (XML_Parse(x, svg, (int)len, 1) != XML_STATUS_OK) {
		fprintf(stderr, "SVG is not well-formed XML: %s at line %lu column %lu\n",
			XML_ErrorString(XML_GetErrorCode(x)),
			(unsigned long)XML_GetCurrentLineNumber(x),
			(unsigned long)XML_GetCurrentColumnNumber(x));
		abort();
	}
	XML_ParserFree(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* the first two bytes pick reader and writer options, the rest is the folded text */
	uint8_t flags = data[0], flags2 = data[1];
	struct folded_opts fo = {.reverse = flags & 1, .chain = flags & 2, .striphex = flags & 4,
				 .keep_order = flags & 8, .fraction = !(flags2 & 1),
				 .keep_trailing = !(flags2 & 2)};
	struct profile *p = profile__new();
	struct folded_stats st;
	folded__read((const char *)data + 2, size - 2, p, 0, &fo, &st);
	struct svg_opts o;
	svg_opts__init(&o);
	o.flamechart = fo.keep_order;
	o.inverted = flags & 16;
	o.hash = flags & 32;
	o.minwidth = (flags & 64) ? "0" : "0.1";
	if (flags2 & 4)
		o.title = "t\x01<&>\xff\"";
	if (flags2 & 8)
		o.factor = 0.001;
	if (flags & 128) {
		/* a single-byte encoding: bytes above 0x7f are characters, not UTF-8 */
		o.encoding = "ISO-8859-1";
		o.colors = "chain";
	}
	struct sink_opts so;
	sink_opts__init(&so);
	so.before_col = st.before_col;
	so.svg = &o;
	struct strbuf out = {0};
	char err[256];
	if (svg__write(p, &so, &out, err, sizeof(err)) == 0)
		check_xml(out.buf, out.len);
	strbuf__free(&out);
	profile__free(p);
	return 0;
}
