/* nmt translate: sentences from the arguments, or stdin to stdout with exactly
 * one output line per input line (an empty line gives an empty line).
 * Sentences are translated in batches (--batch); a sentence's translation is the
 * same in any batch (decode/decode.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "decode/decode.h"
#include "io/plot.h"
#include "nmt.h"

/* A line with nothing but whitespace gives an empty line, like an empty one. */
static int blank(const char *s) {
    for (; *s; s++)
        if (!strchr(" \t\n\v\f\r", *s)) return 0;
    return 1;
}

/* A copy of s[0..len) with each byte that does not belong to a valid UTF-8
 * character replaced by U+FFFD, and their count in *bad; NULL (nothing to
 * repair) when s is valid UTF-8. */
static char *repaired_utf8(const char *s, size_t len, size_t *bad) {
    const unsigned char *u = (const unsigned char *)s;
    *bad = 0;
    for (size_t i = 0, n; i < len; i += n ? n : 1)
        if (!(n = nmt_utf8_char_len(u, i, len))) ++*bad;
    if (!*bad) return NULL;
    char *out = nmt_xmalloc(len + 2 * *bad + 1), *o = out;
    for (size_t i = 0, n; i < len; i += n ? n : 1) {
        if ((n = nmt_utf8_char_len(u, i, len))) {
            memcpy(o, s + i, n);
            o += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
        }
    }
    *o = 0;
    return out;
}

/* Warns about a sentence whose invalid UTF-8 was replaced: the first 10, then
 * (last = 1, at the end) how many in all. */
static void warn_utf8(const char *what, long number, size_t bad, int last) {
    static long lines;
    if (last) {
        if (lines > 10)
            fprintf(stderr, "nmt translate: warning: %ld sentences in all had invalid UTF-8, replaced by U+FFFD\n",
                    lines);
        return;
    }
    if (++lines <= 10)
        fprintf(stderr, "nmt translate: warning: %s %ld: %zu byte%s of invalid UTF-8 replaced by U+FFFD\n", what,
                number, bad, bad == 1 ? "" : "s");
}

/* Translates the n sentences of a group, numbered first+1.., and prints one
 * line for each; with --n-best K, K lines "NUMBER<TAB>SCORE<TAB>TRANSLATION"
 * for each sentence that is not blank. */
static void flush_group(nmt_translator *tr, char **sent, int n, long first, int nbest) {
    const char *todo[NMT_TRANSLATE_MAX_BATCH];
    int idx[NMT_TRANSLATE_MAX_BATCH], k = 0;
    for (int i = 0; i < n; i++)
        if (!blank(sent[i])) todo[k] = sent[i], idx[k++] = i;
    if (k) nmt_translate_batch(tr, todo, k);
    for (int i = 0, j = 0; i < n; i++) {
        const int done = j < k && idx[j] == i;
        if (!nbest) printf("%s\n", done ? nmt_translation(tr, j) : "");
        double score;
        const char *t;
        for (int q = 0; done && q < nbest && (t = nmt_translation_nbest(tr, j, q, &score)); q++)
            printf("%ld\t%.6f\t%s\n", first + i + 1, score, t);
        j += done;
    }
}

