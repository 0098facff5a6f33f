/* SPDX-License-Identifier: MIT */
/* Compiled CFI tables kept on disk between runs, so a profile starts without recompiling. */
#ifndef SCORCH_UNWIND_CFI_CACHE_H
#define SCORCH_UNWIND_CFI_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "cfi_table.h"

/*
 * cfi_table__build with a cache: the table of the file open on fd, read from dir (one file
 * per device and inode: "cfi-DEV-INO") when its header names the same size, modification
 * and change times; else compiled, and stored there for the next run (written under a
 * temporary name, then renamed). dir NULL or empty: no cache. *cached says where the
 * table came from. Returns as cfi_table__build does; a cache that cannot be read or
 * written is never an error, only a compile.
 */
int cfi_cache__build(int fd, const char *dir, struct cfi_table **out, bool *cached, char *err,
		     size_t errlen);

#endif
