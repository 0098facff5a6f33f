// SPDX-License-Identifier: MIT
/* libFuzzer target: perf script text -> profile -> folded text, with every option mix. */
#include <stdint.h>
#include <stdlib.h>

#include "model/profile.h"
#include "sink/sink.h"
#include "source/read_perf_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --inline needs real ELF files; the fuzzer leaves it off, this keeps the link small. */
#include <errno.h>
#include "symbol/symbolizer.h"
int symbolizer__inline_chain(struct symbolizer *s, const char *path, uint64_t pc,
			     const char *rawfunc, bool context, struct strbuf *out)
{
	return -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct perf_script_opts o = {0};
	uint8_t flags = data[0];
	o.pid = flags & 1;
	o.tid = flags & 2;
	o.kernel = flags & 4;
	o.jit = flags & 8;
	o.addrs = flags & 16;
	o.srcline = flags & 32;
	o.max_warnings = -1;
	struct profile *p = profile__new();
	struct perf_script_stats st;
	perf_script__read((const char *)data + 1, size - 1, p, 0, &o, &st);
	struct sink_opts so;
	sink_opts__init(&so);
	so.annotate = SINK_ANNOTATE_INLINED | (o.kernel ? SINK_ANNOTATE_KERNEL : 0) |
		      (o.jit ? SINK_ANNOTATE_JIT : 0);
	so.srcline = o.srcline;
	struct strbuf out = {0};
	char err[256];
	folded__write(p, &so, &out, err, sizeof(err));
	strbuf__free(&out);
	profile__free(p);
	return 0;
}
