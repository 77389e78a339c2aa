/* libFuzzer target: the corpus reader (nmt_corpus_parse) on arbitrary bytes,
 * with the book's strip characters and with none, lenient and --strict. Each
 * pair it accepts must be valid strings inside its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

static void one(const uint8_t *data, size_t size, const char *strip, int strict) {
    nmt_corpus c;
    memset(&c, 0, sizeof c);
    if (nmt_corpus_parse(&c, (const char *)data, size, "fuzz.txt", strip, strict) == 0) {
        size_t total = 0;
        for (size_t i = 0; i < c.n; i++) total += strlen(c.en[i]) + strlen(c.es[i]);
        if (total > 2 * size + 2 * c.n) abort();   // pairs come from the input
    }
    nmt_corpus_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    one(data, size, NMT_STRIP_CHARS, 0);
    one(data, size, NULL, 0);
    one(data, size, NMT_STRIP_CHARS, 1);
    return 0;
}
