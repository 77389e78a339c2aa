/* Corpus reading and Keras-2-compatible TextVectorization
 * (ch16-reference.md §1.5 and §2.1). */
#ifndef NMT_TEXT_TEXT_H
#define NMT_TEXT_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* ---- the text recipe ---------------------------------------------------- */
/* The book's: English to Spanish, with U+00A1 '¡' and U+00BF '¿' deleted from
 * the corpus (and from the sentences to translate) before everything else.
 * The model file records the languages and the deleted characters
 * (docs/FORMAT.md); `nmt train --src-lang/--tgt-lang/--strip-chars` set them. */
#define NMT_SRC_LANGUAGE "English"
#define NMT_TGT_LANGUAGE "Spanish"
#define NMT_STRIP_CHARS "\xc2\xa1\xc2\xbf"
#define NMT_LANGUAGE_MAX 64       /* bytes of a language name */
#define NMT_STRIP_CHARS_MAX 64    /* characters deleted before everything */

/* Length (1-4) of the well-formed UTF-8 character at s[i] of s[0..len), strict
 * as Python decodes (no overlong forms, surrogates or code points above
 * U+10FFFF); 0 if there is none. */
size_t nmt_utf8_char_len(const unsigned char *s, size_t i, size_t len);
/* 0 if `chars` can be a list of characters to delete: UTF-8, at most
 * NMT_STRIP_CHARS_MAX characters, none twice, no control character or line
 * separator (their deletion would change the corpus' lines and columns); ""
 * is fine. Else -1 with "WHAT: ...". */
int nmt_strip_chars_check(const char *chars, const char *what);
/* 0 if `name` can be a language name: 1 to NMT_LANGUAGE_MAX bytes of UTF-8
 * without control characters. Else -1 with "WHAT: ...". */
int nmt_language_check(const char *name, const char *what);
/* Length of the character of the (checked) list `chars` that s[0..avail)
 * starts with; 0 if none (or chars is NULL). */
size_t nmt_strip_match(const char *chars, const char *s, size_t avail);
/* Copies `in` to `out` without the characters of `chars` (NULL or "": all of
 * it); out needs strlen(in)+1 bytes. Returns the length written. */
size_t nmt_strip_chars(const char *chars, const char *in, char *out);

/* ---- corpus ------------------------------------------------------------- */
/* What the default (not strict) reading skipped or repaired: counts, and
 * the number of the first line concerned. */
typedef struct {
    size_t bom;                  /* 1: a byte-order mark (U+FEFF) at the start was removed */
    size_t empty, empty_line;    /* lines skipped: an English or Spanish side that is empty or blank */
    size_t extra, extra_line;    /* lines with more than two columns: the rest was ignored */
    size_t breaks, breaks_line;  /* line breaks other than LF and CR LF (CR alone, VT, FF, U+2028...) */
} nmt_corpus_notes;

/* Pairs in file order (before shuffling). Strings point into `buf`. */
typedef struct {
    char **en, **es;
    size_t n;
    char *buf;
    nmt_corpus_notes notes;
} nmt_corpus;

/* Reads a UTF-8 corpus: deletes every character of `strip` first (the book's:
 * NMT_STRIP_CHARS; NULL or "": none), splits lines the way Python's
 * str.splitlines does, each line `English<TAB>Spanish`. Errors name the file
 * and line: a line without TAB, invalid UTF-8, a NUL byte, no pair at all.
 * What is merely unusual (a byte-order mark, a blank side, more than two
 * columns, line breaks other than LF and CR LF) is, with `strict`, an error
 * naming the line; without, the line is skipped (a blank side) or repaired
 * and counted in c->notes. The file is read once, at most
 * nmt_text_max_bytes() of it. */
int nmt_corpus_read(nmt_corpus *c, const char *path, const char *strip, int strict);
/* Same, from memory (path is used in messages only). `text` is not modified. */
int nmt_corpus_parse(nmt_corpus *c, const char *text, size_t len, const char *path, const char *strip, int strict);
/* The notes as one line ("skipped 2 lines whose English or Spanish side is
 * blank (first: line 5); ..."); 0 when there is nothing to say. */
int nmt_corpus_notes_text(const nmt_corpus_notes *notes, char *buf, size_t cap);
void nmt_corpus_free(nmt_corpus *c);
/* Fills perm[0..n) with 0..n-1 shuffled as np.random.seed(seed); np.random.shuffle. */
void nmt_corpus_permutation(uint32_t *perm, size_t n, uint32_t seed);
/* Reorders the pairs by nmt_corpus_permutation(seed). */
void nmt_corpus_shuffle(nmt_corpus *c, uint32_t seed);

/* ---- vectorization ------------------------------------------------------ */
/* Keras "lower_and_strip_punctuation": ASCII A-Z lowercased, the 32 ASCII
 * punctuation characters of Python's string.punctuation deleted, nothing else
 * changed. Writes at most strlen(in)+1 bytes to out; returns the length. */
size_t nmt_standardize(const char *in, char *out);

typedef struct nmt_vocab nmt_vocab;   /* opaque: token list + hash index */

/* Adapt as TextVectorization(max_tokens).adapt(texts) does: counts tokens of
 * (prefix + " " + text + " " + suffix) for each text (prefix/suffix may be NULL),
 * sorts by count descending, ties by token bytes descending, keeps
 * max_tokens-2 tokens after '' (0) and '[UNK]' (1).
 * `distinct` (may be NULL) receives the number of distinct tokens seen. */
