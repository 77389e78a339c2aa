/* Pre-packed weight products: AVX2/FMA micro-kernel and scalar reference. */
#include "kernels/gemm_packed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2_FMA 1
#endif

void nmt_pmat_pack(nmt_pmat *p, int transB, int K, int N, const float *B, int ldb) {
    int panels = (N + NMT_PMAT_W - 1) / NMT_PMAT_W;
    if (!p->data || (long)panels * K > (long)p->panels * p->K) {
        free(p->data);
        p->data = nmt_xalloc_aligned(sizeof(float) * (size_t)panels * K * NMT_PMAT_W);
    }
    p->K = K, p->N = N, p->panels = panels;
    for (int q = 0; q < panels; q++) {
        float *dst = p->data + (size_t)q * K * NMT_PMAT_W;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < NMT_PMAT_W; j++) {
                int n = q * NMT_PMAT_W + j;
                dst[(size_t)k * NMT_PMAT_W + j] =
                    n < N ? (transB ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n]) : 0.0f;
            }
    }
}

void nmt_pmat_free(nmt_pmat *p) {
    free(p->data);
    memset(p, 0, sizeof *p);
}

/* Stores one row's 16 panel results (only the valid columns). */
static inline void store_row(float *c, const float *acc, int ncols, int accumulate) {
    if (accumulate)
        for (int j = 0; j < ncols; j++) c[j] += acc[j];
    else
        memcpy(c, acc, sizeof(float) * ncols);
}

void nmt_gemm_pmat_ref(int M, const float *A, int lda, const nmt_pmat *B, float *C, int ldc, int accumulate) {
    const int K = B->K;
    for (int q = 0; q < B->panels; q++) {
        const float *panel = B->data + (size_t)q * K * NMT_PMAT_W;
        int ncols = B->N - q * NMT_PMAT_W < NMT_PMAT_W ? B->N - q * NMT_PMAT_W : NMT_PMAT_W;
        for (int i = 0; i < M; i++) {
            float acc[NMT_PMAT_W] = {0};
            for (int k = 0; k < K; k++)
                for (int j = 0; j < NMT_PMAT_W; j++)
                    acc[j] = fmaf(A[(size_t)i * lda + k], panel[(size_t)k * NMT_PMAT_W + j], acc[j]);
            store_row(C + (size_t)i * ldc + q * NMT_PMAT_W, acc, ncols, accumulate);
        }
    }
}

#ifdef HAVE_AVX2_FMA
/* R rows (1..6) of one panel: 2*R accumulators, each an FMA chain over k. */
#define PMAT_KERNEL(R)                                                                          \
    static void kernel_##R(const float *A, int lda, const float *panel, int K, float *C,       \
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
        for (int r = 0; r < R; r++) {                                                           \
            float acc[NMT_PMAT_W];                                                              \
            _mm256_storeu_ps(acc, lo[r]);                                                       \
            _mm256_storeu_ps(acc + 8, hi[r]);                                                   \
            store_row(C + (size_t)r * ldc, acc, ncols, accumulate);                            \
        }                                                                                       \
    }
PMAT_KERNEL(1)
PMAT_KERNEL(2)
PMAT_KERNEL(3)
PMAT_KERNEL(4)
PMAT_KERNEL(5)
PMAT_KERNEL(6)
typedef void (*pmat_kernel)(const float *, int, const float *, int, float *, int, int, int);
static const pmat_kernel kernels[7] = {NULL, kernel_1, kernel_2, kernel_3, kernel_4, kernel_5, kernel_6};
#endif

void nmt_gemm_pmat(int M, const float *A, int lda, const nmt_pmat *B, float *C, int ldc, int accumulate) {
#ifdef HAVE_AVX2_FMA
    const int K = B->K;
    // panels are independent: threads share them out; each element is computed by one chain
#pragma omp parallel for schedule(dynamic, 4) if ((long)M * B->N * K > 65536)
    for (int q = 0; q < B->panels; q++) {
        const float *panel = B->data + (size_t)q * K * NMT_PMAT_W;
        int ncols = B->N - q * NMT_PMAT_W < NMT_PMAT_W ? B->N - q * NMT_PMAT_W : NMT_PMAT_W;
        for (int i = 0; i < M; i += 6) {
            int R = M - i < 6 ? M - i : 6;
            kernels[R](A + (size_t)i * lda, lda, panel, K, C + (size_t)i * ldc + q * NMT_PMAT_W, ldc, ncols,
                       accumulate);
        }
    }
#else
    nmt_gemm_pmat_ref(M, A, lda, B, C, ldc, accumulate);
#endif
}
