/* nmt demo: exercise 9 of chapter 16, date-format conversion ("April 22, 2019"
 * -> "2019-04-22"), with no download: the book's random_dates data (text/dates.h),
 * the exercise's teacher-forcing solution, which is the basic encoder-decoder
 * on character vocabularies, trained by the real trainer, then greedy
 * decoding of a few dates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "decode/decode.h"
#include "io/json.h"
#include "nmt.h"
#include "text/dates.h"
#include "train/train.h"

/* The exercise's sizes: Embedding(32) and LSTM(128) on both sides; "September
 * 30, 2019" is 18 characters, an output 10 and endofseq. */
#define DEMO_EMBED 32
#define DEMO_UNITS 128
#define DEMO_MAX_LENGTH 20

/* Shown after training, with the first validation dates. */
static const char *const SHOWCASE[][2] = {
    {"September 17, 2009", "2009-09-17"},
    {"July 14, 1789", "1789-07-14"},
    {"May 02, 2020", "2020-05-02"},
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Source: the characters of the training inputs, adapted as Keras does (ASCII
 * lower-cased); target: the digits and '-', with startofseq and endofseq,
 * which only the examples builder and the decoder look up by name (text
 * splits into single characters, never into them). */
static void demo_vocabs(nmt_vocab **src, nmt_vocab **tgt, const nmt_date_pair *train, size_t n) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len += strlen(train[i].x);
    char *all = nmt_xmalloc(len + 1), *p = all;
    for (size_t i = 0; i < n; i++) p += sprintf(p, "%s", train[i].x);
    *src = nmt_vocab_adapt_chars(all, len, 0, NULL);   // all of them (ASCII: never fails)
    free(all);
    static const char *const out[] = {"", "[UNK]", "startofseq", "endofseq", "0", "1", "2", "3",
                                      "4", "5",     "6",          "7",        "8", "9", "-"};
    *tgt = nmt_vocab_from_list(out, (int)(sizeof out / sizeof *out));
    nmt_vocab_set_split(*tgt, NMT_SPLIT_CHARACTER);
    nmt_vocab_set_language(*src, "English");
    nmt_vocab_set_language(*tgt, "ISO 8601");
}

/* train_config: what the model file records of the run. */
static char *demo_train_config(const nmt_train_opts *o, long n_train, long n_valid) {
    nmt_json *tc = nmt_json_new_object();
    int bad = nmt_json_set_str(tc, "data", "random_dates (nmt demo)") || nmt_json_set_int(tc, "epochs", o->epochs) ||
              nmt_json_set_int(tc, "batch_size", o->batch_size) || nmt_json_set_int(tc, "seed", o->seed) ||
              nmt_json_set_int(tc, "n_train", n_train) || nmt_json_set_int(tc, "n_valid", n_valid) ||
              nmt_json_set_str(tc, "nadam", "new") || nmt_json_set_real(tc, "lr", o->lr) ||
              nmt_json_set_str(tc, "loss", "masked_mean") ||
              nmt_json_set_str(tc, "precision", nmt_precision_name(o->precision)) ||
              nmt_json_set_str(tc, "arch", "basic");
    char *text = bad ? NULL : nmt_json_dump(tc, NMT_JSON_COMPACT);
    nmt_json_free(tc);
    return text;
}

/* Greedy conversions: the showcase and the first validation dates printed, and
 * how many of all validation dates come out exactly right. */
