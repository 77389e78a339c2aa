/* Keras LSTM over packed variable-length batches (real-generic).
 *
 * Forward, per step t with m = bs[t] active rows starting at packed row n0:
 *   z[n0..n0+m) = x W                (one product over all n tokens, before the loop)
 *                + h_{t-1}[0..m) U   (per step, active rows only)
 *   i, f, o = sigmoid(z_i + b_i, ...); g = tanh(z_c + b_c)
 * Both products go through the pre-packed kernel (one FMA chain per element),
 * so a row's result does not depend on the other rows of the product.
 *   c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
 * Because sequences are sorted by length, the rows of step t-1 that are still
 * active at step t are a prefix of that step's block.
 *
 * Threads: the whole time loop runs in one parallel region. Each step's work is
 * split by blocks of NMT_PMAT_W units: the thread owning a block computes the
 * four gates' columns of h_{t-1} U for those units (four panels of the packed
 * U) and then the cell for those units, so a step needs one barrier and no
 * other synchronisation. Every element's arithmetic is the same whichever
 * thread does it: results do not depend on the thread count. */
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

/* Worth splitting among threads: below this many units a step is too small. */
#define PAR_UNITS 64

/* Unit blocks per work unit of the backward step: up to 4 (the panels the kernel
 * can interleave), fewer when that would leave a thread fewer than two groups.
 * Called inside the parallel region; results do not depend on it. */
static int group_blocks(int nblk) {
#ifdef _OPENMP
    const int nth = omp_get_num_threads();
#else
    const int nth = 1;
#endif
    int gb = nblk / (2 * nth);
    return gb < 1 ? 1 : gb > 4 ? 4 : gb;
}

void R(nmt_lstm_rec_pack)(R(nmt_lstm_rec) *rec, const real *W, const real *U, int in, int u, int with_transpose,
                      nmt_precision prec) {
    rec->bf16 = prec == NMT_BF16;
    rec->in = in, rec->u = u;
    // bf16: the packed copies are the bf16 operands; W and U themselves stay float
    void (*pack)(R(nmt_pmat) *, int, int, int, const real *, int) = rec->bf16 ? R(nmt_pmat_pack_bf16) : R(nmt_pmat_pack);
    pack(&rec->W, 0, in, 4 * u, W, 4 * u);
    // gate[g] (u x u) = U[:, g u .. (g+1) u)
    for (int g = 0; g < 4; g++) pack(&rec->gate[g], 0, u, u, U + (long)g * u, 4 * u);
    // Ut (4u x u) = U^T: U is stored (u x 4u), i.e. as the transpose's "N x K"
    if (with_transpose) pack(&rec->Ut, 1, 4 * u, u, U, 4 * u);
    // Wt (4u x in) = W^T: W is stored (in x 4u)
    if (with_transpose) pack(&rec->Wt, 1, 4 * u, in, W, 4 * u);
}

void R(nmt_lstm_rec_repack_rows)(R(nmt_lstm_rec) *rec, int which, const real *M, int r0, int r1) {
    const int u = rec->u;
    if (which == 0) {
        R(nmt_pmat_repack_rows)(&rec->W, 0, rec->in, 4 * u, M, 4 * u, r0, r1, rec->bf16);
        if (rec->Wt.data) R(nmt_pmat_repack_rows)(&rec->Wt, 1, 4 * u, rec->in, M, 4 * u, r0, r1, rec->bf16);
        return;
    }
    for (int g = 0; g < 4; g++)
        R(nmt_pmat_repack_rows)(&rec->gate[g], 0, u, u, M + (long)g * u, 4 * u, r0, r1, rec->bf16);
    if (rec->Ut.data) R(nmt_pmat_repack_rows)(&rec->Ut, 1, 4 * u, u, M, 4 * u, r0, r1, rec->bf16);
}

void R(nmt_lstm_rec_free)(R(nmt_lstm_rec) *rec) {
    R(nmt_pmat_free)(&rec->W);
    for (int g = 0; g < 4; g++) R(nmt_pmat_free)(&rec->gate[g]);
    R(nmt_pmat_free)(&rec->Ut);
    R(nmt_pmat_free)(&rec->Wt);
    memset(rec, 0, sizeof *rec);
}

