/* Batched greedy decoding through the model interface (decode/decode.h), for
 * every registered architecture:
 *   - a sentence's translation is the same alone, in any batch, at any
 *     position, and with any thread count;
 *   - one forward path: the teacher-forced forward pass (training and
 *     validation) fed a sentence's greedy translation predicts exactly that
 *     translation followed by endofseq, at every position: decode_step computes
 *     what training computes;
 * and a translation is its tokens joined by spaces, or by nothing for a
 * character target vocabulary. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/decode.h"
#include "nmt.h"
#include "tiny.h"

enum { NS = 150 };
static char *en[NS], *es[NS];

/* Teacher forcing on the greedy outputs: pred must equal them, then endofseq. */
static void check_teacher_forcing(const nmt_model *m, nmt_translator *one, const char *arch) {
    const int L = m->cfg.max_length;
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10), eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &m->cfg, 8, NMT_FP32, 0) == 0, "ws: %s", nmt_last_error());
    nmt_ws_hold_weights(&ws, m->params);
    nmt_batch b;
    nmt_batch_alloc(&b, 8, L);
    int32_t src[8][64], din[8][64], tgt[8][64];
    int slen[8], dlen[8], bad = 0, tokens = 0, with_eos = 0;
    for (int start = 0; start < NS; start += 8) {
        int n = NS - start < 8 ? NS - start : 8;
        const int32_t *sp[8], *dp[8], *tp[8];
        for (int i = 0; i < n; i++) {
            nmt_translate(one, en[start + i]);
            int k;
            const int32_t *ids = nmt_translation_ids(one, 0, &k);
            slen[i] = nmt_vectorize(m->src_vocab, en[start + i], src[i], L);
            // decoder input [sos] + y, target y + [eos], both cut to L
            din[i][0] = sos;
            for (int j = 0; j < k && j + 1 < L; j++) din[i][j + 1] = ids[j];
            for (int j = 0; j < k; j++) tgt[i][j] = ids[j];
            if (k < L) tgt[i][k] = eos, with_eos++;
            dlen[i] = k < L ? k + 1 : L;
            sp[i] = src[i], dp[i] = din[i], tp[i] = tgt[i];
        }
        nmt_batch_build(&b, n, sp, slen, dp, tp, dlen);
        nmt_ws_forward_backward(&ws, m->params, NULL, &b, 1);
        for (int k = 0; k < b.dec.ntok; k++) bad += ws.pred[k] != b.tgt_ids[k], tokens++;
    }
    CHECK(bad == 0, "%s: teacher-forced predictions differ from greedy decoding at %d of %d tokens", arch, bad,
          tokens);
    CHECK(with_eos > 10, "%s: too few translations end before max_length (%d)", arch, with_eos);
    fprintf(stderr, "  %s: teacher forcing reproduces %d greedy tokens (%d sentences end with endofseq)\n", arch,
            tokens, with_eos);
    nmt_batch_free(&b);
    nmt_ws_free(&ws);
}

static void check_arch(const char *arch) {
    nmt_model m;
    // endofseq a little likelier, so that translations of every length occur
    tiny_model(&m, arch, en, es, NS, 13, 24, 12, 5, 1.5f);

    char *alone[NS];
    nmt_set_threads(1);
    nmt_translator one;
    CHECK(nmt_translator_init(&one, &m, 1, NULL) == 0, "translator: %s", nmt_last_error());
    int distinct = 0;
    for (int i = 0; i < NS; i++) {
        alone[i] = strdup(nmt_translate(&one, en[i]));
        if (i && strcmp(alone[i], alone[i - 1])) distinct++;
    }
    CHECK(distinct > 10, "%s: the random model should translate differently (%d changes)", arch, distinct);
    for (int threads = 1; threads <= 2; threads++) {
        nmt_set_threads(threads);
        for (int bs = 2; bs <= NMT_TRANSLATE_MAX_BATCH; bs *= 3) {   // 2, 6, 18, 54
            nmt_translator tr;
            nmt_translator_init(&tr, &m, bs, NULL);
            int bad = 0;
            for (int start = 0; start < NS; start += bs) {
                int n = NS - start < bs ? NS - start : bs;
                nmt_translate_batch(&tr, (const char *const *)en + start, n);
                for (int i = 0; i < n; i++) bad += strcmp(nmt_translation(&tr, i), alone[start + i]) != 0;
            }
            CHECK(bad == 0, "%s: %d sentences differ in batches of %d (threads %d)", arch, bad, bs, threads);
            nmt_translator_free(&tr);
        }
        check_teacher_forcing(&m, &one, arch);
    }
    nmt_translator_free(&one);
    for (int i = 0; i < NS; i++) free(alone[i]);
    nmt_model_free(&m);
}

/* A translation is its tokens joined by single spaces, or, with a character
 * target vocabulary, by nothing; greedy and beam alike. */
static void check_join(void) {
    nmt_model m;
    tiny_model(&m, "basic", en, es, NS, 13, 24, 12, 5, 1.5f);
    const nmt_decode_opts beam = {.beam = 3, .n_best = 1};
    for (int chars = 0; chars < 2; chars++) {
        nmt_vocab_set_split(m.tgt_vocab, chars ? NMT_SPLIT_CHARACTER : NMT_SPLIT_WHITESPACE);
        for (int b = 0; b < 2; b++) {
            nmt_translator tr;
            CHECK(nmt_translator_init(&tr, &m, 0, b ? &beam : NULL) == 0, "translator: %s", nmt_last_error());
            int bad = 0, spaces = 0;
            for (int i = 0; i < NS; i++) {
                const char *t = nmt_translate(&tr, en[i]);
                int n;
                const int32_t *ids = nmt_translation_ids(&tr, 0, &n);
                char want[1024] = "";
                for (int j = 0; j < n; j++) {
                    if (j && !chars) strcat(want, " ");
                    strcat(want, nmt_vocab_token(m.tgt_vocab, ids[j]));
                }
                bad += strcmp(t, want) != 0;
                spaces += strchr(t, ' ') != NULL;
            }
            CHECK(bad == 0, "%s, %s: %d translations are not their tokens joined", chars ? "characters" : "words",
                  b ? "beam" : "greedy", bad);
            CHECK(chars ? spaces == 0 : spaces > 10, "%d translations with spaces", spaces);
            nmt_translator_free(&tr);
        }
    }
    nmt_model_free(&m);
}

int main(void) {
    tiny_corpus(en, es, NS, 3, 0, 9);   // 0..9 words, empty sentences included
    CHECK(nmt_arch_count() >= 3, "registry has %d architectures", nmt_arch_count());
    for (int a = 0; a < nmt_arch_count(); a++)   // the translators (language models: test_charrnn)
        if (!nmt_arch_info_at(a)->lm) check_arch(nmt_arch_info_at(a)->name);
    check_join();
    for (int i = 0; i < NS; i++) free(en[i]), free(es[i]);
    return check_exit("test_decode");
}
