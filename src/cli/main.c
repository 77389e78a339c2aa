/* nmt: command-line entry point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nmt.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"train", nmt_cmd_train, "train the encoder-decoder on a corpus (the book's recipe by default)"},
    {"translate", nmt_cmd_translate, "translate sentences (arguments, or stdin to stdout)"},
    {"eval", nmt_cmd_eval, "validation metrics of a model on a corpus"},
    {"inspect", nmt_cmd_inspect, "show what a model file holds"},
    {"fetch", nmt_cmd_fetch, "download and verify a corpus"},
    {"version", nmt_cmd_version, "versions and build configuration"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: nmt COMMAND [options]   (nmt COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) return nmt_cmd_version(argc - 1, argv + 1);
    // accept --flag=value everywhere (before a "--" that ends the options)
    char **args = calloc(2 * (size_t)argc + 1, sizeof *args);
    int n = 0, opts = 1;
    for (int i = 1; i < argc; i++) {
        char *eq = opts && !strncmp(argv[i], "--", 2) ? strchr(argv[i], '=') : NULL;
        if (opts && !strcmp(argv[i], "--")) opts = 0;
        if (eq && eq > argv[i] + 2) {
            *eq = 0;
            args[n++] = argv[i];
            args[n++] = eq + 1;
        } else {
            args[n++] = argv[i];
        }
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(args[0], commands[i].name)) {
            int rc = commands[i].fn(n, args);
            free(args);
            return rc;
        }
    free(args);
    fprintf(stderr, "nmt: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
