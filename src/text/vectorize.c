/* Keras-2 TextVectorization with the defaults the chapter uses
 * (ch16-reference.md §2.1): standardize "lower_and_strip_punctuation", split
 * "whitespace", output "int", vocabulary from adapt() or an explicit list;
 * and the char-RNN's split "character", standardize "lower" (text.h).
 * Tokens are byte strings; an open-addressing hash table maps them to ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "text/text.h"

/* ---- standardize and split ---------------------------------------------- */

// one of the 32 characters of Python's string.punctuation (ASCII graphic, not alnum)
static int is_punct(unsigned char c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

// ASCII whitespace as tf.strings.split sees it: space \t \n \v \f \r
static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// lowercases A-Z and drops string.punctuation, byte by byte (UTF-8 bytes are >= 0x80)
size_t nmt_standardize(const char *in, char *out) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        if (is_punct(c)) continue;
        out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
    out[n] = 0;
    return n;
}

// next whitespace-separated token of s[*pos..len): sets *start, returns its length (0 at the end)
static size_t next_token(const char *s, size_t len, size_t *pos, size_t *start) {
    size_t i = *pos;
    while (i < len && is_space((unsigned char)s[i])) i++;
    *start = i;
    while (i < len && !is_space((unsigned char)s[i])) i++;
    *pos = i;
    return i - *start;
}

// next code point of s[i..len) as a token, ASCII lowercased (tf.strings.lower)
// and a maximal ill-formed subpart replaced by U+FFFD (unicode_split's
// errors="replace"): writes it to tok (4 bytes at most), sets *tok_len and
// returns the number of input bytes it stands for (i < len)
static size_t next_char(const unsigned char *s, size_t len, size_t i, char tok[4], size_t *tok_len) {
    size_t n = nmt_utf8_char_len(s, i, len);
    if (n) {
        unsigned char c = s[i];
        tok[0] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
        for (size_t k = 1; k < n; k++) tok[k] = (char)s[i + k];
        *tok_len = n;
        return n;
    }
    memcpy(tok, "\xef\xbf\xbd", 3);
    *tok_len = 3;
    // the bytes that still begin a well-formed sequence belong to this subpart
    unsigned c = s[i], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 1;   // never a lead byte
    if (i + 1 >= len || s[i + 1] < lo || s[i + 1] > hi) return 1;
    size_t k = 2;
    while (k < need && i + k < len && s[i + k] >= 0x80 && s[i + k] <= 0xBF) k++;
    return k;   // < need, else the sequence was well-formed
}

/* ---- string hash table -------------------------------------------------- */

// a set of byte strings: NUL-terminated copies in an arena, indexed by open addressing
typedef struct {
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;       // entry -> arena offset
    uint32_t *len;     // entry -> byte length
    uint64_t *hash;    // entry -> hash
    uint32_t n, ncap;
    uint32_t *slots;   // entry index + 1, 0 = empty; capacity mask + 1 (a power of two)
    uint32_t mask;
} strtab;

// FNV-1a over the bytes, then a 64-bit finalizer so the low bits mix well
static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

// empty table with room for about `expect` entries before growing
static void strtab_init(strtab *t, uint32_t expect) {
    memset(t, 0, sizeof *t);
    uint32_t cap = 64;
    while (cap < 2 * expect) cap *= 2;
    t->slots = nmt_xcalloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
}

