/* Declarations for one precision; included twice by arch.h. No include guard. */

typedef struct NMT_FN(nmt_ws) NMT_FN(nmt_ws);

typedef struct {
    const nmt_arch_info *info;
    /* The architecture's copies of its weights as the products read them:
     * made (packed from params) by pack, refreshed row by row by pack_rows,
     * released by unpack. training: also what the backward pass needs. */
    void (*pack)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int training);
    void (*pack_rows)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int param, long r0, long r1);
    void (*unpack)(NMT_FN(nmt_ws) *ws);
    /* Teacher-forced forward over a packed batch; with grads != NULL also the
     * backward pass, accumulating (+=) d(loss_scale * sum of token CE)/d(params)
     * into grads. Leaves ws->loss and ws->pred (packed decoder order). */
    void (*forward_backward)(NMT_FN(nmt_ws) *ws, const NMT_T *params, NMT_T *grads, const nmt_batch *b,
                             NMT_T loss_scale);
    /* Inference: encodes b's sources (b built without a decoder side) and
     * writes each source's initial decoder state to state (B, state_size), in
     * encoder row order; the encoder outputs a decoder step may attend to stay
     * in ws until the next encode. */
    void (*encode)(NMT_FN(nmt_ws) *ws, const NMT_T *params, const nmt_batch *b, NMT_T *state);
    /* One decoder step for n hypotheses (n <= maxB): hypothesis k feeds token
     * tok[k], has state state_in[k] and belongs to encoder row src[k] of the last
     * encode. Writes state_out (n, state_size) and logits (n, tgt_vocab). */
    void (*decode_step)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int n, const int32_t *tok, const int *src,
                        const NMT_T *state_in, NMT_T *state_out, NMT_T *logits);
} NMT_FN(nmt_arch);

const NMT_FN(nmt_arch) *NMT_FN(nmt_arch_find)(const char *name);

/* A workspace: one architecture's activations for batches of up to maxB
 * sentences, allocated once (nothing is allocated per batch), its packed
 * weights, and the outputs of the last forward pass. */
struct NMT_FN(nmt_ws) {
    const NMT_FN(nmt_arch) *arch;
    nmt_config cfg;
    nmt_param_table tab;      /* the configuration's parameter table (offsets into params) */
    int maxB, maxN;           /* sentences, and tokens per side (maxB * max_length) */
    int training;             /* has the backward pass's buffers */
    nmt_precision prec;       /* of the matrix products (see nmt_ws_alloc) */
    NMT_T *loss;              /* (maxN) per target token cross-entropy of the last forward */
    int32_t *pred;            /* (maxN) argmax per target token */
    NMT_T *logits;            /* (maxN, tgt_vocab) the logits of the last forward-only call (the
                                 gradient of the loss after a training call) */
    nmt_act_table acts;
    NMT_T *act[NMT_MAX_ACTS]; /* the activations, one block */
    void *priv;               /* the architecture's packed weights */
    int packed;               /* 0: not packed; 1: packed for inference; 2: for training */
    int held;                 /* packed weights stay valid (nmt_ws_hold_weights) */
    int refreshed;            /* an optimizer refreshed every packed copy (update hook) */
    const NMT_T *hook_params; /* the parameters the update hook follows */
    /* Stateful training and evaluation (architectures with info->stateful):
     * NULL, or (maxB, state_size) states in the caller's example order. When
     * set, forward_backward starts example i of a batch from carry[i] instead
     * of the zero state and leaves its final state there (no gradient flows
     * into the carried state: truncated backpropagation, as Keras' stateful
     * RNNs). Zero it to reset. */
    NMT_T *carry;
};

/* A workspace for cfg's architecture; -1 with a message if cfg is invalid.
 * prec: NMT_FP32, or NMT_BF16: mixed precision, every operand of a matrix
 * product rounded to bf16 (the kernels once per packing, embedding outputs,
 * h, dz and the logits' gradient where they are produced), float sums, float
 * element-wise math (gates, cell state, softmax, attention) and float
 * parameters and gradients. training = 0: forward and inference only. */
int NMT_FN(nmt_ws_alloc)(NMT_FN(nmt_ws) *ws, const nmt_config *cfg, int maxB, nmt_precision prec, int training);
void NMT_FN(nmt_ws_free)(NMT_FN(nmt_ws) *ws);
/* The activation buffer the architecture named `name` (e.g. "enc.outputs",
 * "attention.weights"; see its acts), or NULL if it has none by that name or
 * this configuration does not use it (size 0). */
NMT_T *NMT_FN(nmt_ws_act)(const NMT_FN(nmt_ws) *ws, const char *name);
/* Promises that params will not change until nmt_ws_release_weights: later
 * forward-only calls and inference steps re-use one packing of them. */
void NMT_FN(nmt_ws_hold_weights)(NMT_FN(nmt_ws) *ws, const NMT_T *params);
void NMT_FN(nmt_ws_release_weights)(NMT_FN(nmt_ws) *ws);
/* The hook an optimizer calls while it updates params (see nmt_update_hook):
 * the next training call then uses the refreshed copies instead of packing.
 * Any other change of params must be followed by packing (the default). */
nmt_update_hook NMT_FN(nmt_ws_update_hook)(NMT_FN(nmt_ws) *ws, const NMT_T *params);

/* The architecture's forward_backward, after packing the weights unless they
 * are held (forward-only) or were refreshed by the update hook (training). */
void NMT_FN(nmt_ws_forward_backward)(NMT_FN(nmt_ws) *ws, const NMT_T *params, NMT_T *grads, const nmt_batch *b,
                                     NMT_T loss_scale);
/* Inference: encode / decode_step of the architecture, packing the weights
 * first unless they are held. */
void NMT_FN(nmt_ws_encode)(NMT_FN(nmt_ws) *ws, const NMT_T *params, const nmt_batch *b, NMT_T *state);
void NMT_FN(nmt_ws_decode_step)(NMT_FN(nmt_ws) *ws, const NMT_T *params, int n, const int32_t *tok,
                                const int *src, const NMT_T *state_in, NMT_T *state_out, NMT_T *logits);
