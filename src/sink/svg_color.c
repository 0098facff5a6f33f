// SPDX-License-Identifier: MIT
/* flamegraph.pl's colour palettes, reproduced so that the same name gets the same colour. */
#include "svg_color.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/profile.h"
#include "../util/util.h"

unsigned svg_color__next_cp(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	unsigned c = *p;
	int n = c < 0x80 ? 0
		: (c & 0xe0) == 0xc0 ? 1
		: (c & 0xf0) == 0xe0 ? 2
		: (c & 0xf8) == 0xf0 ? 3
				     : -1;
	if (n <= 0 || end - p <= n) {
		*pp = p + 1;
		return c;
	}
	unsigned cp = c & (0x3fu >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + 1;
			return c;
		}
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	*pp = p + n + 1;
	return cp;
}

/* "rgb(r,g,b)" without printf: it is written for every frame */
static void rgb(char *buf, int r, int g, int b)
{
	int v[3] = {r, g, b};
	char *p = buf;
	memcpy(p, "rgb(", 4);
	p += 4;
	for (int i = 0; i < 3; i++) {
		int x = v[i];
		if (x < 0) {
			*p++ = '-';
			x = -x;
		}
		if (x >= 100)
			*p++ = (char)('0' + x / 100);
		if (x >= 10)
			*p++ = (char)('0' + x / 10 % 10);
		*p++ = (char)('0' + x % 10);
		*p++ = i < 2 ? ',' : ')';
	}
	*p = '\0';
}

/* perl's drand48 after srand(seed): the first value. */
static double perl_rand_after_srand(uint32_t seed)
{
	uint64_t x = ((uint64_t)seed << 16) + 0x330e;
	x = (x * 0x5deece66dull + 0xb) & 0xffffffffffffull;
	return (double)x / 281474976710656.0;
}

static double random_namehash(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name, *end = p + len;
	uint32_t sum = 0;
	while (p < end)
		sum += svg_color__next_cp(&p, end);
	return perl_rand_after_srand(sum);
}

/* flamegraph.pl's namehash over code points cps[0..n). */
static double namehash_cps(const unsigned *cps, size_t n)
{
	double vector = 0, weight = 1, max = 1;
	int mod = 10;
	for (size_t i = 0; i < n; i++) {
		int v = (int)(cps[i] % (unsigned)mod);
		vector += ((double)v / (mod++ - 1)) * weight;
		max += 1 * weight;
		weight *= 0.70;
		if (mod > 12)
			break;
	}
	return 1 - vector / max;
}

static void namehash_pair(const char *name, size_t len, double *fwd, double *rev)
{
	const unsigned char *p = (const unsigned char *)name, *end = p + len;
	/* s/.(.*?)`//: drop everything up to the first backtick after the first character */
	const unsigned char *bt = len > 1 ? memchr(p + 1, '`', len - 1) : NULL;
	if (bt)
		p = bt + 1;
	size_t cap = (size_t)(end - p) + 1, n = 0;
	unsigned *cps = xmalloc(sizeof(*cps) * cap);
	while (p < end)
		cps[n++] = svg_color__next_cp(&p, end);
	*fwd = namehash_cps(cps, n);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned t = cps[i];
		cps[i] = cps[n - 1 - i];
		cps[n - 1 - i] = t;
	}
	*rev = namehash_cps(cps, n);
	free(cps);
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

static bool has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return true;
	return false;
}

static const char *java_type(const char *s, size_t n)
{
	static const char *const pkgs[] = {"java/", "javax/", "jdk/", "net/", "org/", "com/",
					   "io/", "sun/"};
	if (ends_with(s, n, "_[j]"))
		return "green";
	if (ends_with(s, n, "_[i]"))
		return "aqua";
	const char *t = s;
	size_t tn = n;
	if (tn && *t == 'L') {
		t++;
		tn--;
	}
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		size_t k = strlen(pkgs[i]);
		if ((tn >= k && !memcmp(t, pkgs[i], k)) || (n >= k && !memcmp(s, pkgs[i], k)))
			return "green";
	}
	if (has(s, n, ":::"))
		return "green";
	if (has(s, n, "::"))
		return "yellow";
	if (ends_with(s, n, "_[k]"))
		return "orange";
	return "red";
}