// releases everything the table owns
static void strtab_free(strtab *t) {
    free(t->arena);
    free(t->off);
    free(t->len);
    free(t->hash);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

// slot holding (s, n), or the empty slot where it would go
static uint32_t strtab_slot(const strtab *t, const char *s, size_t n, uint64_t h) {
    uint32_t i = (uint32_t)h & t->mask;
    for (;;) {
        uint32_t e = t->slots[i];
        if (e == 0) return i;
        e--;
        if (t->hash[e] == h && t->len[e] == n && memcmp(t->arena + t->off[e], s, n) == 0) return i;
        i = (i + 1) & t->mask;
    }
}

// entry index of (s, n), or -1
static int64_t strtab_find(const strtab *t, const char *s, size_t n) {
    uint32_t e = t->slots[strtab_slot(t, s, n, hash_bytes(s, n))];
    return e ? (int64_t)e - 1 : -1;
}

// doubles the slot array and reinserts every entry
static void strtab_grow(strtab *t) {
    uint32_t cap = (t->mask + 1) * 2;
    free(t->slots);
    t->slots = nmt_xcalloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
    for (uint32_t e = 0; e < t->n; e++) {
        uint32_t i = (uint32_t)t->hash[e] & t->mask;
        while (t->slots[i]) i = (i + 1) & t->mask;
        t->slots[i] = e + 1;
    }
}

// entry index of (s, n), adding it if new (*added = 1 then)
static uint32_t strtab_intern(strtab *t, const char *s, size_t n, int *added) {
    uint64_t h = hash_bytes(s, n);
    uint32_t i = strtab_slot(t, s, n, h);
    *added = t->slots[i] == 0;
    if (!*added) return t->slots[i] - 1;
    if (t->n == t->ncap) {
        t->ncap = t->ncap ? t->ncap * 2 : 1024;
        t->off = nmt_xrealloc(t->off, t->ncap * sizeof *t->off);
        t->len = nmt_xrealloc(t->len, t->ncap * sizeof *t->len);
        t->hash = nmt_xrealloc(t->hash, t->ncap * sizeof *t->hash);
    }
    if (t->arena_len + n + 1 > t->arena_cap) {
        while (t->arena_len + n + 1 > t->arena_cap) t->arena_cap = t->arena_cap ? t->arena_cap * 2 : 1 << 16;
        t->arena = nmt_xrealloc(t->arena, t->arena_cap);
    }
    uint32_t e = t->n++;
    t->off[e] = t->arena_len;
    t->len[e] = (uint32_t)n;
    t->hash[e] = h;
    memcpy(t->arena + t->arena_len, s, n);
    t->arena[t->arena_len + n] = 0;
    t->arena_len += n + 1;
    t->slots[i] = e + 1;
    if ((uint64_t)t->n * 2 > t->mask + 1) strtab_grow(t);   // keep the load <= 1/2
    return e;
}

/* ---- vocabulary --------------------------------------------------------- */

struct nmt_vocab {
    strtab tab;                                 // entry index == token id
    char language[NMT_LANGUAGE_MAX + 1];        // "" until set
    char strip[4 * NMT_STRIP_CHARS_MAX + 1];    // deleted before standardizing
    nmt_split split;                            // how nmt_vectorize splits
};

// builds a vocabulary from n distinct tokens (id = position); NULL on a duplicate
static nmt_vocab *vocab_build(const char *const *toks, const size_t *lens, int n) {
    nmt_vocab *v = nmt_xcalloc(1, sizeof *v);
    strtab_init(&v->tab, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(toks[i]);
        int added;
        strtab_intern(&v->tab, toks[i], len, &added);
        if (!added) {
            nmt_error("vocabulary: token \"%s\" repeated (index %d)", toks[i], i);
            nmt_vocab_free(v);
            return NULL;
        }
    }
    return v;
}

// vocabulary from an explicit token list (as set_vocabulary / a saved model)
nmt_vocab *nmt_vocab_from_list(const char *const *tokens, int n) { return nmt_vocab_from_list_n(tokens, NULL, n); }

// the same, tokens of lens[i] bytes (NULL: strlen), so that one may be U+0000
nmt_vocab *nmt_vocab_from_list_n(const char *const *tokens, const size_t *lens, int n) {
    if (n < 2 || (lens && (lens[0] != 0 || lens[1] != 5)) || strcmp(tokens[0], "") != 0 ||
        strcmp(tokens[1], "[UNK]") != 0) {
        nmt_error("vocabulary: must start with \"\" and \"[UNK]\"");
        return NULL;
    }
    return vocab_build(tokens, lens, n);
}

// frees a vocabulary (NULL is fine)
void nmt_vocab_free(nmt_vocab *v) {
    if (!v) return;
    strtab_free(&v->tab);
    free(v);
}

int nmt_vocab_set_language(nmt_vocab *v, const char *name) {
    if (nmt_language_check(name, "language")) return -1;
    snprintf(v->language, sizeof v->language, "%s", name);
    return 0;
}

const char *nmt_vocab_language(const nmt_vocab *v) { return v->language[0] ? v->language : NULL; }

int nmt_vocab_set_strip_chars(nmt_vocab *v, const char *chars) {
    if (nmt_strip_chars_check(chars, "characters to delete")) return -1;
    snprintf(v->strip, sizeof v->strip, "%s", chars);
    return 0;
}

const char *nmt_vocab_strip_chars(const nmt_vocab *v) { return v->strip; }

nmt_split nmt_vocab_split(const nmt_vocab *v) { return v->split; }

int nmt_vocab_set_split(nmt_vocab *v, nmt_split mode) {
    if (mode != NMT_SPLIT_WHITESPACE && mode != NMT_SPLIT_CHARACTER) {
        nmt_error("vocabulary: unknown split mode %d", (int)mode);
        return -1;
    }
    v->split = mode;
    return 0;
}

// number of ids, specials included
int nmt_vocab_size(const nmt_vocab *v) { return (int)v->tab.n; }

// token of an id, NULL when out of range
const char *nmt_vocab_token(const nmt_vocab *v, int id) {
    if (id < 0 || (uint32_t)id >= v->tab.n) return NULL;
    return v->tab.arena + v->tab.off[id];
}

// byte length of a token, -1 when out of range
int nmt_vocab_token_len(const nmt_vocab *v, int id) {
    if (id < 0 || (uint32_t)id >= v->tab.n) return -1;
    return (int)v->tab.len[id];
}

// id of a token: '' -> 0, unknown -> 1 ([UNK])
int nmt_vocab_id(const nmt_vocab *v, const char *tok, size_t len) {
    int64_t e = strtab_find(&v->tab, tok, len);
    return e < 0 ? 1 : (int)e;
}

/* ---- adapt -------------------------------------------------------------- */

// a token with its count, for sorting
typedef struct {
    const char *s;
    uint32_t len;
    uint64_t count;
} counted;

// count descending, then token bytes descending: np.lexsort((tokens, counts))[::-1]
static int counted_cmp(const void *pa, const void *pb) {
    const counted *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    uint32_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, m);
    if (c) return -c;
    return a->len == b->len ? 0 : (a->len > b->len ? -1 : 1);
}

