/* Declarations for one precision; included twice by layers.h. No include guard. */

/* Embedding: out (n, E) = table[ids[k]] for each packed token k. table (V, E). */
void NMT_FN(nmt_embedding_forward)(NMT_T *out, const int32_t *ids, const NMT_T *table, int n, int E);
/* dtable (V, E) += scatter of dout (n, E) by ids, summed in token order. */
void NMT_FN(nmt_embedding_backward)(NMT_T *dtable, const int32_t *ids, const NMT_T *dout, int n, int E);

/* An LSTM's weights as its products read them (kernels/gemm_packed.h), packed
 * once per optimizer step: W (in, 4u) for the input projection x W; gate[g]
 * holds U[:, g u .. (g+1) u) for h_{t-1} U; Ut holds U^T for the backward
 * dz U^T and Wt holds W^T for the backward dx = dz W^T (both packed when
 * with_transpose, i.e. for training). With NMT_BF16 the packed copies are
 * rounded to bf16, and
 * nmt_lstm_forward / nmt_lstm_backward store h and dz (the other operands of the
 * products) rounded to bf16 too; the caller passes x as bf16 values. */
typedef struct {
    NMT_FN(nmt_pmat) W;
    NMT_FN(nmt_pmat) gate[4];
    NMT_FN(nmt_pmat) Ut;
    NMT_FN(nmt_pmat) Wt;
    int in, u, bf16;
} NMT_FN(nmt_lstm_rec);
void NMT_FN(nmt_lstm_rec_pack)(NMT_FN(nmt_lstm_rec) *rec, const NMT_T *W, const NMT_T *U, int in, int u, int with_transpose,
                           nmt_precision prec);
/* Rows r0..r1 of W (which = 0) or of U (which = 1) have changed (r0 a multiple of
 * NMT_PMAT_W): re-packs them into rec, which holds a packing made by
 * nmt_lstm_rec_pack (in its precision, with U^T if it was asked for). On the
 * calling thread. */
void NMT_FN(nmt_lstm_rec_repack_rows)(NMT_FN(nmt_lstm_rec) *rec, int which, const NMT_T *M, int r0, int r1);
void NMT_FN(nmt_lstm_rec_free)(NMT_FN(nmt_lstm_rec) *rec);

/* Keras LSTM (gate order i, f, c, o; sigmoid / tanh) over a packed batch.
 *   x (n, in)  W (in, 4u), U (u, 4u) as rec  b (4u)
 *   h0, c0 (B, u) initial state in packed row order, or NULL for zeros
 * outputs:
 *   h, c (n, u)      hidden and cell state after each token
 *   z (n, 4u)        the gate activations [i f g o] (saved for backward)
 *   hT, cT (B, u)    each sequence's state after its last token (h0/c0 if empty)
 * Per step t: z = (x W) + (h_{t-1} U), each product one FMA chain per element
 * (kernels/gemm_packed.h), then the cell with the bias. Each output element is
 * computed in an order that depends only on its own inputs, never on the
 * thread count or the other rows: one step of one row gives the same bits in
 * a training batch and in a decoder step of any size. */
void NMT_FN(nmt_lstm_forward)(NMT_T *h, NMT_T *c, NMT_T *z, NMT_T *hT, NMT_T *cT,
                          const NMT_T *x, const NMT_T *h0, const NMT_T *c0,
                          const NMT_FN(nmt_lstm_rec) *rec, const NMT_T *b,
                          const nmt_packed *p, int in, int u);
/* The cell for m rows: z (m, 4u) holds x W + h U (without the bias) on entry and
 * the gate activations [i f g o] on return; cprev (m, u) or NULL (zeros);
 * writes h, c (m, u). Each row only depends on its own inputs. */
void NMT_FN(nmt_lstm_cell_forward)(NMT_T *z, const NMT_T *b, const NMT_T *cprev, NMT_T *h, NMT_T *c, int m, int u);
/* Scratch values nmt_lstm_backward needs for a batch of up to B sequences, n tokens. */
long NMT_FN(nmt_lstm_backward_scratch)(int B, int n, int u);
/*   dh (n, u) gradient w.r.t. h (NULL: none)   dhT, dcT (B, u) w.r.t. hT, cT (NULL: none)
 * rec must hold Ut and Wt (packed with_transpose).
 * Accumulates dW (in, 4u), dU (u, 4u), db (4u); overwrites dx (n, in), dh0, dc0
 * (B, u) (each may be NULL when not wanted). */
void NMT_FN(nmt_lstm_backward)(NMT_T *dx, NMT_T *dW, NMT_T *dU, NMT_T *db, NMT_T *dh0, NMT_T *dc0,
                           const NMT_T *dh, const NMT_T *dhT, const NMT_T *dcT,
                           const NMT_T *x, const NMT_T *h0, const NMT_T *c0,
                           const NMT_T *h, const NMT_T *c, const NMT_T *z,
                           const NMT_FN(nmt_lstm_rec) *rec,
                           const nmt_packed *p, int in, int u, NMT_T *scratch);

