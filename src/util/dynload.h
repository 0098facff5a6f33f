/* SPDX-License-Identifier: MIT */
/* Shared libraries loaded at first use (dlopen), so a command that never needs one does not pay for it. */
#ifndef SCORCH_DYNLOAD_H
#define SCORCH_DYNLOAD_H

#include <stddef.h>

/*
 * Why: linking libcurl and libmicrohttpd pulls in ~30 more libraries (TLS, Kerberos, LDAP, ...)
 * whose loading and relocation cost ~20 ms at every start of every command, while only
 * --push and `scorch serve` use them.
 */
struct dynload_sym {
	const char *name; /* the symbol, as exported by the library */
	void **slot;      /* where its address goes (a function pointer, cast) */
};

/*
 * Opens SONAME and stores the address of every symbol of SYMS[0..N) in its slot. Returns 0, or
 * -ENOENT with dlerror()'s text in ERR when the library or a symbol is missing (then no slot is
 * trusted). The library stays loaded for the life of the process. Not thread-safe: call it
 * before starting the threads that use the slots.
 */
int dynload__open(const char *soname, const struct dynload_sym *syms, size_t n, char *err,
		  size_t errlen);

#endif
