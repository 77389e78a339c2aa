/* Keras 2 GRU (reset_after=True, the tf-keras 2.15 default) over packed
 * variable-length batches (real-generic).
 *
 * Weights in Keras layout, gate order z, r, h along 3u:
 *   W (in, 3u) kernel, U (u, 3u) recurrent kernel, b (2, 3u): row 0 the input
 *   bias b, row 1 the recurrent bias b'.
 * Per step t, with m = bs[t] active rows starting at packed row n0:
 *   xw = x W                       (one product over all n tokens, before the loop)
 *   hu = h_{t-1} U                 (per step, active rows only; 0 when h_{t-1} is
 *                                   the zero initial state)
 *   z  = sigmoid(xw_z + b_z + hu_z + b'_z)
 *   r  = sigmoid(xw_r + b_r + hu_r + b'_r)
 *   a  = hu_h + b'_h
 *   hh = tanh(xw_h + b_h + r a)
 *   h_t = z h_{t-1} + (1 - z) hh
 * Both products go through the pre-packed kernel (kernels/gemm_packed.h): one
 * FMA chain per element, so a row's result does not depend on the other rows
 * of the product nor on the thread count. Threads split the batch's rows
 * (unlike nmt_lstm_forward, which splits each step's units): a GRU's U is
 * small enough (the char-RNN's: 192 KiB) for each core's cache, and a
 * thread that owns its rows runs every step without waiting for the others.
 *
 * Mapping to PyTorch's nn.GRU (gate order r, z, n; the same reset_after form):
 *   weight_ih (3u, in) = [W_r; W_z; W_h]^T, i.e. kernel^T with the gate blocks
 *                        reordered z, r, h -> r, z, n
 *   weight_hh (3u, u)  = recurrent_kernel^T, reordered the same way
 *   bias_ih = b[0] reordered, bias_hh = b[1] reordered
 *   n = tanh(W_in x + b_in + r (W_hn h + b_hn)) is Keras' hh with reset_after,
 *   and h' = (1 - z) n + z h is Keras' update: the same function.
 *
 * The float cell runs 8 units at a time where AVX2 is there (core/vmath.h's
 * exp and tanh), with the same operations in the same order as the scalar
 * code, so both give the same bits. Not done yet (unlike the LSTM): bf16. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error.h"
#include "core/real.h"
#include "kernels/gemm.h"
#include "layers/layers.h"

static inline real sigm(real x) { return 1 / (1 + REXP(-x)); }

/* Threads split the rows of a batch: each runs its own rows through every
 * step, with no barrier (a row's recurrence needs no other row), and computes
 * each of them exactly as one thread alone would. Below this many rows per
 * thread a thread is not worth it. */
#define PAR_ROWS 4

/* The calling thread's share [r0, r1) of B rows. */
static void my_rows(int B, int *r0, int *r1) {
#ifdef _OPENMP
    const int nth = omp_get_num_threads(), id = omp_get_thread_num();
#else
    const int nth = 1, id = 0;
#endif
    *r0 = (int)((long)B * id / nth);
    *r1 = (int)((long)B * (id + 1) / nth);
}

void R(nmt_gru_rec_pack)(R(nmt_gru_rec) *rec, const real *W, const real *U, int in, int u, int with_transpose) {
    rec->in = in, rec->u = u;
    R(nmt_pmat_pack)(&rec->W, 0, in, 3 * u, W, 3 * u);
    // gate[g] (u x u) = U[:, g u .. (g+1) u)
    for (int g = 0; g < 3; g++) R(nmt_pmat_pack)(&rec->gate[g], 0, u, u, U + (long)g * u, 3 * u);
    // Ut (3u x u) = U^T: U is stored (u x 3u), i.e. as the transpose's "N x K"
    if (with_transpose) R(nmt_pmat_pack)(&rec->Ut, 1, 3 * u, u, U, 3 * u);
    // Wt (3u x in) = W^T: W is stored (in x 3u)
    if (with_transpose) R(nmt_pmat_pack)(&rec->Wt, 1, 3 * u, in, W, 3 * u);
}

