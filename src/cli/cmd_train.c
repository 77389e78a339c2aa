/* nmt train: the book's recipe by default (ch16-reference.md §1.5). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/sha256.h"
#include "io/json.h"
#include "nmt.h"
#include "train/train.h"

static const char *const nadam_choices[] = {"new", "legacy", NULL};   /* index = nmt_nadam_kind */

/* train_config: the flags of the run, as the model file records them. */
static char *train_config(const char *data, const nmt_train_opts *o, long split_seed, const nmt_data *d,
                          const char *arch, int lm) {
    const char *base = strrchr(data, '/') ? strrchr(data, '/') + 1 : data;
    nmt_json *tc = nmt_json_new_object();
    if (nmt_json_set_str(tc, "data", base)) nmt_json_set_str(tc, "data", NULL);   // not UTF-8: null
    int bad = nmt_json_set_int(tc, "epochs", o->epochs) || nmt_json_set_int(tc, "batch_size", o->batch_size) ||
              nmt_json_set_int(tc, "max_batches", o->max_batches) || nmt_json_set_int(tc, "seed", o->seed) ||
              nmt_json_set_int(tc, "split_seed", split_seed) || nmt_json_set_int(tc, "n_train", (long long)d->train.n) ||
              nmt_json_set_int(tc, "n_valid", (long long)d->valid.n) ||
              nmt_json_set_str(tc, "nadam", nadam_choices[o->nadam]) || nmt_json_set_real(tc, "lr", o->lr) ||
              nmt_json_set_str(tc, "loss", "masked_mean") ||
              nmt_json_set_str(tc, "precision", nmt_precision_name(o->precision)) || nmt_json_set_str(tc, "arch", arch) ||
              (lm && nmt_json_set_int(tc, "stateful", o->stateful));
    char *text = bad ? NULL : nmt_json_dump(tc, NMT_JSON_COMPACT);
    nmt_json_free(tc);
    return text;
}

/* SIGINT and SIGTERM: the handler only records the signal; the training loop
 * looks at it after each batch, writes a checkpoint and returns. The handler
 * is installed with SA_RESETHAND: a second signal ends the process at once. */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static void install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Appends "key=value\n" to the run's description. */
