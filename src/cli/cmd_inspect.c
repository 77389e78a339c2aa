/* nmt inspect FILE [--json]: describes a model file (docs/FORMAT.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/sha256.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/model.h"
#include "models/arch.h"
#include "nmt.h"

/* 3394536 -> "3,394,536" */
static void with_commas(char *buf, size_t size, long long v) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
    size_t k = 0;
    if (v < 0 && k + 1 < size) buf[k++] = '-';
    for (int i = 0; i < n && k + 1 < size; i++) {
        if (i && (n - i) % 3 == 0 && k + 1 < size) buf[k++] = ',';
        if (k + 1 < size) buf[k++] = digits[i];
    }
    buf[k] = 0;
}

static void metric(char *buf, size_t size, double v) {
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.4f", v);
}

static void print_summary(const nmt_model *m, const char *file, const char *format_version,
                          const char *nmt_version, const char *sha, const char *file_sha) {
    const nmt_config *c = &m->cfg;
    long long total = 0;
    for (int i = 0; i < m->table.n; i++) total += (long long)m->table.p[i].numel;
    char count[40];
    with_commas(count, sizeof count, total);
    printf("file:        %s\n", file);
    printf("format:      nmt model, format version %s, written by nmt %s\n", format_version,
           nmt_version ? nmt_version : "(unknown)");
    const nmt_arch_info *a = nmt_arch_info_find(c->arch);   // the loader checked it
    printf("model:       %s:", c->arch);
    for (int i = 0; i < a->nfields; i++)
        printf("%s %s %d", i ? "," : "", a->fields[i].name, *(const int *)((const char *)c + a->fields[i].offset));
    printf("\n             %s\n", a->summary);
    double bytes = total * 4.0;
    printf("parameters:  %s in %d tensors (%.1f %s as F32)\n", count, m->table.n,
           bytes >= 1e6 ? bytes / 1e6 : bytes / 1e3, bytes >= 1e6 ? "MB" : "kB");
    // "1000 source (English) and 1000 target (Spanish) tokens"; a character vocabulary says so,
    // a model without a source vocabulary (a language model) has only the target part
    const char *tl = nmt_vocab_language(m->tgt_vocab);
    printf("vocabulary:  ");
    if (m->src_vocab) {
        const char *sl = nmt_vocab_language(m->src_vocab);
        printf("%d source (%s%s) and ", nmt_vocab_size(m->src_vocab), sl ? sl : NMT_SRC_LANGUAGE,
               nmt_vocab_split(m->src_vocab) == NMT_SPLIT_CHARACTER ? ", characters" : "");
    }
    printf("%d target (%s%s) tokens\n", nmt_vocab_size(m->tgt_vocab), tl ? tl : NMT_TGT_LANGUAGE,
           nmt_vocab_split(m->tgt_vocab) == NMT_SPLIT_CHARACTER ? ", characters" : "");
    if (m->init_from_json) {
        nmt_json *j = nmt_json_parse(m->init_from_json, strlen(m->init_from_json), "init_from");
        const char *f = j ? nmt_json_str(nmt_json_get(j, "file")) : NULL;
        nmt_json *t = j ? nmt_json_get(j, "tensors") : NULL;
        printf("started:     from %s (%zu tensors copied)\n", f ? f : "(unknown)", nmt_json_size(t));
        nmt_json_free(j);
    }
    if (m->n_history > 0) {
        const nmt_epoch_record *r = &m->history[m->n_history - 1];
        char loss[32], acc[32], vloss[32], vacc[32];
        metric(loss, sizeof loss, r->loss);
        metric(acc, sizeof acc, r->accuracy);
        metric(vloss, sizeof vloss, r->val_loss);
        metric(vacc, sizeof vacc, r->val_accuracy);
        // the precision of the training's products (train_config.precision; absent before it existed: fp32)
        const char *prec = "fp32";
        nmt_json *tc = m->train_config_json ? nmt_json_parse(m->train_config_json, strlen(m->train_config_json),
                                                             "train_config")
                                            : NULL;
        const char *p = tc ? nmt_json_str(nmt_json_get(tc, "precision")) : NULL;
        if (p && !strcmp(p, "bf16")) prec = "bf16";
        nmt_json_free(tc);
        printf("training:    %d epoch%s in %s; last (epoch %d): loss %s, accuracy %s, val_loss %s, "
               "val_accuracy %s\n", m->n_history, m->n_history == 1 ? "" : "s", prec, r->epoch, loss, acc, vloss,
               vacc);
    } else {
        printf("training:    no history recorded\n");
    }
    printf("weights:     sha256 %s\n", sha);
    if (file_sha)
        printf("checksum:    sha256 %s (metadata and weights; checked)\n", file_sha);
    else
        printf("checksum:    weights only (format %s has no checksum over its metadata)\n", format_version);
}

int nmt_cmd_inspect(int argc, char **argv) {
    int json;
    nmt_flag flags[] = {
        {.name = "--json", .kind = NMT_FLAG_BOOL, .ptr = &json,
         .help = "print everything (vocabularies, history, tensors) as one JSON document"},
    };
    nmt_cli cli = {.name = "inspect", .flags = flags, .nflags = 1, .args = NMT_ARGS_OPTIONAL, .arg_name = "FILE",
                   .about = "Checks a model file and describes it: format and nmt versions, configuration,\n"
                            "languages, parameter count, training history, checksums. Without FILE, reads the\n"
                            "model from standard input (nmt inspect < model.nmt, or through a pipe). `--` before\n"
                            "FILE allows a name that starts with '-'.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    if (!cli.arg && isatty(0)) {
        fprintf(stderr, "nmt inspect: missing FILE (or a model file on standard input)\n");
        return 2;
    }
    const char *file = cli.arg ? cli.arg : "standard input";

    /* One read (a pipe works): the model, and what the model struct does not
     * keep: the versions that wrote it and the data checksum. */
    nmt_st_file st;
    nmt_model m;
    if (nmt_st_read(&st, cli.arg) || nmt_model_load_st(&m, &st, file)) {
        fprintf(stderr, "nmt inspect: %s\n", nmt_last_error());
        nmt_st_free(&st);
        return 1;
    }
    char sha[65];
    nmt_sha256_hex(st.data, st.data_len, sha);
    const char *fv = nmt_st_meta(&st, "format_version");
    const char *nv = nmt_st_meta(&st, "nmt_version");
    // format 4's checksum over everything (the loader checked it); none before
    const char *file_sha = atoi(fv) >= 4 ? nmt_st_meta(&st, "sha256") : NULL;

    int rc = 0;
    if (json) {
        char *doc = nmt_json_model_inspect(&m, file, atoi(fv), nv, sha, file_sha);
        if (doc) {
            fputs(doc, stdout);
            fputc('\n', stdout);
            free(doc);
        } else {
            fprintf(stderr, "nmt inspect: %s\n", nmt_last_error());
            rc = 1;
        }
    } else {
        print_summary(&m, file, fv, nv, sha, file_sha);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "nmt inspect: cannot write to standard output\n");
        rc = 1;
    }
    nmt_st_free(&st);
    nmt_model_free(&m);
    return rc;
}