void R(nmt_rows_gather)(real *dst, const real *src, const int *idx, int n, int w) {
#pragma omp parallel for schedule(static) if ((long)n * w >= 65536)
    for (int k = 0; k < n; k++) memcpy(dst + (long)k * w, src + (long)idx[k] * w, sizeof(real) * w);
}

#if defined(NMT_HAVE_VMATH8) && !defined(NMT_F64)
/* 8 units at a time, with AVX2 (where the CPU has it): the scalar tail does the
 * very same operations. Each returns the unit where it stopped. */
#define VEC8 1
static inline __attribute__((target("avx2,fma"))) __m256 ld(const float *p) { return _mm256_loadu_ps(p); }
static inline __attribute__((target("avx2,fma"))) __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
static inline __attribute__((target("avx2,fma"))) __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
static inline __attribute__((target("avx2,fma"))) __m256 sub(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
static __attribute__((target("avx2,fma"))) int cell_units8(float *zr, const float *b, const float *cp, float *hr, float *cr, int j, int j1, int u,
                       int bf16) {
    for (; j + 8 <= j1; j += 8) {
        __m256 ig = nmt_sigmoidf8(add(ld(zr + j), ld(b + j)));
        __m256 fg = nmt_sigmoidf8(add(ld(zr + u + j), ld(b + u + j)));
        __m256 gg = nmt_tanhf8(add(ld(zr + 2 * u + j), ld(b + 2 * u + j)));
        __m256 og = nmt_sigmoidf8(add(ld(zr + 3 * u + j), ld(b + 3 * u + j)));
        __m256 cn = add(mul(ig, gg), cp ? mul(fg, ld(cp + j)) : _mm256_setzero_ps());
        _mm256_storeu_ps(cr + j, cn);
        __m256 hn = mul(og, nmt_tanhf8(cn));
        _mm256_storeu_ps(hr + j, bf16 ? nmt_bf16_round8(hn) : hn);
        _mm256_storeu_ps(zr + j, ig), _mm256_storeu_ps(zr + u + j, fg);
        _mm256_storeu_ps(zr + 2 * u + j, gg), _mm256_storeu_ps(zr + 3 * u + j, og);
    }
    return j;
}
static __attribute__((target("avx2,fma"))) int bwd_units8(const float *zr, const float *cr, const float *dho, const float *cp, float *dzr, float *dHr,
                      float *dCr, int j, int j1, int u, int bf16) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; j + 8 <= j1; j += 8) {
        __m256 ig = ld(zr + j), fg = ld(zr + u + j), gg = ld(zr + 2 * u + j), og = ld(zr + 3 * u + j);
        __m256 dht = add(ld(dHr + j), dho ? ld(dho + j) : zero);
        __m256 tc = nmt_tanhf8(ld(cr + j));
        __m256 dog = mul(dht, tc);
        __m256 dct = add(ld(dCr + j), mul(mul(dht, og), sub(one, mul(tc, tc))));
        __m256 cpj = cp ? ld(cp + j) : zero;
        __m256 d0 = mul(mul(mul(dct, gg), ig), sub(one, ig));
        __m256 d1 = mul(mul(mul(dct, cpj), fg), sub(one, fg));
        __m256 d2 = mul(mul(dct, ig), sub(one, mul(gg, gg)));
        __m256 d3 = mul(mul(dog, og), sub(one, og));
        if (bf16) d0 = nmt_bf16_round8(d0), d1 = nmt_bf16_round8(d1), d2 = nmt_bf16_round8(d2), d3 = nmt_bf16_round8(d3);
        _mm256_storeu_ps(dzr + j, d0);
        _mm256_storeu_ps(dzr + u + j, d1);
        _mm256_storeu_ps(dzr + 2 * u + j, d2);
        _mm256_storeu_ps(dzr + 3 * u + j, d3);
        _mm256_storeu_ps(dCr + j, mul(dct, fg));
    }
    return j;
}
/* 16 units at a time, with AVX-512: the same operations again. */
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 ld16(const float *p) { return _mm512_loadu_ps(p); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 mul16(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 add16(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 sub16(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
static __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) int cell_units16(float *zr, const float *b, const float *cp, float *hr, float *cr, int j, int j1, int u,
                       int bf16) {
    for (; j + 16 <= j1; j += 16) {
        __m512 ig = nmt_sigmoidf16(add16(ld16(zr + j), ld16(b + j)));
        __m512 fg = nmt_sigmoidf16(add16(ld16(zr + u + j), ld16(b + u + j)));
        __m512 gg = nmt_tanhf16(add16(ld16(zr + 2 * u + j), ld16(b + 2 * u + j)));
        __m512 og = nmt_sigmoidf16(add16(ld16(zr + 3 * u + j), ld16(b + 3 * u + j)));
        __m512 cn = add16(mul16(ig, gg), cp ? mul16(fg, ld16(cp + j)) : _mm512_setzero_ps());
        _mm512_storeu_ps(cr + j, cn);
        __m512 hn = mul16(og, nmt_tanhf16(cn));
        _mm512_storeu_ps(hr + j, bf16 ? nmt_bf16_round16(hn) : hn);
        _mm512_storeu_ps(zr + j, ig), _mm512_storeu_ps(zr + u + j, fg);
        _mm512_storeu_ps(zr + 2 * u + j, gg), _mm512_storeu_ps(zr + 3 * u + j, og);
    }
    return j;
}
static __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) int bwd_units16(const float *zr, const float *cr, const float *dho, const float *cp, float *dzr, float *dHr,
                      float *dCr, int j, int j1, int u, int bf16) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (; j + 16 <= j1; j += 16) {
        __m512 ig = ld16(zr + j), fg = ld16(zr + u + j), gg = ld16(zr + 2 * u + j), og = ld16(zr + 3 * u + j);
        __m512 dht = add16(ld16(dHr + j), dho ? ld16(dho + j) : zero);
        __m512 tc = nmt_tanhf16(ld16(cr + j));
        __m512 dog = mul16(dht, tc);
        __m512 dct = add16(ld16(dCr + j), mul16(mul16(dht, og), sub16(one, mul16(tc, tc))));
        __m512 cpj = cp ? ld16(cp + j) : zero;
        __m512 d0 = mul16(mul16(mul16(dct, gg), ig), sub16(one, ig));
        __m512 d1 = mul16(mul16(mul16(dct, cpj), fg), sub16(one, fg));
        __m512 d2 = mul16(mul16(dct, ig), sub16(one, mul16(gg, gg)));
        __m512 d3 = mul16(mul16(dog, og), sub16(one, og));
        if (bf16) d0 = nmt_bf16_round16(d0), d1 = nmt_bf16_round16(d1), d2 = nmt_bf16_round16(d2), d3 = nmt_bf16_round16(d3);
        _mm512_storeu_ps(dzr + j, d0);
        _mm512_storeu_ps(dzr + u + j, d1);
        _mm512_storeu_ps(dzr + 2 * u + j, d2);
        _mm512_storeu_ps(dzr + 3 * u + j, d3);
        _mm512_storeu_ps(dCr + j, mul16(dct, fg));
    }
    return j;
}
#endif

/* The cell for units [j0, j1) of one row: z holds x W + h U without the bias on
 * entry and the gate activations on return. bf16: h (an operand of the next
 * step's product and of the layers above) is stored rounded to bf16. */
static inline void cell_units(real *zr, const real *b, const real *cp, real *hr, real *cr, int j0, int j1,
                              int u, int bf16) {
    int j = j0;
#ifdef VEC8
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) j = cell_units16(zr, b, cp, hr, cr, j, j1, u, bf16);
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) j = cell_units8(zr, b, cp, hr, cr, j, j1, u, bf16);
#endif
    for (; j < j1; j++) {
        real ig = sigm(zr[j] + b[j]);
        real fg = sigm(zr[u + j] + b[u + j]);
        real gg = RTANH(zr[2 * u + j] + b[2 * u + j]);
        real og = sigm(zr[3 * u + j] + b[3 * u + j]);
        real cn = ig * gg + (cp ? fg * cp[j] : 0);
        cr[j] = cn;
        real hn = og * RTANH(cn);
        hr[j] = bf16 ? RBF16(hn) : hn;
        zr[j] = ig, zr[u + j] = fg, zr[2 * u + j] = gg, zr[3 * u + j] = og;
    }
}

