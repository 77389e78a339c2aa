/* Pre-packed weight products (real-generic): AVX2/FMA micro-kernel for float,
 * and the scalar reference every path must equal bit for bit. */
#include "kernels/gemm_packed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/cpu.h"
#include "core/error.h"
#include "core/real.h"

#ifndef NMT_F64
/* The AVX2 code carries target attributes and runs where core/cpu.h says the
 * CPU has AVX2 and FMA (the build itself is for baseline x86-64). */
#include <immintrin.h>
#define HAVE_AVX2_FMA 1
#define AVX2 __attribute__((target("avx2,fma")))
#endif

#ifdef NMT_F64
#define RFMA fma
#else
#define RFMA fmaf
#endif
typedef R(nmt_pmat) pmat;

#ifdef HAVE_AVX2_FMA
/* d[c * ldd + r] = s[r * lds + c] for an 8 x 8 block (r, c < 8). */
static inline AVX2 void transpose8(float *d, long ldd, const float *s, long lds) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds), r2 = _mm256_loadu_ps(s + 2 * lds);
    __m256 r3 = _mm256_loadu_ps(s + 3 * lds), r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
    // pairs of rows interleaved, then pairs of pairs, then the 128-bit halves
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* A whole panel's tiles of 16 k from B's rows n0.. (src), 64 bytes stored at
 * a time; returns how many k it packed (K rounded down to 16). */
static AVX2 int transpose_panel(float *dst, const float *src, long ldb, int K) {
    int kt = 0;
    for (; kt + 16 <= K; kt += 16) {
        const float *s = src + kt;
        float *d = dst + (size_t)kt * NMT_PMAT_W;
        transpose8(d, NMT_PMAT_W, s, ldb);
        transpose8(d + 8, NMT_PMAT_W, s + (size_t)8 * ldb, ldb);
        transpose8(d + 8 * NMT_PMAT_W, NMT_PMAT_W, s + 8, ldb);
        transpose8(d + 8 * NMT_PMAT_W + 8, NMT_PMAT_W, s + (size_t)8 * ldb + 8, ldb);
    }
    return kt;
}
#endif

/* Packs rows k0..k1 of panel q (all K rows when transB: the transposed copy is
 * made in whole tiles). p's shape is set. */
static void pack_panel(pmat *p, int transB, const real *B, int ldb, int q, int k0, int k1, int bf16) {
    const int K = p->K, N = p->N;
    real *dst = p->data + (size_t)q * K * NMT_PMAT_W;
    const int n0 = q * NMT_PMAT_W, w = N - n0 < NMT_PMAT_W ? N - n0 : NMT_PMAT_W;
    if (transB) {
        // column j of the panel is row n0 + j of the stored matrix. Tiles of 16 k:
        // each source row's cache line is read whole at once (the 16 rows are
        // ldb apart and may share cache sets), and the tile is written as 1 KB of
        // consecutive memory.
        k0 = 0, k1 = K;
        real tile[NMT_PMAT_W][16];
        int kt = 0;
#ifdef HAVE_AVX2_FMA
        if (w == NMT_PMAT_W && nmt_cpu_isa() >= NMT_ISA_AVX2)   // whole panels: 8 x 8 register transposes
            kt = transpose_panel(dst, B + (size_t)n0 * ldb, ldb, K);
#endif
        for (; kt + 16 <= K; kt += 16) {
            for (int j = 0; j < NMT_PMAT_W; j++) {
                if (j < w) memcpy(tile[j], B + (size_t)(n0 + j) * ldb + kt, sizeof(real) * 16);
                else memset(tile[j], 0, sizeof tile[j]);
            }
            for (int kk = 0; kk < 16; kk++) {
                real *d = dst + (size_t)(kt + kk) * NMT_PMAT_W;
                for (int j = 0; j < NMT_PMAT_W; j++) d[j] = tile[j][kk];
            }
        }
        for (; kt < K; kt++)   // the last K % 16
            for (int j = 0; j < NMT_PMAT_W; j++)
                dst[(size_t)kt * NMT_PMAT_W + j] = j < w ? B[(size_t)(n0 + j) * ldb + kt] : 0;
    } else if (w == NMT_PMAT_W) {
        for (int k = k0; k < k1; k++)   // a fixed-size copy: inlined
            memcpy(dst + (size_t)k * NMT_PMAT_W, B + (size_t)k * ldb + n0, sizeof(real) * NMT_PMAT_W);
    } else {
        for (int k = k0; k < k1; k++) {
            real *d = dst + (size_t)k * NMT_PMAT_W;
            for (int j = 0; j < NMT_PMAT_W; j++) d[j] = j < w ? B[(size_t)k * ldb + n0 + j] : 0;
        }
    }
    if (bf16)   // while the panel is in cache
        R(nmt_bf16_span)(dst + (size_t)k0 * NMT_PMAT_W, dst + (size_t)k0 * NMT_PMAT_W, (long)(k1 - k0) * NMT_PMAT_W);
}

