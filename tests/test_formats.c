/* Every model-file format ever released keeps loading and computes exactly
 * what its release computed (docs/COMPATIBILITY.md).
 *
 * tests/fixtures/models/ holds a small model of each format version, written
 * by the release of that version and never regenerated; next to each, FILE.logits
 * records the logits of its first decoder steps, as the nmt 0.3.0 build
 * (format 3, the release before format 4) computed them:
 *   - a translator: the sentences of SENTENCES, encoded as one batch, then
 *     three greedy steps from startofseq (each step feeds the previous
 *     step's most probable token);
 *   - a language model: the characters of PROMPT one step each from the zero
 *     state, then three steps feeding the most probable character.
 * One line per sentence and step: "sentence step argmax sha256 first", the
 * SHA-256 of the V float logits' bytes and the first logit as a hex float.
 * A later nmt must print the same lines, bit for bit. The recorded files were
 * written by this program built against nmt 0.3.0 with
 *     NMT_RECORD=1 build/tests/test_formats
 * (cli/formats.sh checks the same files' translations and generated text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "core/sha256.h"
#include "decode/decode.h"
#include "io/safetensors.h"
#include "models/arch.h"
#include "models/model.h"
#include "nmt.h"
#include "train/train.h"

#define DIR "tests/fixtures/models/"

static const char *const SENTENCES[] = {"Go.", "I'm Tom.", "Look again.", "We like soccer and the beach."};
#define NSENT 4
#define STEPS 3
static const char PROMPT[] = "ROMEO:";

static const struct {
    const char *file;
    int format;
} FIXTURES[] = {
    {DIR "model_v1_release.nmt", 1},
    {DIR "model_v2_release.nmt", 2},
    {DIR "model_v3_release.nmt", 3},
    {DIR "model_v3_charrnn.nmt", 3},
};

static int argmax(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

static void line(char **out, size_t *len, int s, int t, const float *logits, int V) {
    char sha[65], buf[160];
    nmt_sha256_hex(logits, sizeof(float) * (size_t)V, sha);
    int n = snprintf(buf, sizeof buf, "%d %d %d %s %a\n", s, t, argmax(logits, V), sha, (double)logits[0]);
    *out = nmt_xrealloc(*out, *len + (size_t)n + 1);
    memcpy(*out + *len, buf, (size_t)n + 1);
    *len += (size_t)n;
}

/* The lines of a translator: the decoder steps of greedy decoding. */
static char *translator_lines(const nmt_model *m) {
    nmt_translator tr;
    if (nmt_translator_init(&tr, m, NSENT, NULL)) return NULL;
    nmt_translate_encode(&tr, SENTENCES, NSENT);
    const int V = m->cfg.tgt_vocab, S = tr.S;
    float *state = nmt_xmalloc(sizeof(float) * (size_t)NSENT * S);
    memcpy(state, tr.state0, sizeof(float) * (size_t)NSENT * S);
    int32_t tok[NSENT];
    int row[NSENT];
    for (int r = 0; r < NSENT; r++) tok[r] = nmt_vocab_id(m->tgt_vocab, "startofseq", 10), row[r] = r;
    char *out = NULL;
    size_t len = 0;
    for (int t = 0; t < STEPS; t++) {
        nmt_ws_decode_step(&tr.ws, m->params, NSENT, tok, row, state, tr.state2, tr.logits);
        memcpy(state, tr.state2, sizeof(float) * (size_t)NSENT * S);
        for (int r = 0; r < NSENT; r++) {
            line(&out, &len, r, t, tr.logits + (size_t)r * V, V);
            tok[r] = argmax(tr.logits + (size_t)r * V, V);
        }
    }
    free(state);
    nmt_translator_free(&tr);
    return out;
}

/* The lines of a language model: the prompt, then greedy steps. */
static char *lm_lines(const nmt_model *m) {
    const nmt_arch_info *a = nmt_arch_info_find(m->cfg.arch);
    const int S = a->state_size(&m->cfg), V = m->cfg.tgt_vocab - 2;
    int32_t ids[sizeof PROMPT];
    long n = nmt_text_ids(m->tgt_vocab, PROMPT, strlen(PROMPT), ids);
    if (n <= 0) return NULL;
    nmt_ws ws;
    if (nmt_ws_alloc(&ws, &m->cfg, 1, NMT_FP32, 0)) return NULL;
    nmt_ws_hold_weights(&ws, m->params);
    float *state = nmt_xcalloc((size_t)S, sizeof(float)), *logits = nmt_xmalloc(sizeof(float) * (size_t)V);
    char *out = NULL;
    size_t len = 0;
    int32_t tok;
    for (long i = 0; i < n + STEPS; i++) {
        tok = i < n ? ids[i] : argmax(logits, V);
        nmt_ws_decode_step(&ws, m->params, 1, &tok, NULL, state, state, logits);
        line(&out, &len, 0, (int)i, logits, V);
    }
    free(state);
    free(logits);
    nmt_ws_free(&ws);
    return out;
}

int main(void) {
    const int record = getenv("NMT_RECORD") != NULL;
    nmt_set_threads(1);
    for (size_t f = 0; f < sizeof FIXTURES / sizeof *FIXTURES; f++) {
        const char *file = FIXTURES[f].file;
        nmt_model m;
        if (nmt_model_load(&m, file)) {
            CHECK(0, "%s does not load: %s", file, nmt_last_error());
            continue;
        }
        nmt_st_file st;
        if (nmt_st_read(&st, file) == 0) {
            char want[16];
            snprintf(want, sizeof want, "%d", FIXTURES[f].format);
            CHECK_STR(nmt_st_meta(&st, "format_version"), want);
            nmt_st_free(&st);
        }
        const int lm = nmt_arch_info_find(m.cfg.arch)->lm;
        char *got = lm ? lm_lines(&m) : translator_lines(&m);
        CHECK(got != NULL, "%s: %s", file, nmt_last_error());
        char path[256];
        snprintf(path, sizeof path, "%s.logits", file);
        if (got && record) {
            CHECK(nmt_write_file_atomic(path, got, strlen(got)) == 0, "%s", nmt_last_error());
            printf("recorded %s\n", path);
        } else if (got) {
            char *want;
            size_t n;
            if (nmt_read_file(path, &want, &n)) {
                CHECK(0, "%s", nmt_last_error());
            } else {
                CHECK(n == strlen(got) && memcmp(want, got, n) == 0,
                      "%s: the logits differ from the ones its release computed\nwant:\n%.*s\ngot:\n%s", file, (int)n,
                      want, got);
                free(want);
            }
        }
        free(got);
        nmt_model_free(&m);
    }
    return check_exit("test_formats");
}
