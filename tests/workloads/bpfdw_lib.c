// SPDX-License-Identifier: MIT
/* The library bpfdw_split dlopens mid-run (built -O2 -fomit-frame-pointer): a frameless leaf
 * under one frame, so only CFI gets from its samples back to the caller. */
#include <stdint.h>

volatile uint64_t bpfdw_lib_sink;

__attribute__((noinline)) static uint64_t lib_spin(uint64_t n)
{
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		acc += i * i ^ (acc >> 3);
		__asm__ volatile("" : "+r"(acc));
	}
	return acc;
}

__attribute__((noinline)) uint64_t lib_work(uint64_t n)
{
	uint64_t r = lib_spin(n);
	bpfdw_lib_sink += r;
	return r + 1;
}