// token counter: a string table plus one count per entry
typedef struct {
    strtab tab;
    uint64_t *count;
    uint32_t count_cap;
    char *scratch;
    size_t scratch_cap;
} counter;

// adds 1 to the count of token (s, n)
static void count_token(counter *k, const char *s, size_t n) {
    int added;
    uint32_t e = strtab_intern(&k->tab, s, n, &added);
    if (e >= k->count_cap) {
        k->count_cap = k->tab.ncap;
        k->count = nmt_xrealloc(k->count, k->count_cap * sizeof *k->count);
    }
    k->count[e] = added ? 1 : k->count[e] + 1;
}

// standardizes and splits text, adding 1 to each token's count
static void count_text(counter *k, const char *text) {
    size_t need = strlen(text) + 1;
    if (need > k->scratch_cap) {
        k->scratch_cap = need * 2;
        k->scratch = nmt_xrealloc(k->scratch, k->scratch_cap);
    }
    size_t len = nmt_standardize(text, k->scratch), pos = 0, start, n;
    while ((n = next_token(k->scratch, len, &pos, &start)) > 0) count_token(k, k->scratch + start, n);
}

// max_tokens as Keras takes it: None (<= 0 here) or at least 2
static int check_max_tokens(int max_tokens) {
    if (max_tokens > 0 && max_tokens < 2) {
        nmt_error("vocabulary: max_tokens must be at least 2 (got %d)", max_tokens);
        return -1;
    }
    return 0;
}

// sorts the counted tokens, keeps max_tokens-2 (<= 0: all) and frees the counter
static nmt_vocab *vocab_from_counts(counter *k, int max_tokens, size_t *distinct) {
    counted *c = nmt_xmalloc((k->tab.n ? k->tab.n : 1) * sizeof *c);
    uint32_t m = 0;
    for (uint32_t e = 0; e < k->tab.n; e++) {
        const char *s = k->tab.arena + k->tab.off[e];
        if (k->tab.len[e] == 0 || (k->tab.len[e] == 5 && memcmp(s, "[UNK]", 5) == 0)) continue;   // the two specials
        c[m++] = (counted){s, k->tab.len[e], k->count[e]};
    }
    if (distinct) *distinct = m;
    qsort(c, m, sizeof *c, counted_cmp);
    uint32_t keep = (max_tokens > 0 && (uint32_t)max_tokens - 2 < m) ? (uint32_t)max_tokens - 2 : m;
    const char **toks = nmt_xmalloc((keep + 2) * sizeof *toks);
    size_t *lens = nmt_xmalloc((keep + 2) * sizeof *lens);
    toks[0] = "", lens[0] = 0;
    toks[1] = "[UNK]", lens[1] = 5;
    for (uint32_t i = 0; i < keep; i++) toks[i + 2] = c[i].s, lens[i + 2] = c[i].len;
    nmt_vocab *v = vocab_build(toks, lens, (int)keep + 2);
    free(toks);
    free(lens);
    free(c);
    free(k->count);
    free(k->scratch);
    strtab_free(&k->tab);
    return v;
}