/* The heat map of the last translation (one sentence, result 0), or 1 with a message. */
static int draw_attention(nmt_translator *tr, const char *sentence, const char *path) {
    if (blank(sentence)) {
        fprintf(stderr, "nmt translate: --attention: the sentence is blank\n");
        return 1;
    }
    const int32_t *src, *out;
    int ns, no;
    float *w = nmt_translation_attention(tr, 0, 0, &src, &ns, &out, &no);
    if (!w || ns == 0) {
        fprintf(stderr, "nmt translate: --attention: %s\n", w ? "the sentence has no tokens to attend to" : nmt_last_error());
        free(w);
        return 1;
    }
    // source labels: the words, marked where the vocabulary has none
    char **words = nmt_xcalloc((size_t)ns, sizeof(char *)), **sl = nmt_xcalloc((size_t)ns, sizeof(char *));
    int32_t *ids = nmt_xcalloc((size_t)ns, sizeof(int32_t));
    nmt_vectorize_words(tr->m->src_vocab, sentence, ids, words, ns);
    for (int j = 0; j < ns; j++) {
        sl[j] = nmt_xmalloc(strlen(words[j]) + 8);
        sprintf(sl[j], "%s%s", words[j], src[j] == 1 ? " [UNK]" : "");
    }
    const char **ol = nmt_xcalloc((size_t)no, sizeof(char *));
    for (int j = 0; j < no; j++) ol[j] = nmt_vocab_token(tr->m->tgt_vocab, out[j]);
    int rc = 0;
    if (nmt_plot_attention(path, sentence, (const char *const *)sl, ns, ol, no, w)) {
        fprintf(stderr, "nmt translate: --attention: %s\n", nmt_last_error());
        rc = 1;
    }
    for (int j = 0; j < ns; j++) free(words[j]), free(sl[j]);
    free(words), free(sl), free(ids), free(ol), free(w);
    return rc;
}