static void show_conversions(nmt_translator *tr, const nmt_date_pair *valid, size_t nv, long *exact) {
    const int ns = (int)(sizeof SHOWCASE / sizeof *SHOWCASE), nshow = ns + 4;
    printf("\nconversions (greedy decoding):\n");
    for (int i = 0; i < nshow && i - ns < (int)nv; i++) {
        const char *in = i < ns ? SHOWCASE[i][0] : valid[i - ns].x, *want = i < ns ? SHOWCASE[i][1] : valid[i - ns].y;
        const char *got = nmt_translate(tr, in);
        if (strcmp(got, want) == 0) printf("  %-18s -> %s  ok\n", in, got);
        else printf("  %-18s -> %s  wrong: %s\n", in, got, want);
    }
    *exact = 0;
    for (size_t i = 0; i < nv; i += (size_t)tr->maxB) {
        const char *batch[NMT_TRANSLATE_MAX_BATCH];
        const int k = nv - i < (size_t)tr->maxB ? (int)(nv - i) : tr->maxB;
        for (int j = 0; j < k; j++) batch[j] = valid[i + j].x;
        nmt_translate_batch(tr, batch, k);
        for (int j = 0; j < k; j++) *exact += strcmp(nmt_translation(tr, j), valid[i + j].y) == 0;
    }
}

