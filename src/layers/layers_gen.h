/* Declarations for one precision; included twice by layers.h. No include guard. */

/* Embedding: out (n, E) = table[ids[k]] for each packed token k. table (V, E). */
void NMT_FN(embedding_forward)(NMT_T *out, const int32_t *ids, const NMT_T *table, int n, int E);
/* dtable (V, E) += scatter of dout (n, E) by ids, summed in token order. */
void NMT_FN(embedding_backward)(NMT_T *dtable, const int32_t *ids, const NMT_T *dout, int n, int E);

/* The recurrent kernel U (u, 4u) packed for the per-step products, once per
 * optimizer step (kernels/gemm_packed.h): gate[g] holds U[:, g u .. (g+1) u) for
 * h_{t-1} U, Ut holds U^T for the backward dz U^T (packed when with_transpose).
 * The precision is the layer's: with NMT_BF16 the packed copies are rounded to
 * bf16, and lstm_forward / lstm_backward store h and dz (the other operands of
 * the products) rounded to bf16 too; the caller passes W and x as bf16 values. */
typedef struct {
    NMT_FN(nmt_pmat) gate[4];
    NMT_FN(nmt_pmat) Ut;
    int bf16;
} NMT_FN(lstm_rec);
void NMT_FN(lstm_rec_pack)(NMT_FN(lstm_rec) *rec, const NMT_T *U, int u, int with_transpose, nmt_precision prec);
/* Rows r0..r1 of U have changed (r0 a multiple of NMT_PMAT_W): re-packs them into
 * rec, which holds a packing of U made by lstm_rec_pack (in its precision, with
 * U^T if it was asked for). On the calling thread. */
void NMT_FN(lstm_rec_repack_rows)(NMT_FN(lstm_rec) *rec, const NMT_T *U, int u, int r0, int r1);
void NMT_FN(lstm_rec_free)(NMT_FN(lstm_rec) *rec);

/* Keras LSTM (gate order i, f, c, o; sigmoid / tanh) over a packed batch.
 *   x (n, in)  W (in, 4u)  U (u, 4u) as rec  b (4u)
 *   h0, c0 (B, u) initial state in packed row order, or NULL for zeros
 * outputs:
 *   h, c (n, u)      hidden and cell state after each token
 *   z (n, 4u)        the gate activations [i f g o] (saved for backward)
 *   hT, cT (B, u)    each sequence's state after its last token (h0/c0 if empty)
 * Each output element is computed in an order that depends only on its own
 * inputs, never on the thread count or the other rows. */
void NMT_FN(lstm_forward)(NMT_T *h, NMT_T *c, NMT_T *z, NMT_T *hT, NMT_T *cT,
                          const NMT_T *x, const NMT_T *h0, const NMT_T *c0,
                          const NMT_T *W, const NMT_FN(lstm_rec) *rec, const NMT_T *b,
                          const nmt_packed *p, int in, int u);
/* The cell for m rows: z (m, 4u) holds x W + h U (without the bias) on entry and
 * the gate activations [i f g o] on return; cprev (m, u) or NULL (zeros);
 * writes h, c (m, u). Each row only depends on its own inputs. */
void NMT_FN(lstm_cell_forward)(NMT_T *z, const NMT_T *b, const NMT_T *cprev, NMT_T *h, NMT_T *c, int m, int u);
/* Scratch floats lstm_backward needs for a batch of up to B sequences, n tokens. */
long NMT_FN(lstm_backward_scratch)(int B, int n, int u);
/*   dh (n, u) gradient w.r.t. h (NULL: none)   dhT, dcT (B, u) w.r.t. hT, cT (NULL: none)
 * rec must hold Ut (packed with_transpose) when dh0 is wanted or any sequence
 * is longer than 1. Accumulates dW (in, 4u), dU (u, 4u), db (4u); overwrites dx (n, in), dh0, dc0 (B, u)
 * (each may be NULL when not wanted). */
void NMT_FN(lstm_backward)(NMT_T *dx, NMT_T *dW, NMT_T *dU, NMT_T *db, NMT_T *dh0, NMT_T *dc0,
                           const NMT_T *dh, const NMT_T *dhT, const NMT_T *dcT,
                           const NMT_T *x, const NMT_T *h0, const NMT_T *c0,
                           const NMT_T *h, const NMT_T *c, const NMT_T *z,
                           const NMT_T *W, const NMT_FN(lstm_rec) *rec,
                           const nmt_packed *p, int in, int u, NMT_T *scratch);

/* Dense: out (n, m) = x (n, k) . W (k, m) + b (m). */
void NMT_FN(dense_forward)(NMT_T *out, const NMT_T *x, const NMT_T *W, const NMT_T *b, int n, int k, int m);
/* dW (k, m) += x^T dout; db (m) += column sums of dout; dx (n, k) = dout W^T (dx may be NULL). */
void NMT_FN(dense_backward)(NMT_T *dx, NMT_T *dW, NMT_T *db, const NMT_T *dout, const NMT_T *x,
                            const NMT_T *W, int n, int k, int m);

/* s (m) += column sums of a (n, m), each column summed in row order (a running
 * sum from 0 over rows 0..n-1, then added to s): the same bits on any thread count. */
void NMT_FN(colsum_add)(NMT_T *s, const NMT_T *a, int n, int m);

/* Sparse softmax cross-entropy from logits (n, V) against targets (n):
 *   loss[r]   = logsumexp(logits[r]) - logits[r][target[r]]
 *   pred[r]   = argmax of logits[r] (first index on ties)
 *   dlogits   = scale * (softmax(logits) - onehot(target))   (may alias logits; NULL: skip)
 * Per-row results only: callers sum them in a fixed order. */
void NMT_FN(softmax_xent)(NMT_T *dlogits, NMT_T *loss, int32_t *pred, const NMT_T *logits,
                          const int32_t *targets, int n, int V, NMT_T scale);
