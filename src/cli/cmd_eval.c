/* nmt eval: validation metrics of a model on a corpus, split as in training. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nmt.h"
#include "train/train.h"

int nmt_cmd_eval(int argc, char **argv) {
    const char *model_path = NULL, *data = NULL;
    long split_seed = 42, n_train = 100000, threads = 0, max_valid = 0, bsz = 32;
    nmt_precision prec = NMT_FP32;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: nmt eval --model FILE --data spa.txt [--split-seed 42] [--n-train 100000]\n"
                   "                [--valid-max N] [--batch-size 32] [--threads N] [--precision fp32|bf16]\n"
                   "Prints one JSON object: val_loss, val_accuracy, val_accuracy_unmasked, val_tokens.\n");
            return 0;
        }
        if (!val) {
            fprintf(stderr, "nmt eval: %s: missing value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--model")) model_path = val;
        else if (!strcmp(a, "--data")) data = val;
        else if (!strcmp(a, "--split-seed")) { if (cli_parse_int("eval", a, val, 0, 4294967295L, &split_seed)) return 2; }
        else if (!strcmp(a, "--n-train")) { if (cli_parse_int("eval", a, val, 0, 1L << 40, &n_train)) return 2; }
        else if (!strcmp(a, "--valid-max")) { if (cli_parse_int("eval", a, val, 0, 1L << 40, &max_valid)) return 2; }
        else if (!strcmp(a, "--batch-size")) { if (cli_parse_int("eval", a, val, 1, 4096, &bsz)) return 2; }
        else if (!strcmp(a, "--threads")) { if (cli_parse_int("eval", a, val, 1, 1024, &threads)) return 2; }
        else if (!strcmp(a, "--precision")) { if (cli_parse_precision("eval", val, &prec)) return 2; }
        else {
            fprintf(stderr, "nmt eval: unknown option '%s'\n", a);
            return 2;
        }
    }
    if (!model_path || !data) {
        fprintf(stderr, "nmt eval: --model and --data are required\n");
        return 2;
    }
    if (threads) nmt_set_threads((int)threads);
    nmt_model m;
    if (nmt_model_load(&m, model_path)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
        return 1;
    }
    nmt_data d;
    if (nmt_data_load(&d, &m, data, (uint32_t)split_seed, (size_t)n_train, 0)) {
        fprintf(stderr, "nmt eval: %s\n", nmt_last_error());
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
    printf("{\"val_loss\": %.6f, \"val_accuracy\": %.6f, \"val_accuracy_unmasked\": %.6f, "
           "\"val_tokens\": %ld, \"val_sentences\": %ld, \"precision\": \"%s\"}\n",
           r.loss, r.accuracy, r.accuracy_unmasked, r.tokens, r.sentences, nmt_precision_name(prec));
    int rc = 0;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt eval: cannot write the result to standard output\n");
        rc = 1;
    }
    nmt_data_free(&d);
    nmt_model_free(&m);
    return rc;
}
