// SPDX-License-Identifier: MIT
/* scorch top: placeholder until the subcommand lands. */
#include "commands.h"
#include "../util/util.h"

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	util__error("'top' is not available in this build yet");
	return 2;
}