/* Rows gathered: dst[k] = src[idx[k]] for k < n, rows of w values (dst != src).
 * With a batch's enc_rev it turns a packed sequence into its reverse and back
 * (the permutation is its own inverse). */
void NMT_FN(nmt_rows_gather)(NMT_T *dst, const NMT_T *src, const int *idx, int n, int w);

/* A dense layer's kernel W (k, m) as its products read it: packed for the
 * forward product (one FMA chain per output element), and W^T packed for the
 * backward dx = dout W^T (when with_transpose, i.e. for training); in bf16
 * both rounded to bf16. */
typedef struct {
    NMT_FN(nmt_pmat) W;
    NMT_FN(nmt_pmat) Wt;
    int k, m, bf16;
} NMT_FN(nmt_dense_w);
void NMT_FN(nmt_dense_pack)(NMT_FN(nmt_dense_w) *dw, const NMT_T *W, int k, int m, int with_transpose,
                            nmt_precision prec);
void NMT_FN(nmt_dense_repack_rows)(NMT_FN(nmt_dense_w) *dw, const NMT_T *W, int r0, int r1);
void NMT_FN(nmt_dense_w_free)(NMT_FN(nmt_dense_w) *dw);
/* Dense: out (n, m) = (x (n, k) . W (k, m)) + b (m). */
void NMT_FN(nmt_dense_forward)(NMT_T *out, const NMT_T *x, const NMT_FN(nmt_dense_w) *dw, const NMT_T *b, int n);
/* dW (k, m) += x^T dout; db (m) += column sums of dout; dx (n, k) = dout W^T (dx may be NULL;
 * else dw must hold Wt). */
void NMT_FN(nmt_dense_backward)(NMT_T *dx, NMT_T *dW, NMT_T *db, const NMT_T *dout, const NMT_T *x,
                            const NMT_FN(nmt_dense_w) *dw, int n);

/* Luong (dot-product) attention over packed batches, Keras Attention() with its
 * defaults (no scale, score_mode "dot"): for query row k (nq rows, width D)
 * whose source is encoder row s = src[k] of the packed layout pe, the keys and
 * values are that source's outputs mem[pe->off[t] + s] for t < pe->len[s]:
 *   score_t = q_k . mem_t;  w = softmax(score);  out_k = sum_t w_t mem_t
 * Padded source positions take no part (Keras: -1e9 before the softmax); a
 * query whose source is empty gets out = 0 (Keras: the masked outputs of a
 * Bidirectional RNN are zeros). w (nq, pe->T) keeps the weights for backward
 * (row k's first len[s] entries). Every row is computed alone, sums in a fixed
 * order. */
void NMT_FN(nmt_attention_forward)(NMT_T *out, NMT_T *w, const NMT_T *q, const NMT_T *mem, const int *src,
                               const nmt_packed *pe, int nq, int D);
/* Backward for queries that are the packed tokens of a decoder layout pd whose
 * row r attends to encoder row dec_to_enc[r] (one decoder row per encoder row:
 * a training batch): dq (pd->ntok, D) = the queries' gradient; dmem
 * (pe->ntok, D) += the keys' and values' gradient. Decoder rows are shared
 * among threads; each adds into its own source's rows, its tokens in order. */
void NMT_FN(nmt_attention_backward)(NMT_T *dq, NMT_T *dmem, const NMT_T *dout, const NMT_T *w, const NMT_T *q,
                                const NMT_T *mem, const nmt_packed *pe, const nmt_packed *pd,
                                const int *dec_to_enc, int D);

/* s (m) += column sums of a (n, m), each column summed in row order (a running
 * sum from 0 over rows 0..n-1, then added to s): the same bits on any thread count. */
void NMT_FN(nmt_colsum_add)(NMT_T *s, const NMT_T *a, int n, int m);

/* lse[r] = logsumexp(logits[r]) (n, V): the sum of the cross-entropy below,
 * in the same fixed order, so log softmax = logits[r][j] - lse[r] is what
 * training's loss computes. Per row: the same bits on any thread count. */
void NMT_FN(nmt_logsumexp)(NMT_T *lse, const NMT_T *logits, int n, int V);

/* The weight and input gradients a recurrent layer's backward ends with
 * (lstm.c, gru.c), over the packed layout p (n = p->ntok tokens):
 *   dU (u, G) += Hprev^T dR,  dW (in, G) += x^T dX,  dx (n, in) = dX W^T (dx NULL: skipped)
 *   dbX (G) += colsum(dX),  dbR (G) += colsum(dR) (dbR NULL: skipped)
 * where Hprev (n, u), written to `hprev`, holds each token's h_{t-1} (h0 at
 * step 0, else zeros), and Wt is W^T packed. The three products run together
 * (nmt_fx_group): each element one FMA chain in a fixed order; each column sum
 * is its product's row of ones (nmt_gemm_tn_cols), with nmt_colsum_add's bits. */
