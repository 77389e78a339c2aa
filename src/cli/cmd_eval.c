/* nmt eval: validation metrics of a model on a corpus, split as in training:
 * the teacher-forced loss and accuracies, then BLEU and chrF of translations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "decode/decode.h"
#include "io/json.h"
#include "nmt.h"
#include "train/train.h"

/* One line: {"val_loss": ..., ..., "precision": "fp32", "bleu": ..., ...}
 * (numbers read back bit for bit). Every number must be finite: a NaN or an
 * infinity is an error naming the model (NULL), never a null or a "nan". */
static char *result_json(const nmt_eval_result *r, nmt_precision prec, const nmt_metrics *acc, const nmt_decode_opts *o,
                         const char *model) {
    nmt_json *j = nmt_json_new_object();
    nmt_bleu b;
    const double bleu = nmt_metrics_bleu(acc, &b), chrf = nmt_metrics_chrf(acc);
    int bad = nmt_json_set_finite(j, "val_loss", r->loss) || nmt_json_set_finite(j, "val_accuracy", r->accuracy) ||
              nmt_json_set_finite(j, "val_accuracy_unmasked", r->accuracy_unmasked) ||
              nmt_json_set_int(j, "val_tokens", r->tokens) || nmt_json_set_int(j, "val_sentences", r->sentences) ||
              nmt_json_set_str(j, "precision", nmt_precision_name(prec)) || nmt_json_set_finite(j, "bleu", bleu) ||
              nmt_json_set_finite(j, "chrf", chrf) || nmt_json_set_int(j, "bleu_hyp_len", b.hyp_len) ||
              nmt_json_set_int(j, "bleu_ref_len", b.ref_len) || nmt_json_set_int(j, "beam", o->beam) ||
              nmt_json_set_finite(j, "length_penalty", o->length_penalty);
    char *text = bad ? NULL : nmt_json_dump(j, NMT_JSON_SPACED);
    if (bad) nmt_error_prefix("%s", model);
    nmt_json_free(j);
    return text;
}

/* Prints the result object (NULL: the error) and frees it; the exit status. */
static int print_result(char *json) {
    int rc = 0;
    if (!json) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        rc = 1;
    } else if (printf("%s\n", json) < 0 || fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt eval: cannot write the result to standard output\n");
        rc = 1;
    }
    free(json);
    return rc;
}

/* A language model: the teacher-forced metrics of the text's validation
 * windows, one JSON object; the process exit status. */
static int eval_text(const nmt_model *m, const char *model, const char *data, long train_chars, long valid_chars,
                     int stateful, int bsz, long max_valid) {
    char *text;
    size_t len;
    nmt_data d;
    memset(&d, 0, sizeof d);
    if (nmt_read_file(data, &text, &len) ||
        nmt_text_data_build(&d, m, text, len, data, (size_t)train_chars, (size_t)valid_chars, stateful ? bsz : 0)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        nmt_data_free(&d);
        return 1;
    }
    free(text);
    if (d.valid.n == 0) {
        fprintf(stderr, "nmt eval: %s: the split leaves no validation window\n", data);
        nmt_data_free(&d);
        return 1;
    }
    nmt_eval_result r;
    nmt_evaluate(m, &d.valid, bsz, max_valid, NMT_FP32, stateful, &r);
    nmt_json *j = nmt_json_new_object();
    int bad = nmt_json_set_finite(j, "val_loss", r.loss) || nmt_json_set_finite(j, "val_accuracy", r.accuracy) ||
              nmt_json_set_int(j, "val_tokens", r.tokens) || nmt_json_set_int(j, "val_windows", r.sentences) ||
              nmt_json_set_int(j, "stateful", stateful) || nmt_json_set_str(j, "precision", "fp32");
    char *out = bad ? NULL : nmt_json_dump(j, NMT_JSON_SPACED);
    if (bad) nmt_error_prefix("%s", model);
    nmt_json_free(j);
    nmt_data_free(&d);
    int rc = print_result(out);
    return rc;
}

