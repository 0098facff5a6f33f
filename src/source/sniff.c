// SPDX-License-Identifier: MIT
/* Tells profile formats apart by their bytes and routes a file to the reader that fits. */
#define _GNU_SOURCE /* memmem */
#include "read_formats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../sink/sink.h"

/* A key of a JSON object within the first bytes (files put their format's keys up front). */
static bool has_key(const char *buf, size_t len, const char *key)
{
	size_t win = len < 65536 ? len : 65536;
	return memmem(buf, win, key, strlen(key)) != NULL;
}

enum profile_format format__sniff(const char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return FORMAT_GZIP;
	/* pprof: a Profile message opens with a known field tag, and protobuf is binary */
	static const unsigned char tags[] = {0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x32, 0x38, 0x40,
					     0x48, 0x50, 0x5a, 0x60, 0x68, 0x6a, 0x70};
	if (len >= 2 && memchr(tags, u[0], sizeof(tags))) {
		size_t win = len < 64 ? len : 64;
		for (size_t i = 1; i < win; i++)
			if (u[i] < 0x09 || (u[i] > 0x0d && u[i] < 0x20) || u[i] == 0x0b || u[i] == 0x0c)
				return FORMAT_PPROF;
	}
	size_t i = 0;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '[')
		return FORMAT_TRACE; /* the trace format's bare array of events */
	if (i < len && buf[i] == '{') {
		if (has_key(buf, len, "speedscope.app/file-format-schema") ||
		    (has_key(buf, len, "\"shared\"") && has_key(buf, len, "\"profiles\"")))
			return FORMAT_SPEEDSCOPE;
		if (has_key(buf, len, "\"traceEvents\"") || has_key(buf, len, "\"stackFrames\""))
			return FORMAT_TRACE;
		if (has_key(buf, len, "\"children\"") || has_key(buf, len, "\"value\""))
			return FORMAT_D3JSON;
	}
	return FORMAT_FOLDED;
}

const char *format__name(enum profile_format f)
{
	static const char *const names[] = {"folded", "pprof", "speedscope", "Chrome trace",
					    "d3 JSON", "gzip"};
	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "unknown";
}

int format__gunzip(const char *buf, size_t len, char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
		return -ENOMEM;
	size_t cap = len * 4 + 4096, n = 0;
	char *dst = xmalloc(cap + 1);
	z.next_in = (Bytef *)buf;
	int r = Z_OK;
	size_t in_left = len;
	while (r != Z_STREAM_END) {
		if (n == cap) {
			cap *= 2;
			dst = xrealloc(dst, cap + 1);
		}
		if (!z.avail_in && in_left) {
			z.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
			in_left -= z.avail_in;
		}
		z.next_out = (Bytef *)dst + n;
		size_t room = cap - n > (1u << 30) ? (1u << 30) : cap - n;
		z.avail_out = (uInt)room;
		r = inflate(&z, Z_NO_FLUSH);
		n += room - z.avail_out;
		if (r == Z_BUF_ERROR && !z.avail_in && !in_left)
			break;
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(dst);
		return -EINVAL;
	}
	dst[n] = '\0';
	*out = dst;
	*outlen = n;
	return 0;
}

int format__load(const char *buf, size_t len, struct profile *q, enum profile_format *fmt,
		 struct strbuf *err)
{
	enum profile_format f = format__sniff(buf, len);
	char *plain = NULL;
	size_t plen = 0;
	if (f == FORMAT_GZIP) {
		if (format__gunzip(buf, len, &plain, &plen) < 0) {
			if (err)
				strbuf__adds(err, "corrupt gzip data");
			return -EINVAL;
		}
		buf = plain;
		len = plen;
		f = format__sniff(buf, len);
		if (f == FORMAT_GZIP) {
			free(plain);
			if (err)
				strbuf__adds(err, "gzip inside gzip");
			return -EINVAL;
		}
	}
	if (fmt)
		*fmt = f;
	int rc;
	switch (f) {
	case FORMAT_PPROF:
		rc = pprof__read(buf, len, q, 0, err);
		break;
	case FORMAT_SPEEDSCOPE:
		rc = speedscope__read(buf, len, q, 0, err);
		break;
	case FORMAT_TRACE:
		rc = trace__read(buf, len, q, 0, err);
		break;
	case FORMAT_D3JSON:
		rc = d3json__read(buf, len, q, 0, err);
		break;
	default: {
		struct folded_stats st;
		rc = folded__read(buf, len, q, 0, NULL, &st);
		if (rc == -EOVERFLOW && err)
			strbuf__addf(err, "line %llu: count does not fit in 64 bits",
				     (unsigned long long)st.overflow_line);
		else if (!rc && !st.valid) {
			if (err)
				strbuf__adds(err, "no profile found (not folded stacks, pprof, "
						  "speedscope, Chrome trace or d3 JSON)");
			rc = -EINVAL;
		}
		break;
	}
	}
	free(plain);
	return rc;
}

int format__read(const char *buf, size_t len, struct profile *p, int col,
		 const struct folded_opts *fo, struct folded_stats *st)
{
	if (format__sniff(buf, len) == FORMAT_FOLDED)
		return folded__read(buf, len, p, col, fo, st);
	memset(st, 0, sizeof(*st));
	st->before_col = -1;
	struct profile *q = profile__new();
	struct strbuf err = {0};
	enum profile_format f;
	int rc = format__load(buf, len, q, &f, &err);
	if (rc < 0) {
		util__error("cannot read %s profile: %s", format__name(f),
			    err.buf ? err.buf : strerror(-rc));
		strbuf__free(&err);
		profile__free(q);
		return -EINVAL;
	}
	strbuf__free(&err);
	if (f == FORMAT_FOLDED) { /* compressed folded text */
		struct strbuf text = {0};
		struct sink_opts so;
		char why[128];
		sink_opts__init(&so);
		folded__write(q, &so, &text, why, sizeof(why));
		rc = folded__read(text.buf ? text.buf : "", text.len, p, col, fo, st);
		strbuf__free(&text);
		profile__free(q);
		return rc;
	}
	bool plain = !fo || !(fo->reverse || fo->chain || fo->striphex || fo->keep_order || fo->sort);
	if (plain) {
		int colmap[PROFILE_MAX_COLUMNS];
		for (int i = 0; i < PROFILE_MAX_COLUMNS; i++)
			colmap[i] = i == 0 ? col : -1;
		rc = profile__merge(p, q, colmap);
		struct profile_meta *dm = profile__meta(p), *sm = profile__meta(q);
		if (!dm->event && sm->event)
			dm->event = xstrdup(sm->event);
		if (!dm->period && !dm->freq) {
			dm->period = sm->period;
			dm->freq = sm->freq;
		}
		for (uint32_t n = 1; n < profile__nnodes(q); n++)
			if (profile__self(q, n, 0))
				st->valid++;
		st->lines = st->valid;
		if (rc == -EOVERFLOW)
			st->overflow_line = 1;
	} else {
		struct strbuf text = {0};
		struct sink_opts so;
		char why[128];
		sink_opts__init(&so);
		folded__write(q, &so, &text, why, sizeof(why));
		rc = folded__read(text.buf ? text.buf : "", text.len, p, col, fo, st);
		strbuf__free(&text);
	}
	profile__free(q);
	return rc;
}
