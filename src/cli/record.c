// SPDX-License-Identifier: MIT
/* scorch record: placeholder until the subcommand lands. */
#include "commands.h"
#include "../util/util.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	util__error("'record' is not available in this build yet");
	return 2;
}
