// SPDX-License-Identifier: MIT
/* libFuzzer target: perf script text -> profile -> folded text, with every option mix; read
 * whole and in pieces (perf_script__feed), which must give the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	struct sink_opts so;
	sink_opts__init(&so);
	so.annotate = SINK_ANNOTATE_INLINED | (o.kernel ? SINK_ANNOTATE_KERNEL : 0) |
		      (o.jit ? SINK_ANNOTATE_JIT : 0);
	so.srcline = o.srcline;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	char err[256];

	struct profile *p = profile__new();
	struct perf_script_stats st;
	int rc = perf_script__read(in, n, p, 0, &o, &st);
	struct strbuf out = {0};
	folded__write(p, &so, &out, err, sizeof(err));
	profile__free(p);

	/* the same input in pieces of 1 to 64 bytes (the flags byte picks the size), each
	 * piece appended to what the reader left, as scorch collapse reads files */
	if (!o.srcline) {
		size_t piece = (size_t)(flags >> 6) * 21 + 1;
		struct profile *q = profile__new();
		struct perf_script_stats st2;
		struct perf_script_stream *s = perf_script__begin(q, 0, &o, &st2);
		char *buf = malloc(n + 1);
		size_t have = 0, pos = 0;
		while (pos < n) {
			size_t k = n - pos < piece ? n - pos : piece;
			memcpy(buf + have, in + pos, k);
			have += k;
			pos += k;
			size_t used = perf_script__feed(s, buf, have, false);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		perf_script__feed(s, buf, have, true);
		int rc2 = perf_script__end(s);
		free(buf);
		struct strbuf out2 = {0};
		folded__write(q, &so, &out2, err, sizeof(err));
		profile__free(q);
		if (rc != rc2 || st.samples != st2.samples || st.lines != st2.lines ||
		    out.len != out2.len || (out.len && memcmp(out.buf, out2.buf, out.len)))
			abort();
		strbuf__free(&out2);
	}
	strbuf__free(&out);
	return 0;
}
