// SPDX-License-Identifier: MIT
/* C++ and Rust symbol demangling through libiberty, in the forms perf and addr2line print. */
#include "internal.h"

#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

/*
 * perf script prints demangled names without the parameter list (it passes DMGL_NO_OPTS
 * unless -v), e.g. "ns::Box<int>::spin"; addr2line -C passes DMGL_PARAMS|DMGL_ANSI and
 * prints "ns::Box<int>::spin(int) const". Both come from the same libiberty entry point,
 * which in its default "auto" style also handles Rust legacy (hash dropped) and v0 names.
 */
char *demangle__name(const char *name, bool params)
{
	if (!name || !*name)
		return NULL;
	if (!(name[0] == '_' && (name[1] == 'Z' || name[1] == 'R')))
		return NULL;
	char *d = cplus_demangle(name, params ? (DMGL_PARAMS | DMGL_ANSI) : DMGL_NO_OPTS);
	if (!d)
		return NULL;
	/* libiberty allocates with malloc; hand back our own copy to keep one free() rule. */
	char *copy = xstrdup(d);
	free(d);
	return copy;
}