void R(nmt_gru_rec_repack_rows)(R(nmt_gru_rec) *rec, int which, const real *M, int r0, int r1) {
    const int u = rec->u;
    if (which == 0) {
        R(nmt_pmat_repack_rows)(&rec->W, 0, rec->in, 3 * u, M, 3 * u, r0, r1, 0);
        if (rec->Wt.data) R(nmt_pmat_repack_rows)(&rec->Wt, 1, 3 * u, rec->in, M, 3 * u, r0, r1, 0);
        return;
    }
    for (int g = 0; g < 3; g++) R(nmt_pmat_repack_rows)(&rec->gate[g], 0, u, u, M + (long)g * u, 3 * u, r0, r1, 0);
    if (rec->Ut.data) R(nmt_pmat_repack_rows)(&rec->Ut, 1, 3 * u, u, M, 3 * u, r0, r1, 0);
}

void R(nmt_gru_rec_free)(R(nmt_gru_rec) *rec) {
    R(nmt_pmat_free)(&rec->W);
    for (int g = 0; g < 3; g++) R(nmt_pmat_free)(&rec->gate[g]);
    R(nmt_pmat_free)(&rec->Ut);
    R(nmt_pmat_free)(&rec->Wt);
    memset(rec, 0, sizeof *rec);
}

/* The cell for units [j0, j1) of one row, gr (4u):
 *   on entry gr = [xw_z + hu_z, xw_r + hu_r, xw_h, hu_h]  (hu = h_{t-1} U)
 *   on return gr = [z, r, hh, a]  (a = hu_h + b'_h), what backward needs.
 * hp: h_{t-1} of the row, or NULL (zeros: hu is 0 and was not computed). */
#if defined(NMT_HAVE_VMATH8) && !defined(NMT_F64)
/* 8 units at a time, with AVX2 (where the CPU has it): the scalar tail does
 * the very same operations, in the same order. Each returns the unit where it
 * stopped. */
