/* Corpus reading exactly as the chapter-16 notebook does it (ch16-reference.md §1.5):
 *   text = Path(p).read_text()                      # UTF-8, universal newlines
 *   text = text.replace("¡", "").replace("¿", "")   # the characters of `strip`
 *   pairs = [line.split("\t") for line in text.splitlines()]
 *   np.random.seed(42); np.random.shuffle(pairs)
 * Choices where the notebook would crash or misbehave:
 *   - a line with no TAB (including an empty line in the middle, or a blank line at
 *     the end: "a\tb\n\n") is an error naming the file and line; the notebook would
 *     fail later in zip(*pairs);
 *   - invalid UTF-8 and NUL bytes are errors naming the line (Python rejects the
 *     former; the latter would silently cut C strings);
 *   - an input with no line at all is an error.
 * What is only unusual is an error naming the line in strict mode; otherwise it
 * is repaired or skipped, and counted (nmt_corpus_notes):
 *   - a byte-order mark at the start is removed (the notebook would keep U+FEFF
 *     in the first English sentence);
 *   - a line whose English or Spanish side is blank is skipped (it would teach
 *     the model to translate something into nothing, or nothing into something);
 *   - a third column (manythings attribution) and anything after it is ignored;
 *   - line breaks other than LF and CR LF (CR alone, VT, FF, FS, GS, RS, U+0085,
 *     U+2028, U+2029) split lines, as splitlines() does.
 * Line numbers count the lines as splitlines() sees them after the deletions. */
#include <stdio.h>
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
// universal newlines; strict keeps a \r alone, for the line splitting to refuse) and
// deleting the characters of strip (and a byte-order mark); out needs len+1 bytes
static int clean_text(const char *text, size_t len, const char *path, const char *strip, int strict,
                      nmt_corpus_notes *notes, char *out, size_t *out_len) {
    const unsigned char *s = (const unsigned char *)text;
    unsigned char *o = (unsigned char *)out;
    size_t j = 0, i = 0;
    if (strip && !*strip) strip = NULL;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {   // U+FEFF, byte-order mark
        if (strict) return nmt_error("%s:1: starts with a byte-order mark (U+FEFF) (--strict)", path);
        notes->bom = 1;
        i = 3;
    }
    while (i < len) {
        size_t n = nmt_utf8_char_len(s, i, len);
        if (n == 0 || s[i] == 0) {
            size_t line = line_number_at(o, j);
            return nmt_error("%s:%zu: %s (byte offset %zu)", path, line,
                             n ? "NUL byte" : "invalid UTF-8", i);
        }
        if (s[i] == '\r') {
            const int alone = !(i + 1 < len && s[i + 1] == '\n');
            // a CR alone stays for the strict line splitting to refuse in its turn
            if (alone && !strict && !notes->breaks++) notes->breaks_line = line_number_at(o, j);
            o[j++] = alone && strict ? '\r' : '\n';
            i += alone ? 1 : 2;
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

// nothing but ASCII whitespace
static int blank(const char *s) {
    return s[strspn(s, " \t\n\v\f\r")] == 0;
}

// splits line buf[start..end) in place on TAB: fields 0 and 1 kept, the rest ignored
static int split_line(nmt_corpus *c, size_t *cap, size_t start, size_t end, size_t line,
                      const char *path, int strict) {
    char *b = c->buf;
    char *tab1 = memchr(b + start, '\t', end - start);
    if (!tab1) return nmt_error("%s:%zu: expected English<TAB>Spanish", path, line);
    size_t es = (size_t)(tab1 - b) + 1;
    char *tab2 = memchr(b + es, '\t', end - es);
    *tab1 = 0;
    if (tab2) *tab2 = 0;
    b[end] = 0;
    const char *side = blank(b + start) ? "English" : blank(b + es) ? "Spanish" : NULL;
    if (side) {
        if (strict) return nmt_error("%s:%zu: the %s side is blank (--strict)", path, line, side);
        if (!c->notes.empty++) c->notes.empty_line = line;
        return 0;
    }
    if (tab2) {
        if (strict)
            return nmt_error("%s:%zu: more than two columns; expected English<TAB>Spanish (--strict)", path, line);
        if (!c->notes.extra++) c->notes.extra_line = line;
    }
    corpus_push(c, cap, b + start, b + es);
    return 0;
}

// U+XXXX of the line break of `len` bytes at s
static unsigned break_code(const unsigned char *s, size_t len) {
    return len == 1 ? s[0] : len == 2 ? 0x85u : s[2] == 0xA8 ? 0x2028u : 0x2029u;
}

// cleans a copy of text, then splits it into lines and the lines into pairs
int nmt_corpus_parse(nmt_corpus *c, const char *text, size_t len, const char *path, const char *strip, int strict) {
    memset(c, 0, sizeof *c);
    c->buf = nmt_xmalloc(len + 1);
    size_t n = 0;
    if (clean_text(text, len, path, strip, strict, &c->notes, c->buf, &n) != 0) {
        nmt_corpus_free(c);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)c->buf;
    size_t cap = 0, line = 1;
    for (size_t start = 0; start < n; line++) {
        size_t end = start, br = 0;
        while (end < n && (br = line_break_len(s, end, n)) == 0) end++;
        if (br && s[end] != '\n') {   // CR alone (strict), VT, FF, FS, GS, RS, U+0085, U+2028, U+2029
            if (strict) {
                char what[16];
                snprintf(what, sizeof what, "U+%04X", break_code(s + end, br));
                nmt_error("%s:%zu: ends with %s, a line break other than LF or CR LF (--strict)", path, line,
                          s[end] == '\r' ? "a CR alone" : what);
                nmt_corpus_free(c);
                return -1;
            }
            if (!c->notes.breaks++ || line < c->notes.breaks_line) c->notes.breaks_line = line;
        }
        if (split_line(c, &cap, start, end, line, path, strict) != 0) {
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
int nmt_corpus_read(nmt_corpus *c, const char *path, const char *strip, int strict) {
    char *data;
    size_t len;
    memset(c, 0, sizeof *c);
    if (nmt_read_file(path, &data, &len) != 0) return -1;
    int rc = nmt_corpus_parse(c, data, len, path, strip, strict);
    free(data);
    return rc;
}

int nmt_corpus_notes_text(const nmt_corpus_notes *t, char *buf, size_t cap) {
    size_t k = 0;
    buf[0] = 0;
#define NOTE(...) (k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s", k ? "; " : ""), \
                   k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, __VA_ARGS__))
    if (t->bom) NOTE("removed the byte-order mark at the start");
    if (t->empty)
        NOTE("skipped %zu line%s whose English or Spanish side is blank (%sline %zu)", t->empty,
             t->empty == 1 ? "" : "s", t->empty == 1 ? "" : "first: ", t->empty_line);
    if (t->extra)
        NOTE("ignored the columns after the second on %zu line%s (%sline %zu)", t->extra, t->extra == 1 ? "" : "s",
             t->extra == 1 ? "" : "first: ", t->extra_line);
    if (t->breaks)
        NOTE("%zu line break%s other than LF or CR LF ended lines (%sline %zu)", t->breaks,
             t->breaks == 1 ? "" : "s", t->breaks == 1 ? "" : "first: ", t->breaks_line);
#undef NOTE
    return k > 0;
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