/* One row's step of backward for units [j0, j1) (see nmt_lstm_backward). bf16: dz
 * (an operand of every product that follows) is stored rounded to bf16. */
static inline void bwd_units(const real *zr, const real *cr, const real *dho, const real *cp, real *dzr,
                             real *dHr, real *dCr, int j0, int j1, int u, int bf16) {
    int j = j0;
#ifdef VEC8
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) j = bwd_units16(zr, cr, dho, cp, dzr, dHr, dCr, j, j1, u, bf16);
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) j = bwd_units8(zr, cr, dho, cp, dzr, dHr, dCr, j, j1, u, bf16);
#endif
    for (; j < j1; j++) {
        real ig = zr[j], fg = zr[u + j], gg = zr[2 * u + j], og = zr[3 * u + j];
        real dht = dHr[j] + (dho ? dho[j] : 0);
        real tc = RTANH(cr[j]);
        real dog = dht * tc;
        real dct = dCr[j] + dht * og * (1 - tc * tc);
        real cpj = cp ? cp[j] : 0;
        dzr[j] = dct * gg * ig * (1 - ig);
        dzr[u + j] = dct * cpj * fg * (1 - fg);
        dzr[2 * u + j] = dct * ig * (1 - gg * gg);
        dzr[3 * u + j] = dog * og * (1 - og);
        if (bf16)
            for (int g = 0; g < 4; g++) dzr[g * u + j] = RBF16(dzr[g * u + j]);
        dCr[j] = dct * fg;
    }
}