int nmt_cmd_translate(int argc, char **argv) {
    const char *model_path;
    long threads, batch, beam, nbest;
    const char *attention;
    double length_penalty;
    int stats;
    char batch_def[64];
    snprintf(batch_def, sizeof batch_def, "%d; 1 when stdin is a terminal", NMT_TRANSLATE_MAX_BATCH);
    nmt_flag flags[] = {
        NMT_FLAG_MODEL(&model_path, "the model"),
        NMT_FLAG_THREADS(&threads),
        {.name = "--batch", .kind = NMT_FLAG_INT, .ptr = &batch, .arg = "N", .idef = -1, .lo = 1,
         .hi = NMT_TRANSLATE_MAX_BATCH, .def_text = batch_def,
         .help = "sentences translated together; translations never depend on it"},
        NMT_FLAG_BEAM(&beam),
        NMT_FLAG_LENGTH_PENALTY(&length_penalty),
        {.name = "--n-best", .kind = NMT_FLAG_INT, .ptr = &nbest, .arg = "K", .idef = 0, .lo = 1,
         .hi = NMT_BEAM_MAX, .def_text = "off",
         .help = "print the K best of the beam (K <= N), one line each: number, tab, score, tab, translation"},
        {.name = "--attention", .kind = NMT_FLAG_STRING, .ptr = &attention, .arg = "FILE.svg", .nonempty = 1,
         .def_text = "none",
         .help = "draw the attention weights of the (one) SENTENCE's translation as a heat map (attention models)"},
        {.name = "--stats", .kind = NMT_FLAG_BOOL, .ptr = &stats,
         .help = "print the number of sentences and the time taken on stderr"},
    };
    nmt_cli cli = {.name = "translate", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .args = NMT_ARGS_REST, .arg_name = "SENTENCE",
                   .about = "Translates each SENTENCE to one line of stdout; without sentences, reads stdin and\n"
                            "writes one line per input line. Options come first; after `--` every word is a\n"
                            "sentence.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    int first_sentence = cli.first_arg;
    if (attention && argc - first_sentence != 1) {
        fprintf(stderr, "nmt translate: --attention draws one sentence: give exactly one SENTENCE argument\n");
        return 2;
    }
    if (nbest > beam) {
        fprintf(stderr, "nmt translate: --n-best %ld: at most --beam (%ld)\n", nbest, beam);
        return 2;
    }
    const nmt_file_arg outs[] = {{"--attention", attention}}, ins[] = {{"--model", model_path}};
    if ((status = nmt_cli_check_files("translate", outs, 1, ins, 1)) >= 0) return status;
    // reading a terminal: answer each line at once; otherwise groups of 64 lines
    if (batch < 0) batch = first_sentence >= argc && isatty(0) ? 1 : NMT_TRANSLATE_MAX_BATCH;
    if (threads) nmt_set_threads((int)threads);
    nmt_model m;
    if (nmt_model_load(&m, model_path)) {
        fprintf(stderr, "nmt translate: %s\n", nmt_last_error());
        return 1;
    }
    nmt_decode_opts opt = {.beam = (int)beam, .length_penalty = length_penalty, .n_best = nbest ? (int)nbest : 1,
                           .scores = nbest > 0};
    nmt_translator tr;
    if (nmt_translator_init(&tr, &m, (int)batch, &opt)) {
        fprintf(stderr, "nmt translate: %s: %s\n", model_path, nmt_last_error());
        nmt_model_free(&m);
        return 1;
    }
    if (attention && !nmt_ws_act(&tr.ws, "attention.weights")) {
        fprintf(stderr, "nmt translate: --attention: %s is a %s model, which has no attention\n", model_path,
                m.cfg.arch);
        nmt_translator_free(&tr);
        nmt_model_free(&m);
        return 1;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long count = 0;
    int rc = 0;
    if (first_sentence < argc) {
        // invalid UTF-8 replaced by U+FFFD (copies, freed at the end)
        char **repaired = nmt_xcalloc((size_t)(argc - first_sentence), sizeof *repaired);
        char **sent = nmt_xcalloc((size_t)(argc - first_sentence), sizeof *sent);
        for (int i = first_sentence; i < argc; i++) {
            size_t bad;
            repaired[i - first_sentence] = repaired_utf8(argv[i], strlen(argv[i]), &bad);
            if (bad) warn_utf8("sentence", i - first_sentence + 1, bad, 0);
            sent[i - first_sentence] = repaired[i - first_sentence] ? repaired[i - first_sentence] : argv[i];
        }
        for (int i = first_sentence; i < argc; i += (int)batch) {
            int n = argc - i < batch ? argc - i : (int)batch;
            flush_group(&tr, sent + (i - first_sentence), n, i - first_sentence, (int)nbest);
            count += n;
        }
        if (attention) rc = draw_attention(&tr, sent[0], attention);
        for (int i = 0; i < argc - first_sentence; i++) free(repaired[i]);
        free(repaired);
        free(sent);
    } else {
        char *lines[NMT_TRANSLATE_MAX_BATCH] = {0};
        size_t caps[NMT_TRANSLATE_MAX_BATCH] = {0};
        int n = 0;
        ssize_t len;
        int e = 0;
        for (;;) {
            errno = 0;
            if ((len = getline(&lines[n], &caps[n], stdin)) < 0) {
                e = errno;   // the end, or an error: ferror() tells
                break;
            }
            char *line = lines[n];
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
            if (memchr(line, 0, (size_t)len))
                fprintf(stderr, "nmt translate: warning: input line %ld has a NUL byte; the rest of the line is ignored\n",
                        count + n + 1);
            size_t bad;
            char *fixed = repaired_utf8(line, strlen(line), &bad);
            if (fixed) {
                warn_utf8("input line", count + n + 1, bad, 0);
                free(lines[n]);
                lines[n] = fixed;
                caps[n] = strlen(fixed) + 1;
            }
            if (++n == batch) {
                flush_group(&tr, lines, n, count, (int)nbest);
                if (batch == 1) fflush(stdout);
                count += n;
                n = 0;
            }
        }
        if (n) flush_group(&tr, lines, n, count, (int)nbest);
        count += n;
        for (int i = 0; i < NMT_TRANSLATE_MAX_BATCH; i++) free(lines[i]);
        if (ferror(stdin)) {   // not the end of the input: an error (a folder, an I/O error)
            fprintf(stderr, "nmt translate: standard input: read error after %ld lines: %s\n", count,
                    strerror(e ? e : EIO));
            rc = 1;
        }
    }
    warn_utf8(NULL, 0, 0, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (stats) fprintf(stderr, "nmt translate: %ld sentences in %.2fs (%.0f sentences/s)\n", count, s, count / s);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt translate: cannot write to standard output\n");
        rc = 1;
    }
    nmt_translator_free(&tr);
    nmt_model_free(&m);
    return rc;
}