void NMT_FN(nmt_rnn_weight_grads)(const nmt_packed *p, const NMT_T *x, int in, const NMT_T *h, const NMT_T *h0,
                                  int u, const NMT_T *dX, const NMT_T *dR, int G, const NMT_FN(nmt_pmat) *Wt, NMT_T *dW,
                                  NMT_T *dU, NMT_T *dx, NMT_T *hprev, NMT_T *dbX, NMT_T *dbR);

/* Sparse softmax cross-entropy from logits (n, V) against targets (n):
 *   loss[r]   = logsumexp(logits[r]) - logits[r][target[r]]
 *   pred[r]   = argmax of logits[r] (first index on ties)
 *   dlogits   = scale * (softmax(logits) - onehot(target))   (may alias logits; NULL: skip)
 * Per-row results only: callers sum them in a fixed order. */
void NMT_FN(nmt_softmax_xent)(NMT_T *dlogits, NMT_T *loss, int32_t *pred, const NMT_T *logits,
                          const int32_t *targets, int n, int V, NMT_T scale);

/* A GRU's weights as its products read them (kernels/gemm_packed.h), packed
 * once per optimizer step: W (in, 3u) for x W; gate[g] holds U[:, g u .. (g+1) u)
 * for h_{t-1} U; Ut holds U^T for the backward dR U^T and Wt holds W^T for
 * dx = dX W^T (both packed when with_transpose, i.e. for training). float32
 * only for now (no bf16 path). */
typedef struct {
    NMT_FN(nmt_pmat) W;
    NMT_FN(nmt_pmat) gate[3];
    NMT_FN(nmt_pmat) Ut;
    NMT_FN(nmt_pmat) Wt;
    int in, u;
} NMT_FN(nmt_gru_rec);
void NMT_FN(nmt_gru_rec_pack)(NMT_FN(nmt_gru_rec) *rec, const NMT_T *W, const NMT_T *U, int in, int u,
                              int with_transpose);
/* Rows r0..r1 of W (which = 0) or of U (which = 1) have changed (r0 a multiple
 * of NMT_PMAT_W): re-packs them, as nmt_lstm_rec_repack_rows. */
void NMT_FN(nmt_gru_rec_repack_rows)(NMT_FN(nmt_gru_rec) *rec, int which, const NMT_T *M, int r0, int r1);
void NMT_FN(nmt_gru_rec_free)(NMT_FN(nmt_gru_rec) *rec);

/* Keras 2 GRU, reset_after=True (gate order z, r, h; sigmoid / tanh) over a
 * packed batch; layers/gru.c gives the equations and the PyTorch mapping.
 *   x (n, in)  W (in, 3u), U (u, 3u) as rec  b (2, 3u): input bias, recurrent bias
 *   h0 (B, u) initial state in packed row order, or NULL for zeros
 * outputs:
 *   h (n, u)     hidden state after each token (the layer's output)
 *   g (n, 4u)    [z r hh a] per token, a = h_{t-1} U_h + b'_h (saved for backward)
 *   hT (B, u)    each sequence's state after its last token (h0 if empty)
 * Each output element is computed in an order that depends only on its own
 * inputs, never on the thread count or the other rows. */
void NMT_FN(nmt_gru_forward)(NMT_T *h, NMT_T *g, NMT_T *hT, const NMT_T *x, const NMT_T *h0,
                             const NMT_FN(nmt_gru_rec) *rec, const NMT_T *b, const nmt_packed *p, int in, int u);
/* Scratch values nmt_gru_backward needs for a batch of up to B sequences, n tokens. */
long NMT_FN(nmt_gru_backward_scratch)(int B, int n, int u);
/*   dh (n, u) gradient w.r.t. h (NULL: none)   dhT (B, u) w.r.t. hT (NULL: none)
 * rec must hold Ut and Wt (packed with_transpose). Accumulates dW (in, 3u), dU (u, 3u),
 * db (2, 3u); overwrites dx (n, in) and dh0 (B, u) (each may be NULL). */
void NMT_FN(nmt_gru_backward)(NMT_T *dx, NMT_T *dW, NMT_T *dU, NMT_T *db, NMT_T *dh0, const NMT_T *dh,
                              const NMT_T *dhT, const NMT_T *x, const NMT_T *h0, const NMT_T *h, const NMT_T *g,
                              const NMT_FN(nmt_gru_rec) *rec, const nmt_packed *p, int in, int u,
                              NMT_T *scratch);
