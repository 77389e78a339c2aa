/* nmt generate: text from a character model (nmt train --arch charrnn),
 * continuing a prompt (decode/decode.h: nmt_generate). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "decode/decode.h"
#include "nmt.h"

static void emit(const char *text, size_t n, void *ctx) {
    (void)ctx;
    fwrite(text, 1, n, stdout);
    if (n && text[n - 1] == '\n') fflush(stdout);   // a line at a time when stdout is a pipe
}

int nmt_cmd_generate(int argc, char **argv) {
    const char *model_path, *prompt;
    long length, seed, threads;
    double temperature;
    nmt_flag flags[] = {
        NMT_FLAG_MODEL(&model_path, "a character model (nmt train --arch charrnn)"),
        {.name = "--prompt", .kind = NMT_FLAG_STRING, .ptr = &prompt, .arg = "TEXT", .required = 1, .nonempty = 1,
         .help = "the text to continue (printed first, as given; the model reads it lower-cased)"},
        {.name = "--length", .kind = NMT_FLAG_INT, .ptr = &length, .arg = "N", .idef = 50, .lo = 0, .hi = 1L << 40,
         .help = "characters to generate"},
        {.name = "--temperature", .kind = NMT_FLAG_REAL, .ptr = &temperature, .arg = "T", .rdef = 1, .rlo = 0,
         .rhi = 1e6, .help = "sample from softmax(log p / T): small T picks the likeliest characters, large T any; "
                             "0: always the likeliest"},
        {.name = "--seed", .kind = NMT_FLAG_INT, .ptr = &seed, .arg = "N", .idef = 42, .lo = 0, .hi = 4294967295L,
         .help = "seed of the draws: the same seed gives the same text"},
        NMT_FLAG_THREADS(&threads),
    };
    nmt_cli cli = {.name = "generate", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Continues --prompt with --length characters drawn from a character model, and prints\n"
                            "the prompt and its continuation to standard output.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    if (threads) nmt_set_threads((int)threads);
    nmt_model m;
    if (nmt_model_load(&m, model_path)) {
        fprintf(stderr, "nmt generate: %s\n", nmt_last_error());
        return 1;
    }
    nmt_generate_opts o = {.length = length, .temperature = temperature, .seed = (uint32_t)seed};
    int rc = nmt_generate(&m, prompt, &o, emit, NULL);
    if (rc) fprintf(stderr, "nmt generate: %s: %s\n", model_path, nmt_last_error());
    else putchar('\n');
    nmt_model_free(&m);
    if (!rc && (fflush(stdout) || ferror(stdout))) {
        fprintf(stderr, "nmt generate: cannot write to standard output\n");
        return 1;
    }
    return rc ? 1 : 0;
}
