/* The character language model (models/charrnn.c, train/textdata.c,
 * decode/generate.c): the book's windows, stateless and stateful; a stateful
 * pass equals a stateless pass over the concatenated windows; generation
 * continues exactly the teacher-forced pass and is deterministic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/decode.h"
#include "nmt.h"
#include "train/train.h"

/* A model of `units` over the characters of text, random weights times 3
 * (so that its predictions vary). */
static void make_model(nmt_model *m, const char *text, int units, int max_length, uint32_t seed) {
    nmt_vocab *v = nmt_vocab_adapt_chars(text, strlen(text), 1 << 20, NULL);
    CHECK(v != NULL, "adapt: %s", nmt_last_error());
    nmt_config cfg;
    CHECK(nmt_config_default(&cfg, "charrnn") == 0, "config");
    cfg.tgt_vocab = nmt_vocab_size(v), cfg.embed = 5, cfg.units = units, cfg.max_length = max_length;
    CHECK(nmt_model_init(m, &cfg) == 0, "init: %s", nmt_last_error());
    m->tgt_vocab = v;
    nmt_model_randomize(m, seed);
    for (size_t i = 0; i < m->table.total; i++) m->params[i] *= 3;
}

/* The book's windows (ch16 §1.1, §1.3) on a text of 20 distinct characters. */
static void check_windows(void) {
    const char *text = "abcdefghijklmnopqrst";
    nmt_model m;
    make_model(&m, text, 8, 3, 1);
    nmt_data d;
    // stateless, shift 1: 10 characters make 7 windows of 3 + 1
    CHECK(nmt_text_data_build(&d, &m, text, 20, "t", 10, 10, 0) == 0, "build: %s", nmt_last_error());
    CHECK(d.train.n == 7 && d.valid.n == 7 && d.train.lm, "windows %zu/%zu", d.train.n, d.valid.n);
    for (size_t i = 0; i < d.train.n; i++) CHECK(d.train.tgt_off[i] == i && d.train.tgt_len[i] == 3, "window %zu", i);
    // the text's ids are the vocabulary's minus 2, and the target is the input shifted by one
    int32_t id_d = nmt_vocab_id(m.tgt_vocab, "d", 1) - 2;
    CHECK(d.train.ids[3] == id_d && d.valid.ids[0] == nmt_vocab_id(m.tgt_vocab, "k", 1) - 2, "ids");
    nmt_data_free(&d);
    // stateful, the book's example: range(20), length 3, batch 2 -> [0,1,2]/[10,11,12], [3,4,5]/[13,14,15], ...
    CHECK(nmt_text_data_build(&d, &m, text, 20, "t", 20, 0, 2) == 0, "build: %s", nmt_last_error());
    const size_t want[] = {0, 10, 3, 13, 6, 16};
    CHECK(d.train.n == 6 && d.valid.n == 0, "stateful windows %zu", d.train.n);
    for (size_t i = 0; i < 6 && i < d.train.n; i++) CHECK(d.train.tgt_off[i] == want[i], "stateful window %zu at %zu", i, d.train.tgt_off[i]);
    nmt_data_free(&d);
    // np.array_split of 19 into 2: 10 and 9; the shorter part sets 2 windows each
    CHECK(nmt_text_data_build(&d, &m, text, 19, "t", 19, 0, 2) == 0, "build");
    CHECK(d.train.n == 4 && d.train.tgt_off[1] == 10 && d.train.tgt_off[3] == 13, "array_split windows");
    nmt_data_free(&d);
    // too short, and a character the vocabulary lacks: refused, naming the file
    CHECK(nmt_text_data_build(&d, &m, text, 20, "t.txt", 15, 10, 0) == -1 && strstr(nmt_last_error(), "t.txt"),
          "too short: %s", nmt_last_error());
    nmt_data_free(&d);
    CHECK(nmt_text_data_build(&d, &m, "abcT#", 5, "u.txt", 0, 0, 0) == -1 &&
              strstr(nmt_last_error(), "character 5 ") && strstr(nmt_last_error(), "u.txt"),
          "unknown character: %s", nmt_last_error());
    nmt_data_free(&d);
    nmt_model_free(&m);
}

/* Stateful over k windows of each of two streams = stateless over each
 * stream's concatenation: the same logits, bit for bit, at 1 and 2 threads. */