void R(nmt_lstm_cell_forward)(real *z, const real *b, const real *cprev, real *h, real *c, int m, int u) {
#pragma omp parallel for schedule(dynamic, 1) if (m * u >= 4096)
    for (int r = 0; r < m; r++)
        cell_units(z + (long)r * 4 * u, b, cprev ? cprev + (long)r * u : NULL, h + (long)r * u, c + (long)r * u,
                   0, u, u, 0);
}

void R(nmt_lstm_forward)(real *h, real *c, real *z, real *hT, real *cT,
                     const real *x, const real *h0, const real *c0,
                     const R(nmt_lstm_rec) *rec, const real *b,
                     const nmt_packed *p, int in, int u) {
    const int G = 4 * u, nblk = (u + NMT_PMAT_W - 1) / NMT_PMAT_W;
    // z (n, 4u) = x (n, in) . W (in, 4u)
    if (p->ntok > 0) R(nmt_gemm_pmat)(p->ntok, x, in, &rec->W, z, G, 0);
#pragma omp parallel if (u >= PAR_UNITS)
    for (int t = 0; t < p->T; t++) {
        const int m = p->bs[t], n0 = p->off[t];
        const real *hprev = t ? h + (long)p->off[t - 1] * u : h0;
        const real *cprev = t ? c + (long)p->off[t - 1] * u : c0;
        real *zt = z + (long)n0 * G, *ht = h + (long)n0 * u, *ct = c + (long)n0 * u;
#pragma omp for schedule(static)
        for (int jb = 0; jb < nblk; jb++) {
            const int j0 = jb * NMT_PMAT_W, j1 = j0 + NMT_PMAT_W < u ? j0 + NMT_PMAT_W : u;
            // z_t[:, g u + j0 .. j1) += h_{t-1} (m, u) . U[:, g u + j0 .. j1), the four gates together
            if (hprev) {
                const R(nmt_pmat) *Bs[4] = {&rec->gate[0], &rec->gate[1], &rec->gate[2], &rec->gate[3]};
                const int qs[4] = {jb, jb, jb, jb};
                real *const Cs[4] = {zt, zt + u, zt + 2 * u, zt + 3 * u};
                R(nmt_gemm_pmat_panels)(m, hprev, u, Bs, qs, 4, Cs, G, 1);
            }
            for (int r = 0; r < m; r++)
                cell_units(zt + (long)r * G, b, cprev ? cprev + (long)r * u : NULL, ht + (long)r * u,
                           ct + (long)r * u, j0, j1, u, rec->bf16);
        }   // implicit barrier: h_t complete before step t+1 reads it
    }
    // each sequence's final state: at its last token, or the initial state if empty
    for (int r = 0; r < p->B; r++) {
        int L = p->len[r];
        real *hd = hT + (long)r * u, *cd = cT + (long)r * u;
        if (L > 0) {
            memcpy(hd, h + (long)(p->off[L - 1] + r) * u, sizeof(real) * u);
            memcpy(cd, c + (long)(p->off[L - 1] + r) * u, sizeof(real) * u);
        } else {
            if (h0) memcpy(hd, h0 + (long)r * u, sizeof(real) * u);
            else memset(hd, 0, sizeof(real) * u);
            if (c0) memcpy(cd, c0 + (long)r * u, sizeof(real) * u);
            else memset(cd, 0, sizeof(real) * u);
        }
    }
}

