/* SPDX-License-Identifier: MIT */
/* Push to Pyroscope: the libcurl functions it calls, loaded at the first --push (not linked). */
#ifndef SCORCH_PUSH_CURL_H
#define SCORCH_PUSH_CURL_H

#include <curl/curl.h>
#include <stddef.h>

/* curl_* functions by the same names without the prefix; filled by push_curl__load(). */
struct push_curl {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode cc);
	char *(*easy_escape)(CURL *h, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};
extern struct push_curl push_curl;

/*
 * Loads libcurl.so.4 and fills push_curl (once; later calls return 0 at once). Returns 0, or
 * -ENOENT with a message for the user in ERR ("--push needs libcurl (libcurl.so.4): ...").
 * Call it from the main thread before any sender thread starts.
 */
int push_curl__load(char *err, size_t errlen);

#endif