static void item(char **run, size_t *len, const char *key, const char *fmt, ...) NMT_PRINTF(4, 5);
static void item(char **run, size_t *len, const char *key, const char *fmt, ...) {
    char value[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    size_t add = strlen(key) + strlen(value) + 2;
    *run = nmt_xrealloc(*run, *len + add + 1);
    snprintf(*run + *len, add + 1, "%s=%s\n", key, value);
    *len += add;
}

/* Hex of a string (the characters to strip may be anything). */
static void hex(char *out, size_t cap, const char *s) {
    size_t k = 0;
    out[0] = 0;
    for (; *s && k + 3 <= cap; s++) k += (size_t)snprintf(out + k, cap - k, "%02x", (unsigned char)*s);
}

/* What a checkpoint must match to be resumed by this command: the corpus'
 * bytes, the model's config and every flag that changes the result. NULL
 * with a message if the corpus cannot be read. */
static char *run_description(const char *data, const nmt_train_opts *o, const nmt_config *cfg, long split_seed,
                             long n_train, long train_chars, long valid_chars, const char *strip,
                             const char *src_lang, const char *tgt_lang, const nmt_model *m, int lm) {
    char *text;
    size_t n;
    if (nmt_read_file(data, &text, &n)) return NULL;
    char sha[65], buf[600];
    nmt_sha256_hex(text, n, sha);
    free(text);
    char *run = NULL;
    size_t len = 0;
    item(&run, &len, "corpus_sha256", "%s", sha);
    item(&run, &len, "arch", "%s", cfg->arch);
    item(&run, &len, "sizes", "src_vocab %d, tgt_vocab %d, embed %d, units %d, max_length %d", cfg->src_vocab,
         cfg->tgt_vocab, cfg->embed, cfg->units, cfg->max_length);
    item(&run, &len, "epochs", "%d", o->epochs);
    item(&run, &len, "batch_size", "%d", o->batch_size);
    item(&run, &len, "max_batches", "%ld", o->max_batches);
    item(&run, &len, "seed", "%u", (unsigned)o->seed);
    item(&run, &len, "nadam", "%s", nadam_choices[o->nadam]);
    item(&run, &len, "lr", "%.17g", o->lr);
    item(&run, &len, "precision", "%s", nmt_precision_name(o->precision));
    item(&run, &len, "valid_max", "%ld", o->max_valid);
    if (lm) {
        item(&run, &len, "stateful", "%d", o->stateful);
        item(&run, &len, "train_chars", "%ld", train_chars);
        item(&run, &len, "valid_chars", "%ld", valid_chars);
    } else {
        item(&run, &len, "split_seed", "%ld", split_seed);
        item(&run, &len, "n_train", "%ld", n_train);
        hex(buf, sizeof buf, strip);
        item(&run, &len, "strip_chars_hex", "%s", buf);
        item(&run, &len, "src_lang", "%.500s", src_lang);
    }
    item(&run, &len, "tgt_lang", "%.500s", tgt_lang);
    if (m->init_from_json) {
        nmt_sha256_hex(m->init_from_json, strlen(m->init_from_json), sha);
        item(&run, &len, "init_from_sha256", "%s", sha);
    }
    return run;
}

/* The model (cfg) and the book's pairs of a corpus; -1 with a message, nothing to free. */
static int load_pairs(nmt_model *m, nmt_data *d, const nmt_config *cfg, const char *data, uint32_t split_seed,
                      size_t n_train, const char *strip, int strict) {
    if (nmt_model_init(m, cfg)) return -1;
    if (nmt_data_load(d, m, data, split_seed, n_train, 1, strip, strict)) {
        nmt_data_free(d);
        nmt_model_free(m);
        return -1;
    }
    return 0;
}

/* A character model on a text: the vocabulary (every character) sets the
 * config's tgt_vocab; -1 with a message, nothing to free. */
static int load_text(nmt_model *m, nmt_data *d, nmt_config *cfg, const char *data, long train_chars,
                     long valid_chars, int streams) {
    char *text;
    size_t len;
    if (nmt_read_file(data, &text, &len)) return -1;
    size_t distinct = 0;
    nmt_vocab *v = nmt_vocab_adapt_chars(text, len, 1 << 22, &distinct);
    if (!v) {
        free(text);
        return nmt_error_prefix("%s", data);
    }
    cfg->tgt_vocab = nmt_vocab_size(v);
    if (cfg->tgt_vocab < 4) {
        free(text);
        nmt_vocab_free(v);
        return nmt_error("%s: the text has %zu distinct characters; a character model needs at least 2", data,
                         distinct);
    }
    if (nmt_model_init(m, cfg)) {
        free(text);
        nmt_vocab_free(v);
        return -1;
    }
    m->tgt_vocab = v;
    int rc = nmt_text_data_build(d, m, text, len, data, (size_t)train_chars, (size_t)valid_chars, streams);
    free(text);
    if (rc) {
        nmt_data_free(d);
        nmt_model_free(m);
    }
    return rc;
}

int nmt_cmd_train(int argc, char **argv) {
    const char *data, *out, *log, *arch, *ckpt_path, *resume, *init_from, *init_tensors, *src_lang, *tgt_lang, *strip;
    long epochs, batch_size, max_batches, seed, split_seed, n_train, valid_max, threads, train_chars, valid_chars;
    long ckpt_every;
    long vocab, src_vocab, tgt_vocab, embed, units, max_length;
    double lr;
    int nadam, precision, quiet, stateful, strict;
    // the usage shows the sizes of the default architecture
    nmt_config basic;
    nmt_config_default(&basic, "basic");
    char dv[5][48];
    snprintf(dv[0], sizeof dv[0], "the architecture's (basic: %d)", basic.src_vocab);
    snprintf(dv[1], sizeof dv[1], "--vocab, else the architecture's");
    snprintf(dv[2], sizeof dv[2], "the architecture's (basic: %d)", basic.embed);
    snprintf(dv[3], sizeof dv[3], "the architecture's (basic: %d)", basic.units);
    snprintf(dv[4], sizeof dv[4], "the architecture's (basic: %d)", basic.max_length);
    nmt_flag flags[] = {
        NMT_FLAG_DATA(&data, "corpus: one English<TAB>Spanish pair per line (docs/CLI.md: what is skipped or "
                             "repaired)"),
        {.name = "--strict", .kind = NMT_FLAG_BOOL, .ptr = &strict,
         .help = "refuse a corpus with anything unusual (a byte-order mark, a blank side, a third column, line "
                 "breaks other than LF and CR LF), naming FILE:LINE, instead of skipping or repairing it"},
        {.name = "--out", .kind = NMT_FLAG_STRING, .ptr = &out, .arg = "FILE", .required = 1, .nonempty = 1,
         .help = "model file, written after every epoch"},
        {.name = "--log", .kind = NMT_FLAG_STRING, .ptr = &log, .arg = "FILE", .nonempty = 1,
         .help = "JSON Lines log, one object per epoch"},
        {.name = "--checkpoint", .kind = NMT_FLAG_STRING, .ptr = &ckpt_path, .arg = "FILE", .nonempty = 1,
         .def_text = "OUT.ckpt", .help = "checkpoint file: written at each epoch's end (and with --checkpoint-every) "
                                         "when given, and on SIGINT/SIGTERM; deleted when every epoch is done"},
        {.name = "--checkpoint-every", .kind = NMT_FLAG_INT, .ptr = &ckpt_every, .arg = "N", .lo = 0,
         .hi = 1L << 40, .help = "write the checkpoint after every N batches of an epoch and at each epoch's end "
                                 "(0: only on SIGINT/SIGTERM, or at epoch ends with --checkpoint)"},
        {.name = "--resume", .kind = NMT_FLAG_STRING, .ptr = &resume, .arg = "CKPT", .nonempty = 1,
         .help = "continue the interrupted run of CKPT exactly; give the same data and training flags"},
        {.name = "--arch", .kind = NMT_FLAG_STRING, .ptr = &arch, .arg = "NAME", .sdef = "basic", .nonempty = 1,
         .help = "architecture: basic, bidirectional, attention (translators: --data is a corpus of pairs) or "
                 "charrnn (a character language model: --data is any UTF-8 text) (docs/ARCHITECTURE.md)"},
        NMT_FLAG_STATEFUL(&stateful, "charrnn: the text cut into --batch-size streams, each batch row continuing its "
                                     "stream's state (docs/CLI.md)"),
        NMT_FLAG_TRAIN_CHARS(&train_chars),
        NMT_FLAG_VALID_CHARS(&valid_chars),
        {.name = "--init-from", .kind = NMT_FLAG_STRING, .ptr = &init_from, .arg = "MODEL", .nonempty = 1,
         .help = "start from MODEL's tensors whose name and shape match (the vocabularies must be the same); the "
                 "others are initialized as usual"},
        {.name = "--init-tensors", .kind = NMT_FLAG_STRING, .ptr = &init_tensors, .arg = "GLOBS",
         .help = "with --init-from: only the tensors whose name matches one of these comma-separated globs (the "
                 "book: '*.embedding')"},
        {.name = "--epochs", .kind = NMT_FLAG_INT, .ptr = &epochs, .arg = "N", .idef = 10, .lo = 1, .hi = 100000,
         .help = "epochs"},
        NMT_FLAG_BATCH_SIZE(&batch_size, "sentences per batch (the last one of an epoch may be smaller)"),
        {.name = "--max-batches", .kind = NMT_FLAG_INT, .ptr = &max_batches, .arg = "N", .lo = 0, .hi = 1L << 40,
         .help = "stop each epoch after N batches (0: all)"},
        {.name = "--seed", .kind = NMT_FLAG_INT, .ptr = &seed, .arg = "N", .idef = 42, .lo = 0, .hi = 4294967295L,
         .help = "seed of the weight initialization and of the per-epoch shuffling"},
        NMT_FLAG_SPLIT_SEED(&split_seed),
        NMT_FLAG_N_TRAIN(&n_train, 1, "the first N shuffled pairs train, the rest validate"),
        NMT_FLAG_VALID_MAX(&valid_max),
        NMT_FLAG_THREADS(&threads),
        {.name = "--nadam", .kind = NMT_FLAG_CHOICE, .ptr = &nadam, .choices = nadam_choices,
         .help = "Nadam's momentum schedule (docs/CLI.md)"},
        {.name = "--lr", .kind = NMT_FLAG_REAL, .ptr = &lr, .arg = "X", .rdef = 0.001, .rlo = 0, .rhi = 10,
         .help = "learning rate"},
        NMT_FLAG_PRECISION(&precision, "precision of the matrix products: bf16 rounds their operands to bfloat16 "
                                       "(docs/CLI.md)"),
        {.name = "--vocab", .kind = NMT_FLAG_INT, .ptr = &vocab, .arg = "N", .lo = 5, .hi = 1 << 22,
         .def_text = dv[0], .help = "vocabulary size of each language, special tokens included"},
        {.name = "--src-vocab", .kind = NMT_FLAG_INT, .ptr = &src_vocab, .arg = "N", .lo = 3, .hi = 1 << 22,
         .def_text = dv[1], .help = "source vocabulary size alone"},
        {.name = "--tgt-vocab", .kind = NMT_FLAG_INT, .ptr = &tgt_vocab, .arg = "N", .lo = 5, .hi = 1 << 22,
         .def_text = dv[1], .help = "target vocabulary size alone"},
        {.name = "--embed", .kind = NMT_FLAG_INT, .ptr = &embed, .arg = "N", .lo = 1, .hi = 1 << 16,
         .def_text = dv[2], .help = "embedding size"},
        {.name = "--units", .kind = NMT_FLAG_INT, .ptr = &units, .arg = "N", .lo = 1, .hi = 1 << 16,
         .def_text = dv[3], .help = "LSTM units (a bidirectional encoder has N/2 per direction)"},
        {.name = "--max-length", .kind = NMT_FLAG_INT, .ptr = &max_length, .arg = "N", .lo = 2, .hi = 1 << 16,
         .def_text = dv[4], .help = "tokens per sentence; longer sentences are cut"},
        {.name = "--src-lang", .kind = NMT_FLAG_STRING, .ptr = &src_lang, .arg = "NAME", .sdef = NMT_SRC_LANGUAGE,
         .help = "name of the source language (the corpus' first column), recorded in the model"},
        {.name = "--tgt-lang", .kind = NMT_FLAG_STRING, .ptr = &tgt_lang, .arg = "NAME", .sdef = NMT_TGT_LANGUAGE,
         .help = "name of the target language (the second column), recorded in the model"},
        {.name = "--strip-chars", .kind = NMT_FLAG_STRING, .ptr = &strip, .arg = "CHARS", .sdef = NMT_STRIP_CHARS,
         .help = "characters deleted from the corpus before everything (and from the sentences to translate), "
                 "recorded in the model; '' for none"},
        {.name = "--quiet", .kind = NMT_FLAG_BOOL, .ptr = &quiet, .help = "no progress line"},
    };
    nmt_cli cli = {.name = "train", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Trains a model on a corpus (the book's recipe by default) and writes it to --out.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;

    if (init_tensors && !init_from) {
        fprintf(stderr, "nmt train: --init-tensors needs --init-from\n");
        return 2;
    }
    if (nmt_language_check(src_lang, "--src-lang") || nmt_language_check(tgt_lang, "--tgt-lang") ||
        nmt_strip_chars_check(strip, "--strip-chars")) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        return 2;
    }
    nmt_config cfg;
    if (nmt_config_default(&cfg, arch)) {
        fprintf(stderr, "nmt train: --arch: %s\n", nmt_last_error());
        return 2;
    }
    const int lm = nmt_arch_info_find(arch)->lm;
    // flags that belong to the other kind of model
    static const char *const pairs_only[] = {"--vocab", "--src-vocab", "--tgt-vocab", "--split-seed", "--n-train",
                                             "--src-lang", "--strip-chars", "--strict", NULL};
    static const char *const lm_only[] = {"--stateful", "--train-chars", "--valid-chars", NULL};
    for (const char *const *f = lm ? pairs_only : lm_only; *f; f++)
        if (nmt_cli_flag(&cli, *f)->given) {
            fprintf(stderr, "nmt train: %s does not apply to --arch %s%s\n", *f, arch,
                    lm ? " (a character model's vocabulary holds every character of its text)" : "");
            return 2;
        }
    if (nmt_cli_flag(&cli, "--train-chars")->given != nmt_cli_flag(&cli, "--valid-chars")->given) {
        fprintf(stderr, "nmt train: give --train-chars and --valid-chars together\n");
        return 2;
    }
    if (lm && precision) {
        fprintf(stderr, "nmt train: --precision bf16: --arch %s has only fp32 kernels\n", arch);
        return 2;
    }
    // sizes given on the command line replace the architecture's defaults
    const struct { const char *flag, *field; long v; int given; } sizes[] = {
        {"--src-vocab", "src_vocab", nmt_cli_flag(&cli, "--src-vocab")->given ? src_vocab : vocab,
         nmt_cli_flag(&cli, "--src-vocab")->given || nmt_cli_flag(&cli, "--vocab")->given},
        {"--tgt-vocab", "tgt_vocab", nmt_cli_flag(&cli, "--tgt-vocab")->given ? tgt_vocab : vocab,
         nmt_cli_flag(&cli, "--tgt-vocab")->given || nmt_cli_flag(&cli, "--vocab")->given},
        {"--embed", "embed", embed, nmt_cli_flag(&cli, "--embed")->given},
        {"--units", "units", units, nmt_cli_flag(&cli, "--units")->given},
        {"--max-length", "max_length", max_length, nmt_cli_flag(&cli, "--max-length")->given}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        if (!sizes[i].given) continue;
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
    nmt_train_opts o = {.epochs = (int)epochs, .batch_size = (int)batch_size, .max_batches = max_batches,
                        .seed = (uint32_t)seed, .nadam = nadam ? NMT_NADAM_LEGACY : NMT_NADAM_NEW, .lr = lr,
                        .log_path = log, .out_path = out, .progress = !quiet, .max_valid = valid_max,
                        .stateful = stateful};
    nmt_precision_parse(nmt_precision_choices[precision], &o.precision);
    char ckpt_default[NMT_PATH_CAP];
    if ((size_t)snprintf(ckpt_default, sizeof ckpt_default, "%s.ckpt", out) >= sizeof ckpt_default) {
        fprintf(stderr, "nmt train: --out: the path is too long\n");
        return 2;
    }
    o.ckpt_path = ckpt_path ? ckpt_path : ckpt_default;
    o.ckpt_every = ckpt_every;
    o.ckpt_epochs = ckpt_every > 0 || ckpt_path;
    // fail now, not after an epoch, if an output cannot be written or would replace an
    // input or another output (the checkpoint may be the --resume file: it is rewritten)
    const nmt_file_arg outs[] = {{"--out", out}, {"--log", log}, {"--checkpoint", o.ckpt_path}},
                       ins[] = {{"--data", data}, {"--init-from", init_from}};
    if ((status = nmt_cli_check_files("train", outs, 3, ins, 2)) >= 0) return status;
    if (threads) nmt_set_threads((int)threads);
    o.threads = nmt_get_threads();

    nmt_model m;
    nmt_data d;
    if (lm ? load_text(&m, &d, &cfg, data, train_chars, valid_chars, stateful ? (int)batch_size : 0)
           : load_pairs(&m, &d, &cfg, data, (uint32_t)split_seed, (size_t)n_train, strip, strict)) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        return 1;
    }
    if (!lm) nmt_cli_corpus_notes("train", data, &d.corpus);
    if (!lm) nmt_vocab_set_language(m.src_vocab, src_lang);   // checked above
    nmt_vocab_set_language(m.tgt_vocab, lm && !nmt_cli_flag(&cli, "--tgt-lang")->given ? "English" : tgt_lang);
    if (d.valid.n == 0)
        fprintf(stderr, "nmt train: warning: %s leaves no validation %s; validation metrics will be null\n",
                lm ? "the split" : "--n-train", lm ? "windows" : "pairs");
    nmt_model_randomize(&m, o.seed);
    if (init_from && nmt_model_init_from(&m, init_from, init_tensors)) {
        fprintf(stderr, "nmt train: --init-from: %s\n", nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    m.train_config_json = train_config(data, &o, split_seed, &d, cfg.arch, lm);
    if (!m.train_config_json) {
        fprintf(stderr, "nmt train: cannot record the training flags (%s)\n", nmt_last_error());
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    // the disk space of the model and the log, so that a full disk fails now rather than after an epoch
    int full = nmt_cli_reserve_model("train", out, &m);
    if (!full && log && nmt_atomic_reserve(log, 4096)) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        full = 1;
    }
    if (full) {
        nmt_data_free(&d);
        nmt_model_free(&m);
        return 1;
    }
    fprintf(stderr, "nmt train: %s model%s; %zu training and %zu validation %s; %s; %d threads; %s\n", cfg.arch,
            o.stateful ? " (stateful)" : "", d.train.n, d.valid.n, lm ? "windows" : "pairs", nmt_build_info(),
            o.threads, nmt_precision_name(o.precision));
    char *run = run_description(data, &o, &cfg, split_seed, n_train, train_chars, valid_chars, strip, src_lang,
                                lm && !nmt_cli_flag(&cli, "--tgt-lang")->given ? "English" : tgt_lang, &m, lm);
    nmt_ckpt ck;
    memset(&ck, 0, sizeof ck);
    int rc = run ? 0 : -1;
    if (!rc && resume) {
        rc = nmt_ckpt_load(&ck, resume) || nmt_ckpt_check_run(&ck, run, resume) ? -1 : 0;
        if (!rc) {
            o.resume = &ck;
            fprintf(stderr, "nmt train: resuming %s: epoch %ld of %d, after batch %ld of %ld\n", resume, ck.epoch,
                    o.epochs, ck.in_epoch ? ck.batch : 0, ck.nb);
        }
    }
    nmt_train_status st = {0};
    o.run = run;
    o.stop = &stop_signal;
    o.status = &st;
    if (!rc) {
        install_handlers();
        rc = nmt_train(&m, &d, &o);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
    int exit_status = 0;
    if (rc == NMT_TRAIN_STOPPED) {
        const int sig = (int)stop_signal;
        char where[96];
        if (st.batch == 0) snprintf(where, sizeof where, "at the start of epoch %ld", st.epoch);
        else snprintf(where, sizeof where, "in epoch %ld after batch %ld of %ld", st.epoch, st.batch, st.nb);
        fprintf(stderr,
                "nmt train: stopped by %s %s; checkpoint written to %s\n"
                "nmt train: to continue, run the same command with --resume %s\n",
                sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal", where, o.ckpt_path, o.ckpt_path);
        exit_status = 128 + sig;
    } else if (rc) {
        fprintf(stderr, "nmt train: %s\n", nmt_last_error());
        exit_status = 1;
    }
    free(run);
    nmt_ckpt_free(&ck);
    nmt_data_free(&d);
    nmt_model_free(&m);
    return exit_status;
}