long R(nmt_lstm_backward_scratch)(int B, int n, int u) {
    return (long)n * 4 * u + (long)n * u + 2L * B * u;
}

/* Backward through time. dH/dC carry the gradient flowing into h_t, c_t of each
 * row from later steps (or from hT/cT at the row's last step). Per step:
 *   dh = dh_out + dH;  tc = tanh(c_t)
 *   do = dh tc;  dc = dC + dh o (1 - tc^2)
 *   di = dc g;  dg = dc i;  df = dc c_{t-1};  dC <- dc f
 *   dz = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]
 *   dH[0..m) = dz_t U^T
 * Weight gradients use all tokens at once after the loop:
 *   dU += Hprev^T dz, dW += x^T dz, db += colsum(dz), dx = dz W^T,
 * where Hprev holds h_{t-1} (h0 or 0 at t = 0) for every packed token.
 * Threads split each step by unit blocks, as in the forward pass. */
void R(nmt_lstm_backward)(real *dx, real *dW, real *dU, real *db, real *dh0, real *dc0,
                      const real *dh, const real *dhT, const real *dcT,
                      const real *x, const real *h0, const real *c0,
                      const real *h, const real *c, const real *z,
                      const R(nmt_lstm_rec) *rec,
                      const nmt_packed *p, int in, int u, real *scratch) {
    const int G = 4 * u, n = p->ntok, B = p->B, nblk = (u + NMT_PMAT_W - 1) / NMT_PMAT_W;
    real *dz = scratch;                       // (n, 4u)
    real *hprev = dz + (long)n * G;           // (n, u)
    real *dH = hprev + (long)n * u;           // (B, u)
    real *dC = dH + (long)B * u;              // (B, u)
    if (!rec->Ut.data || !rec->Wt.data) {   // a caller's bug, not a user's
        fprintf(stderr, "nmt: internal error: nmt_lstm_backward without a packed U^T\n");
        abort();
    }
    // rows that end at step t take dhT/dcT at their last step; empty rows pass them straight to h0/c0
    for (int r = 0; r < B; r++) {
        if (dhT) memcpy(dH + (long)r * u, dhT + (long)r * u, sizeof(real) * u);
        else memset(dH + (long)r * u, 0, sizeof(real) * u);
        if (dcT) memcpy(dC + (long)r * u, dcT + (long)r * u, sizeof(real) * u);
        else memset(dC + (long)r * u, 0, sizeof(real) * u);
    }
#pragma omp parallel if (u >= PAR_UNITS)
    {
        // work unit: a group of gb unit blocks (several panels of U^T per product
        // call, which the kernel interleaves when few rows are active), the same
        // groups in both loops of a step
        const int gb = group_blocks(nblk), ngr = (nblk + gb - 1) / gb;
        for (int t = p->T - 1; t >= 0; t--) {
            const int m = p->bs[t], n0 = p->off[t];
            const real *cprev = t ? c + (long)p->off[t - 1] * u : c0;
#pragma omp for schedule(static)
            for (int gi = 0; gi < ngr; gi++) {
                const int j0 = gi * gb * NMT_PMAT_W, j1 = j0 + gb * NMT_PMAT_W < u ? j0 + gb * NMT_PMAT_W : u;
                // dH/dC hold the recurrent gradient for a row active at t+1, else dhT/dcT (set above)
                for (int r = 0; r < m; r++)
                    bwd_units(z + (long)(n0 + r) * G, c + (long)(n0 + r) * u, dh ? dh + (long)(n0 + r) * u : NULL,
                              cprev ? cprev + (long)r * u : NULL, dz + (long)(n0 + r) * G, dH + (long)r * u,
                              dC + (long)r * u, j0, j1, u, rec->bf16);
            }   // barrier: dz_t complete
            // dH[0..m) = dz_t (m, 4u) . U^T (4u, u): gradient into h_{t-1} (or h0 at t = 0).
            // No barrier after it: both loops have ngr iterations under the same static
            // schedule, so each thread gets the same unit groups in both, and step t-1 reads
            // (in dH, dC) only the columns this thread wrote; dz_{t-1} is written into other
            // rows than the dz_t the other thread may still be reading.
            if (t > 0 || dh0) {
#pragma omp for schedule(static) nowait
                for (int gi = 0; gi < ngr; gi++) {
                    const R(nmt_pmat) *Bs[4];
                    int qs[4], np = 0;
                    real *Cs[4];
                    for (int jb = gi * gb; jb < nblk && jb < (gi + 1) * gb; jb++, np++)
                        Bs[np] = &rec->Ut, qs[np] = jb, Cs[np] = dH;
                    R(nmt_gemm_pmat_panels)(m, dz + (long)n0 * G, G, Bs, qs, np, Cs, u, 0);
                }
            }
        }
    }
    if (dh0) memcpy(dh0, dH, sizeof(real) * B * u);
    if (dc0) memcpy(dc0, dC, sizeof(real) * B * u);
    // and db += colsum(dz), as dW's product's row of ones
    R(nmt_rnn_weight_grads)(p, x, in, h, h0, u, dz, dz, G, &rec->Wt, dW, dU, dx, hprev, db, NULL);
}

