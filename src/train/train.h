/* Training: the book's data recipe, Nadam, the training loop and evaluation. */
#ifndef NMT_TRAIN_TRAIN_H
#define NMT_TRAIN_TRAIN_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <signal.h>

#include "core/rng.h"
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
    /* After a step: the first tensor (table index) whose gradient held a NaN or
     * an infinity, or -1. The step has then already spread it into the
     * weights: the caller must stop and keep nothing of them. */
    int nonfinite;
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

/* ---- checkpoints (src/train/checkpoint.c; docs/CLI.md, --checkpoint) ----
 * Everything the training loop needs to continue exactly where it stopped:
 * the weights, Nadam's state, the shuffling generator, the epoch's batch order
 * and position, a stateful model's carried states, the epoch's running sums
 * and the history. A safetensors file ("format": "nmt-checkpoint") written
 * atomically; `run` describes the run ("key=value" lines: corpus sha256,
 * config, flags) so that a resume with other data or flags is refused. */
typedef struct {
    char *run;                 /* "key=value\n" lines (nmt_train_opts.run) */
    long epoch;                /* the epoch to run or in progress, 1-based */
    long batch;                /* batches of it done */
    int in_epoch;              /* 1: the epoch has started (perm, carry and the sums hold it) */
    long nb;                   /* batches per epoch */
    size_t total;              /* floats in params, m, v */
    float *params, *m, *v;
    long opt_t;
    double uprod;
    nmt_rng rng;               /* the shuffling generator after the epoch's shuffle (in_epoch) or before it */
    uint32_t *perm;            /* in_epoch: the epoch's order, n_perm examples */
    size_t n_perm;
    float *carry;              /* in_epoch, stateful: the streams' states */
    size_t n_carry;
    double wsum, seconds;      /* the epoch so far: weighted loss sum, training seconds */
    long correct, tokens, trained_tokens, sentences;
    nmt_epoch_record *history;
    int n_history;
} nmt_ckpt;
/* Writes c to path atomically (temporary file, fsync, rename, fsync of the folder). */
int nmt_ckpt_save(const nmt_ckpt *c, const char *path);
/* Reads and checks a checkpoint (its checksum and every tensor's shape); -1
 * with a message naming the file. Release with nmt_ckpt_free. */
int nmt_ckpt_load(nmt_ckpt *c, const char *path);
void nmt_ckpt_free(nmt_ckpt *c);
/* 0 if the checkpoint's run is `run`; else -1 with a message naming the
 * first item that differs. */
int nmt_ckpt_check_run(const nmt_ckpt *c, const char *run, const char *path);

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
    /* Checkpoints (all zero: none). ckpt_path: the file; ckpt_epochs: one at
     * each epoch's end; ckpt_every: also after every N batches of an epoch;
     * run: the run's description recorded in it; resume: continue from it
     * (checked against run and the data). */
    const char *ckpt_path;
    int ckpt_epochs;
    long ckpt_every;
    const char *run;
    const nmt_ckpt *resume;
    /* Set (to a signal number) by a signal handler: the loop finishes the
     * batch, writes a checkpoint to ckpt_path and returns NMT_TRAIN_STOPPED. */
    volatile sig_atomic_t *stop;
    struct nmt_train_status *status;   /* where it stopped (may be NULL) */
} nmt_train_opts;

typedef struct nmt_train_status {
    long epoch, batch, nb;   /* NMT_TRAIN_STOPPED: the checkpoint's position (batch of nb done in epoch) */
    int ckpt_written;        /* a checkpoint was written by this run */
} nmt_train_status;

/* 0: every epoch done; -1: an error (message set; a non-finite loss or
 * gradient names the epoch and batch, and nothing is written after it);
 * NMT_TRAIN_STOPPED: *o->stop was set, a checkpoint was written.
 * Test hooks (environment, for the tests only): NMT_TEST_KILL=E:B:SIG raises
 * signal SIG after batch B of epoch E; NMT_TEST_POISON=E:B:loss|grad makes
 * that batch's loss or one gradient NaN. */
#define NMT_TRAIN_STOPPED 1
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
