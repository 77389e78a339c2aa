/* One small matrix-product interface with interchangeable backends.
 *
 *   C (M x N) = alpha * op(A) * op(B) + beta * C      (row-major)
 *   op(A) is (M x K): A is (M x K) with lda, or (K x M) when transA.
 *   op(B) is (K x N): B is (K x N) with ldb, or (N x K) when transB.
 *   beta == 0 overwrites C (whatever it held, NaN included).
 *
 * Backends: "naive" (the reference: plain loops, every other backend is tested
 * against it) and "cblas" (OpenBLAS). The default is chosen at build time
 * (make GEMM=...), and can be switched at run time for tests and benchmarks. */
#ifndef NMT_KERNELS_GEMM_H
#define NMT_KERNELS_GEMM_H

typedef enum { NMT_GEMM_NAIVE = 0, NMT_GEMM_CBLAS = 1 } nmt_gemm_backend;

/* Returns 0, or -1 for an unknown name. */
int nmt_gemm_set_backend_name(const char *name);
void nmt_gemm_set_backend(nmt_gemm_backend b);
nmt_gemm_backend nmt_gemm_get_backend(void);
const char *nmt_gemm_backend_name(nmt_gemm_backend b);

#define NMT_T float
#define NMT_FN(name) name
#include "kernels/gemm_gen.h"
#undef NMT_T
#undef NMT_FN
#define NMT_T double
#define NMT_FN(name) name##_f64
#include "kernels/gemm_gen.h"
#undef NMT_T
#undef NMT_FN

/* Sets the BLAS library's thread count (gemm_cblas.c). */
void nmt_blas_set_threads(int n);
#endif