static void pack(pmat *p, int transB, int K, int N, const real *B, int ldb, int bf16) {
    int panels = (N + NMT_PMAT_W - 1) / NMT_PMAT_W;
    if (!p->data || (long)panels * K > (long)p->panels * p->K) {
        free(p->data);
        p->data = nmt_xalloc_aligned(sizeof(real) * (size_t)panels * K * NMT_PMAT_W);
    }
    p->K = K, p->N = N, p->panels = panels;
#pragma omp parallel for schedule(static) if ((long)K * N > 16384)
    for (int q = 0; q < panels; q++) pack_panel(p, transB, B, ldb, q, 0, K, bf16);
}

void R(nmt_pmat_repack_rows)(pmat *p, int transB, int K, int N, const real *B, int ldb, int r0, int r1,
                             int bf16) {
    if (!p->data || p->K != K || p->N != N || r0 < 0 || r1 > (transB ? N : K) ||
        (transB && r0 % NMT_PMAT_W)) {   // a caller's bug
        fprintf(stderr, "nmt: internal error: nmt_pmat_repack_rows(%d, %d) on a %dx%d packing of %dx%d\n", r0, r1,
                p->K, p->N, K, N);
        abort();
    }
    if (transB)   // stored rows r0..r1 are the columns of panels r0/W ..
        for (int q = r0 / NMT_PMAT_W; q * NMT_PMAT_W < r1; q++) pack_panel(p, 1, B, ldb, q, 0, K, bf16);
    else
        for (int q = 0; q < p->panels; q++) pack_panel(p, 0, B, ldb, q, r0, r1, bf16);
}

void R(nmt_pmat_pack)(pmat *p, int transB, int K, int N, const real *B, int ldb) { pack(p, transB, K, N, B, ldb, 0); }

void R(nmt_pmat_pack_bf16)(pmat *p, int transB, int K, int N, const real *B, int ldb) {
    pack(p, transB, K, N, B, ldb, 1);
}

void R(nmt_pmat_free)(pmat *p) {
    free(p->data);
    memset(p, 0, sizeof *p);
}

/* Stores one row's panel results (only the valid columns). */
static inline void store_row(real *c, const real *acc, int ncols, int accumulate) {
    if (accumulate)
        for (int j = 0; j < ncols; j++) c[j] += acc[j];
    else
        memcpy(c, acc, sizeof(real) * ncols);
}

static inline int panel_cols(const pmat *B, int q) {
    int w = B->N - q * NMT_PMAT_W;
    return w < NMT_PMAT_W ? w : NMT_PMAT_W;
}

static void panel_ref(int M, const real *A, int lda, const pmat *B, int q, real *C, int ldc, int accumulate) {
    const int K = B->K, ncols = panel_cols(B, q);
    const real *panel = B->data + (size_t)q * K * NMT_PMAT_W;
    for (int i = 0; i < M; i++) {
        real acc[NMT_PMAT_W] = {0};
        for (int k = 0; k < K; k++)
            for (int j = 0; j < NMT_PMAT_W; j++)
                acc[j] = RFMA(A[(size_t)i * lda + k], panel[(size_t)k * NMT_PMAT_W + j], acc[j]);
        store_row(C + (size_t)i * ldc + q * NMT_PMAT_W, acc, ncols, accumulate);
    }
}

void R(nmt_gemm_pmat_ref)(int M, const real *A, int lda, const pmat *B, real *C, int ldc, int accumulate) {
    for (int q = 0; q < B->panels; q++) panel_ref(M, A, lda, B, q, C, ldc, accumulate);
}

#ifdef HAVE_AVX2_FMA
/* Stores one row's panel results: vector stores for a full panel, else only
 * the valid columns (the additions are the same either way). */
static inline AVX2 void store_row_avx(float *c, __m256 lo, __m256 hi, int ncols, int accumulate) {
    if (ncols == NMT_PMAT_W) {
        if (accumulate) {
            lo = _mm256_add_ps(_mm256_loadu_ps(c), lo);
            hi = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi);
        }
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
    } else {
        float acc[NMT_PMAT_W];
        _mm256_storeu_ps(acc, lo);
        _mm256_storeu_ps(acc + 8, hi);
        store_row(c, acc, ncols, accumulate);
    }
}

