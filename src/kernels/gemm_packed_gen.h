/* Declarations for one precision; included twice by gemm_packed.h. No include guard. */

typedef struct {
    int K, N, panels;
    NMT_T *data;   /* panels * K * NMT_PMAT_W values, 64-byte aligned */
} NMT_FN(nmt_pmat);

/* Packs B (K x N) with leading dimension ldb; transB: B is stored N x K (the
 * product then uses its transpose). Allocates on first use or when the shape
 * grows; the packing itself is split among threads. */
void NMT_FN(nmt_pmat_pack)(NMT_FN(nmt_pmat) *p, int transB, int K, int N, const NMT_T *B, int ldb);
/* The same packing with every value rounded to bf16 (core/bf16.h): the
 * recurrent kernels of --precision bf16. Equal to nmt_pmat_pack followed by
 * nmt_round_bf16 of the data, in one pass. */
void NMT_FN(nmt_pmat_pack_bf16)(NMT_FN(nmt_pmat) *p, int transB, int K, int N, const NMT_T *B, int ldb);
/* Re-packs rows r0..r1 of the stored matrix B into p, which already holds a
 * packing of a B of the same shape (made by nmt_pmat_pack or _pack_bf16; bf16
 * says which): transB = 0: rows k = r0..r1 of every panel; transB = 1: the
 * panels whose columns are those rows (r0 a multiple of NMT_PMAT_W). On the
 * calling thread. An optimizer that updates B a block of rows at a time calls
 * this on each block while it is in cache: the packing then equals a full
 * re-pack without reading B again. */
void NMT_FN(nmt_pmat_repack_rows)(NMT_FN(nmt_pmat) *p, int transB, int K, int N, const NMT_T *B, int ldb, int r0,
                                  int r1, int bf16);
void NMT_FN(nmt_pmat_free)(NMT_FN(nmt_pmat) *p);

/* C = A.B (accumulate == 0) or C += A.B, A (M x K) with lda, C with ldc.
 * Panels are shared among the threads (when the product is worth it). */
void NMT_FN(nmt_gemm_pmat)(int M, const NMT_T *A, int lda, const NMT_FN(nmt_pmat) *B, NMT_T *C, int ldc,
                           int accumulate);
/* Panel q only (columns q*NMT_PMAT_W .. of C, which points at column 0), on the
 * calling thread: for callers that split panels among threads themselves. */
void NMT_FN(nmt_gemm_pmat_panel)(int M, const NMT_T *A, int lda, const NMT_FN(nmt_pmat) *B, int q, NMT_T *C,
                                 int ldc, int accumulate);
/* Several panels: for i < np, panel q[i] of B[i] into C[i] (which points at
 * column 0 of its output, as for _panel; all B[i] have the same K), on the
 * calling thread. The same bits as np calls of _panel; with 1 to 3 rows the
 * panels' FMA chains are interleaved (up to 4 panels at once), which hides the
 * FMA latency that a single panel's few chains cannot. */
void NMT_FN(nmt_gemm_pmat_panels)(int M, const NMT_T *A, int lda, const NMT_FN(nmt_pmat) *const *B, const int *q,
                                  int np, NMT_T *const *C, int ldc, int accumulate);
/* The scalar reference: the same FMA chains in plain C (fma / fmaf). */
void NMT_FN(nmt_gemm_pmat_ref)(int M, const NMT_T *A, int lda, const NMT_FN(nmt_pmat) *B, NMT_T *C, int ldc,
                               int accumulate);

/* ---- weight-gradient products: C (M x N) (+)= A^T B ---------------------
 * A is stored K x M (lda), B K x N (ldb), both used in place (no packing):
 * the shape of x^T dY over the packed tokens of a batch. Each element of C is
 * one fused-multiply-add chain over k = 0..K-1 started at 0, then stored
 * (accumulate == 0) or added to C: the same bits at every ISA level, every
 * thread count and whatever columns are computed alongside. */
void NMT_FN(nmt_gemm_tn_ref)(int M, int N, int K, const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T *C,
                             int ldc, int accumulate);
/* Columns [j0, j0 + w) of the product, on the calling thread; with cs not
 * NULL also cs[j] (+)= sum over k of B[k][j] for those columns (a bias
 * gradient), computed as one more row of the product, A^T's row of ones:
 * fma(1, b, acc) = acc + b, so each is the plain sum in order k = 0..K-1 (the
 * bits of nmt_colsum_add), at no extra pass over B. */
void NMT_FN(nmt_gemm_tn_cols)(int M, int N, int K, const NMT_T *A, int lda, const NMT_T *B, int ldb, NMT_T *C,
                              int ldc, NMT_T *cs, int accumulate, int j0, int w);

/* ---- a group of fixed-order products, computed together ----------------
 * The backward pass's products of one layer: weight gradients (tn: C (+)=
 * A^T B) and input gradients (pmat: C (+)= A . P, P packed, e.g. W^T). Their
 * tiles (column blocks of tn, row-by-panel blocks of pmat) are shared among
 * the threads in one parallel region; every element is computed by one chain,
 * so the results are those of the single-threaded references. The products
 * must not write what another reads. */
typedef struct {
    int pmat;             /* 0: tn (A, lda, B, ldb, K); 1: C = A . P (A is M x P->K) */
    int M, N, K;
    const NMT_T *A;
    int lda;
    const NMT_T *B;
    int ldb;
    const NMT_FN(nmt_pmat) *P;
    NMT_T *C;
    int ldc, accumulate;
    NMT_T *cs;            /* tn: NULL, or the column sums of B (N) too, as nmt_gemm_tn_cols */
} NMT_FN(nmt_fx_op);
void NMT_FN(nmt_fx_group)(const NMT_FN(nmt_fx_op) *ops, int n);
