/* JSON for nmt.c. This file's json.c is, with modelfile.c, the only place that
 * calls jansson; everything else uses the small interface below:
 *
 *   - writing: one epoch record as a log line, a string literal, a validity check,
 *     and a builder for small documents (train_config, `nmt eval`'s result, the
 *     safetensors header);
 *   - the model document: the "nmt" metadata value of the model file
 *     (docs/FORMAT.md) built from a model and parsed back, and the document that
 *     `nmt inspect --json` prints;
 *   - reading: a read-only view of a parsed document (used by the safetensors
 *     header reader and by tests).
 *
 * Every document is written by jansson: members in the order they were added,
 * numbers with up to 17 significant digits (JSON_REAL_PRECISION(17): every
 * double reads back bit for bit), NaN and infinities as null.
 *
 * Functions that can fail return 0 / a pointer, or -1 / NULL after nmt_error()
 * with a message that names the file or the thing at fault. */
#ifndef NMT_IO_JSON_H
#define NMT_IO_JSON_H
#include <stddef.h>

#include "models/model.h"

/* ---- writing ------------------------------------------------------------ */

/* One epoch record as a single-line compact JSON object (no newline), e.g.
 * {"epoch":1,"loss":0.41539999999999999,...,"tokens_per_s":1234.5}.
 * Keys are the field names of nmt_epoch_record in declaration order; numbers
 * read back to the same double; NaN and infinities are written as null.
 * Returns a malloc'd string (never NULL). */
char *nmt_json_epoch_record(const nmt_epoch_record *r);
/* One such line (len bytes, of a --log file) back into *r: every field present
 * (numbers or null), else -1 with "PATH: line LINENO: ..." as the error. */
int nmt_json_epoch_record_parse(nmt_epoch_record *r, const char *line, size_t len, const char *path, long lineno);

/* `s` as a JSON string literal, quotes included (UTF-8 kept as is, control
 * characters, '"' and '\\' escaped). NULL with an error naming `what` if `s` is
 * not valid UTF-8. malloc'd. */
char *nmt_json_quote(const char *s, const char *what);

/* 0 if `text` is exactly one JSON object (e.g. a train_config_json), else -1
 * with "WHAT: ..." as the error. */
int nmt_json_check_object(const char *text, const char *what);

/* A document built member by member (see "reading" for the type). Values
 * added to a container belong to it; nmt_json_free(root) releases them all. */
typedef struct nmt_json nmt_json;
nmt_json *nmt_json_new_object(void);
/* Appends a member to an object (a key given twice keeps its first place and
 * its last value). Each returns 0, or -1 if a string or the key is not UTF-8. */
int nmt_json_set_int(nmt_json *obj, const char *key, long long v);
int nmt_json_set_real(nmt_json *obj, const char *key, double v);      /* null if not finite */
/* The same for a value that must be a number: -1 with "KEY is nan (...)" (or
 * inf, -inf) if v is not finite, and nothing added. */
int nmt_json_set_finite(nmt_json *obj, const char *key, double v);
int nmt_json_set_str(nmt_json *obj, const char *key, const char *s);  /* s NULL: null */
/* A new empty object or array as a member; NULL if the key is not UTF-8. */
nmt_json *nmt_json_set_object(nmt_json *obj, const char *key);
nmt_json *nmt_json_set_array(nmt_json *obj, const char *key);
/* Appends an integer to an array. */
int nmt_json_push_int(nmt_json *arr, long long v);

typedef enum {
    NMT_JSON_COMPACT,   /* {"a":1,"b":[1,2]} */
    NMT_JSON_SPACED,    /* {"a": 1, "b": [1, 2]}: one line */
    NMT_JSON_INDENTED,  /* two spaces per level */
} nmt_json_style;
/* The document as text (no final newline), malloc'd; NULL with an error. */
char *nmt_json_dump(const nmt_json *v, nmt_json_style style);

/* ---- the model document ------------------------------------------------- */

/* The "nmt" metadata value for `m` (format NMT_FORMAT_VERSION): config,
 * vocabularies (no source vocabulary when the architecture takes none),
 * languages, standardization (with the vocabularies' strip characters and
 * split modes), train_config, init_from, history and weights_sha256 (64 hex
 * digits, given by the caller).
 * Compact JSON, malloc'd; NULL with an error if the model cannot be described
 * (a missing vocabulary, sizes that differ from the config, a token that is not
 * UTF-8, U+0000 in a whitespace vocabulary, a train_config_json that is not
 * an object). */
char *nmt_json_model_doc(const nmt_model *m, const char *weights_sha256);