#define VEC8 1
static inline __attribute__((target("avx2,fma"))) __m256 ld(const float *p) { return _mm256_loadu_ps(p); }
static inline __attribute__((target("avx2,fma"))) void st(float *p, __m256 v) { _mm256_storeu_ps(p, v); }
static inline __attribute__((target("avx2,fma"))) __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
static inline __attribute__((target("avx2,fma"))) __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
static inline __attribute__((target("avx2,fma"))) __m256 sub(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
static __attribute__((target("avx2,fma"))) int cell_units8(float *gr, const float *b, const float *hp, float *hr, int j, int j1, int u) {
    const float *bi = b, *bh = b + 3 * u;
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; j + 8 <= j1; j += 8) {
        __m256 zg = nmt_sigmoidf8(add(add(ld(gr + j), ld(bi + j)), ld(bh + j)));
        __m256 rg = nmt_sigmoidf8(add(add(ld(gr + u + j), ld(bi + u + j)), ld(bh + u + j)));
        __m256 a = add(hp ? ld(gr + 3 * u + j) : zero, ld(bh + 2 * u + j));
        __m256 hh = nmt_tanhf8(add(add(ld(gr + 2 * u + j), ld(bi + 2 * u + j)), mul(rg, a)));
        __m256 hpj = hp ? ld(hp + j) : zero;
        st(hr + j, add(mul(zg, hpj), mul(sub(one, zg), hh)));
        st(gr + j, zg), st(gr + u + j, rg), st(gr + 2 * u + j, hh), st(gr + 3 * u + j, a);
    }
    return j;
}
static __attribute__((target("avx2,fma"))) int bwd_units8(const float *gr, const float *hp, const float *dho, float *dxr, float *drr, float *dHr, int j,
                      int j1, int u) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; j + 8 <= j1; j += 8) {
        const __m256 zg = ld(gr + j), rg = ld(gr + u + j), hh = ld(gr + 2 * u + j), a = ld(gr + 3 * u + j);
        const __m256 dht = add(ld(dHr + j), dho ? ld(dho + j) : zero);
        const __m256 hpj = hp ? ld(hp + j) : zero;
        const __m256 dz = mul(mul(mul(dht, sub(hpj, hh)), zg), sub(one, zg));
        const __m256 dah = mul(mul(dht, sub(one, zg)), sub(one, mul(hh, hh)));
        const __m256 dr = mul(mul(mul(dah, a), rg), sub(one, rg));
        st(dxr + j, dz), st(dxr + u + j, dr), st(dxr + 2 * u + j, dah);
        st(drr + j, dz), st(drr + u + j, dr), st(drr + 2 * u + j, mul(dah, rg));
        st(dHr + j, mul(dht, zg));
    }
    return j;
}
/* 16 units at a time, with AVX-512: the same operations again. */
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 ld16(const float *p) { return _mm512_loadu_ps(p); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void st16(float *p, __m512 v) { _mm512_storeu_ps(p, v); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 mul16(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 add16(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 sub16(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
static __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) int cell_units16(float *gr, const float *b, const float *hp, float *hr, int j, int j1, int u) {
    const float *bi = b, *bh = b + 3 * u;
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (; j + 16 <= j1; j += 16) {
        __m512 zg = nmt_sigmoidf16(add16(add16(ld16(gr + j), ld16(bi + j)), ld16(bh + j)));
        __m512 rg = nmt_sigmoidf16(add16(add16(ld16(gr + u + j), ld16(bi + u + j)), ld16(bh + u + j)));
        __m512 a = add16(hp ? ld16(gr + 3 * u + j) : zero, ld16(bh + 2 * u + j));
        __m512 hh = nmt_tanhf16(add16(add16(ld16(gr + 2 * u + j), ld16(bi + 2 * u + j)), mul16(rg, a)));
        __m512 hpj = hp ? ld16(hp + j) : zero;
        st16(hr + j, add16(mul16(zg, hpj), mul16(sub16(one, zg), hh)));
        st16(gr + j, zg), st16(gr + u + j, rg), st16(gr + 2 * u + j, hh), st16(gr + 3 * u + j, a);
    }
    return j;
}
static __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) int bwd_units16(const float *gr, const float *hp, const float *dho, float *dxr, float *drr, float *dHr, int j,
                      int j1, int u) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (; j + 16 <= j1; j += 16) {
        const __m512 zg = ld16(gr + j), rg = ld16(gr + u + j), hh = ld16(gr + 2 * u + j), a = ld16(gr + 3 * u + j);
        const __m512 dht = add16(ld16(dHr + j), dho ? ld16(dho + j) : zero);
        const __m512 hpj = hp ? ld16(hp + j) : zero;
        const __m512 dz = mul16(mul16(mul16(dht, sub16(hpj, hh)), zg), sub16(one, zg));
        const __m512 dah = mul16(mul16(dht, sub16(one, zg)), sub16(one, mul16(hh, hh)));
        const __m512 dr = mul16(mul16(mul16(dah, a), rg), sub16(one, rg));
        st16(dxr + j, dz), st16(dxr + u + j, dr), st16(dxr + 2 * u + j, dah);
        st16(drr + j, dz), st16(drr + u + j, dr), st16(drr + 2 * u + j, mul16(dah, rg));
        st16(dHr + j, mul16(dht, zg));
    }
    return j;
}
#endif

static inline void cell_units(real *gr, const real *b, const real *hp, real *hr, int j0, int j1, int u) {
    const real *bi = b, *bh = b + 3 * u;
    int j = j0;
#ifdef VEC8
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) j = cell_units16(gr, b, hp, hr, j, j1, u);
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) j = cell_units8(gr, b, hp, hr, j, j1, u);
#endif
    for (; j < j1; j++) {
        real zg = sigm(gr[j] + bi[j] + bh[j]);
        real rg = sigm(gr[u + j] + bi[u + j] + bh[u + j]);
        real a = (hp ? gr[3 * u + j] : 0) + bh[2 * u + j];
        real hh = RTANH(gr[2 * u + j] + bi[2 * u + j] + rg * a);
        real hpj = hp ? hp[j] : 0;
        hr[j] = zg * hpj + (1 - zg) * hh;
        gr[j] = zg, gr[u + j] = rg, gr[2 * u + j] = hh, gr[3 * u + j] = a;
    }
}

