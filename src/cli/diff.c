// SPDX-License-Identifier: MIT
/* scorch diff: placeholder. */
#include "commands.h"
#include "../util/util.h"

int cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