/* The "nmt" document of a file, parsed and checked (see nmt_json_model_doc_parse). */
typedef struct {
    nmt_config cfg;
    char **src_tokens;          /* n_src tokens in id order (none: 0, NULL) */
    char **tgt_tokens;
    size_t *src_lens, *tgt_lens;   /* their byte lengths (U+0000 is a token of one byte) */
    int n_src, n_tgt;
    nmt_split src_split, tgt_split;   /* standardization.split (before format 3: whitespace) */
    char *train_config_json;    /* compact JSON object text, or NULL */
    char *init_from_json;       /* compact JSON object text, or NULL (format 2) */
    char src_language[NMT_LANGUAGE_MAX + 1];   /* "languages" (absent: English, Spanish) */
    char tgt_language[NMT_LANGUAGE_MAX + 1];
    char strip_chars[4 * NMT_STRIP_CHARS_MAX + 1];   /* standardization.strip_chars_before, concatenated */
    nmt_epoch_record *history;  /* n_history records (malloc'd, may be NULL) */
    int n_history;
    char weights_sha256[65];    /* lower-case hex */
} nmt_model_doc;

/* Parses the "nmt" metadata document of `path` and checks it: every config field
 * of the architecture present, an integer in range, no unknown config field
 * (format 1: only the architecture "basic"); vocabulary sizes equal
 * to the config's with '' and '[UNK]' at ids 0 and 1, a source vocabulary
 * exactly when the config has src_vocab (format 3; before, always); languages,
 * if present, a name per vocabulary; standardization equal to this build's
 * but for strip_chars_before (any list of single characters:
 * nmt_strip_chars_check) and, in format 3, split (per vocabulary,
 * "whitespace" or "character"); U+0000 only in a token of a character
 * vocabulary; history records complete; weights_sha256 64 hex digits.
 * Errors start with "PATH: ". nmt_model_doc_free() releases it (also on error). */
int nmt_json_model_doc_parse(nmt_model_doc *d, const char *text, size_t len, const char *path,
                             int format_version);
void nmt_model_doc_free(nmt_model_doc *d);

/* The document `nmt inspect --json` prints (2-space indented, no final newline):
 * {"file", "format_version", "nmt_version", "config", "vocab": {"source",
 *  "target"}, "languages": {"source", "target"} (always; "source" only with a
 *  source vocabulary), "standardization",
 *  "train_config", "init_from", "history", "tensors":
 *  [{"name","shape","dtype"}...], "parameters", "weights_sha256", "sha256"}
 * (sha256: the format-4 checksum over metadata and weights; NULL: null).
 * Tensors are the model's table (all F32). malloc'd; NULL with an error. */
char *nmt_json_model_inspect(const nmt_model *m, const char *file, int format_version,
                             const char *nmt_version, const char *weights_sha256, const char *sha256);

/* ---- reading ------------------------------------------------------------ */

/* A parsed JSON value (nmt_json). Values returned by the accessors belong to
 * their root document and live until nmt_json_free(root). */

typedef enum {
    NMT_JSON_OBJECT, NMT_JSON_ARRAY, NMT_JSON_STRING, NMT_JSON_INTEGER,
    NMT_JSON_REAL, NMT_JSON_TRUE, NMT_JSON_FALSE, NMT_JSON_NULL
} nmt_json_type;

/* Parses `len` bytes (an object or an array; trailing white space allowed;
 * duplicate object keys and "\u0000" refused). NULL with
 * "WHAT: invalid JSON (line L, column C): ..." on failure. */
nmt_json *nmt_json_parse(const char *text, size_t len, const char *what);
void nmt_json_free(nmt_json *root);

nmt_json_type nmt_json_typeof(const nmt_json *v);
/* Elements of an array or members of an object; 0 for other values. */
size_t nmt_json_size(const nmt_json *v);
/* Element i of an array (NULL if out of range or not an array). */
nmt_json *nmt_json_at(const nmt_json *v, size_t i);
/* Member of an object (NULL if absent or not an object). */
nmt_json *nmt_json_get(const nmt_json *obj, const char *key);
/* Members in document order:
 *   for (void *it = nmt_json_iter(o); it; it = nmt_json_iter_next(o, it))
 *       use(nmt_json_iter_key(it), nmt_json_iter_value(it)); */
void *nmt_json_iter(const nmt_json *obj);
void *nmt_json_iter_next(const nmt_json *obj, void *it);
const char *nmt_json_iter_key(void *it);
nmt_json *nmt_json_iter_value(void *it);
/* The string's bytes (NUL-terminated), or NULL if v is not a string. */
const char *nmt_json_str(const nmt_json *v);
/* 0 and *out for an integer value, else -1. */
int nmt_json_int(const nmt_json *v, long long *out);
/* 0 and *out for an integer or real value, else -1. */
int nmt_json_num(const nmt_json *v, double *out);
#endif
