/* The model interface: what an architecture provides, and the workspace the
 * trainer, the evaluator and the decoder drive it through.
 *
 * Each architecture is one file under src/models/ (basic.c, bidirectional.c,
 * attention.c) and one line in registry.c. It gives:
 *   - nmt_arch_info: its name, its configuration fields (defaults and ranges),
 *     its parameter table, the sizes of its activations, the size of its
 *     decoder state;
 *   - nmt_arch (per precision, arch_gen.h): packing of its weights for the
 *     products, a training forward+backward over a packed batch, and the
 *     inference steps: encode a batch of sources, and one decoder step for a
 *     batch of hypotheses, each with its own state.
 * The teacher-forced forward (training, validation) and the decoder step call
 * the same layer functions with the same kernels, so a translation is what
 * the trained model computes, bit for bit.
 *
 * Real-generic: nmt_arch / nmt_ws (float) and nmt_arch_f64 / nmt_ws_f64
 * (double, for the gradient checks). */
#ifndef NMT_MODELS_ARCH_H
#define NMT_MODELS_ARCH_H
#include <stddef.h>
#include <stdint.h>

#include "core/bf16.h"
#include "models/batch.h"
#include "models/model.h"

#define NMT_MAX_ACTS 64

/* The activations of a workspace: named buffers of `n` values each, allocated
 * once in one block (each 64-byte aligned). */
typedef struct {
    int n;
    const char *name[NMT_MAX_ACTS];
    long size[NMT_MAX_ACTS];
} nmt_act_table;
/* For architectures: appends a buffer, returns its index. */
int nmt_act_add(nmt_act_table *a, const char *name, long n);

typedef struct {
    const char *name;     /* the value of --arch and of the file's config.arch */
    const char *summary;  /* one line, for nmt inspect */
    const nmt_config_field *fields;
    int nfields;
    /* Checks beyond the fields' ranges (NULL: none); -1 with a message. */
    int (*check)(const nmt_config *c);
    /* The parameter table (nmt_param_add), in the order the file stores it. */
    void (*params)(nmt_param_table *t, const nmt_config *c);
    /* The activations for batches of up to maxB sentences of up to
     * c->max_length tokens; training: with the backward pass's buffers. */
    void (*acts)(nmt_act_table *a, const nmt_config *c, int maxB, int training);
    /* Values per hypothesis of the decoder state (decode_step). */
    int (*state_size)(const nmt_config *c);
    /* 1: a language model (no source side: src_vocab is 0, a batch has only
     * its decoder side, and encode gives the zero state), which can carry its
     * state from batch to batch (nmt_ws.carry). */
    int lm;
} nmt_arch_info;

/* The registry (registry.c). */
const nmt_arch_info *nmt_arch_info_find(const char *name);   /* NULL if unknown */
int nmt_arch_count(void);
const nmt_arch_info *nmt_arch_info_at(int i);
/* "basic, bidirectional, attention": for messages. */
const char *nmt_arch_names(void);

/* What an optimizer calls as it updates the parameters, so that a workspace's
 * packed copies of them follow (nmt_ws_update_hook): rows(ctx, i, r0, r1)
 * after rows r0..r1 of tensor i changed (r0 a multiple of NMT_PMAT_W; from
 * several threads at once for different rows), done(ctx) after the whole
 * update. The optimizer knows nothing else of the workspace. */
typedef struct {
    void (*rows)(void *ctx, int param, long r0, long r1);
    void (*done)(void *ctx);
    void *ctx;
} nmt_update_hook;

#define NMT_GENERIC "models/arch_gen.h"
#include "core/generic.h"
#endif
