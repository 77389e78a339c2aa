/* Batched greedy decoding: a sentence's translation is the same alone, in any
 * batch, at any position, and with any thread count (decode/decode.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "decode/decode.h"
#include "nmt.h"

static const char *words_en[] = {"the", "cat", "i", "like", "soccer", "you", "dog", "is", "big", "we", "go", "home"};
static const char *words_es[] = {"el", "gato", "me", "gusta", "fútbol", "tú", "perro", "es", "grande", "vamos", "casa"};

int main(void) {
    nmt_rng rng;
    nmt_rng_seed(&rng, 3);
    // a random model with tiny vocabularies built from the word lists
    enum { NS = 150 };
    char *en[NS], *es[NS];
    for (int i = 0; i < NS; i++) {
        char a[256] = "", b[256] = "";
        int n = (int)nmt_rng_interval(&rng, 9);   // 0..9 words, empty sentences included
        for (int k = 0; k < n; k++) {
            strcat(a, words_en[nmt_rng_interval(&rng, 11)]);
            strcat(a, " ");
            strcat(b, words_es[nmt_rng_interval(&rng, 10)]);
            strcat(b, " ");
        }
        en[i] = strdup(a), es[i] = strdup(b);
    }
    nmt_config cfg;
    nmt_config_default(&cfg);
    cfg.src_vocab = 12, cfg.tgt_vocab = 13, cfg.embed = 8, cfg.units = 24, cfg.max_length = 12;
    nmt_model m;
    CHECK(nmt_model_init(&m, &cfg) == 0, "init: %s", nmt_last_error());
    m.src_vocab = nmt_vocab_adapt((const char *const *)en, NS, cfg.src_vocab, NULL, NULL, NULL);
    m.tgt_vocab = nmt_vocab_adapt((const char *const *)es, NS, cfg.tgt_vocab, "startofseq", "endofseq", NULL);
    nmt_model_randomize(&m, 5);
    for (size_t i = 0; i < m.table.total; i++) m.params[i] *= 4;   // livelier outputs than the init

    char *alone[NS];
    nmt_set_threads(1);
    nmt_translator one;
    nmt_translator_init(&one, &m, 1);
    int distinct = 0;
    for (int i = 0; i < NS; i++) {
        alone[i] = strdup(nmt_translate(&one, en[i]));
        if (i && strcmp(alone[i], alone[i - 1])) distinct++;
    }
    CHECK(distinct > 10, "the random model should translate differently (%d changes)", distinct);
    for (int threads = 1; threads <= 2; threads++) {
        nmt_set_threads(threads);
        for (int bs = 2; bs <= NMT_TRANSLATE_MAX_BATCH; bs *= 3) {   // 2, 6, 18, 54
            nmt_translator tr;
            nmt_translator_init(&tr, &m, bs);
            int bad = 0;
            for (int start = 0; start < NS; start += bs) {
                int n = NS - start < bs ? NS - start : bs;
                nmt_translate_batch(&tr, (const char *const *)en + start, n);
                for (int i = 0; i < n; i++) bad += strcmp(nmt_translation(&tr, i), alone[start + i]) != 0;
            }
            CHECK(bad == 0, "%d sentences differ in batches of %d (threads %d)", bad, bs, threads);
            nmt_translator_free(&tr);
        }
    }
    nmt_translator_free(&one);
    for (int i = 0; i < NS; i++) free(en[i]), free(es[i]), free(alone[i]);
    nmt_model_free(&m);
    return check_exit("test_decode");
}
