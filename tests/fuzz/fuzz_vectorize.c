/* libFuzzer target: the text vectorizer. The input, as text, is
 * standardized, vectorized by a word and a character vocabulary (with
 * nmt_vectorize_words too), and adapted into vocabularies of both kinds;
 * every id must be in range and every count within its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

static const char *const WORDS[] = {"", "[UNK]", "startofseq", "endofseq", "i", "like", "the", "cat", "\xc3\xa9l"};

static void vectorize(const nmt_vocab *v, const char *text, size_t len) {
    int32_t ids[64];
    char *words[64];
    int n = nmt_vectorize(v, text, ids, 64);
    if (n < 0 || n > 64) abort();
    for (int i = 0; i < n; i++)
        if (ids[i] < 1 || ids[i] >= nmt_vocab_size(v)) abort();
    n = nmt_vectorize_words(v, text, ids, words, 64);
    if (n < 0 || n > 64) abort();
    for (int i = 0; i < n; i++) free(words[i]);
    int32_t *all = malloc(sizeof(int32_t) * (len + 1));
    size_t k = nmt_vectorize_chars(v, text, len, all, len);
    if (k > len) abort();
    free(all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    const size_t len = strlen(text);   // the vectorizer reads C strings
    char *std = malloc(len + 1);
    if (nmt_standardize(text, std) > len) abort();
    free(std);

    nmt_vocab *w = nmt_vocab_from_list(WORDS, (int)(sizeof WORDS / sizeof *WORDS));
    nmt_vocab_set_strip_chars(w, NMT_STRIP_CHARS);
    vectorize(w, text, len);
    nmt_vocab_set_split(w, NMT_SPLIT_CHARACTER);
    vectorize(w, text, len);
    nmt_vocab_free(w);

    // vocabularies adapted from the input: its lines as texts, and all of it as characters
    const char *lines[16];
    size_t nl = 0;
    for (char *p = text; nl < 16 && p;) {
        lines[nl++] = p;
        p = strchr(p, '\n');
        if (p) *p++ = 0;
    }
    nmt_vocab *a = nmt_vocab_adapt(lines, nl, 12, "startofseq", "endofseq", NULL);
    if (a) {
        if (nmt_vocab_size(a) > 12) abort();
        vectorize(a, lines[0], strlen(lines[0]));
        nmt_vocab_free(a);
    }
    nmt_vocab *c = nmt_vocab_adapt_chars((const char *)data, size, 0, NULL);
    if (c) {
        vectorize(c, lines[0], strlen(lines[0]));
        nmt_vocab_free(c);
    }
    free(text);
    return 0;
}