int nmt_cmd_demo(int argc, char **argv) {
    const char *out;
    long epochs, seed, n_train, n_valid, threads;
    double min_acc;
    int quiet;
    nmt_flag flags[] = {
        {.name = "--epochs", .kind = NMT_FLAG_INT, .ptr = &epochs, .arg = "N", .idef = 10, .lo = 1, .hi = 1000,
         .help = "epochs (the book's 10)"},
        {.name = "--seed", .kind = NMT_FLAG_INT, .ptr = &seed, .arg = "N", .idef = 42, .lo = 0, .hi = 4294967295L,
         .help = "seed of the dates (numpy's np.random.seed), of the weight initialization and of the shuffling"},
        {.name = "--n-train", .kind = NMT_FLAG_INT, .ptr = &n_train, .arg = "N", .idef = 10000, .lo = 32,
         .hi = 1000000, .help = "training dates (the book's 10,000)"},
        {.name = "--n-valid", .kind = NMT_FLAG_INT, .ptr = &n_valid, .arg = "N", .idef = 2000, .lo = 1,
         .hi = 1000000, .help = "validation dates, drawn after the training dates (the book's 2,000)"},
        {.name = "--min-accuracy", .kind = NMT_FLAG_REAL, .ptr = &min_acc, .arg = "X", .rdef = 0.99, .rlo = 0,
         .rhi = 1, .help = "the validation accuracy (masked, per character) that counts as success"},
        {.name = "--out", .kind = NMT_FLAG_STRING, .ptr = &out, .arg = "FILE", .nonempty = 1,
         .help = "keep the trained model (written after every epoch)"},
        {.name = "--threads", .kind = NMT_FLAG_INT, .ptr = &threads, .arg = "N", .idef = 1, .lo = 1, .hi = 1024,
         .help = "worker threads; results do not depend on it (more than one only slows this small model down)"},
        {.name = "--quiet", .kind = NMT_FLAG_BOOL, .ptr = &quiet, .help = "no progress line"},
    };
    nmt_cli cli = {.name = "demo", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Exercise 9 of chapter 16: learns to convert dates like \"April 22, 2019\" into\n"
                            "\"2019-04-22\". The dates are drawn as the book's random_dates draws them (no\n"
                            "download); the model is the basic encoder-decoder on characters (embeddings\n"
                            "of 32, LSTMs of 128), trained with teacher forcing as `nmt train` trains.\n"
                            "Exits 0 when the validation accuracy reaches --min-accuracy.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    const nmt_file_arg outs[] = {{"--out", out}};
    if ((status = nmt_cli_check_files("demo", outs, 1, NULL, 0)) >= 0) return status;
    nmt_set_threads((int)threads);
    const double t0 = now_s();

    // the data: train, then validation, from one numpy-compatible stream
    const size_t nt = (size_t)n_train, nv = (size_t)n_valid;
    nmt_date_pair *pairs = nmt_xmalloc((nt + nv) * sizeof *pairs), *valid = pairs + nt;
    nmt_rng rng;
    nmt_rng_seed(&rng, (uint32_t)seed);
    nmt_random_dates(&rng, nt + nv, pairs);
    char **x = nmt_xmalloc((nt + nv) * sizeof *x), **y = nmt_xmalloc((nt + nv) * sizeof *y);
    for (size_t i = 0; i < nt + nv; i++) x[i] = pairs[i].x, y[i] = pairs[i].y;

    nmt_model m;
    nmt_data d;
    memset(&d, 0, sizeof d);
    nmt_vocab *sv, *tv;
    demo_vocabs(&sv, &tv, pairs, nt);
    nmt_config cfg;
    nmt_config_default(&cfg, "basic");
    cfg.src_vocab = nmt_vocab_size(sv);
    cfg.tgt_vocab = nmt_vocab_size(tv);
    cfg.embed = DEMO_EMBED;
    cfg.units = DEMO_UNITS;
    cfg.max_length = DEMO_MAX_LENGTH;
    int rc = 1, err = 1;   // err: nmt_last_error() says why
    if (nmt_model_init(&m, &cfg)) {
        nmt_vocab_free(sv);
        nmt_vocab_free(tv);
        goto done;
    }
    m.src_vocab = sv;
    m.tgt_vocab = tv;
    nmt_model_randomize(&m, (uint32_t)seed);
    if (nmt_examples_build(&d.train, &m, x, y, nt) || nmt_examples_build(&d.valid, &m, x + nt, y + nt, nv))
        goto done;
    nmt_train_opts o = {.epochs = (int)epochs, .batch_size = NMT_RECIPE_BATCH_SIZE, .seed = (uint32_t)seed,
                        .nadam = NMT_NADAM_NEW, .lr = 0.001, .out_path = out, .progress = !quiet,
                        .threads = nmt_get_threads(), .precision = NMT_FP32};
    m.train_config_json = demo_train_config(&o, n_train, n_valid);
    if (!m.train_config_json) goto done;
    if (nmt_cli_reserve_model("demo", out, &m)) {   // a full disk fails now, not after an epoch
        err = 0;
        goto done;
    }

    printf("nmt demo: exercise 9 of chapter 16, dates such as \"%s\" -> \"%s\"\n", pairs[0].x, pairs[0].y);
    printf("data:  %zu training and %zu validation dates (the book's random_dates, seed %ld)\n", nt, nv, seed);
    size_t nparam = 0;
    for (int i = 0; i < m.table.n; i++) nparam += m.table.p[i].numel;
    printf("model: basic encoder-decoder on characters: %d source and %d target tokens, embeddings of %d, "
           "LSTMs of %d (%zu parameters)\n", cfg.src_vocab, cfg.tgt_vocab, cfg.embed, cfg.units, nparam);
    printf("training: %ld epoch%s, batch 32, Nadam, %d thread%s\n", epochs, epochs == 1 ? "" : "s", o.threads,
           o.threads == 1 ? "" : "s");
    fflush(stdout);
    if (nmt_train(&m, &d, &o)) goto done;

    const double acc = m.history[m.n_history - 1].val_accuracy;
    nmt_translator tr;
    if (nmt_translator_init(&tr, &m, 0, NULL)) goto done;
    long exact;
    show_conversions(&tr, valid, nv, &exact);
    nmt_translator_free(&tr);
    const int ok = acc >= min_acc;
    printf("\nvalidation accuracy %.4f (per character, masked), %ld of %zu dates converted exactly; %.0f s\n", acc,
           exact, nv, now_s() - t0);
    if (out) printf("saved: %s (try: nmt translate --model %s \"July 14, 1789\")\n", out, out);
    printf("%s\n", ok ? "demo: it works" : "demo: FAILED: the validation accuracy is below --min-accuracy");
    rc = !ok;
    err = 0;
done:
    if (err) fprintf(stderr, "nmt demo: %s\n", nmt_last_error());
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "nmt demo: cannot write to standard output\n");
        rc = 1;
    }
    nmt_data_free(&d);
    nmt_model_free(&m);
    free(x);
    free(y);
    free(pairs);
    return rc;
}
