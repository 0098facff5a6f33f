// SPDX-License-Identifier: MIT
/* libFuzzer target for one interchange reader (-DREADER=pprof|speedscope|trace|json|load):
 * any bytes -> the reader -> folded output. "load" sniffs (and gunzips) as the commands do. */
#include <stdint.h>
#include <stdlib.h>

#include "model/profile.h"
#include "sink/sink.h"
#include "source/read_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define READ_pprof(b, n, p, e) pprof__read(b, n, p, 0, e)
#define READ_speedscope(b, n, p, e) speedscope__read(b, n, p, 0, e)
#define READ_trace(b, n, p, e) trace__read(b, n, p, 0, e)
#define READ_json(b, n, p, e) d3json__read(b, n, p, 0, e)
#define READ_load(b, n, p, e) format__load(b, n, p, NULL, e)
#define READ_(r, b, n, p, e) READ_##r(b, n, p, e)
#define READ(r, b, n, p, e) READ_(r, b, n, p, e)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile__new();
	struct strbuf err = {0};
	if (READ(READER, (const char *)data, size, p, &err) == 0) {
		struct sink_opts so;
		sink_opts__init(&so);
		struct strbuf out = {0};
		char e[256];
		folded__write(p, &so, &out, e, sizeof(e));
		strbuf__free(&out);
	}
	strbuf__free(&err);
	profile__free(p);
	return 0;
}
