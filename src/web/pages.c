// SPDX-License-Identifier: MIT
/* serve's page assets, embedded at build time (src/web/assets/, the viewer's own). */
#include <string.h>

#include "viewer.h"
#include "web_internal.h"
#include "web_app.css.h"
#include "web_app.html.h"
#include "web_app.js.h"

const char *pages__asset(const char *path, size_t *len, const char **type)
{
	if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		*type = "text/html; charset=utf-8";
		*len = sizeof(web_app_html) - 1;
		return web_app_html;
	}
	if (!strcmp(path, "/app.js")) {
		*type = "text/javascript; charset=utf-8";
		*len = sizeof(web_app_js) - 1;
		return web_app_js;
	}
	if (!strcmp(path, "/app.css")) {
		*type = "text/css; charset=utf-8";
		*len = sizeof(web_app_css) - 1;
		return web_app_css;
	}
	if (!strcmp(path, "/viewer.js") || !strcmp(path, "/viewer.css")) {
		*type = path[8] == 'j' ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
		return viewer__asset(path + 1, len);
	}
	return NULL;
}