/* R rows (1..6) of one panel: 2*R accumulators, each an FMA chain over k. */
#define PMAT_KERNEL(R)                                                                          \
    static AVX2 void kernel_##R(const float *A, int lda, const float *panel, int K, float *C,       \
                           int ldc, int ncols, int accumulate) {                                \
        __m256 lo[6], hi[6];                                                                    \
        _Pragma("GCC unroll 6")                                                                 \
        for (int r = 0; r < R; r++) lo[r] = _mm256_setzero_ps(), hi[r] = _mm256_setzero_ps(); \
        for (int k = 0; k < K; k++) {                                                           \
            __m256 b0 = _mm256_load_ps(panel + (size_t)k * NMT_PMAT_W);                         \
            __m256 b1 = _mm256_load_ps(panel + (size_t)k * NMT_PMAT_W + 8);                     \
            _Pragma("GCC unroll 6")                                                             \
            for (int r = 0; r < R; r++) {                                                       \
                __m256 a = _mm256_broadcast_ss(A + (size_t)r * lda + k);                        \
                lo[r] = _mm256_fmadd_ps(a, b0, lo[r]);                                          \
                hi[r] = _mm256_fmadd_ps(a, b1, hi[r]);                                          \
            }                                                                                   \
        }                                                                                       \
        _Pragma("GCC unroll 6")                                                                 \
        for (int r = 0; r < R; r++) store_row_avx(C + (size_t)r * ldc, lo[r], hi[r], ncols, accumulate); \
    }
PMAT_KERNEL(1)
PMAT_KERNEL(2)
PMAT_KERNEL(3)
PMAT_KERNEL(4)
PMAT_KERNEL(5)
PMAT_KERNEL(6)
typedef void (*pmat_kernel)(const float *, int, const float *, int, float *, int, int, int);
static const pmat_kernel kernels[7] = {NULL, kernel_1, kernel_2, kernel_3, kernel_4, kernel_5, kernel_6};

/* R rows (1..3) of P panels at once: with one panel, R rows give only 2R
 * independent FMA chains, too few to cover the FMA latency; P panels give 2RP.
 * Every chain is the one kernel_R runs for its element. */
static inline __attribute__((always_inline)) AVX2 void multi_kernel(const int R, const int P, const float *A, int lda,
                                                                const float *const *panel, int K, float *const *C,
                                                                int ldc, const int *ncols, int accumulate) {
    __m256 lo[4][3], hi[4][3];
    _Pragma("GCC unroll 4")
    for (int p = 0; p < P; p++)
        _Pragma("GCC unroll 4")
        for (int r = 0; r < R; r++) lo[p][r] = _mm256_setzero_ps(), hi[p][r] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 a[3];
        _Pragma("GCC unroll 4")
        for (int r = 0; r < R; r++) a[r] = _mm256_broadcast_ss(A + (size_t)r * lda + k);
        _Pragma("GCC unroll 4")
        for (int p = 0; p < P; p++) {
            __m256 b0 = _mm256_load_ps(panel[p] + (size_t)k * NMT_PMAT_W);
            __m256 b1 = _mm256_load_ps(panel[p] + (size_t)k * NMT_PMAT_W + 8);
            _Pragma("GCC unroll 4")
            for (int r = 0; r < R; r++) {
                lo[p][r] = _mm256_fmadd_ps(a[r], b0, lo[p][r]);
                hi[p][r] = _mm256_fmadd_ps(a[r], b1, hi[p][r]);
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int p = 0; p < P; p++)
        _Pragma("GCC unroll 4")
        for (int r = 0; r < R; r++) store_row_avx(C[p] + (size_t)r * ldc, lo[p][r], hi[p][r], ncols[p], accumulate);
}
typedef void (*multi_fn)(const float *, int, const float *const *, int, float *const *, int, const int *, int);
#define MULTI(R, P)                                                                                         \
    static AVX2 void multi_##R##_##P(const float *A, int lda, const float *const *panel, int K, float *const *C, \
                                int ldc, const int *ncols, int accumulate) {                                \
        multi_kernel(R, P, A, lda, panel, K, C, ldc, ncols, accumulate);                                    \
    }
MULTI(1, 2)
MULTI(1, 3)
MULTI(1, 4)
MULTI(2, 2)
MULTI(3, 2)
/* [rows][panels]: the largest group of panels worth interleaving for that many rows */
static const multi_fn multis[4][5] = {{0}, {0, 0, multi_1_2, multi_1_3, multi_1_4}, {0, 0, multi_2_2}, {0, 0, multi_3_2}};
static const int multi_max[4] = {0, 4, 2, 2};
#endif