void R(nmt_gru_forward)(real *h, real *g, real *hT, const real *x, const real *h0, const R(nmt_gru_rec) *rec,
                        const real *b, const nmt_packed *p, int in, int u) {
    const int G = 4 * u, nblk = (u + NMT_PMAT_W - 1) / NMT_PMAT_W;
    if (p->ntok > 0) {
        // g[:, 0..3u) (n, 3u) = x (n, in) . W (in, 3u);  g[:, 3u..4u) = 0 (hu_h accumulates there)
        R(nmt_gemm_pmat)(p->ntok, x, in, &rec->W, g, G, 0);
        for (long k = 0; k < p->ntok; k++) memset(g + k * G + 3 * u, 0, sizeof(real) * u);
    }
#pragma omp parallel if (p->B >= 2 * PAR_ROWS)
    {
        int r0, r1;
        my_rows(p->B, &r0, &r1);
        for (int t = 0; t < p->T; t++) {
            const int m = p->bs[t] < r1 ? p->bs[t] : r1, n0 = p->off[t];
            if (m <= r0) break;   // rows are sorted by length: none of this thread's rows is left
            const real *hprev = t ? h + (long)p->off[t - 1] * u : h0;
            real *gt = g + (long)(n0 + r0) * G, *ht = h + (long)(n0 + r0) * u;
            const real *hp = hprev ? hprev + (long)r0 * u : NULL;
            for (int jb = 0; jb < nblk; jb += 2) {   // two blocks of units: the kernels pair panels
                const int nb = nblk - jb < 2 ? nblk - jb : 2;
                const int j0 = jb * NMT_PMAT_W, j1 = j0 + nb * NMT_PMAT_W < u ? j0 + nb * NMT_PMAT_W : u;
                // g_t[:, {0, u, 3u} + j0 .. j1) += h_{t-1} (rows, u) . U[:, g u + j0 .. j1), three gates together
                if (hp) {
                    const R(nmt_pmat) *Bs[6];
                    int qs[6];
                    real *Cs[6];
                    for (int k = 0; k < 3 * nb; k++) {
                        const int gate = k / nb;
                        Bs[k] = &rec->gate[gate], qs[k] = jb + k % nb, Cs[k] = gt + (gate == 2 ? 3 : gate) * u;
                    }
                    R(nmt_gemm_pmat_panels)(m - r0, hp, u, Bs, qs, 3 * nb, Cs, G, 1);
                }
                for (int r = 0; r < m - r0; r++)
                    cell_units(gt + (long)r * G, b, hp ? hp + (long)r * u : NULL, ht + (long)r * u, j0, j1, u);
            }
        }
    }
    // each sequence's final state: at its last token, or the initial state if empty
    for (int r = 0; r < p->B; r++) {
        const int L = p->len[r];
        real *hd = hT + (long)r * u;
        if (L > 0) memcpy(hd, h + (long)(p->off[L - 1] + r) * u, sizeof(real) * u);
        else if (h0) memcpy(hd, h0 + (long)r * u, sizeof(real) * u);
        else memset(hd, 0, sizeof(real) * u);
    }
}

long R(nmt_gru_backward_scratch)(int B, int n, int u) {
    return 2L * n * 3 * u + (long)n * u + (long)B * u;
}

/* One row's step of backward for units [j0, j1) (see nmt_gru_backward). */
static inline void bwd_units(const real *gr, const real *hp, const real *dho, real *dxr, real *drr, real *dHr,
                             int j0, int j1, int u) {
    int j = j0;
#ifdef VEC8
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) j = bwd_units16(gr, hp, dho, dxr, drr, dHr, j, j1, u);
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) j = bwd_units8(gr, hp, dho, dxr, drr, dHr, j, j1, u);
#endif
    for (; j < j1; j++) {
        const real zg = gr[j], rg = gr[u + j], hh = gr[2 * u + j], a = gr[3 * u + j];
        const real dht = dHr[j] + (dho ? dho[j] : 0);
        const real hpj = hp ? hp[j] : 0;
        const real dz = dht * (hpj - hh) * zg * (1 - zg);   // through z's pre-activation
        const real dah = dht * (1 - zg) * (1 - hh * hh);     // through hh's pre-activation
        const real dr = dah * a * rg * (1 - rg);             // through r's pre-activation
        dxr[j] = dz, dxr[u + j] = dr, dxr[2 * u + j] = dah;
        drr[j] = dz, drr[u + j] = dr, drr[2 * u + j] = dah * rg;
        dHr[j] = dht * zg;   // the direct path h_{t-1} -> h_t; dR U^T is added after
    }
}

