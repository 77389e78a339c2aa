/* Dense layer and the sparse softmax cross-entropy (real-generic). */
#include <math.h>
#include <string.h>

#include "core/real.h"
#include "kernels/gemm.h"
#include "layers/layers.h"

void R(dense_forward)(real *out, const real *x, const real *W, const real *b, int n, int k, int m) {
    // out (n, m) = b, then += x (n, k) . W (k, m)
#pragma omp parallel for schedule(dynamic, 16)
    for (int r = 0; r < n; r++) memcpy(out + (long)r * m, b, sizeof(real) * m);
    R(nmt_gemm)(0, 0, n, m, k, 1, x, k, W, m, 1, out, m);
}

void R(dense_backward)(real *dx, real *dW, real *db, const real *dout, const real *x,
                       const real *W, int n, int k, int m) {
    R(nmt_gemm_op) ops[2] = {
        {1, 0, k, m, n, 1, x, k, dout, m, 1, dW, m},   // dW += x^T dout
        {0, 1, n, k, m, 1, dout, m, W, m, 0, dx, k},   // dx = dout W^T
    };
    R(nmt_gemm_group)(ops, dx ? 2 : 1);
    R(colsum_add)(db, dout, n, m);
}

void R(colsum_add)(real *s, const real *a, int n, int m) {
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
static real sum_exp(const real *z, real mx, real *e, int V) {
    const int V8 = V / 8 * 8;
    real lane[8] = {0};
    int j = 0;
#if defined(NMT_HAVE_VMATH8) && !defined(NMT_F64)
    __m256 acc = _mm256_setzero_ps(), vmx = _mm256_set1_ps(mx);
    for (; j < V8; j += 8) {
        __m256 t = nmt_expf8(_mm256_sub_ps(_mm256_loadu_ps(z + j), vmx));
        if (e) _mm256_storeu_ps(e + j, t);
        acc = _mm256_add_ps(acc, t);
    }
    _mm256_storeu_ps(lane, acc);
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

void R(softmax_xent)(real *dlogits, real *loss, int32_t *pred, const real *logits,
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
