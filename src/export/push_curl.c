// SPDX-License-Identifier: MIT
/* Push to Pyroscope: libcurl opened with dlopen at the first --push, through a table of functions. */
#include "push_curl.h"

#include <stdbool.h>
#include <stdio.h>

#include "../util/dynload.h"

#define CURL_SONAME "libcurl.so.4"

struct push_curl push_curl;

int push_curl__load(char *err, size_t errlen)
{
	static bool loaded;
	if (loaded)
		return 0;
	const struct dynload_sym syms[] = {
		{"curl_global_init", (void **)&push_curl.global_init},
		{"curl_global_cleanup", (void **)&push_curl.global_cleanup},
		{"curl_easy_init", (void **)&push_curl.easy_init},
		{"curl_easy_setopt", (void **)&push_curl.easy_setopt},
		{"curl_easy_perform", (void **)&push_curl.easy_perform},
		{"curl_easy_getinfo", (void **)&push_curl.easy_getinfo},
		{"curl_easy_cleanup", (void **)&push_curl.easy_cleanup},
		{"curl_easy_strerror", (void **)&push_curl.easy_strerror},
		{"curl_easy_escape", (void **)&push_curl.easy_escape},
		{"curl_free", (void **)&push_curl.free},
		{"curl_slist_append", (void **)&push_curl.slist_append},
		{"curl_slist_free_all", (void **)&push_curl.slist_free_all},
	};
	char why[512];
	int rc = dynload__open(CURL_SONAME, syms, sizeof(syms) / sizeof(syms[0]), why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "--push needs libcurl (%s): %s", CURL_SONAME, why);
		return rc;
	}
	loaded = true;
	return 0;
}
