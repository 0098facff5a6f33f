// SPDX-License-Identifier: MIT
/* Locates separate debug files: by build-id under /usr/lib/debug, then by .gnu_debuglink. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"

const char *debuginfo__root = "/usr/lib/debug";

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A debug file must carry the same build-id as its binary when both have one. */
static bool matches(const char *candidate, const char *orig, const uint8_t *id, size_t id_len)
{
	if (!is_file(candidate))
		return false;
	if (strcmp(candidate, orig) == 0)
		return false;
	if (!id_len)
		return true;
	uint8_t other[64];
	int n = symelf__read_build_id(candidate, other, sizeof(other));
	if (n <= 0)
		return true;
	return (size_t)n == id_len && memcmp(other, id, id_len) == 0;
}

char *debuginfo__find(const char *path, const uint8_t *build_id, size_t build_id_len,
		      const char *debuglink)
{
	struct strbuf sb = { 0 };
	if (build_id_len >= 2) {
		strbuf__addf(&sb, "%s/.build-id/%02x/", debuginfo__root, build_id[0]);
		for (size_t i = 1; i < build_id_len; i++)
			strbuf__addf(&sb, "%02x", build_id[i]);
		strbuf__adds(&sb, ".debug");
		if (matches(sb.buf, path, build_id, build_id_len))
			return sb.buf;
		sb.len = 0;
	}
	if (debuglink && *debuglink && !strchr(debuglink, '/')) {
		const char *slash = strrchr(path, '/');
		char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
		/* GDB's order: next to the file, its .debug/ folder, the global debug tree. */
		const char *fmts[] = { "%s/%s", "%s/.debug/%s", NULL };
		for (int i = 0; fmts[i]; i++) {
			sb.len = 0;
			strbuf__addf(&sb, fmts[i], dir, debuglink);
			if (matches(sb.buf, path, build_id, build_id_len)) {
				free(dir);
				return sb.buf;
			}
		}
		sb.len = 0;
		strbuf__addf(&sb, "%s%s%s/%s", debuginfo__root, dir[0] == '/' ? "" : "/", dir,
			     debuglink);
		free(dir);
		if (matches(sb.buf, path, build_id, build_id_len))
			return sb.buf;
	}
	strbuf__free(&sb);
	return NULL;
}
