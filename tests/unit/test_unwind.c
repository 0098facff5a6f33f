// SPDX-License-Identifier: MIT
/* Unit tests for unwind_input__read: reads of the sampled stack copy, and the addresses that
 * must miss it (a CFA rule gave ~0 once, and addr + 8 wrapped around into the copy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "unwind/dwarf.h"

#define SP 0x7ffc00001000ull

static uint8_t stack[64];
static uint64_t regs[UNWIND_NREGS];

static struct unwind_input input(size_t len)
{
	for (size_t i = 0; i < sizeof(stack); i++)
		stack[i] = (uint8_t)i;
	regs[UNWIND_REG_SP] = SP;
	return (struct unwind_input){.pid = 1, .tid = 1, .regs = regs, .stack = stack,
				     .stack_len = len};
}

static void inside(void **state)
{
	struct unwind_input in = input(sizeof(stack));
	uint64_t w = 0, want;
	assert_true(unwind_input__read(&in, SP, &w));
	memcpy(&want, stack, 8);
	assert_int_equal(w, want);
	assert_true(unwind_input__read(&in, SP + 56, &w)); /* the last whole word */
	memcpy(&want, stack + 56, 8);
	assert_int_equal(w, want);
	assert_true(unwind_input__read(&in, SP + 3, &w)); /* unaligned */
	memcpy(&want, stack + 3, 8);
	assert_int_equal(w, want);
}

static void outside(void **state)
{
	struct unwind_input in = input(sizeof(stack));
	uint64_t w = 42;
	assert_false(unwind_input__read(&in, SP - 1, &w));  /* below the copy */
	assert_false(unwind_input__read(&in, SP + 57, &w)); /* straddles its end */
	assert_false(unwind_input__read(&in, SP + 64, &w));
	assert_false(unwind_input__read(&in, UINT64_MAX, &w)); /* the crash: ~0 + 8 wrapped */
	assert_false(unwind_input__read(&in, UINT64_MAX - 7, &w));
	assert_false(unwind_input__read(&in, UINT64_MAX - 3, &w));
	assert_int_equal(w, 42);
}

static void short_copies(void **state)
{
	uint64_t w = 7;
	struct unwind_input in = input(0);
	assert_false(unwind_input__read(&in, SP, &w));
	in = input(7);
	assert_false(unwind_input__read(&in, SP, &w));
	in = input(8);
	assert_true(unwind_input__read(&in, SP, &w));
	assert_false(unwind_input__read(&in, SP + 1, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inside),
		cmocka_unit_test(outside),
		cmocka_unit_test(short_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
