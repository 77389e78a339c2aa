/* The model: configuration, the parameter table, and the owning struct.
 *
 * The parameter table — a list of (name, shape) built from the configuration by
 * nmt_param_table() — is the single description of the weights: it drives
 * allocation (one contiguous block), initialization, the model file, the
 * optimizer (one flat loop over the block) and the gradient checks. */
#ifndef NMT_MODELS_MODEL_H
#define NMT_MODELS_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "text/text.h"

#define NMT_MAX_PARAMS 32
#define NMT_NAME_MAX 64

typedef struct {
    char arch[16];     /* "basic" */
    int src_vocab;     /* 1000: TextVectorization max_tokens of the English side */
    int tgt_vocab;     /* 1000: same, Spanish side */
    int embed;         /* 128 */
    int units;         /* 512 */
    int max_length;    /* 50: output_sequence_length */
} nmt_config;

void nmt_config_default(nmt_config *c);

/* How a tensor is initialized (Keras 2 initializers, ch16-reference.md §2.12). */
typedef enum {
    NMT_INIT_UNIFORM005,   /* Embedding "uniform": U(-0.05, 0.05) */
    NMT_INIT_GLOROT,       /* glorot_uniform on a 2-D (in, out) kernel */
    NMT_INIT_ORTHOGONAL,   /* one orthogonal matrix for the whole (u, 4u) kernel */
    NMT_INIT_ZERO,
    NMT_INIT_LSTM_BIAS,    /* zeros with the forget-gate slice (u..2u) = 1 */
} nmt_init_kind;

/* Whether a tensor's gradient is "sparse" (an Embedding table: only looked-up rows
 * receive gradient, which matters for the legacy Nadam, §2.11). */
typedef struct {
    char name[NMT_NAME_MAX];
    int ndim;             /* 1 or 2 */
    int shape[2];         /* Keras layout, row-major */
    size_t numel;
    size_t offset;        /* in floats, into the parameter block */
    nmt_init_kind init;
    int sparse;
} nmt_param;

typedef struct {
    int n;
    nmt_param p[NMT_MAX_PARAMS];
    size_t total;         /* floats in the whole block (each tensor 16-float aligned) */
} nmt_param_table;

/* Builds the table for a configuration; -1 with a message for a bad config. */
int nmt_param_table_build(nmt_param_table *t, const nmt_config *c);
const nmt_param *nmt_param_find(const nmt_param_table *t, const char *name);

/* Indices into the table for the basic encoder–decoder (the order the table
 * lists them in). */
enum {
    NMT_P_ENC_EMB, NMT_P_DEC_EMB,
    NMT_P_ENC_W, NMT_P_ENC_U, NMT_P_ENC_B,
    NMT_P_DEC_W, NMT_P_DEC_U, NMT_P_DEC_B,
    NMT_P_OUT_W, NMT_P_OUT_B,
    NMT_P_COUNT_BASIC
};

/* One epoch of training history, as written to the log and the model file. */
typedef struct {
    int epoch;
    double loss, accuracy;
    double val_loss, val_accuracy, val_accuracy_unmasked;
    long val_tokens;
    double seconds, tokens_per_s;
} nmt_epoch_record;

typedef struct {
    nmt_config cfg;
    nmt_param_table table;
    float *params;            /* table.total floats, 64-byte aligned */
    nmt_vocab *src_vocab;     /* English */
    nmt_vocab *tgt_vocab;     /* Spanish, with startofseq/endofseq */
    /* Training provenance, stored in the model file. */
    char *train_config_json;  /* JSON object text (flags used), or NULL */
    nmt_epoch_record *history;
    int n_history;
} nmt_model;

/* Allocates params for cfg (zeroed); vocabularies are set by the caller. */
int nmt_model_init(nmt_model *m, const nmt_config *cfg);
/* Keras initializers from a seeded MT19937 (deterministic for a seed). */
void nmt_model_randomize(nmt_model *m, uint32_t seed);
void nmt_model_free(nmt_model *m);
static inline float *nmt_model_tensor(const nmt_model *m, int idx) {
    return m->params + m->table.p[idx].offset;
}

/* The model file (src/io/modelfile.c; format in docs/FORMAT.md). */
#define NMT_FORMAT_VERSION 1
int nmt_model_save(const nmt_model *m, const char *path);
int nmt_model_load(nmt_model *m, const char *path);
#endif
