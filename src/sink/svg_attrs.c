// SPDX-License-Identifier: MIT
/* flamegraph.pl's side files: --nameattr attributes and the --cp palette.map. */
#include "svg_attrs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


void svg_attrs__set(struct kv_map *m, const char *k, size_t kn, const char *v)
{
	if (!m->keys)
		m->keys = profile__new();
	uint32_t id = profile__intern(m->keys, k, kn);
	if (id >= m->cap) {
		size_t old = m->cap;
		m->cap = (id + 1) * 2;
		m->vals = xrealloc(m->vals, sizeof(*m->vals) * m->cap);
		memset(m->vals + old, 0, sizeof(*m->vals) * (m->cap - old));
	}
	free(m->vals[id]);
	m->vals[id] = xstrdup(v);
}

const char *svg_attrs__get(struct kv_map *m, const char *k, size_t kn)
{
	if (!m->keys)
		return NULL;
	/* interning an unknown name only adds a key without a value */
	uint32_t id = profile__intern(m->keys, k, kn);
	return id < m->cap ? m->vals[id] : NULL;
}

void svg_attrs__free(struct kv_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->vals[i]);
	free(m->vals);
	profile__free(m->keys);
}

int svg_attrs__load_nameattr(const char *path, struct kv_map *m, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int r = util__read_file(path, &buf, &len);
	if (r < 0) {
		snprintf(err, errlen, "cannot read --nameattr file '%s': %s", path, strerror(-r));
		return r;
	}
	for (char *line = buf, *next; line < buf + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		char *tab = strchr(line, '\t');
		if (!tab) {
			snprintf(err, errlen, "invalid format in '%s': want NAME<TAB>attr=value...",
				 path);
			free(buf);
			return -EINVAL;
		}
		svg_attrs__set(m, line, (size_t)(tab - line), tab + 1);
	}
	free(buf);
	return 0;
}

/* Looks up attribute key in a "k=v<TAB>k=v" list. */
const char *svg_attrs__attr(const char *attrs, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);
	for (const char *a = attrs; a && *a;) {
		const char *end = strchr(a, '\t');
		size_t n = end ? (size_t)(end - a) : strlen(a);
		if (n > kl && !memcmp(a, key, kl) && a[kl] == '=') {
			*vlen = n - kl - 1;
			return a + kl + 1;
		}
		a = end ? end + 1 : NULL;
	}
	return NULL;
}

void svg_attrs__load_palette(const char *path, struct kv_map *m)
{
	char *buf;
	size_t len;
	if (util__read_file(path, &buf, &len) < 0)
		return;
	for (char *line = buf, *next; line < buf + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		char *arrow = strstr(line, "->");
		if (arrow) {
			char *v = arrow + 2, *more = strstr(v, "->");
			if (more)
				*more = '\0';
			svg_attrs__set(m, line, (size_t)(arrow - line), v);
		}
	}
	free(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void svg_attrs__save_palette(const char *path, struct kv_map *m)
{
	if (!m->keys)
		return;
	size_t n = 0;
	char **lines = xmalloc(sizeof(*lines) * (m->cap + 1));
	for (uint32_t id = 0; id < m->cap; id++) {
		if (!m->vals[id])
			continue;
		struct strbuf l = {0};
		strbuf__adds(&l, profile__str(m->keys, id));
		strbuf__adds(&l, "->");
		strbuf__adds(&l, m->vals[id]);
		strbuf__addc(&l, '\n');
		lines[n++] = l.buf;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	struct strbuf out = {0};
	for (size_t i = 0; i < n; i++) {
		strbuf__adds(&out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (util__write_file(path, out.buf ? out.buf : "", out.len) < 0)
		util__warn("cannot write palette file '%s'", path);
	strbuf__free(&out);
}