#ifdef HAVE_AVX2_FMA
/* AVX-512: R rows by P panels, one 16-lane accumulator each (R P <= 24); the
 * same chains as kernel_R (an element's lanes never mix), so the same bits. */
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
static inline __attribute__((always_inline)) AVX512 void k512(const int R, const int P, const float *A, int lda,
                                                             const float *const *panel, int K, float *const *C,
                                                             int ldc, const int *ncols, int accumulate) {
    __m512 acc[24];
    _Pragma("GCC unroll 24")
    for (int x = 0; x < R * P; x++) acc[x] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 b[4];
        _Pragma("GCC unroll 4")
        for (int p = 0; p < P; p++) b[p] = _mm512_load_ps(panel[p] + (size_t)k * NMT_PMAT_W);
        _Pragma("GCC unroll 12")
        for (int r = 0; r < R; r++) {
            const __m512 a = _mm512_set1_ps(A[(size_t)r * lda + k]);
            _Pragma("GCC unroll 6")
            for (int p = 0; p < P; p++) acc[r * P + p] = _mm512_fmadd_ps(a, b[p], acc[r * P + p]);
        }
    }
    _Pragma("GCC unroll 6")
    for (int p = 0; p < P; p++) {
        const __mmask16 m = ncols[p] >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << ncols[p]) - 1);
        _Pragma("GCC unroll 12")
        for (int r = 0; r < R; r++) {
            float *c = C[p] + (size_t)r * ldc;
            __m512 v = acc[r * P + p];
            if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), v);
            _mm512_mask_storeu_ps(c, m, v);
        }
    }
}
#define K512(R_, P_)                                                                                          \
    static AVX512 void k512_##R_##_##P_(const float *A, int lda, const float *const *panel, int K,           \
                                        float *const *C, int ldc, const int *ncols, int accumulate) {         \
        k512(R_, P_, A, lda, panel, K, C, ldc, ncols, accumulate);                                            \
    }
#define K512_ROWS6(P_) K512(1, P_) K512(2, P_) K512(3, P_) K512(4, P_) K512(5, P_) K512(6, P_)
#define K512_ROWS8(P_) K512_ROWS6(P_) K512(7, P_) K512(8, P_)
#define K512_ROWS12(P_) K512_ROWS8(P_) K512(9, P_) K512(10, P_) K512(11, P_) K512(12, P_)
K512_ROWS12(1) K512_ROWS12(2) K512_ROWS8(3) K512_ROWS6(4)
#define K512_T6(P_) k512_1_##P_, k512_2_##P_, k512_3_##P_, k512_4_##P_, k512_5_##P_, k512_6_##P_
#define K512_T8(P_) K512_T6(P_), k512_7_##P_, k512_8_##P_
#define K512_T12(P_) K512_T8(P_), k512_9_##P_, k512_10_##P_, k512_11_##P_, k512_12_##P_
/* [panels][rows] */
static const multi_fn k512s[5][13] = {{0}, {0, K512_T12(1)}, {0, K512_T12(2)}, {0, K512_T8(3)}, {0, K512_T6(4)}};
/* The most rows a kernel of P panels takes: 24 accumulators (R P <= 24), with
 * the P panel vectors and the broadcast row value, in the 32 vector registers. */
static const int k512_rows[5] = {0, 12, 12, 8, 6};

/* Panels i of np at once, 4 per kernel call (the last 1-3 together), rows in
 * groups of at most k512_rows[P], as even as possible. Each group reads its P
 * panels from L2 once: the more rows a group has, the fewer times U is read
 * per step. Measured against 12 accumulators (6 rows by 2 panels): 9-10% more
 * training throughput for the basic model and the char-RNN on one thread. */
static void panels512(int M, const float *A, int lda, const pmat *const *B, const int *q, int np, float *const *C,
                      int ldc, int accumulate) {
    for (int i = 0; i < np;) {
        const int P = np - i < 4 ? np - i : 4, maxr = k512_rows[P];
        const float *panel[4];
        float *Cp[4];
        int ncols[4];
        for (int p = 0; p < P; p++) {
            panel[p] = B[i + p]->data + (size_t)q[i + p] * B[i + p]->K * NMT_PMAT_W;
            Cp[p] = C[i + p] + q[i + p] * NMT_PMAT_W;
            ncols[p] = panel_cols(B[i + p], q[i + p]);
        }
        const int groups = (M + maxr - 1) / maxr;
        for (int g = 0, r0 = 0; g < groups; g++) {
            int rows = (M - r0) / (groups - g);
            rows += (M - r0) % (groups - g) != 0;
            float *Cr[4];
            for (int p = 0; p < P; p++) Cr[p] = Cp[p] + (size_t)r0 * ldc;
            k512s[P][rows](A + (size_t)r0 * lda, lda, panel, B[i]->K, Cr, ldc, ncols, accumulate);
            r0 += rows;
        }
        i += P;
    }
}
#endif

