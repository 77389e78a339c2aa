/* The CBLAS backend (OpenBLAS). All CBLAS calls of nmt live in this file.
 *
 * Threads: OpenBLAS runs single-threaded, and nmt splits each product's output
 * columns among its OpenMP threads itself, which avoids two thread pools
 * fighting over the cores. The column blocks depend on the shape only
 * (nmt_gemm_block_width, gemm.h), never on the thread count: OpenBLAS's rounding can
 * depend on the width of the block it is given, so splitting by thread count
 * would make results depend on it. Threads only decide who computes a block.
 * gemm_dnnl.c cuts its products the same way. */
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/real.h"
#include "kernels/gemm.h"

#ifndef NMT_F64
void openblas_set_num_threads(int);
static int blas_single;
/* nmt keeps OpenBLAS single-threaded; the argument is accepted for the interface. */
void nmt_blas_set_threads(int n) {
    (void)n;
    openblas_set_num_threads(1);
    blas_single = 1;
}
#else
void nmt_blas_set_threads(int n);
#endif

static void one_call(int transA, int transB, int M, int N, int K, real alpha, const real *A, int lda,
                     const real *B, int ldb, real beta, real *C, int ldc) {
#ifdef NMT_F64
    cblas_dgemm
#else
    cblas_sgemm
#endif
        (CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
         alpha, A, lda, B, ldb, beta, C, ldc);
}

/* OpenBLAS single-threaded before the first product (once per precision's object). */
static void ensure_single(void) {
#ifndef NMT_F64
    if (!blas_single) nmt_blas_set_threads(1);
#else
    static int once;
    if (!once) nmt_blas_set_threads(1), once = 1;
#endif
}

void R(nmt_gemm_cblas_block)(int transA, int transB, int M, int N, int K, real alpha, const real *A, int lda,
                             const real *B, int ldb, real beta, real *C, int ldc, int j0, int w) {
    (void)N;
    ensure_single();
    one_call(transA, transB, M, w, K, alpha, A, lda, transB ? B + (long)j0 * ldb : B + j0, ldb, beta, C + j0,
             ldc);
}

void R(nmt_gemm_cblas)(int transA, int transB, int M, int N, int K, real alpha, const real *A, int lda,
                       const real *B, int ldb, real beta, real *C, int ldc) {
    const int NB = nmt_gemm_block_width(N);
    const int nblocks = (N + NB - 1) / NB;
    // small products: the same blocks, in turn, on the calling thread
#pragma omp parallel for schedule(dynamic, 1) if (nblocks > 1 && (double)M * N * K >= NMT_GEMM_PAR_MNK)
    for (int blk = 0; blk < nblocks; blk++) {
        const int j0 = blk * NB;
        R(nmt_gemm_cblas_block)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, j0,
                                N - j0 < NB ? N - j0 : NB);
    }
}
