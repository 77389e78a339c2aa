/* Text generation from a language model (decode.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "decode/decode.h"
#include "nmt.h"
#include "train/train.h"

/* The id drawn from softmax(logits / T) (V values); T = 0: argmax. */
static int draw(const float *logits, int V, double T, nmt_rng *rng, double *p) {
    int best = 0;
    for (int j = 1; j < V; j++)
        if (logits[j] > logits[best]) best = j;
    if (T == 0) return best;
    // p_j = exp((l_j - l_max) / T), summed in id order
    double sum = 0;
    for (int j = 0; j < V; j++) sum += p[j] = exp(((double)logits[j] - logits[best]) / T);
    const double target = nmt_rng_double(rng) * sum;
    double cum = 0;
    int last = best;
    for (int j = 0; j < V; j++) {
        cum += p[j];
        if (p[j] > 0) last = j;
        if (target < cum) return j;
    }
    return last;   // the target at the very top (rounding): the last character that can be drawn
}

int nmt_generate(const nmt_model *m, const char *prompt, const nmt_generate_opts *o,
                 void (*emit)(const char *text, size_t n, void *ctx), void *ctx) {
    const nmt_arch_info *a = nmt_arch_info_find(m->cfg.arch);
    if (!a || !a->lm)
        return nmt_error("the model is a translator (%s): it translates (nmt translate) and does not continue a text",
                         m->cfg.arch);
    if (!(o->temperature >= 0) || !isfinite(o->temperature)) return nmt_error("the temperature must be >= 0");
    const size_t plen = strlen(prompt);
    int32_t *ids = nmt_xmalloc(sizeof(int32_t) * (plen + 1));
    long n = nmt_text_ids(m->tgt_vocab, prompt, plen, ids);
    if (n <= 0) {
        free(ids);
        return n < 0 ? nmt_error_prefix("the prompt") : nmt_error("the prompt is empty: the model continues a text");
    }
    nmt_numerics_init();
    nmt_ws ws;
    if (nmt_ws_alloc(&ws, &m->cfg, 1, NMT_FP32, 0)) {
        free(ids);
        return -1;
    }
    nmt_ws_hold_weights(&ws, m->params);
    const int S = a->state_size(&m->cfg), V = m->cfg.tgt_vocab - 2;
    float *state = nmt_xcalloc((size_t)S, sizeof(float)), *logits = nmt_xmalloc(sizeof(float) * V);
    double *p = nmt_xmalloc(sizeof(double) * V);
    nmt_rng rng;
    nmt_rng_seed(&rng, o->seed);
    emit(prompt, plen, ctx);
    // the prompt, from the zero state: each character one step
    int32_t tok;
    for (long i = 0; i < n; i++) {
        tok = ids[i];
        nmt_ws_decode_step(&ws, m->params, 1, &tok, NULL, state, state, logits);
    }
    for (long i = 0; i < o->length; i++) {
        tok = draw(logits, V, o->temperature, &rng, p);
        const int id = tok + 2;
        const int tl = nmt_vocab_token_len(m->tgt_vocab, id);
        emit(nmt_vocab_token(m->tgt_vocab, id), tl > 0 ? (size_t)tl : 0, ctx);
        if (i + 1 < o->length) nmt_ws_decode_step(&ws, m->params, 1, &tok, NULL, state, state, logits);
    }
    free(p);
    free(logits);
    free(state);
    free(ids);
    nmt_ws_free(&ws);
    return 0;
}
