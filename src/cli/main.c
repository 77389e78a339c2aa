/* nmt: command-line entry point. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cpu.h"
#include "core/error.h"
#include "nmt.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"demo", nmt_cmd_demo, "learn to convert dates (\"April 22, 2019\" -> 2019-04-22) in a minute, no download"},
    {"train", nmt_cmd_train, "train a model: a translator on a corpus (the book's recipe by default), or a character model"},
    {"translate", nmt_cmd_translate, "translate sentences (arguments, or stdin to stdout)"},
    {"generate", nmt_cmd_generate, "continue a text with a character model"},
    {"eval", nmt_cmd_eval, "validation metrics of a model on a corpus"},
    {"score", nmt_cmd_score, "BLEU and chrF of translations against references (sacreBLEU's)"},
    {"inspect", nmt_cmd_inspect, "show what a model file holds"},
    {"plot", nmt_cmd_plot, "draw training curves (SVG) from logs or model files"},
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
    if (nmt_cpu_init() != 0) {   // NMT_ISA names an unknown level or one this CPU lacks
        fprintf(stderr, "nmt: %s\n", nmt_last_error());
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) return nmt_cmd_version(argc - 1, argv + 1);
    // each command parses its own options (its flag table, src/cli/flags.c)
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "nmt: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
