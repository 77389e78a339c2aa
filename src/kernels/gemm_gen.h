/* Declarations for one precision; included twice by gemm.h. No include guard. */
void NMT_FN(nmt_gemm)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                      const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                      NMT_T *C, int ldc);
void NMT_FN(nmt_gemm_naive)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                            const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                            NMT_T *C, int ldc);
void NMT_FN(nmt_gemm_cblas)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                            const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                            NMT_T *C, int ldc);
void NMT_FN(nmt_gemm_dnnl)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                           const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                           NMT_T *C, int ldc);

/* One product of a group (nmt_gemm_group). */
typedef struct {
    int transA, transB, M, N, K;
    NMT_T alpha;
    const NMT_T *A;
    int lda;
    const NMT_T *B;
    int ldb;
    NMT_T beta;
    NMT_T *C;
    int ldc;
} NMT_FN(nmt_gemm_op);
/* Independent products computed together: the column blocks of all of them
 * (nmt_gemm_block_width) are shared among the threads in one parallel region,
 * so a product too narrow to split (N <= 128: one block) runs beside the
 * others instead of alone. Every block is the same call nmt_gemm would make:
 * the results are bit-identical to calling nmt_gemm on each product in turn.
 * The products must not write what another reads. */
void NMT_FN(nmt_gemm_group)(const NMT_FN(nmt_gemm_op) *ops, int n);
/* Column block [j0, j0 + w) of a product (w = its width from
 * nmt_gemm_block_width, or the remainder), exactly as the backend computes it
 * inside nmt_gemm, on the calling thread. */
void NMT_FN(nmt_gemm_cblas_block)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                                  const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                                  NMT_T *C, int ldc, int j0, int w);
void NMT_FN(nmt_gemm_dnnl_block)(int transA, int transB, int M, int N, int K, NMT_T alpha,
                                 const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T beta,
                                 NMT_T *C, int ldc, int j0, int w);

/* dst[0..n) = src[0..n) rounded to bf16 values (core/bf16.h; dst may be
 * src): how the bf16 path turns a matrix operand into what a bf16 matrix unit
 * reads. Element-wise, so the result does not depend on the thread count. */
void NMT_FN(nmt_round_bf16)(NMT_T *dst, const NMT_T *src, long n);
