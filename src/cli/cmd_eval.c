/* nmt eval: validation metrics of a model on a corpus, split as in training. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "nmt.h"
#include "train/train.h"

/* One line: {"val_loss": ..., ..., "precision": "fp32"} (numbers read back bit for bit). */
static char *result_json(const nmt_eval_result *r, nmt_precision prec) {
    nmt_json *o = nmt_json_new_object();
    int bad = nmt_json_set_real(o, "val_loss", r->loss) || nmt_json_set_real(o, "val_accuracy", r->accuracy) ||
              nmt_json_set_real(o, "val_accuracy_unmasked", r->accuracy_unmasked) ||
              nmt_json_set_int(o, "val_tokens", r->tokens) || nmt_json_set_int(o, "val_sentences", r->sentences) ||
              nmt_json_set_str(o, "precision", nmt_precision_name(prec));
    char *text = bad ? NULL : nmt_json_dump(o, NMT_JSON_SPACED);
    nmt_json_free(o);
    return text;
}

int nmt_cmd_eval(int argc, char **argv) {
    const char *model_path, *data;
    long split_seed, n_train, threads, max_valid, bsz;
    int precision;
    nmt_flag flags[] = {
        NMT_FLAG_MODEL(&model_path, "the model"),
        NMT_FLAG_DATA(&data, "corpus, read as nmt train reads it"),
        NMT_FLAG_SPLIT_SEED(&split_seed),
        NMT_FLAG_N_TRAIN(&n_train, 0, "the pairs after the first N shuffled ones validate"),
        NMT_FLAG_VALID_MAX(&max_valid),
        NMT_FLAG_BATCH_SIZE(&bsz, "sentences per batch (the loss is averaged over batches)"),
        NMT_FLAG_THREADS(&threads),
        NMT_FLAG_PRECISION(&precision, "precision of the matrix products, as in training (docs/CLI.md)"),
    };
    nmt_cli cli = {.name = "eval", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Rebuilds the validation set as nmt train does (pass the training's --split-seed and\n"
                            "--n-train) and prints one JSON object: val_loss, val_accuracy,\n"
                            "val_accuracy_unmasked, val_tokens, val_sentences, precision.\n"};
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
    nmt_data d;
    // the corpus is read with the characters the model's file says to delete
    if (nmt_data_load(&d, &m, data, (uint32_t)split_seed, (size_t)n_train, 0, NULL)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    if (d.valid.n == 0) {
        fprintf(stderr, "nmt eval: %s: --n-train %ld leaves no validation pairs (the corpus has %zu)\n", data, n_train,
                d.train.n);
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    nmt_eval_result r;
    nmt_evaluate(&m, &d.valid, (int)bsz, max_valid, prec, &r);
    char *text = result_json(&r, prec);
    int rc = 0;
    if (!text) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        rc = 1;
    } else if (printf("%s\n", text) < 0 || fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt eval: cannot write the result to standard output\n");
        rc = 1;
    }
    free(text);
    nmt_data_free(&d);
    nmt_model_free(&m);
    return rc;
}
