/* Weight-stationary matrix products with pre-packed weights (float only).
 *
 *   C (M x N) = A (M x K) . B (K x N)        or   C += A . B
 *
 * B is packed once (nmt_pmat_pack) into column panels of NMT_PMAT_W columns,
 * each panel K x NMT_PMAT_W contiguous, zero-padded at the right edge; A is used
 * in place (row-major). This is the shape of every product with a weight matrix
 * in an RNN step: few rows (the active sentences), a fixed weight.
 *
 * Every output element is one fused-multiply-add chain over k = 0..K-1, started
 * at 0, whatever M, the element's row position, the thread count or the CPU
 * path (AVX2 or scalar). So results are bit-identical to the scalar reference
 * and independent of which other rows are computed alongside: batching
 * sentences cannot change any sentence's result. */
#ifndef NMT_KERNELS_GEMM_PACKED_H
#define NMT_KERNELS_GEMM_PACKED_H
#include <stddef.h>

#define NMT_PMAT_W 16

typedef struct {
    int K, N, panels;
    float *data;   /* panels * K * NMT_PMAT_W floats, 64-byte aligned */
} nmt_pmat;

/* Packs B (K x N; transB: B is stored N x K, i.e. packs B^T's transpose) with
 * leading dimension ldb. Allocates on first use or when the shape grows. */
void nmt_pmat_pack(nmt_pmat *p, int transB, int K, int N, const float *B, int ldb);
void nmt_pmat_free(nmt_pmat *p);

/* C = A.B (accumulate == 0) or C += A.B, A (M x K) with lda, C with ldc. */
void nmt_gemm_pmat(int M, const float *A, int lda, const nmt_pmat *B, float *C, int ldc, int accumulate);
/* The scalar reference: the same FMA chains in plain C (fmaf). */
void nmt_gemm_pmat_ref(int M, const float *A, int lda, const nmt_pmat *B, float *C, int ldc, int accumulate);
#endif
