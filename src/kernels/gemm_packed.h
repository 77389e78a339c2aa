/* Weight-stationary matrix products with pre-packed weights (real-generic).
 *
 *   C (M x N) = A (M x K) . B (K x N)        or   C += A . B
 *
 * B is packed once (nmt_pmat_pack) into column panels of NMT_PMAT_W columns,
 * each panel K x NMT_PMAT_W contiguous, zero-padded at the right edge; A is used
 * in place (row-major). This is the shape of every product with a weight matrix
 * in an RNN step: few rows (the active sentences), a fixed weight. Weights are
 * re-packed once per optimizer step, never per product.
 *
 * Every output element is one fused-multiply-add chain over k = 0..K-1, started
 * at 0, whatever M, the element's row position, the thread count or the CPU
 * path (AVX2 or scalar). So results are bit-identical to the scalar reference
 * and independent of which other rows are computed alongside: batching
 * sentences cannot change any sentence's result, and splitting panels among
 * threads cannot change any element.
 *
 * float (nmt_pmat, nmt_gemm_pmat, ...) has an AVX2/FMA kernel; double
 * (nmt_pmat_f64, ...) runs the scalar reference (gradient checks only). */
#ifndef NMT_KERNELS_GEMM_PACKED_H
#define NMT_KERNELS_GEMM_PACKED_H
#include <stddef.h>

#define NMT_PMAT_W 16

#define NMT_GENERIC "kernels/gemm_packed_gen.h"
#include "core/generic.h"
#endif
