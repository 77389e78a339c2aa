/* Dense layer and the sparse softmax cross-entropy (real-generic). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/real.h"
#include "kernels/gemm.h"
#include "layers/layers.h"

void R(nmt_dense_pack)(R(nmt_dense_w) *dw, const real *W, int k, int m, int with_transpose, nmt_precision prec) {
    dw->k = k, dw->m = m, dw->bf16 = prec == NMT_BF16;
    void (*pack)(R(nmt_pmat) *, int, int, int, const real *, int) = dw->bf16 ? R(nmt_pmat_pack_bf16) : R(nmt_pmat_pack);
    pack(&dw->W, 0, k, m, W, m);
    if (with_transpose) pack(&dw->Wt, 1, m, k, W, m);   // Wt (m x k) = W^T: W is stored (k x m)
}

void R(nmt_dense_repack_rows)(R(nmt_dense_w) *dw, const real *W, int r0, int r1) {
    R(nmt_pmat_repack_rows)(&dw->W, 0, dw->k, dw->m, W, dw->m, r0, r1, dw->bf16);
    if (dw->Wt.data) R(nmt_pmat_repack_rows)(&dw->Wt, 1, dw->m, dw->k, W, dw->m, r0, r1, dw->bf16);
}

void R(nmt_dense_w_free)(R(nmt_dense_w) *dw) {
    R(nmt_pmat_free)(&dw->W);
    R(nmt_pmat_free)(&dw->Wt);
    memset(dw, 0, sizeof *dw);
}

void R(nmt_dense_forward)(real *out, const real *x, const R(nmt_dense_w) *dw, const real *b, int n) {
    const int m = dw->m;
    // out (n, m) = x (n, k) . W (k, m): one FMA chain per element, then + b
    if (n <= 0) return;
    R(nmt_gemm_pmat)(n, x, dw->k, &dw->W, out, m, 0);
#pragma omp parallel for schedule(static) if ((long)n * m >= 65536)
    for (int r = 0; r < n; r++) {
        real *o = out + (long)r * m;
        for (int j = 0; j < m; j++) o[j] += b[j];
    }
}

void R(nmt_dense_backward)(real *dx, real *dW, real *db, const real *dout, const real *x,
                           const R(nmt_dense_w) *dw, int n) {
    const int k = dw->k, m = dw->m;
    if (dx && !dw->Wt.data) {   // a caller's bug, not a user's
        fprintf(stderr, "nmt: internal error: nmt_dense_backward without a packed W^T\n");
        abort();
    }
    R(nmt_fx_op) ops[2] = {
        {0, k, m, n, x, k, dout, m, NULL, dW, m, 1, db},       // dW (k, m) += x^T dout, db (m) += colsum(dout)
        {1, n, k, m, dout, m, NULL, 0, &dw->Wt, dx, k, 0, NULL},   // dx (n, k) = dout W^T
    };
    R(nmt_fx_group)(ops, dx ? 2 : 1);
}

void R(nmt_colsum_add)(real *s, const real *a, int n, int m) {
    // blocks of 64 columns shared among threads; within a block the rows are added in
    // order into 64 running sums (independent lanes: the compiler vectorizes them), so
    // each column's sum is the plain row-order sum whatever the block or thread
    enum { CB = 64 };
#pragma omp parallel for schedule(dynamic, 1) if ((long)n * m >= 16384)
    for (int j0 = 0; j0 < m; j0 += CB) {
        const int w = m - j0 < CB ? m - j0 : CB;
        real acc[CB] = {0};
        for (int r = 0; r < n; r++) {
            const real *row = a + (long)r * m + j0;
#pragma omp simd
            for (int j = 0; j < w; j++) acc[j] += row[j];
        }
        for (int j = 0; j < w; j++) s[j0 + j] += acc[j];
    }
}

/* sum_j exp(z[j] - mx) for j < V, writing each term to e (when not NULL).
 * The order of the additions is fixed: 8 running sums (lane j mod 8 over the
 * whole blocks of 8), combined pairwise, then the tail in order. The AVX2 path
 * and the plain loop do exactly these operations. */
#if defined(NMT_HAVE_VMATH8) && !defined(NMT_F64)
/* The AVX2 lanes of sum_exp over the whole blocks of 8 (V8 values). */
static NMT_AVX2 int sum_exp8(const float *z, float mx, float *e, int V8, float *lane) {
    __m256 acc = _mm256_setzero_ps(), vmx = _mm256_set1_ps(mx);
    int j = 0;
    for (; j < V8; j += 8) {
        __m256 t = nmt_expf8(_mm256_sub_ps(_mm256_loadu_ps(z + j), vmx));
        if (e) _mm256_storeu_ps(e + j, t);
        acc = _mm256_add_ps(acc, t);
    }
    _mm256_storeu_ps(lane, acc);
    return j;
}
#endif

static real sum_exp(const real *z, real mx, real *e, int V) {
    const int V8 = V / 8 * 8;
    real lane[8] = {0};
    int j = 0;
#if defined(NMT_HAVE_VMATH8) && !defined(NMT_F64)
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) j = sum_exp8(z, mx, e, V8, lane);
#endif
    for (; j < V8; j += 8)
        for (int l = 0; l < 8; l++) {
            real t = REXP(z[j + l] - mx);
            if (e) e[j + l] = t;
            lane[l] += t;
        }
    real sum = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    for (; j < V; j++) {
        real t = REXP(z[j] - mx);
        if (e) e[j] = t;
        sum += t;
    }
    return sum;
}

void R(nmt_logsumexp)(real *lse, const real *logits, int n, int V) {
#pragma omp parallel for schedule(dynamic, 4) if (n >= 4)
    for (int r = 0; r < n; r++) {
        const real *z = logits + (long)r * V;
        real mx = z[0];
        for (int j = 1; j < V; j++)
            if (z[j] > mx) mx = z[j];
        lse[r] = mx + RLOG(sum_exp(z, mx, NULL, V));
    }
}

void R(nmt_softmax_xent)(real *dlogits, real *loss, int32_t *pred, const real *logits,
                     const int32_t *targets, int n, int V, real scale) {
#pragma omp parallel for schedule(dynamic, 4)
    for (int r = 0; r < n; r++) {
        const real *z = logits + (long)r * V;
        int best = 0;
        real mx = z[0];
        for (int j = 1; j < V; j++)
            if (z[j] > mx) mx = z[j], best = j;
        const int t = targets[r];
        const real zt = z[t];   // before dlogits (which may alias logits) is written
        real *d = dlogits ? dlogits + (long)r * V : NULL;
        real sum = sum_exp(z, mx, d, V);
        real lse = mx + RLOG(sum);
        if (loss) loss[r] = lse - zt;
        if (pred) pred[r] = best;
        if (d) {
            // d = scale * softmax - scale * onehot(target)
            real k = scale * (1 / sum);
            for (int j = 0; j < V; j++) d[j] *= k;
            d[t] -= scale;
        }
    }
}
