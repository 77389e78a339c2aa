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
