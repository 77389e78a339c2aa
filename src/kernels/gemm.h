/* One small matrix-product interface with interchangeable backends.
 *
 *   C (M x N) = alpha * op(A) * op(B) + beta * C      (row-major)
 *   op(A) is (M x K): A is (M x K) with lda, or (K x M) when transA.
 *   op(B) is (K x N): B is (K x N) with ldb, or (N x K) when transB.
 *   beta == 0 overwrites C (whatever it held, NaN included).
 *
 * Backends: "naive" (the reference: plain loops, every other backend is tested
 * against it), "cblas" (OpenBLAS, gemm_cblas.c) and "dnnl" (oneDNN matmul
 * primitives, gemm_dnnl.c); "cblas" unless set at run time. nmt's own
 * training and inference products do not come here: they are the fixed-order
 * kernels of kernels/gemm_packed.h (the same bits on every CPU). These
 * backends are the benchmark's yardstick for the machine's matmul rate
 * (tools/bench_gemm.c). Every backend gives bit-identical results whatever the thread
 * count (see nmt_gemm_block_width). */
#ifndef NMT_KERNELS_GEMM_H
#define NMT_KERNELS_GEMM_H
#include <stdint.h>

typedef enum { NMT_GEMM_NAIVE = 0, NMT_GEMM_CBLAS = 1, NMT_GEMM_DNNL = 2 } nmt_gemm_backend;

/* Returns 0, or -1 for an unknown name. */
int nmt_gemm_set_backend_name(const char *name);
void nmt_gemm_set_backend(nmt_gemm_backend b);
nmt_gemm_backend nmt_gemm_get_backend(void);
const char *nmt_gemm_backend_name(nmt_gemm_backend b);

#define NMT_GENERIC "kernels/gemm_gen.h"
#include "core/generic.h"

/* Sets the BLAS library's thread count (gemm_cblas.c). */
void nmt_blas_set_threads(int n);

/* The library behind the "dnnl" backend, e.g. "oneDNN 2.6.3" (gemm_dnnl.c). */
const char *nmt_gemm_dnnl_version(void);
/* Frees the dnnl backend's engine and cached primitives (registered with
 * atexit() when the first one is made; safe to call again). Call it only
 * while no product is running; a later product starts afresh. */
void nmt_gemm_dnnl_cleanup(void);

/* bf16 x bf16 -> f32 products through oneDNN (gemm_dnnl.c), where this CPU
 * has them (oneDNN needs AVX-512; AVX-512-BF16 or AMX make them fast).
 * A and B hold bf16 values (core/bf16.h: nmt_bf16_from_float); C, alpha and
 * beta as in nmt_gemm, the same column blocks (thread-count independent).
 * _supported() asks oneDNN once; nmt_gemm_dnnl_bf16 returns -1 (and does
 * nothing) where it is 0, else 0. Used by the benchmark; training's
 * --precision bf16 does not call it (it emulates, see docs/CLI.md). */
int nmt_gemm_dnnl_bf16_supported(void);
int nmt_gemm_dnnl_bf16(int transA, int transB, int M, int N, int K, float alpha, const uint16_t *A, int lda,
                       const uint16_t *B, int ldb, float beta, float *C, int ldc);

/* How the threaded backends (cblas, dnnl) cut a product: its output columns
 * go in blocks of this width, a function of N only (never of the thread
 * count), and each block is one single-threaded library call. Threads only
 * decide who computes a block, so results do not depend on their number.
 * Products wider than NMT_GEMM_NB columns are cut into NMT_GEMM_BLOCKS blocks
 * of equal width (a multiple of 16); products under NMT_GEMM_PAR_MNK
 * multiply-adds (M*N*K) stay on the calling thread (the same blocks, in turn). */
#define NMT_GEMM_NB 128
#define NMT_GEMM_BLOCKS 4
#define NMT_GEMM_PAR_MNK 65536.0
static inline int nmt_gemm_block_width(int N) {
    return N <= NMT_GEMM_NB ? N : ((N + NMT_GEMM_BLOCKS - 1) / NMT_GEMM_BLOCKS + 15) / 16 * 16;
}
#endif