void R(nmt_rnn_weight_grads)(const nmt_packed *p, const real *x, int in, const real *h, const real *h0, int u,
                             const real *dX, const real *dR, int G, const R(nmt_pmat) *Wt, real *dW, real *dU, real *dx,
                             real *hprev, real *dbX, real *dbR) {
    const int n = p->ntok;
    // Hprev: h_{t-1} of every packed token. From a zero initial state (h0 NULL) the
    // tokens of step 0 add nothing to dU: they are left out of its product (k0 rows),
    // unless dR's column sums are wanted too; they are then zeros in Hprev, which
    // leaves dU's chains as they are (fma(0, b, +0) is +0: each chain starts at +0)
    const int k0 = !h0 && !dbR && p->T > 0 ? p->bs[0] : 0;
    for (int t = 0; t < p->T; t++) {
        const int m = p->bs[t];
        real *dst = hprev + (long)p->off[t] * u;
        if (t) memcpy(dst, h + (long)p->off[t - 1] * u, sizeof(real) * m * u);
        else if (h0) memcpy(dst, h0, sizeof(real) * m * u);
        else if (!k0) memset(dst, 0, sizeof(real) * m * u);
    }
    // the three weight/input products together (dx, with in <= 128 columns, is a single
    // block that would otherwise run on one thread while the others wait); the bias
    // gradients are each product's row of ones
    R(nmt_fx_op) ops[3];
    int nops = 0;
    if (n > k0)   // dU (u, G) += Hprev^T dR;  dbR (G) += colsum(dR)
        ops[nops++] =
            (R(nmt_fx_op)){0, u, G, n - k0, hprev + (long)k0 * u, u, dR + (long)k0 * G, G, NULL, dU, G, 1, dbR};
    if (n > 0) {
        // dW (in, G) += x^T dX;  dbX (G) += colsum(dX)
        ops[nops++] = (R(nmt_fx_op)){0, in, G, n, x, in, dX, G, NULL, dW, G, 1, dbX};
        if (dx) ops[nops++] = (R(nmt_fx_op)){1, n, in, G, dX, G, NULL, 0, Wt, dx, in, 0, NULL};   // dx (n, in) = dX W^T
    }
    if (nops) R(nmt_fx_group)(ops, nops);
}
