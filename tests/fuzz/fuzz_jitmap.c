// SPDX-License-Identifier: MIT
/* libFuzzer target: any bytes as a /tmp/perf-PID.map -> jitmap load and lookups. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "symbol/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/scorch-fuzz-perf-%d.map", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct jitmap *j = NULL;
	if (jitmap__load(path, (uint32_t)geteuid(), &j) == 0) {
		for (size_t i = 0; i + 8 <= size && i < 128; i += 8) {
			uint64_t a;
			__builtin_memcpy(&a, data + i, 8);
			jitmap__find(j, a);
			jitmap__find(j, a & 0xffffffff);
		}
		jitmap__find(j, 0);
		jitmap__find(j, UINT64_MAX);
		jitmap__stale(j, path);
		jitmap__free(j);
	}
	unlink(path);
	return 0;
}