// counts, sorts and keeps max_tokens-2 tokens; max_tokens <= 0 keeps all (Keras None)
nmt_vocab *nmt_vocab_adapt(const char *const *texts, size_t n, int max_tokens,
                           const char *prefix, const char *suffix, size_t *distinct) {
    if (check_max_tokens(max_tokens)) return NULL;
    counter k = {0};
    strtab_init(&k.tab, 1 << 14);
    for (size_t i = 0; i < n; i++) {   // standardize is per character, so pieces add up
        if (prefix) count_text(&k, prefix);
        count_text(&k, texts[i]);
        if (suffix) count_text(&k, suffix);
    }
    return vocab_from_counts(&k, max_tokens, distinct);
}

// counts every code point of text[0..len) (one string), then as nmt_vocab_adapt
nmt_vocab *nmt_vocab_adapt_chars(const char *text, size_t len, int max_tokens, size_t *distinct) {
    if (check_max_tokens(max_tokens)) return NULL;
    counter k = {0};
    strtab_init(&k.tab, 256);
    const unsigned char *s = (const unsigned char *)text;
    char tok[4];
    size_t tl;
    for (size_t i = 0; i < len;) {
        i += next_char(s, len, i, tok, &tl);
        count_token(&k, tok, tl);
    }
    nmt_vocab *v = vocab_from_counts(&k, max_tokens, distinct);
    if (v) v->split = NMT_SPLIT_CHARACTER;
    return v;
}

/* ---- vectorize ---------------------------------------------------------- */

// lowercases ASCII, splits into code points, looks up; keeps the first max ids (and their tokens)
static size_t vectorize_chars(const nmt_vocab *v, const char *text, size_t len, int32_t *ids, char **words,
                              size_t max) {
    const unsigned char *s = (const unsigned char *)text;
    char tok[4];
    size_t tl, count = 0;
    for (size_t i = 0; i < len && count < max;) {
        i += next_char(s, len, i, tok, &tl);
        if (words) {
            words[count] = nmt_xmalloc(tl + 1);
            memcpy(words[count], tok, tl);
            words[count][tl] = 0;
        }
        ids[count++] = nmt_vocab_id(v, tok, tl);
    }
    return count;
}

size_t nmt_vectorize_chars(const nmt_vocab *v, const char *text, size_t len, int32_t *ids, size_t max) {
    return vectorize_chars(v, text, len, ids, NULL, max);
}

// delete the strip characters, standardize, split, look up; keeps the first max_len ids, no padding
int nmt_vectorize_words(const nmt_vocab *v, const char *text, int32_t *ids, char **words, int max_len) {
    if (v->split == NMT_SPLIT_CHARACTER)
        return (int)vectorize_chars(v, text, strlen(text), ids, words, max_len > 0 ? (size_t)max_len : 0);
    char local[1024];
    size_t need = strlen(text) + 1;
    char *buf = need <= sizeof local ? local : nmt_xmalloc(need);
    if (v->strip[0]) {
        nmt_strip_chars(v->strip, text, buf);
        text = buf;   // standardized in place: it writes no further than it has read
    }
    size_t len = nmt_standardize(text, buf), pos = 0, start, tl;
    int count = 0;
    while (count < max_len && (tl = next_token(buf, len, &pos, &start)) > 0) {
        if (words) {
            words[count] = nmt_xmalloc(tl + 1);
            memcpy(words[count], buf + start, tl);
            words[count][tl] = 0;
        }
        ids[count++] = nmt_vocab_id(v, buf + start, tl);
    }
    if (buf != local) free(buf);
    return count;
}

int nmt_vectorize(const nmt_vocab *v, const char *text, int32_t *ids, int max_len) {
    return nmt_vectorize_words(v, text, ids, NULL, max_len);
}