nmt_vocab *nmt_vocab_adapt(const char *const *texts, size_t n, int max_tokens,
                           const char *prefix, const char *suffix, size_t *distinct);
/* From an explicit list (tokens[0] must be "" and tokens[1] "[UNK]"). */
nmt_vocab *nmt_vocab_from_list(const char *const *tokens, int n);
/* The same with the tokens' byte lengths (lens NULL: strlen), so that a token
 * may hold U+0000 (a character vocabulary's NUL token); each below 2^32. */
nmt_vocab *nmt_vocab_from_list_n(const char *const *tokens, const size_t *lens, int n);
void nmt_vocab_free(nmt_vocab *v);
int nmt_vocab_size(const nmt_vocab *v);
const char *nmt_vocab_token(const nmt_vocab *v, int id);
/* Id of an (already standardized) token, 1 ([UNK]) if absent. */
int nmt_vocab_id(const nmt_vocab *v, const char *tok, size_t len);
/* What a vocabulary records besides its tokens (the model file keeps it): the
 * language it is for (NULL until set) and the characters nmt_vectorize deletes
 * before standardizing ("" until set: Keras TextVectorization alone). The
 * setters copy and check the value (nmt_language_check, nmt_strip_chars_check). */
int nmt_vocab_set_language(nmt_vocab *v, const char *name);
const char *nmt_vocab_language(const nmt_vocab *v);
int nmt_vocab_set_strip_chars(nmt_vocab *v, const char *chars);
const char *nmt_vocab_strip_chars(const nmt_vocab *v);
/* Deletes the vocabulary's strip characters, standardizes and splits `text`
 * (a character vocabulary: as nmt_vectorize_chars, below), writes at most
 * max_len ids (the first ones: Keras truncation keeps the beginning); returns
 * the count, no padding. */
int nmt_vectorize(const nmt_vocab *v, const char *text, int32_t *ids, int max_len);
/* The same, with words[i] (malloc'd: free each) the standardized word of ids[i]
 * (what [UNK] stood for, say). */
int nmt_vectorize_words(const nmt_vocab *v, const char *text, int32_t *ids, char **words, int max_len);

/* ---- character vectorization -------------------------------------------- */
/* Keras 2 TextVectorization(split="character", standardize="lower"), as the
 * book's char-RNN adapts it on the whole text as one string:
 *  - split: tf.strings.unicode_split(x, "UTF-8"), one token per code point;
 *    spaces, tabs, newlines and U+0000 are tokens like any other.
 *  - standardize: tf.strings.lower, which lowercases ASCII A-Z only (É, é and
 *    every other non-ASCII character stay as they are); nothing is stripped.
 *  - invalid UTF-8: unicode_split's default errors="replace" makes each
 *    maximal ill-formed subpart (Unicode 3.9, the ICU decoder's rule: a lone
 *    or unexpected byte, or the valid start of a sequence cut short) one
 *    token U+FFFD, so every token is valid UTF-8 and an invalid byte and a
 *    real U+FFFD share an id.
 *  - vocabulary: as nmt_vocab_adapt ('' then '[UNK]', then by count
 *    descending, ties by token bytes descending, max_tokens-2 kept).
 * The book then uses ids - 2 (no padding, no unknown): 39 tokens for tiny
 * Shakespeare. The vocabulary's strip characters play no part here.
 * The split mode is part of the vocabulary (nmt_vocab_split); the model file
 * (format 3) records it, and each token by its length (nmt_vocab_token_len),
 * so that U+0000 survives. */
typedef enum { NMT_SPLIT_WHITESPACE = 0, NMT_SPLIT_CHARACTER = 1 } nmt_split;

/* Adapts on text[0..len) as one string. `distinct` (may be NULL) receives the
 * number of distinct tokens seen. The vocabulary's split is NMT_SPLIT_CHARACTER. */
nmt_vocab *nmt_vocab_adapt_chars(const char *text, size_t len, int max_tokens, size_t *distinct);
/* Lowercases ASCII, splits text[0..len) into code points and writes the ids of
 * the first `max` of them (Keras truncation keeps the beginning); returns how
 * many it wrote, no padding. There are never more tokens than bytes, so
 * max = len takes them all. */
size_t nmt_vectorize_chars(const nmt_vocab *v, const char *text, size_t len, int32_t *ids, size_t max);
/* How the vocabulary splits: NMT_SPLIT_WHITESPACE (nmt_vocab_adapt,
 * nmt_vocab_from_list) or NMT_SPLIT_CHARACTER (nmt_vocab_adapt_chars). On a
 * character vocabulary nmt_vectorize and nmt_vectorize_words split into
 * characters too (on strlen(text) bytes). */
nmt_split nmt_vocab_split(const nmt_vocab *v);
/* Sets the split (a vocabulary read from a list, say); -1 if mode is unknown. */
int nmt_vocab_set_split(nmt_vocab *v, nmt_split mode);
/* Byte length of token `id` (-1 out of range): the token U+0000 is one byte
 * long though nmt_vocab_token reads as "". */
int nmt_vocab_token_len(const nmt_vocab *v, int id);
#endif
