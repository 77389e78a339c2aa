/* Corpus reading exactly as the chapter-16 notebook does it (ch16-reference.md §1.5):
 *   text = Path(p).read_text()                      # UTF-8, universal newlines
 *   text = text.replace("¡", "").replace("¿", "")   # the characters of `strip`
 *   pairs = [line.split("\t") for line in text.splitlines()]
 *   np.random.seed(42); np.random.shuffle(pairs)
 * Choices where the notebook would crash or misbehave:
 *   - a line with no TAB (including an empty line in the middle, or a blank line at
 *     the end: "a\tb\n\n") is an error naming the file and line; the notebook would
 *     fail later in zip(*pairs);
 *   - a third column (manythings attribution) and anything after it is ignored;
 *   - invalid UTF-8 and NUL bytes are errors naming the line (Python rejects the
 *     former; the latter would silently cut C strings);
 *   - an input with no line at all is an error.
 * Line numbers count the lines as splitlines() sees them after the deletions. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "text/text.h"

// length of the str.splitlines() line break starting at s[i], 0 if none
static size_t line_break_len(const unsigned char *s, size_t i, size_t len) {
    unsigned c = s[i];
    if (c == '\r') return (i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) return 1;
    if (c == 0xC2 && i + 1 < len && s[i + 1] == 0x85) return 2;                      // U+0085
    if (c == 0xE2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
        return 3;                                                                   // U+2028/9
    return 0;
}

// 1-based number of the line that starts after s[0..end) (splitlines counting)
static size_t line_number_at(const unsigned char *s, size_t end) {
    size_t line = 1;
    for (size_t i = 0; i < end;) {
        size_t b = line_break_len(s, i, end);
        if (b) line++;
        i += b ? b : 1;
    }
    return line;
}

// copies text into out, validating UTF-8, translating \r\n and \r to \n (read_text's
// universal newlines) and deleting the characters of strip; out needs len+1 bytes
static int clean_text(const char *text, size_t len, const char *path, const char *strip, char *out,
                      size_t *out_len) {
    const unsigned char *s = (const unsigned char *)text;
    unsigned char *o = (unsigned char *)out;
    size_t j = 0;
    if (strip && !*strip) strip = NULL;
    for (size_t i = 0; i < len;) {
        size_t n = nmt_utf8_char_len(s, i, len);
        if (n == 0 || s[i] == 0) {
            size_t line = line_number_at(o, j);
            return nmt_error("%s:%zu: %s (byte offset %zu)", path, line,
                             n ? "NUL byte" : "invalid UTF-8", i);
        }
        if (s[i] == '\r') {
            o[j++] = '\n';
            i += (i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (strip && nmt_strip_match(strip, text + i, n) == n) {   // the book's ¡ and ¿
            i += n;
            continue;
        }
        memcpy(o + j, s + i, n);
        j += n;
        i += n;
    }
    o[j] = 0;
    *out_len = j;
    return 0;
}

// appends one pair, growing the arrays by doubling
static void corpus_push(nmt_corpus *c, size_t *cap, char *en, char *es) {
    if (c->n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        c->en = nmt_xrealloc(c->en, *cap * sizeof *c->en);
        c->es = nmt_xrealloc(c->es, *cap * sizeof *c->es);
    }
    c->en[c->n] = en;
    c->es[c->n] = es;
    c->n++;
}

// splits line buf[start..end) in place on TAB: fields 0 and 1 kept, the rest ignored
static int split_line(nmt_corpus *c, size_t *cap, size_t start, size_t end, size_t line,
                      const char *path) {
    char *b = c->buf;
    char *tab1 = memchr(b + start, '\t', end - start);
    if (!tab1) return nmt_error("%s:%zu: expected English<TAB>Spanish", path, line);
    size_t es = (size_t)(tab1 - b) + 1;
    char *tab2 = memchr(b + es, '\t', end - es);
    *tab1 = 0;
    if (tab2) *tab2 = 0;
    b[end] = 0;
    corpus_push(c, cap, b + start, b + es);
    return 0;
}

// cleans a copy of text, then splits it into lines and the lines into pairs
int nmt_corpus_parse(nmt_corpus *c, const char *text, size_t len, const char *path, const char *strip) {
    memset(c, 0, sizeof *c);
    c->buf = nmt_xmalloc(len + 1);
    size_t n = 0;
    if (clean_text(text, len, path, strip, c->buf, &n) != 0) {
        nmt_corpus_free(c);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)c->buf;
    size_t cap = 0, line = 1;
    for (size_t start = 0; start < n; line++) {
        size_t end = start, br = 0;
        while (end < n && (br = line_break_len(s, end, n)) == 0) end++;
        if (split_line(c, &cap, start, end, line, path) != 0) {
            nmt_corpus_free(c);
            return -1;
        }
        start = end + br;
    }
    if (c->n == 0) {
        nmt_corpus_free(c);
        return nmt_error("%s: no sentence pairs", path);
    }
    return 0;
}

// reads the whole file and parses it
int nmt_corpus_read(nmt_corpus *c, const char *path, const char *strip) {
    char *data;
    size_t len;
    memset(c, 0, sizeof *c);
    if (nmt_read_file(path, &data, &len) != 0) return -1;
    int rc = nmt_corpus_parse(c, data, len, path, strip);
    free(data);
    return rc;
}

// frees the pairs and their buffer; the struct is left zeroed
void nmt_corpus_free(nmt_corpus *c) {
    free(c->en);
    free(c->es);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

// perm = np.arange(n) after np.random.seed(seed); np.random.shuffle (n < 2^32)
void nmt_corpus_permutation(uint32_t *perm, size_t n, uint32_t seed) {
    nmt_rng r;
    nmt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    nmt_rng_shuffle_u32(&r, perm, n);
}

// reorders the pairs as np.random.seed(seed); np.random.shuffle(pairs)
void nmt_corpus_shuffle(nmt_corpus *c, uint32_t seed) {
    if (c->n < 2) return;
    uint32_t *perm = nmt_xmalloc(c->n * sizeof *perm);
    nmt_corpus_permutation(perm, c->n, seed);
    char **en = nmt_xmalloc(c->n * sizeof *en), **es = nmt_xmalloc(c->n * sizeof *es);
    for (size_t i = 0; i < c->n; i++) {
        en[i] = c->en[perm[i]];
        es[i] = c->es[perm[i]];
    }
    free(c->en);
    free(c->es);
    c->en = en;
    c->es = es;
    free(perm);
}
