/* nmt train: the book's recipe by default (ch16-reference.md §1.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "nmt.h"
#include "train/train.h"

static void train_usage(FILE *f) {
    fprintf(f,
            "usage: nmt train --data spa.txt --out MODEL [options]\n"
            "  --arch NAME        basic (default), bidirectional or attention (docs/ARCHITECTURE.md)\n"
            "  --init-from MODEL  start from MODEL's tensors whose name and shape match (the vocabularies\n"
            "                     must be the same); the others are initialized as usual\n"
            "  --init-tensors P   with --init-from: only tensors whose name matches the glob P\n"
            "                     (comma-separated list; e.g. '*.embedding', as the book does)\n"
            "  --data FILE        corpus, English<TAB>Spanish per line (required)\n"
            "  --out FILE         model file, written after every epoch (required)\n"
            "  --log FILE         JSON lines, one object per epoch\n"
            "  --epochs N         10\n"
            "  --batch-size N     32\n"
            "  --max-batches N    stop each epoch after N batches (0 = all)\n"
            "  --seed N           42: initialization and per-epoch shuffling\n"
            "  --split-seed N     42: numpy shuffle of the corpus before the split\n"
            "  --n-train N        100000: pairs used for training, the rest validate\n"
            "  --valid-max N      evaluate on at most N validation pairs (0 = all)\n"
            "  --threads N        worker threads (results do not depend on it)\n"
            "  --nadam new|legacy momentum schedule (default new, see docs/CLI.md)\n"
            "  --lr X             0.001\n"
            "  --precision P      fp32 (default) or bf16: matrix-product operands rounded to bfloat16,\n"
            "                     float sums and float master weights (see docs/CLI.md)\n"
            "  --vocab N          1000: vocabulary size of each language (both)\n"
            "  --src-vocab N      English vocabulary size only\n"
            "  --tgt-vocab N      Spanish vocabulary size only\n"
            "  --embed N          128\n"
            "  --units N          512\n"
            "  --max-length N     50\n"
            "  --quiet            no progress line\n");
}

int nmt_cmd_train(int argc, char **argv) {
    const char *cmd = "train";
    const char *data = NULL;
    nmt_config cfg;
    const char *arch = "basic", *init_from = NULL, *init_tensors = NULL;
    // sizes given on the command line (-1: the architecture's default)
    long src_vocab = -1, tgt_vocab = -1, embed = -1, units = -1, max_length = -1;
    nmt_train_opts o = {.epochs = 10, .batch_size = 32, .seed = 42, .nadam = NMT_NADAM_NEW,
                        .lr = 0.001, .progress = 1};
    long v, split_seed = 42, n_train = 100000, threads = 0;
    double x;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            train_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--quiet")) {
            o.progress = 0;
            continue;
        }
        if (!val || strncmp(a, "--", 2)) {
            fprintf(stderr, "nmt train: %s: %s\n", a, strncmp(a, "--", 2) ? "unexpected argument" : "missing value");
            train_usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--data")) data = val;
        else if (!strcmp(a, "--arch")) arch = val;
        else if (!strcmp(a, "--init-from")) init_from = val;
        else if (!strcmp(a, "--init-tensors")) init_tensors = val;
        else if (!strcmp(a, "--out")) o.out_path = val;
        else if (!strcmp(a, "--log")) o.log_path = val;
        else if (!strcmp(a, "--epochs")) { if (cli_parse_int(cmd, a, val, 1, 100000, &v)) return 2; o.epochs = (int)v; }
        else if (!strcmp(a, "--batch-size")) { if (cli_parse_int(cmd, a, val, 1, 4096, &v)) return 2; o.batch_size = (int)v; }
        else if (!strcmp(a, "--max-batches")) { if (cli_parse_int(cmd, a, val, 0, 1L << 40, &o.max_batches)) return 2; }
        else if (!strcmp(a, "--seed")) { if (cli_parse_int(cmd, a, val, 0, 4294967295L, &v)) return 2; o.seed = (uint32_t)v; }
        else if (!strcmp(a, "--split-seed")) { if (cli_parse_int(cmd, a, val, 0, 4294967295L, &split_seed)) return 2; }
        else if (!strcmp(a, "--n-train")) { if (cli_parse_int(cmd, a, val, 1, 1L << 40, &n_train)) return 2; }
        else if (!strcmp(a, "--valid-max")) { if (cli_parse_int(cmd, a, val, 0, 1L << 40, &o.max_valid)) return 2; }
        else if (!strcmp(a, "--threads")) { if (cli_parse_int(cmd, a, val, 1, 1024, &threads)) return 2; }
        else if (!strcmp(a, "--lr")) { if (cli_parse_double(cmd, a, val, 0, 10, &x)) return 2; o.lr = x; }
        else if (!strcmp(a, "--vocab")) { if (cli_parse_int(cmd, a, val, 5, 1 << 22, &v)) return 2; src_vocab = tgt_vocab = v; }
        else if (!strcmp(a, "--src-vocab")) { if (cli_parse_int(cmd, a, val, 3, 1 << 22, &src_vocab)) return 2; }
        else if (!strcmp(a, "--tgt-vocab")) { if (cli_parse_int(cmd, a, val, 5, 1 << 22, &tgt_vocab)) return 2; }
        else if (!strcmp(a, "--embed")) { if (cli_parse_int(cmd, a, val, 1, 1 << 16, &embed)) return 2; }
        else if (!strcmp(a, "--units")) { if (cli_parse_int(cmd, a, val, 1, 1 << 16, &units)) return 2; }
        else if (!strcmp(a, "--max-length")) { if (cli_parse_int(cmd, a, val, 2, 1 << 16, &max_length)) return 2; }
        else if (!strcmp(a, "--precision")) { if (cli_parse_precision(cmd, val, &o.precision)) return 2; }
        else if (!strcmp(a, "--nadam")) {
            if (!strcmp(val, "new")) o.nadam = NMT_NADAM_NEW;
            else if (!strcmp(val, "legacy")) o.nadam = NMT_NADAM_LEGACY;
            else {
                fprintf(stderr, "nmt train: --nadam: expected 'new' or 'legacy', got '%s'\n", val);
                return 2;
            }
        } else {
            fprintf(stderr, "nmt train: unknown option '%s'\n", a);
            train_usage(stderr);
            return 2;
        }
    }
    if (!data || !o.out_path) {
        fprintf(stderr, "nmt train: --data and --out are required\n");
        train_usage(stderr);
        return 2;
    }
    if (init_tensors && !init_from) {
        fprintf(stderr, "nmt train: --init-tensors needs --init-from\n");
        return 2;
    }
    if (nmt_config_default(&cfg, arch)) {
        fprintf(stderr, "nmt train: --arch: %s\n", nmt_last_error());
        return 2;
    }
    const struct { const char *flag, *field; long v; } sizes[] = {
        {"--src-vocab", "src_vocab", src_vocab}, {"--tgt-vocab", "tgt_vocab", tgt_vocab}, {"--embed", "embed", embed},
        {"--units", "units", units}, {"--max-length", "max_length", max_length}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        if (sizes[i].v < 0) continue;
        int *f = nmt_config_field_ptr(&cfg, sizes[i].field);
        if (!f) {
            fprintf(stderr, "nmt train: %s: architecture '%s' has no %s\n", sizes[i].flag, arch, sizes[i].field);
            return 2;
        }
        *f = (int)sizes[i].v;
    }
    if (nmt_config_check(&cfg)) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        return 2;
    }
    // fail now, not after an epoch, if an output cannot be written
    if (nmt_check_writable(o.out_path) || (o.log_path && nmt_check_writable(o.log_path))) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        return 1;
    }
    if (threads) nmt_set_threads((int)threads);
    o.threads = nmt_get_threads();

    nmt_model m;
    if (nmt_model_init(&m, &cfg)) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        return 2;
    }
    nmt_data d;
    if (nmt_data_load(&d, &m, data, (uint32_t)split_seed, (size_t)n_train, 1)) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        nmt_model_free(&m);
        return 1;
    }
    if (d.valid.n == 0)
        fprintf(stderr, "nmt train: warning: --n-train %ld leaves no validation pairs; validation metrics will be null\n",
                n_train);
    nmt_model_randomize(&m, o.seed);
    if (init_from && nmt_model_init_from(&m, init_from, init_tensors)) {
        fprintf(stderr, "nmt train: --init-from: %s\n", nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    const char *base = strrchr(data, '/') ? strrchr(data, '/') + 1 : data;
    char *qdata = nmt_json_quote(base, "--data");
    char tc[1024];
    snprintf(tc, sizeof tc,
             "{\"data\": %s, \"epochs\": %d, \"batch_size\": %d, \"max_batches\": %ld, \"seed\": %u, "
             "\"split_seed\": %ld, \"n_train\": %zu, \"n_valid\": %zu, \"nadam\": \"%s\", \"lr\": %g, "
             "\"loss\": \"masked_mean\", \"precision\": \"%s\", \"arch\": \"%s\"}",
             qdata ? qdata : "null", o.epochs, o.batch_size, o.max_batches, o.seed, split_seed, d.train.n,
             d.valid.n, o.nadam == NMT_NADAM_NEW ? "new" : "legacy", o.lr, nmt_precision_name(o.precision), cfg.arch);
    free(qdata);
    m.train_config_json = strdup(tc);
    fprintf(stderr, "nmt train: %s model; %zu training and %zu validation pairs; %s; %d threads; %s\n", cfg.arch,
            d.train.n, d.valid.n, nmt_build_info(), o.threads, nmt_precision_name(o.precision));
    int rc = nmt_train(&m, &d, &o);
    if (rc) fprintf(stderr, "nmt train: %s\n", nmt_last_error());
    nmt_data_free(&d);
    nmt_model_free(&m);
    return rc ? 1 : 0;
}
