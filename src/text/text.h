/* Corpus reading and Keras-2-compatible TextVectorization
 * (ch16-reference.md §1.5 and §2.1). */
#ifndef NMT_TEXT_TEXT_H
#define NMT_TEXT_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* ---- corpus ------------------------------------------------------------- */
/* Pairs in file order (before shuffling). Strings point into `buf`. */
typedef struct {
    char **en, **es;
    size_t n;
    char *buf;
} nmt_corpus;

/* Reads a UTF-8 corpus: deletes every U+00A1 '¡' and U+00BF '¿' first, splits lines
 * the way Python's str.splitlines does, each line `English<TAB>Spanish` (a third
 * column, as in manythings files, is ignored). Errors name the file and line. */
int nmt_corpus_read(nmt_corpus *c, const char *path);
/* Same, from memory (path is used in messages only). `text` is not modified. */
int nmt_corpus_parse(nmt_corpus *c, const char *text, size_t len, const char *path);
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
void nmt_vocab_free(nmt_vocab *v);
int nmt_vocab_size(const nmt_vocab *v);
const char *nmt_vocab_token(const nmt_vocab *v, int id);
/* Id of an (already standardized) token, 1 ([UNK]) if absent. */
int nmt_vocab_id(const nmt_vocab *v, const char *tok, size_t len);
/* Standardizes and splits `text`, writes at most max_len ids (the first ones:
 * Keras truncation keeps the beginning); returns the count, no padding. */
int nmt_vectorize(const nmt_vocab *v, const char *text, int32_t *ids, int max_len);
#endif
