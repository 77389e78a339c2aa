/* Beam search over the model interface (decode.h), the notebook's algorithm
 * (ch. 16's beam_search) without its re-runs of the whole model:
 *
 *   - each sentence has a beam of up to K hypotheses, each with its tokens,
 *     its score (the sum of its tokens' log-probabilities: log softmax of the
 *     logits, endofseq's included), and, while open, its decoder state;
 *   - a step runs one decode_step for every open hypothesis of every sentence
 *     (in groups of at most maxB rows: each row is computed alone, so
 *     grouping changes no bit), then pools, per sentence, the finished
 *     hypotheses of its beam and every open one extended by each of the V
 *     target tokens, and keeps the K best as the next beam;
 *   - a hypothesis finishes with endofseq, or with max_length tokens;
 *   - the beam is ranked by score / length^A (A = --length-penalty; 0: by
 *     score, the notebook's rule); ties go to the hypothesis from the earlier
 *     parent, then to the lower token id, so a beam of 1 is greedy decoding;
 *   - a sentence is done when its n_best best are finished and no open
 *     hypothesis can beat the last of them (a score only falls as tokens are
 *     added, so score / max_length^A bounds an open one's future rank), or
 *     when all K are finished: its n_best best are then final.
 *
 * Everything after the logits is per sentence and in a fixed order: a
 * sentence's results do not depend on the batch or the thread count. */
#include <math.h>
#include <string.h>

#include "decode/decode.h"
#include "layers/layers.h"
#include "nmt.h"

typedef struct {
    double rank, score;
    int parent;   // slot in the current beam
    int tok;      // the token added; -1: a finished hypothesis carried over
} cand;

/* a before b in the beam */
static int before(const cand *a, const cand *b) {
    if (a->rank != b->rank) return a->rank > b->rank;
    if (a->parent != b->parent) return a->parent < b->parent;
    return a->tok < b->tok;
}

/* Inserts x into the sorted list c of *n (<= K) candidates. */
static void insert(cand *c, int *n, int K, cand x) {
    if (*n == K && !before(&x, &c[K - 1])) return;
    int i = *n < K ? (*n)++ : K - 1;
    for (; i > 0 && before(&x, &c[i - 1]); i--) c[i] = c[i - 1];
    c[i] = x;
}

void nmt_decode_beam(nmt_translator *tr, int n) {
    const nmt_model *m = tr->m;
    const int V = m->cfg.tgt_vocab, L = m->cfg.max_length, S = tr->S;
    const int K = tr->opt.beam, NB = tr->opt.n_best;
    const double A = tr->opt.length_penalty;
    const double bound_div = A > 0 ? pow(L, A) : 1;
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    const int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    int erow[NMT_TRANSLATE_MAX_BATCH];   // sentence -> encoder row
    for (int r = 0; r < n; r++) erow[tr->b.enc_orig[r]] = r;
    // each beam starts as one open hypothesis: startofseq and the encoder's state
    int rows = 0;
    for (int i = 0; i < n; i++) {
        tr->hyp[(long)i * K] = (nmt_hyp){.score = 0, .rank = 0, .len = 0, .row = rows};
        tr->nhyp[i] = 1;
        tr->prev[rows] = sos;
        tr->row[rows] = erow[i];
        memcpy(tr->state + (long)rows * S, tr->state0 + (long)erow[i] * S, sizeof(float) * S);
        rows++;
    }
    for (int s = 0; s < L && rows > 0; s++) {
        for (int r0 = 0; r0 < rows; r0 += tr->maxB) {
            const int nr = rows - r0 < tr->maxB ? rows - r0 : tr->maxB;
            nmt_ws_decode_step(&tr->ws, m->params, nr, tr->prev + r0, tr->row + r0, tr->state + (long)r0 * S,
                               tr->state2 + (long)r0 * S, tr->logits + (long)r0 * V);
        }
        nmt_logsumexp(tr->lse, tr->logits, rows, V);
        int next_rows = 0;
        for (int i = 0; i < n; i++) {
            if (!tr->nhyp[i]) continue;   // done
            const nmt_hyp *h = tr->hyp + (long)i * K;
            const int32_t *ht = tr->htok + (long)i * K * L;
            cand c[NMT_BEAM_MAX];
            int nc = 0;
            for (int k = 0; k < tr->nhyp[i]; k++) {
                if (h[k].row < 0) {
                    insert(c, &nc, K, (cand){h[k].rank, h[k].score, k, -1});
                    continue;
                }
                const float *lg = tr->logits + (long)h[k].row * V;
                const double lse = tr->lse[h[k].row], div = A > 0 ? pow(h[k].len + 1, A) : 1;
                for (int j = 0; j < V; j++) {
                    const double sc = h[k].score + ((double)lg[j] - lse), rk = sc / div;
                    if (nc < K || rk >= c[K - 1].rank) insert(c, &nc, K, (cand){rk, sc, k, j});
                }
            }
            // finished: endofseq, or max_length tokens
            int open = 0, top_finished = 1;
            double best_open = -INFINITY;
            for (int q = 0; q < nc; q++) {
                const int fin = c[q].tok < 0 || c[q].tok == eos || h[c[q].parent].len + 1 == L;
                if (!fin) {
                    open++;
                    if (c[q].score / bound_div > best_open) best_open = c[q].score / bound_div;
                    if (q < NB) top_finished = 0;
                }
            }
            const int done = open == 0 || (nc >= NB && top_finished && best_open < c[NB - 1].rank);
            nmt_hyp *h2 = tr->hyp2 + (long)i * K;
            int32_t *ht2 = tr->htok2 + (long)i * K * L;
            for (int q = 0; q < nc; q++) {
                const nmt_hyp *p = &h[c[q].parent];
                int32_t *t = ht2 + (long)q * L;
                memcpy(t, ht + (long)c[q].parent * L, sizeof(int32_t) * p->len);
                if (c[q].tok < 0) {
                    h2[q] = *p;
                    continue;
                }
                t[p->len] = c[q].tok;
                h2[q] = (nmt_hyp){.score = c[q].score, .rank = c[q].rank, .len = p->len + 1, .row = -1};
                if (done || c[q].tok == eos || h2[q].len == L) continue;
                // open: a row of the next step, from its parent's new state
                const int r = next_rows++;
                h2[q].row = r;
                tr->prev[r] = c[q].tok;
                tr->row[r] = erow[i];
                memcpy(tr->state + (long)r * S, tr->state2 + (long)p->row * S, sizeof(float) * S);
            }
            tr->nhyp[i] = nc;
            if (!done) continue;
            tr->nhyp[i] = 0;
            tr->nfound[i] = nc < NB ? nc : NB;
            for (int q = 0; q < tr->nfound[i]; q++) {
                const long k = (long)i * NB + q;
                const int32_t *t = ht2 + (long)q * L;
                const int ntok = h2[q].len - (t[h2[q].len - 1] == eos);   // endofseq is not printed
                for (int j = 0; j < ntok; j++) nmt_translation_append(tr, k, t[j]);
                tr->score[k] = h2[q].rank;
            }
        }
        rows = next_rows;
        nmt_hyp *th = tr->hyp;
        tr->hyp = tr->hyp2, tr->hyp2 = th;
        int32_t *tt = tr->htok;
        tr->htok = tr->htok2, tr->htok2 = tt;
    }
}
