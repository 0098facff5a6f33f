// SPDX-License-Identifier: MIT
/* scorch view: placeholder until the subcommand lands. */
#include "commands.h"
#include "../util/util.h"

int cmd_view(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	util__error("'view' is not available in this build yet");
	return 2;
}
