/* Declarations for one precision; included twice by seq2seq.h. No include guard. */
void NMT_FN(nmt_s2s_pack)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int training);
void NMT_FN(nmt_s2s_pack_rows)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int param, long r0, long r1);
void NMT_FN(nmt_s2s_unpack)(NMT_FN(nmt_ws) *ws);
void NMT_FN(nmt_s2s_forward_backward)(NMT_FN(nmt_ws) *ws, const NMT_T *params, NMT_T *grads, const nmt_batch *b,
                                      NMT_T loss_scale);
void NMT_FN(nmt_s2s_encode)(NMT_FN(nmt_ws) *ws, const NMT_T *params, const nmt_batch *b, NMT_T *state);
void NMT_FN(nmt_s2s_decode_step)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int n, const int32_t *tok,
                                 const int *src, const NMT_T *state_in, NMT_T *state_out, NMT_T *logits);
/* For tests: the packed weights of a workspace (which: 0 the encoder, 1 its
 * backward direction, 2 the decoder; NULL if the architecture has no such
 * layer or nothing is packed), and the output layer's. */
const NMT_FN(nmt_lstm_rec) *NMT_FN(nmt_s2s_lstm_packed)(const NMT_FN(nmt_ws) *ws, int which);
const NMT_FN(nmt_dense_w) *NMT_FN(nmt_s2s_dense_packed)(const NMT_FN(nmt_ws) *ws);
