/* The model: configuration, the parameter table, and the owning struct.
 *
 * A model is an architecture (models/arch.h: one file per architecture, found
 * by name in one registry) with a configuration. The architecture builds the
 * parameter table — a list of (name, shape) — from the configuration; that
 * table is the single description of the weights: it drives allocation (one
 * contiguous block), initialization, the model file, the optimizer (one flat
 * loop over the block) and the gradient checks. */
#ifndef NMT_MODELS_MODEL_H
#define NMT_MODELS_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "text/text.h"

#define NMT_NAME_MAX 64
#define NMT_MAX_DIMS 4

/* The configuration of every architecture: `arch` names it, and the
 * architecture's field table (nmt_arch_info.fields) says which of the other
 * fields it uses, their defaults and their ranges. A field an architecture
 * does not use is 0. */
typedef struct {
    char arch[32];     /* "basic", "bidirectional", "attention" */
    int src_vocab;     /* TextVectorization max_tokens of the source side (specials included) */
    int tgt_vocab;     /* same, target side, with startofseq/endofseq */
    int embed;         /* embedding width */
    int units;         /* the decoder's LSTM units (a bidirectional encoder: units/2 per direction) */
    int max_length;    /* output_sequence_length */
} nmt_config;

/* One integer field of nmt_config, as an architecture describes it. */
typedef struct {
    const char *name;  /* the field's name in the model file and in nmt inspect */
    size_t offset;     /* offsetof(nmt_config, ...) */
    int def, min, max;
} nmt_config_field;

/* The book's recipe for `arch` (its defaults); -1 with a message for an unknown
 * architecture. */
int nmt_config_default(nmt_config *c, const char *arch);
/* Every field of the architecture in range, unused fields 0, and the
 * architecture's own checks; -1 with a message naming the field. */
int nmt_config_check(const nmt_config *c);
/* Pointer to the field called name, or NULL if the architecture has no such field. */
int *nmt_config_field_ptr(nmt_config *c, const char *name);

/* How a tensor is initialized (Keras 2 initializers). */
typedef enum {
    NMT_INIT_UNIFORM005,   /* Embedding "uniform": U(-0.05, 0.05) */
    NMT_INIT_GLOROT,       /* glorot_uniform (fans as Keras computes them) */
    NMT_INIT_ORTHOGONAL,   /* one orthogonal matrix (rows = prod of all dims but the last) */
    NMT_INIT_ZERO,
    NMT_INIT_LSTM_BIAS,    /* zeros with the forget-gate slice (u..2u) = 1 */
} nmt_init_kind;

/* Which token ids index an embedding table (its rows get gradient only where
 * looked up, which matters for the legacy Nadam). */
typedef enum { NMT_DENSE = 0, NMT_LOOKUP_SRC = 1, NMT_LOOKUP_DEC = 2 } nmt_lookup;

typedef struct {
    char name[NMT_NAME_MAX];   /* hierarchical, e.g. "encoder.backward.kernel" */
    int ndim;                  /* 1..NMT_MAX_DIMS */
    int shape[NMT_MAX_DIMS];   /* Keras layout, row-major */
    size_t numel;
    size_t offset;             /* in floats, into the parameter block (64-byte aligned) */
    nmt_init_kind init;
    nmt_lookup lookup;
} nmt_param;

typedef struct {
    int n, cap;
    nmt_param *p;
    size_t total;              /* floats in the whole block */
} nmt_param_table;

/* Builds the table for a configuration (through its architecture); -1 with a
 * message for a bad config. Release with nmt_param_table_free. */
int nmt_param_table_build(nmt_param_table *t, const nmt_config *c);
void nmt_param_table_free(nmt_param_table *t);
/* For architectures: appends a tensor of ndim dimensions; returns its index. */
int nmt_param_add(nmt_param_table *t, const char *name, nmt_init_kind init, nmt_lookup lookup, int ndim,
                  const int *shape);
int nmt_param_index(const nmt_param_table *t, const char *name);   /* -1 if absent */
const nmt_param *nmt_param_find(const nmt_param_table *t, const char *name);
/* Rows of a tensor as the optimizer walks it: shape[0] (1 for a vector). */
static inline long nmt_param_rows(const nmt_param *p) { return p->ndim >= 2 ? p->shape[0] : 1; }

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
    nmt_vocab *src_vocab;     /* source language */
    nmt_vocab *tgt_vocab;     /* target language, with startofseq/endofseq */
    /* Training provenance, stored in the model file. */
    char *train_config_json;  /* JSON object text (flags used), or NULL */
    char *init_from_json;     /* JSON object text (--init-from: file, tensors copied), or NULL */
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

/* The model file (src/io/modelfile.c; format in docs/FORMAT.md). Version 4:
 * one checksum ("sha256") over the metadata and every tensor. Version 3:
 * each vocabulary's split mode, tokens by length (U+0000), no source
 * vocabulary for an architecture without src_vocab (m->src_vocab NULL).
 * Versions 1 (nmt 0.1.0, the basic model only), 2 (any architecture) and 3
 * still load. Saving and loading refuse a weight that is not finite or whose
 * magnitude exceeds NMT_WEIGHT_MAX (no trained model comes near it; below
 * it no sum of a forward pass can overflow a float). */
#define NMT_FORMAT_VERSION 4
#define NMT_WEIGHT_MAX 1e6f
int nmt_model_save(const nmt_model *m, const char *path);
/* Reads the file once (NULL: standard input; a pipe works) and checks it. */
int nmt_model_load(nmt_model *m, const char *path);
/* The same from a file already read (io/safetensors.h), for a caller that
 * needs its bytes too (nmt inspect); path names it in messages. */
struct nmt_st_file;
int nmt_model_load_st(nmt_model *m, const struct nmt_st_file *st, const char *path);
/* --init-from: copies into m (whose vocabularies are set) every tensor of the
 * model file `path` whose name and shape match one of m's, and whose name
 * matches one of the comma-separated globs in `patterns` (NULL: all). The two
 * models' vocabularies must be identical (embedding rows and output columns
 * are token ids). Lists what it copied on stderr and records it in
 * m->init_from_json. -1 with a message (nothing copied) otherwise, also when
 * no tensor matches. */
int nmt_model_init_from(nmt_model *m, const char *path, const char *patterns);
#endif