static void check_carry(void) {
    enum { K = 4, W = 5, S = 2, N = K * W };
    const char *text = "to be or not to be, that is the question: whether tis nobler";
    nmt_model m;
    make_model(&m, text, 24, W, 7);
    int32_t ids[64];
    long n = nmt_text_ids(m.tgt_vocab, text, strlen(text), ids);
    CHECK(n >= 2 * N + 1, "text ids %ld", n);
    const int V = m.cfg.tgt_vocab - 2;
    for (int threads = 1; threads <= 2; threads++) {
        nmt_set_threads(threads);
        // stateless: one example per stream, N characters
        nmt_config big = m.cfg;
        big.max_length = N;
        nmt_ws ws1;
        CHECK(nmt_ws_alloc(&ws1, &big, S, NMT_FP32, 0) == 0, "ws");
        nmt_batch b1;
        nmt_batch_alloc(&b1, S, N);
        const int32_t *din[S] = {ids, ids + N}, *tgt[S] = {ids + 1, ids + N + 1};
        int len[S] = {N, N};
        nmt_batch_build(&b1, S, NULL, NULL, din, tgt, len);
        nmt_ws_forward_backward(&ws1, m.params, NULL, &b1, 1);
        // stateful: K batches of S windows of W
        nmt_ws ws2;
        CHECK(nmt_ws_alloc(&ws2, &m.cfg, S, NMT_FP32, 1) == 0, "ws");
        ws2.carry = calloc((size_t)S * m.cfg.units, sizeof(float));
        nmt_batch b2;
        nmt_batch_alloc(&b2, S, W);
        int same = 1;
        for (int k = 0; k < K; k++) {
            const int32_t *d2[S] = {ids + k * W, ids + N + k * W}, *t2[S] = {ids + k * W + 1, ids + N + k * W + 1};
            int l2[S] = {W, W};
            nmt_batch_build(&b2, S, NULL, NULL, d2, t2, l2);
            nmt_ws_forward_backward(&ws2, m.params, NULL, &b2, 1);
            for (int s = 0; s < S; s++)
                for (int t = 0; t < W; t++) {
                    // packed row of (row s, step t): off[t] + s (equal lengths keep the order)
                    const float *a = ws1.logits + (long)(b1.dec.off[k * W + t] + s) * V;
                    const float *c = ws2.logits + (long)(b2.dec.off[t] + s) * V;
                    same &= memcmp(a, c, sizeof(float) * V) == 0;
                }
        }
        CHECK(same, "%d threads: stateful windows differ from the stateless pass over their concatenation", threads);
        free(ws2.carry);
        ws2.carry = NULL;
        nmt_batch_free(&b1), nmt_batch_free(&b2);
        nmt_ws_free(&ws1), nmt_ws_free(&ws2);
    }
    nmt_model_free(&m);
}

typedef struct {
    char buf[4096];
    size_t n;
} sink;

static void to_sink(const char *text, size_t n, void *ctx) {
    sink *s = ctx;
    if (s->n + n < sizeof s->buf) memcpy(s->buf + s->n, text, n), s->n += n;
    s->buf[s->n] = 0;
}

/* Generation: deterministic for a seed, and at T = 0 each character is the
 * argmax of the teacher-forced pass over the text so far. */
static void check_generate(void) {
    const char *text = "to be or not to be, that is the question: whether tis nobler";
    nmt_model m;
    make_model(&m, text, 16, 8, 3);
    nmt_generate_opts o = {.length = 200, .temperature = 1, .seed = 5};
    sink a = {0}, b = {0}, c = {0};
    CHECK(nmt_generate(&m, "To be", &o, to_sink, &a) == 0, "generate: %s", nmt_last_error());
    CHECK(nmt_generate(&m, "To be", &o, to_sink, &b) == 0, "generate");
    CHECK(a.n == b.n && memcmp(a.buf, b.buf, a.n) == 0, "same seed, different text");
    CHECK(a.n == 5 + 200 && memcmp(a.buf, "To be", 5) == 0, "prompt then 200 characters (%zu bytes)", a.n);
    o.seed = 6;
    CHECK(nmt_generate(&m, "To be", &o, to_sink, &c) == 0, "generate");
    CHECK(c.n != a.n || memcmp(a.buf, c.buf, a.n) != 0, "another seed gives the same 200 characters");
    // T = 0: greedy; check it against a teacher-forced pass over prompt + generated text
    sink g = {0};
    o.temperature = 0, o.length = 30;
    CHECK(nmt_generate(&m, "to be", &o, to_sink, &g) == 0, "generate T=0");
    int32_t ids[64];
    long n = nmt_text_ids(m.tgt_vocab, g.buf, g.n, ids);
    CHECK(n == 35, "ids %ld", n);
    nmt_config big = m.cfg;
    big.max_length = 64;
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &big, 1, NMT_FP32, 0) == 0, "ws");
    nmt_batch bt;
    nmt_batch_alloc(&bt, 1, 64);
    const int32_t *din[1] = {ids}, *tgt[1] = {ids + 1};
    int len[1] = {(int)n - 1};
    nmt_batch_build(&bt, 1, NULL, NULL, din, tgt, len);
    nmt_ws_forward_backward(&ws, m.params, NULL, &bt, 1);
    int greedy = 1;
    for (int t = 4; t < n - 1; t++) greedy &= ws.pred[t] == ids[t + 1];   // from the prompt's last character on
    CHECK(greedy, "T=0 generation is not the argmax of the teacher-forced pass");
    nmt_batch_free(&bt);
    nmt_ws_free(&ws);
    // refusals
    o.temperature = 1;
    CHECK(nmt_generate(&m, "", &o, to_sink, &g) == -1 && strstr(nmt_last_error(), "empty"), "empty prompt");
    CHECK(nmt_generate(&m, "to be #", &o, to_sink, &g) == -1 && strstr(nmt_last_error(), "character 7"),
          "unknown character: %s", nmt_last_error());
    nmt_model_free(&m);
}

int main(void) {
    check_windows();
    check_carry();
    check_generate();
    return check_exit("test_charrnn");
}
