// SPDX-License-Identifier: MIT
/* scorch collapse: placeholder. */
#include "commands.h"
#include "../util/util.h"

int cmd_collapse(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
