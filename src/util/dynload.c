// SPDX-License-Identifier: MIT
/* Shared libraries loaded at first use: dlopen and a table of dlsym results. */
#include "dynload.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int dynload__open(const char *soname, const struct dynload_sym *syms, size_t n, char *err,
		  size_t errlen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(err, errlen, "%s", why ? why : "cannot be loaded");
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		void *p = dlsym(h, syms[i].name);
		const char *why = dlerror();
		if (why || !p) {
			snprintf(err, errlen, "%s", why ? why : "a symbol is missing");
			dlclose(h);
			return -ENOENT;
		}
		*syms[i].slot = p;
	}
	return 0;
}
