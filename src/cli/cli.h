/* Subcommands: each src/cli/cmd_<name>.c defines nmt_cmd_<name>(argc, argv),
 * where argv[0] is the subcommand name. Returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage error). Errors go to stderr prefixed "nmt <cmd>: ". */
#ifndef NMT_CLI_CLI_H
#define NMT_CLI_CLI_H
#include "core/bf16.h"

int nmt_cmd_train(int argc, char **argv);
int nmt_cmd_translate(int argc, char **argv);
int nmt_cmd_eval(int argc, char **argv);
int nmt_cmd_inspect(int argc, char **argv);
int nmt_cmd_fetch(int argc, char **argv);
int nmt_cmd_version(int argc, char **argv);

/* Shared flag parsing helpers (src/cli/args.c). Each returns 0 or prints
 * "nmt CMD: --flag: ..." and returns -1. */
int cli_parse_int(const char *cmd, const char *flag, const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi, double *out);
/* --precision: "fp32" or "bf16" into *out; else a message naming the flag, -1. */
int cli_parse_precision(const char *cmd, const char *s, nmt_precision *out);
#endif
