/* libFuzzer target: the corpus reader (nmt_corpus_parse) on arbitrary bytes,
 * with the book's strip characters and with none. Each pair it accepts must
 * be valid strings inside its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

static void one(const uint8_t *data, size_t size, const char *strip) {
    nmt_corpus c;
    memset(&c, 0, sizeof c);
    if (nmt_corpus_parse(&c, (const char *)data, size, "fuzz.txt", strip) == 0) {
        size_t total = 0;
        for (size_t i = 0; i < c.n; i++) total += strlen(c.en[i]) + strlen(c.es[i]);
        if (total > 2 * size + 2 * c.n) abort();   // pairs come from the input
    }
    nmt_corpus_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    one(data, size, NMT_STRIP_CHARS);
    one(data, size, NULL);
    return 0;
}