static const char *js_type(const char *s, size_t n)
{
	if (ends_with(s, n, "_[j]"))
		return memchr(s, '/', n) ? "green" : "aqua";
	if (has(s, n, "::"))
		return "yellow";
	const char *slash = memchr(s, '/', n);
	if (slash && has(slash, n - (size_t)(slash - s), ".js"))
		return "green";
	if (memchr(s, ':', n))
		return "aqua";
	if (n == 1 && s[0] == ' ')
		return "green";
	if (has(s, n, "_[k]"))
		return "orange";
	return "red";
}

static const char *perl_type(const char *s, size_t n)
{
	if (has(s, n, "::"))
		return "yellow";
	if (has(s, n, "Perl") || has(s, n, ".pl"))
		return "green";
	if (ends_with(s, n, "_[k]"))
		return "orange";
	return "red";
}

void svg_color__name(char *buf, const char *type, bool hash, bool random, const char *name,
		     size_t len)
{
	double v1, v2, v3;
	if (hash) {
		namehash_pair(name, len, &v1, &v2);
		v3 = v2;
	} else if (random) {
		v1 = drand48();
		v2 = drand48();
		v3 = drand48();
	} else {
		v1 = v2 = v3 = random_namehash(name, len);
	}
	if (!strcmp(type, "hot")) {
		rgb(buf, 205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
		return;
	}
	if (!strcmp(type, "mem")) {
		rgb(buf, 0, 190 + (int)(50 * v2), (int)(210 * v1));
		return;
	}
	if (!strcmp(type, "io")) {
		int r = 80 + (int)(60 * v1);
		rgb(buf, r, r, 190 + (int)(55 * v2));
		return;
	}
	if (!strcmp(type, "java"))
		type = java_type(name, len);
	else if (!strcmp(type, "perl"))
		type = perl_type(name, len);
	else if (!strcmp(type, "js"))
		type = js_type(name, len);
	else if (!strcmp(type, "wakeup"))
		type = "aqua";
	else if (!strcmp(type, "chain"))
		type = has(name, len, "_[w]") ? "aqua" : "blue";

	if (!strcmp(type, "red")) {
		int x = 50 + (int)(80 * v1);
		rgb(buf, 200 + (int)(55 * v1), x, x);
	} else if (!strcmp(type, "green")) {
		int x = 50 + (int)(60 * v1);
		rgb(buf, x, 200 + (int)(55 * v1), x);
	} else if (!strcmp(type, "blue")) {
		int x = 80 + (int)(60 * v1);
		rgb(buf, x, x, 205 + (int)(50 * v1));
	} else if (!strcmp(type, "yellow")) {
		int x = 175 + (int)(55 * v1);
		rgb(buf, x, x, 50 + (int)(20 * v1));
	} else if (!strcmp(type, "purple")) {
		int x = 190 + (int)(65 * v1);
		rgb(buf, x, 80 + (int)(60 * v1), x);
	} else if (!strcmp(type, "aqua")) {
		rgb(buf, 50 + (int)(60 * v1), 165 + (int)(55 * v1),
			165 + (int)(55 * v1));
	} else if (!strcmp(type, "orange")) {
		rgb(buf, 190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
	} else {
		strcpy(buf, "rgb(0,0,0)");
	}
}

const char *svg_color__palette_for(const char *palette, unsigned kind)
{
	return kind == FRAME_OFFCPU ? "blue" : palette;
}

void svg_color__delta(char *buf, double value, double max, bool negate)
{
	int r = 255, g = 255, b = 255;
	if (negate)
		value = -value;
	if (value > 0)
		g = b = (int)(210 * (max - value) / max);
	else if (value < 0)
		r = g = (int)(210 * (max + value) / max);
	rgb(buf, r, g, b);
}
