/* nmt translate: sentences from the arguments, or stdin to stdout with exactly
 * one output line per input line (an empty line gives an empty line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "decode/decode.h"
#include "nmt.h"

/* A line with nothing but whitespace gives an empty line, like an empty one. */
static int blank(const char *s) {
    for (; *s; s++)
        if (!strchr(" \t\n\v\f\r", *s)) return 0;
    return 1;
}

int nmt_cmd_translate(int argc, char **argv) {
    const char *model_path = NULL;
    long threads = 0;
    int first_sentence = argc, stats = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: nmt translate --model FILE [--threads N] [--stats] [SENTENCE ...]\n"
                   "Without sentences, reads stdin and writes one line per input line.\n");
            return 0;
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            model_path = argv[++i];
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (cli_parse_int("translate", a, argv[++i], 1, 1024, &threads)) return 2;
        } else if (!strcmp(a, "--stats")) {
            stats = 1;
        } else if (!strcmp(a, "--")) {
            first_sentence = i + 1;
            break;
        } else if (!strncmp(a, "--", 2)) {
            fprintf(stderr, "nmt translate: unknown option or missing value: '%s'\n", a);
            return 2;
        } else {
            first_sentence = i;
            break;
        }
    }
    if (!model_path) {
        fprintf(stderr, "nmt translate: --model FILE is required\n");
        return 2;
    }
    if (threads) nmt_set_threads((int)threads);
    nmt_model m;
    if (nmt_model_load(&m, model_path)) {
        fprintf(stderr, "nmt translate: %s\n", nmt_last_error());
        return 1;
    }
    nmt_translator tr;
    nmt_translator_init(&tr, &m);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long count = 0;
    if (first_sentence < argc) {
        for (int i = first_sentence; i < argc; i++, count++)
            printf("%s\n", blank(argv[i]) ? "" : nmt_translate(&tr, argv[i]));
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
            if (memchr(line, 0, (size_t)n))
                fprintf(stderr, "nmt translate: warning: input line %ld has a NUL byte; the rest of the line is ignored\n",
                        count + 1);
            printf("%s\n", blank(line) ? "" : nmt_translate(&tr, line));
            count++;
        }
        free(line);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (stats) fprintf(stderr, "nmt translate: %ld sentences in %.2fs (%.0f sentences/s)\n", count, s, count / s);
    int rc = 0;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt translate: cannot write to standard output\n");
        rc = 1;
    }
    nmt_translator_free(&tr);
    nmt_model_free(&m);
    return rc;
}
