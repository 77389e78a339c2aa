/* Training: the book's data recipe, Nadam, the training loop and evaluation. */
#ifndef NMT_TRAIN_TRAIN_H
#define NMT_TRAIN_TRAIN_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/model.h"
#include "models/arch.h"

/* ---- examples: vectorized pairs ---------------------------------------- */
/* Example i: source ids at ids + src_off[i] (src_len[i]); decoder input at
 * ids + tgt_off[i] and target at ids + tgt_off[i] + tgt_len[i] (tgt_len[i] each):
 *   decoder input = [startofseq] + tokens(es)[:L-1],  target = (tokens(es) + [endofseq])[:L]
 * A language model's examples (lm = 1) are windows of one text: no source
 * (src_off, src_len NULL), decoder input = tgt_len[i] ids at ids + tgt_off[i]
 * and target = the same shifted by one (ids + tgt_off[i] + 1). */
typedef struct {
    size_t n;
    int32_t *ids;
    size_t *src_off, *tgt_off;
    int *src_len, *tgt_len;
    int lm;
} nmt_examples;

int nmt_examples_build(nmt_examples *ex, const nmt_model *m, char *const *en, char *const *es, size_t n);
void nmt_examples_free(nmt_examples *ex);

/* The book's data recipe: the defaults of `nmt train` and `nmt eval`. */
#define NMT_RECIPE_SPLIT_SEED 42      /* the notebook's np.random.seed(42) before the shuffle */
#define NMT_RECIPE_N_TRAIN 100000     /* the first 100,000 shuffled pairs train, the rest validate */
#define NMT_RECIPE_BATCH_SIZE 32

/* The book's data: read the corpus deleting the characters `strip` first
 * (NMT_STRIP_CHARS: the book's ¡¿; NULL: those the model's vocabularies
 * record), shuffle with numpy seed `shuffle_seed`, with adapt_vocab adapt both
 * vocabularies on all pairs (the config's sizes; they record `strip`, and are
 * stored in *m, whose config must be set), and split the first n_train pairs
 * off for training. `strict`: see nmt_corpus_read (d->corpus.notes says what
 * was skipped or repaired). */
typedef struct {
    nmt_corpus corpus;
    nmt_examples train, valid;
} nmt_data;
int nmt_data_load(nmt_data *d, nmt_model *m, const char *path, uint32_t shuffle_seed, size_t n_train,
                  int adapt_vocab, const char *strip, int strict);
void nmt_data_free(nmt_data *d);

/* A language model's data (the book's char-RNN, ch16 §1.1 and §1.3): the
 * characters of text[0..len) (read from `path`, named in messages) as the
 * model's vocabulary splits them, model id = vocabulary id - 2. The first
 * n_train characters train, the next n_valid validate (0, 0: the book's
 * 1,000,000 and 60,000 when the text has more, else the same fractions of
 * tiny Shakespeare's 1,115,394). Windows of cfg.max_length + 1 characters:
 * stateless (streams = 0), every window with shift 1; stateful, the split
 * cut into `streams` contiguous parts (the first len % streams one character
 * longer, as np.array_split), non-overlapping windows (shift max_length) in
 * each, stored so that batch j of `streams` examples holds window j of every
 * part, as the book's to_batched_dataset_for_stateful_rnn (the shortest part
 * sets the number of windows). */
#define NMT_CHAR_N_TRAIN 1000000
#define NMT_CHAR_N_VALID 60000
int nmt_text_data_build(nmt_data *d, const nmt_model *m, const char *text, size_t len, const char *path,
                        size_t n_train, size_t n_valid, int streams);
/* The character ids of text (model ids, vocabulary id - 2) into ids (room for
 * strlen(text)); -1 with a message naming the character and its position if
 * one is not in the vocabulary. Returns the count. */
long nmt_text_ids(const nmt_vocab *v, const char *text, size_t len, int32_t *ids);

/* ---- Nadam (ch16-reference.md §2.11) ----------------------------------- */
typedef enum { NMT_NADAM_NEW = 0, NMT_NADAM_LEGACY = 1 } nmt_nadam_kind;
typedef struct {
    nmt_nadam_kind kind;
    double lr, beta1, beta2, eps;
    long t;          /* steps taken */
    double uprod;    /* new: prod of u_s for s <= t;  legacy: m_cache = prod of mu_s */
    float *m, *v;    /* one slot each per parameter (same layout as the parameter block) */
    size_t n;
    /* Optional (hook.rows NULL: none): called by the thread that has just
     * updated a block of NMT_NADAM_ROWS rows, while they are in its cache, and
     * once at the end of the step (nmt_ws_update_hook: the model's packed
     * copies of the weights follow the update, so the next forward pass does
     * not pack them again). */
    nmt_update_hook hook;
} nmt_nadam;
#define NMT_NADAM_ROWS 16
void nmt_nadam_init(nmt_nadam *o, nmt_nadam_kind kind, size_t nfloats);
void nmt_nadam_free(nmt_nadam *o);
/* One update of all parameters. `present[i]` (legacy only, may be NULL) marks
 * for each looked-up tensor i of the table (nmt_param.lookup) the rows looked up in this batch: only
 * those rows are updated, while every row's m and v decay. The gradients are
 * consumed: grads is all zeros on return, ready for the next accumulation. */
void nmt_nadam_step(nmt_nadam *o, const nmt_param_table *tab, float *params, float *grads,
                    uint8_t *const *present);

/* ---- training loop ------------------------------------------------------ */
typedef struct {
    int epochs, batch_size, threads;
    long max_batches;       /* per epoch, 0 = all */
    uint32_t seed;          /* initialization and per-epoch shuffling */
    nmt_nadam_kind nadam;
    double lr;
    const char *log_path;   /* JSON lines, one per epoch (NULL: none) */
    const char *out_path;   /* model file, saved after every epoch */
    int progress;           /* 1: progress line on stderr */
    long max_valid;         /* evaluate on at most this many validation pairs (0 = all) */
    nmt_precision precision; /* of the matrix products (see nmt_ws_alloc), training and validation */
    int stateful;           /* a language model's state carried from batch to batch (no shuffling; the data
                               stored by streams of batch_size, nmt_text_data_load); reset to zeros at
                               each epoch's start and before validation */
} nmt_train_opts;

int nmt_train(nmt_model *m, const nmt_data *d, const nmt_train_opts *o);

/* Teacher-forced evaluation, Keras metric semantics. */
typedef struct {
    double loss;            /* mean over batches weighted by sentences (Keras Mean) */
    double accuracy;        /* masked token accuracy */
    double accuracy_unmasked; /* over all max_length slots per sentence (what Keras 3 printed) */
    long tokens, sentences;
} nmt_eval_result;
/* stateful: carry each stream's state from batch to batch, from zeros (the
 * examples stored by streams of batch_size). */
int nmt_evaluate(const nmt_model *m, const nmt_examples *ex, int batch_size, long max_examples,
                 nmt_precision prec, int stateful, nmt_eval_result *r);
#endif
