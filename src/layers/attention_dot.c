/* Luong dot-product attention over packed batches (real-generic), Keras 2
 * Attention() with its defaults: no scale, score_mode "dot", no dropout.
 *
 * Queries are rows (the decoder's outputs); the keys and values of a query are
 * the encoder outputs of its own source sentence, which in the packed encoder
 * layout are the rows off[t] + s for t < len[s]. Only those positions enter
 * the softmax, which is what Keras' mask (-1e9 on padded scores) amounts to:
 * exp(-1e9 - max) is exactly 0 in float. Each query is computed alone (the
 * sums in a fixed order), so its result does not depend on the other rows or
 * on the thread count. */
#include <string.h>

#include "core/real.h"
#include "layers/layers.h"

static real dot(const real *a, const real *b, int n) {
    real s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void R(nmt_attention_forward)(real *out, real *w, const real *q, const real *mem, const int *src, const nmt_packed *pe,
                          int nq, int D) {
    const int T = pe->T > 0 ? pe->T : 1;
#pragma omp parallel for schedule(static) if ((long)nq * D >= 16384)
    for (int k = 0; k < nq; k++) {
        const int s = src[k], L = pe->len[s];
        const real *qk = q + (long)k * D;
        real *ok = out + (long)k * D, *wk = w + (long)k * T;
        memset(ok, 0, sizeof(real) * D);
        if (L == 0) continue;   // an empty source: Keras' values there are zeros
        real mx = 0;
        for (int t = 0; t < L; t++) {
            wk[t] = dot(qk, mem + (long)(pe->off[t] + s) * D, D);
            if (t == 0 || wk[t] > mx) mx = wk[t];
        }
        real sum = 0;
        for (int t = 0; t < L; t++) sum += (wk[t] = REXP(wk[t] - mx));
        const real inv = 1 / sum;
        for (int t = 0; t < L; t++) {
            const real wt = wk[t] *= inv;
            const real *m = mem + (long)(pe->off[t] + s) * D;
            for (int d = 0; d < D; d++) ok[d] += wt * m[d];
        }
    }
}

void R(nmt_attention_backward)(real *dq, real *dmem, const real *dout, const real *w, const real *q, const real *mem,
                           const nmt_packed *pe, const nmt_packed *pd, const int *dec_to_enc, int D) {
    const int T = pe->T > 0 ? pe->T : 1;
#pragma omp parallel for schedule(dynamic, 1) if ((long)pd->ntok * D >= 16384)
    for (int r = 0; r < pd->B; r++) {
        const int s = dec_to_enc[r], L = pe->len[s];
        real ds[T];
        for (int t = 0; t < pd->len[r]; t++) {   // this row's tokens, in order
            const long k = pd->off[t] + r;
            const real *dk = dout + k * D, *wk = w + k * T, *qk = q + k * D;
            real *dqk = dq + k * D;
            memset(dqk, 0, sizeof(real) * D);
            if (L == 0) continue;
            // dw_j = dout . v_j; dscore_j = w_j (dw_j - sum_i w_i dw_i)
            real wdw = 0;
            for (int j = 0; j < L; j++) {
                ds[j] = dot(dk, mem + (long)(pe->off[j] + s) * D, D);
                wdw += wk[j] * ds[j];
            }
            for (int j = 0; j < L; j++) ds[j] = wk[j] * (ds[j] - wdw);
            for (int j = 0; j < L; j++) {
                const long mrow = (long)(pe->off[j] + s) * D;
                const real *m = mem + mrow;
                real *dm = dmem + mrow;
                const real wj = wk[j], dsj = ds[j];
                for (int d = 0; d < D; d++) {
                    dqk[d] += dsj * m[d];                  // through the scores (keys)
                    dm[d] += wj * dk[d] + dsj * qk[d];      // values, then keys
                }
            }
        }
    }
}
