/* SPDX-License-Identifier: MIT */
/* Entry points of the subcommands; each parses its own options and returns an exit status. */
#ifndef SCORCH_COMMANDS_H
#define SCORCH_COMMANDS_H

int cmd_collapse(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
