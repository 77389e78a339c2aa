/* libFuzzer target: the translation input path. The input is a sentence (its
 * bytes up to the first NUL, as nmt translate passes a line) translated by a
 * small committed model, greedily and with a beam of 3; the results must be
 * strings of the model's target words. Run from the repository root. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "decode/decode.h"
#include "models/model.h"
#include "nmt.h"

#define MODEL "tests/fixtures/models/model_v3_release.nmt"

static nmt_model m;
static nmt_translator greedy, beam;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    nmt_set_threads(1);
    const nmt_decode_opts b = {.beam = 3, .length_penalty = 1.0, .n_best = 2};
    if (nmt_model_load(&m, MODEL) || nmt_translator_init(&greedy, &m, 1, NULL) ||
        nmt_translator_init(&beam, &m, 1, &b)) {
        fprintf(stderr, "fuzz_translate: %s (run from the repository root)\n", nmt_last_error());
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    const char *out = nmt_translate(&greedy, s);
    if (!out || strlen(out) > (size_t)m.cfg.max_length * 64) abort();
    nmt_translate_batch(&beam, (const char *const *)&s, 1);
    for (int k = 0; k < 2; k++) {
        double score;
        const char *t = nmt_translation_nbest(&beam, 0, k, &score);
        if (t && !(score <= 0)) abort();   // a sum of log-probabilities (over a length penalty)
    }
    free(s);
    return 0;
}
