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
    R(nmt_gemm)(1, 0, k, m, n, 1, x, k, dout, m, 1, dW, m);   // dW += x^T dout
    // db += column sums, each column summed in row order (thread-count independent)
#pragma omp parallel for schedule(dynamic, 64)
    for (int j = 0; j < m; j++) {
        real s = 0;
        for (int r = 0; r < n; r++) s += dout[(long)r * m + j];
        db[j] += s;
    }
    if (dx) R(nmt_gemm)(0, 1, n, k, m, 1, dout, m, W, m, 0, dx, k);   // dx = dout W^T
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
        real sum = 0;
        for (int j = 0; j < V; j++) sum += REXP(z[j] - mx);
        real lse = mx + RLOG(sum);
        int t = targets[r];
        if (loss) loss[r] = lse - z[t];
        if (pred) pred[r] = best;
        if (dlogits) {
            real *d = dlogits + (long)r * V;
            real inv = 1 / sum;
            for (int j = 0; j < V; j++) d[j] = scale * (REXP(z[j] - mx) * inv);
            d[t] -= scale;
        }
    }
}
