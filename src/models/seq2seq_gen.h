/* Declarations for one precision; included twice by seq2seq.h. No include guard. */

/* Activations and scratch for batches of up to maxB sentences of up to
 * cfg.max_length tokens, allocated once (nothing is allocated per batch). */
typedef struct {
    nmt_config cfg;
    int maxB, maxN;
    NMT_T *enc_x, *enc_h, *enc_c, *enc_z, *enc_hT, *enc_cT;   /* (n,E) (n,u) (n,u) (n,4u) (B,u) (B,u) */
    NMT_T *dec_x, *dec_h, *dec_c, *dec_z, *dec_h0, *dec_c0;   /* decoder, same shapes */
    NMT_T *dec_hT, *dec_cT;                                   /* (B,u) decoder final state (unused by the loss) */
    NMT_T *logits;     /* (n, V): logits, then their gradient */
    NMT_T *loss;       /* (n) per target token cross-entropy */
    int32_t *pred;     /* (n) argmax per target token */
    NMT_T *d_x, *d_h, *d_h0, *d_c0, *d_hT, *d_cT;             /* gradients (n,E) (n,u) (B,u)... */
    NMT_T *scratch;    /* lstm_backward scratch */
    NMT_FN(lstm_rec) enc_rec, dec_rec;   /* recurrent kernels, packed */
    const NMT_T *held;                   /* params held fixed (nmt_ws_hold_weights) */
    const NMT_T *repacked;               /* params whose update was followed row by row (nmt_ws_mark_repacked) */
    nmt_precision prec;                  /* NMT_FP32 unless nmt_ws_set_precision */
    NMT_T *enc_W16, *dec_W16, *out_W16;  /* bf16: the kernels rounded to bf16 (E,4u) (E,4u) (u,V) */
} NMT_FN(nmt_ws);

void NMT_FN(nmt_ws_alloc)(NMT_FN(nmt_ws) *ws, const nmt_config *cfg, int maxB);
/* The precision of the matrix products (fp32 after nmt_ws_alloc). NMT_BF16:
 * mixed precision, every operand of a matrix product rounded to bf16 (the
 * kernels once per packing, embedding outputs, h, dz and the logits' gradient
 * where they are produced), float sums, float element-wise math (gates, cell
 * state, softmax) and float parameters and gradients. */
void NMT_FN(nmt_ws_set_precision)(NMT_FN(nmt_ws) *ws, nmt_precision prec);
void NMT_FN(nmt_ws_free)(NMT_FN(nmt_ws) *ws);
/* Promises that params will not change until nmt_ws_release_weights (or the
 * next call with grads): forward-only calls then re-use one packing of them
 * (evaluation over many batches). */
void NMT_FN(nmt_ws_hold_weights)(NMT_FN(nmt_ws) *ws, const nmt_param_table *tab, const NMT_T *params);
void NMT_FN(nmt_ws_release_weights)(NMT_FN(nmt_ws) *ws);

/* For an optimizer that updates params a block of rows at a time: rows r0..r1
 * (r0 a multiple of NMT_PMAT_W) of tensor `param` have just changed, so the
 * copies ws keeps of them (the packed recurrent kernels and, in bf16, the
 * rounded kernels) are refreshed now, while those rows are in the calling
 * thread's cache. Other tensors: nothing to do. Safe to call from several
 * threads for different rows. */
void NMT_FN(nmt_ws_repack_rows)(NMT_FN(nmt_ws) *ws, const nmt_param_table *tab, const NMT_T *params, int param,
                                long r0, long r1);
/* Every change made to params since the last call with grads went through
 * nmt_ws_repack_rows: the next call with grads uses the copies as they are
 * instead of packing again. */
void NMT_FN(nmt_ws_mark_repacked)(NMT_FN(nmt_ws) *ws, const NMT_T *params);

/* Forward pass; with grads != NULL also the backward pass, accumulating (+=)
 * d(loss_scale * sum of token CE)/d(params) into grads (same layout as params).
 * Per-token loss and predictions (packed decoder order) are left in ws.
 *
 * The recurrent kernels are packed (kernels/gemm_packed.h) at the start of
 * every call (once per optimizer step in training), except forward-only calls
 * with parameters held by nmt_ws_hold_weights and calls after
 * nmt_ws_mark_repacked. */
void NMT_FN(seq2seq_forward_backward)(NMT_FN(nmt_ws) *ws, const nmt_param_table *tab,
                                      const NMT_T *params, NMT_T *grads, const nmt_batch *b,
                                      NMT_T loss_scale);

/* Encoder only: fills ws->enc_hT/enc_cT (encoder row order) for b's sources. */
void NMT_FN(seq2seq_encode)(NMT_FN(nmt_ws) *ws, const nmt_param_table *tab, const NMT_T *params,
                            const nmt_batch *b);