/* Backward through time. dH carries the gradient flowing into h_t of each row
 * from later steps (or from hT at the row's last step). Per step:
 *   dh = dh_out + dH
 *   dz = dh (h_{t-1} - hh) z (1 - z)       (pre-activation of z)
 *   da = dh (1 - z) (1 - hh^2)             (pre-activation of hh)
 *   dr = da a r (1 - r)                    (pre-activation of r)
 *   dX = [dz, dr, da]       the gradient of x W + b   (n, 3u)
 *   dR = [dz, dr, da r]     the gradient of h U + b'  (n, 3u)
 *   dH[0..m) = dh z + dR_t U^T
 * Weight gradients use all tokens at once after the loop:
 *   dU += Hprev^T dR, dW += x^T dX, db[0] += colsum(dX), db[1] += colsum(dR),
 *   dx = dX W^T,
 * where Hprev holds h_{t-1} (h0 or 0 at t = 0) for every packed token. */
void R(nmt_gru_backward)(real *dx, real *dW, real *dU, real *db, real *dh0, const real *dh, const real *dhT,
                         const real *x, const real *h0, const real *h, const real *g,
                         const R(nmt_gru_rec) *rec, const nmt_packed *p, int in, int u, real *scratch) {
    const int G = 4 * u, G3 = 3 * u, n = p->ntok, B = p->B, nblk = (u + NMT_PMAT_W - 1) / NMT_PMAT_W;
    real *dX = scratch;                  // (n, 3u)
    real *dR = dX + (long)n * G3;        // (n, 3u)
    real *hprev = dR + (long)n * G3;     // (n, u)
    real *dH = hprev + (long)n * u;      // (B, u)
    if (!rec->Ut.data || !rec->Wt.data) {   // a caller's bug, not a user's
        fprintf(stderr, "nmt: internal error: nmt_gru_backward without a packed U^T\n");
        abort();
    }
    // rows that end at step t take dhT at their last step; empty rows pass it straight to h0
    for (int r = 0; r < B; r++) {
        if (dhT) memcpy(dH + (long)r * u, dhT + (long)r * u, sizeof(real) * u);
        else memset(dH + (long)r * u, 0, sizeof(real) * u);
    }
#pragma omp parallel if (B >= 2 * PAR_ROWS)
    {
        int r0, r1;
        my_rows(B, &r0, &r1);
        for (int t = p->T - 1; t >= 0; t--) {
            const int m = p->bs[t] < r1 ? p->bs[t] : r1, n0 = p->off[t];
            if (m <= r0) continue;   // this thread's rows start later
            const real *hp = t ? h + (long)p->off[t - 1] * u : h0;
            for (int r = r0; r < m; r++)
                bwd_units(g + (long)(n0 + r) * G, hp ? hp + (long)r * u : NULL, dh ? dh + (long)(n0 + r) * u : NULL,
                          dX + (long)(n0 + r) * G3, dR + (long)(n0 + r) * G3, dH + (long)r * u, 0, u, u);
            // dH[r0..m) += dR_t (rows, 3u) . U^T (3u, u): the gradient into h_{t-1} (or h0 at t = 0)
            // (all of U^T's panels in one call, up to 32 at a time: the kernels take them in pairs)
            if (t > 0 || dh0)
                for (int jb0 = 0; jb0 < nblk; jb0 += 32) {
                    const R(nmt_pmat) *Bs[32];
                    int qs[32];
                    real *Cs[32];
                    const int np = nblk - jb0 < 32 ? nblk - jb0 : 32;
                    for (int i = 0; i < np; i++) Bs[i] = &rec->Ut, qs[i] = jb0 + i, Cs[i] = dH + (long)r0 * u;
                    R(nmt_gemm_pmat_panels)(m - r0, dR + (long)(n0 + r0) * G3, G3, Bs, qs, np, Cs, u, 1);
                }
        }
    }
    if (dh0) memcpy(dh0, dH, sizeof(real) * B * u);
    // and db[0] (3u) += colsum(dX), db[1] (3u) += colsum(dR), as the products' rows of ones
    R(nmt_rnn_weight_grads)(p, x, in, h, h0, u, dX, dR, G3, &rec->Wt, dW, dU, dx, hprev, db, db + G3);
}
