// SPDX-License-Identifier: MIT
/* scorch flamegraph: placeholder. */
#include "commands.h"
#include "../util/util.h"

int cmd_flamegraph(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
