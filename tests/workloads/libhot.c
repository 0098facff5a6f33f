// SPDX-License-Identifier: MIT
/* A shared library loaded with dlopen mid-run: all of the workload's CPU time is in hot_loop. */
#include <stdint.h>

__attribute__((noinline)) uint64_t hot_loop(uint64_t n)
{
	volatile uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++)
		acc += i * i;
	return acc;
}