void R(nmt_gemm_pmat_panel)(int M, const real *A, int lda, const pmat *B, int q, real *C, int ldc,
                            int accumulate) {
#ifdef HAVE_AVX2_FMA
    if (nmt_cpu_isa() < NMT_ISA_AVX2) {
        panel_ref(M, A, lda, B, q, C, ldc, accumulate);
        return;
    }
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) {
        panels512(M, A, lda, &B, &q, 1, &C, ldc, accumulate);
        return;
    }
    const int K = B->K, ncols = panel_cols(B, q);
    const float *panel = B->data + (size_t)q * K * NMT_PMAT_W;
    // row groups of at most 6, as even as possible (32 rows: 6 6 5 5 5 5, not 6 6 6 6 6 2)
    const int groups = (M + 5) / 6;
    for (int g = 0, i = 0; g < groups; g++) {
        int rows = (M - i) / (groups - g);
        rows += (M - i) % (groups - g) != 0;
        kernels[rows](A + (size_t)i * lda, lda, panel, K, C + (size_t)i * ldc + q * NMT_PMAT_W, ldc, ncols,
                      accumulate);
        i += rows;
    }
#else
    panel_ref(M, A, lda, B, q, C, ldc, accumulate);
#endif
}

void R(nmt_gemm_pmat_panels)(int M, const real *A, int lda, const pmat *const *B, const int *q, int np,
                             real *const *C, int ldc, int accumulate) {
#ifdef HAVE_AVX2_FMA
    if (M >= 1 && nmt_cpu_isa() >= NMT_ISA_AVX512) {
        panels512(M, A, lda, B, q, np, C, ldc, accumulate);
        return;
    }
    if (M >= 1 && M <= 3 && nmt_cpu_isa() >= NMT_ISA_AVX2) {
        for (int i = 0; i < np;) {
            int take = np - i < multi_max[M] ? np - i : multi_max[M];
            if (take == 1) {
                R(nmt_gemm_pmat_panel)(M, A, lda, B[i], q[i], C[i], ldc, accumulate);
            } else {
                const float *panel[4];
                float *Cp[4];
                int ncols[4];
                for (int p = 0; p < take; p++) {
                    panel[p] = B[i + p]->data + (size_t)q[i + p] * B[i + p]->K * NMT_PMAT_W;
                    Cp[p] = C[i + p] + q[i + p] * NMT_PMAT_W;
                    ncols[p] = panel_cols(B[i + p], q[i + p]);
                }
                multis[M][take](A, lda, panel, B[i]->K, Cp, ldc, ncols, accumulate);
            }
            i += take;
        }
        return;
    }
#endif
    for (int i = 0; i < np; i++) R(nmt_gemm_pmat_panel)(M, A, lda, B[i], q[i], C[i], ldc, accumulate);
}

void R(nmt_gemm_pmat)(int M, const real *A, int lda, const pmat *B, real *C, int ldc, int accumulate) {
    // tasks of 4 panels (the AVX-512 kernels compute up to four at once) by a block of
    // rows, the rows cut in two until there are 4 tasks per thread or blocks of < 192
    // rows; each element is computed by one chain whatever the task
    const int pg = (B->panels + 3) / 4;
#ifdef _OPENMP
    const int nth = omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    const int nth = 1;
#endif
    int nrb = 1;
    while (nth > 1 && pg * nrb < 4 * nth && M / (2 * nrb) >= 96) nrb *= 2;
#pragma omp parallel for schedule(dynamic, 1) if (nth > 1 && (long)M * B->N * B->K > 65536)
    for (int task = 0; task < pg * nrb; task++) {
        const int q = task % pg * 4, rb = task / pg;
        const int r0 = (int)((long)M * rb / nrb), r1 = (int)((long)M * (rb + 1) / nrb);
        const pmat *Bs[4] = {B, B, B, B};
        const int qs[4] = {q, q + 1, q + 2, q + 3};
        real *const Cs[4] = {C + (size_t)r0 * ldc, C + (size_t)r0 * ldc, C + (size_t)r0 * ldc, C + (size_t)r0 * ldc};
        R(nmt_gemm_pmat_panels)(r1 - r0, A + (size_t)r0 * lda, lda, Bs, qs, B->panels - q < 4 ? B->panels - q : 4, Cs,
                                ldc, accumulate);
    }
}