int nmt_cmd_eval(int argc, char **argv) {
    const char *model_path, *data;
    long split_seed, n_train, threads, max_valid, bsz, beam, train_chars, valid_chars;
    double length_penalty;
    int precision, stats, stateful, strict;
    nmt_flag flags[] = {
        NMT_FLAG_MODEL(&model_path, "the model"),
        NMT_FLAG_DATA(&data, "corpus, read as nmt train reads it"),
        {.name = "--strict", .kind = NMT_FLAG_BOOL, .ptr = &strict,
         .help = "refuse a corpus with anything unusual, naming FILE:LINE, as nmt train --strict does"},
        NMT_FLAG_SPLIT_SEED(&split_seed),
        NMT_FLAG_N_TRAIN(&n_train, 0, "the pairs after the first N shuffled ones validate"),
        NMT_FLAG_VALID_MAX(&max_valid),
        NMT_FLAG_BATCH_SIZE(&bsz, "sentences per batch (the loss is averaged over batches)"),
        NMT_FLAG_THREADS(&threads),
        NMT_FLAG_PRECISION(&precision, "precision of the matrix products, as in training (docs/CLI.md)"),
        NMT_FLAG_BEAM(&beam),
        NMT_FLAG_LENGTH_PENALTY(&length_penalty),
        {.name = "--stats", .kind = NMT_FLAG_BOOL, .ptr = &stats,
         .help = "print the translation time on stderr"},
        NMT_FLAG_STATEFUL(&stateful, "charrnn: the validation text cut into --batch-size streams, each carrying "
                                     "its state from zeros"),
        NMT_FLAG_TRAIN_CHARS(&train_chars),
        NMT_FLAG_VALID_CHARS(&valid_chars),
    };
    nmt_cli cli = {.name = "eval", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Rebuilds the validation set as nmt train does (pass the training's --split-seed and\n"
                            "--n-train) and prints one JSON object: val_loss, val_accuracy,\n"
                            "val_accuracy_unmasked, val_tokens, val_sentences, precision (teacher-forced),\n"
                            "then bleu, chrf, bleu_hyp_len, bleu_ref_len of the same sentences' translations\n"
                            "(fp32, greedy or --beam) against their references lower-cased and without\n"
                            "punctuation (docs/METRICS.md), and beam, length_penalty.\n"
                            "A character model (charrnn): --data is its text, split as nmt train splits it, and\n"
                            "the object has val_loss, val_accuracy, val_tokens (characters), val_windows,\n"
                            "stateful and precision.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    nmt_precision prec = NMT_FP32;
    nmt_precision_parse(nmt_precision_choices[precision], &prec);

    if (threads) nmt_set_threads((int)threads);
    nmt_model m;
    if (nmt_model_load(&m, model_path)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        return 1;
    }
    const int lm = nmt_arch_info_find(m.cfg.arch)->lm;
    static const char *const pairs_only[] = {"--split-seed", "--n-train", "--beam", "--length-penalty", "--stats",
                                             "--precision", "--strict", NULL};
    static const char *const lm_only[] = {"--stateful", "--train-chars", "--valid-chars", NULL};
    for (const char *const *f = lm ? pairs_only : lm_only; *f; f++)
        if (nmt_cli_flag(&cli, *f)->given) {
            fprintf(stderr, "nmt eval: %s does not apply to a %s model\n", *f, m.cfg.arch);
            nmt_model_free(&m);
            return 2;
        }
    if (lm) {
        if (nmt_cli_flag(&cli, "--train-chars")->given != nmt_cli_flag(&cli, "--valid-chars")->given) {
            fprintf(stderr, "nmt eval: give --train-chars and --valid-chars together\n");
            nmt_model_free(&m);
            return 2;
        }
        int rc = eval_text(&m, model_path, data, train_chars, valid_chars, stateful, (int)bsz, max_valid);
        nmt_model_free(&m);
        return rc;
    }
    nmt_data d;
    // the corpus is read with the characters the model's file says to delete
    if (nmt_data_load(&d, &m, data, (uint32_t)split_seed, (size_t)n_train, 0, NULL, strict)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    nmt_cli_corpus_notes("eval", data, &d.corpus);
    if (d.valid.n == 0) {
        fprintf(stderr, "nmt eval: %s: --n-train %ld leaves no validation pairs (the corpus has %zu)\n", data, n_train,
                d.train.n);
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    nmt_eval_result r;
    nmt_evaluate(&m, &d.valid, (int)bsz, max_valid, prec, 0, &r);
    // BLEU and chrF of the same sentences' translations
    const nmt_decode_opts opt = {.beam = (int)beam, .length_penalty = length_penalty, .n_best = 1};
    nmt_translator tr;
    if (nmt_translator_init(&tr, &m, 0, &opt)) {
        fprintf(stderr, "nmt eval: %s: %s\n", model_path, nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    nmt_metrics acc;
    nmt_metrics_init(&acc);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nmt_translate_score(&tr, d.corpus.en + d.train.n, d.corpus.es + d.train.n, (size_t)r.sentences, &acc);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (stats)
        fprintf(stderr, "nmt eval: translated %ld sentences in %.2fs (%.0f sentences/s), beam %ld\n", r.sentences,
                sec, r.sentences / sec, beam);
    nmt_translator_free(&tr);
    char *text = result_json(&r, prec, &acc, &opt, model_path);
    int rc = print_result(text);
    nmt_data_free(&d);
    nmt_model_free(&m);
    return rc;
}
