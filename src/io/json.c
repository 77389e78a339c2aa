/* JSON helpers and the model document (docs/FORMAT.md), on top of jansson. */
#include "io/json.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/arch.h"

/* ---- small helpers ------------------------------------------------------ */

/* A real, or null for NaN and infinities (JSON has no such numbers). */
static json_t *real_or_null(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

/* Takes the reference to `v` in all cases; -1 if v is NULL or the set fails. */
static int put(json_t *obj, const char *key, json_t *v) {
    return v ? json_object_set_new(obj, key, v) : -1;
}

static int push(json_t *arr, json_t *v) {
    return v ? json_array_append_new(arr, v) : -1;
}

static char *dump(const json_t *j, size_t flags) {
    char *s = json_dumps(j, flags | JSON_REAL_PRECISION(17));
    if (!s) {
        nmt_error("cannot format JSON (out of memory?)");
        return NULL;
    }
    /* Hand out memory that free() releases whatever jansson's allocator is. */
    char *copy = nmt_xstrdup(s);
    free(s);
    return copy;
}

/* ---- writing ------------------------------------------------------------ */

/* nmt_json is jansson's json_t seen through an opaque name. */
#define J(v) ((json_t *)(v))

/* An epoch's record as an object (NULL if out of memory); timed: with its
 * wall-clock figures, else null for them: a model file holds null, so that
 * the same training gives the same bytes (the --log keeps them). */
static json_t *epoch_json(const nmt_epoch_record *r, int timed) {
    json_t *o = json_object();
    int bad = put(o, "epoch", json_integer(r->epoch));
    bad |= put(o, "loss", real_or_null(r->loss));
    bad |= put(o, "accuracy", real_or_null(r->accuracy));
    bad |= put(o, "val_loss", real_or_null(r->val_loss));
    bad |= put(o, "val_accuracy", real_or_null(r->val_accuracy));
    bad |= put(o, "val_accuracy_unmasked", real_or_null(r->val_accuracy_unmasked));
    bad |= put(o, "val_tokens", json_integer(r->val_tokens));
    bad |= put(o, "seconds", timed ? real_or_null(r->seconds) : json_null());
    bad |= put(o, "tokens_per_s", timed ? real_or_null(r->tokens_per_s) : json_null());
    if (bad) json_decref(o);
    return bad ? NULL : o;
}

char *nmt_json_epoch_record(const nmt_epoch_record *r) {
    json_t *o = epoch_json(r, 1);
    char *s = o ? dump(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {   // only memory can fail here: as every allocation, fatal
        fprintf(stderr, "nmt: out of memory (formatting a log line)\n");
        exit(70);
    }
    return s;
}

/* ---- building ----------------------------------------------------------- */

nmt_json *nmt_json_new_object(void) {
    json_t *o = json_object();
    if (!o) {
        fprintf(stderr, "nmt: out of memory (a JSON object)\n");
        exit(70);
    }
    return (nmt_json *)o;
}

int nmt_json_set_int(nmt_json *obj, const char *key, long long v) { return put(J(obj), key, json_integer(v)); }
int nmt_json_set_real(nmt_json *obj, const char *key, double v) { return put(J(obj), key, real_or_null(v)); }
int nmt_json_set_finite(nmt_json *obj, const char *key, double v) {
    if (!isfinite(v))
        return nmt_error("%s is %s, which is not a number JSON can hold (the model computes non-finite values)", key,
                         isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return put(J(obj), key, json_real(v));
}
int nmt_json_set_str(nmt_json *obj, const char *key, const char *s) {
    return put(J(obj), key, s ? json_string(s) : json_null());
}

nmt_json *nmt_json_set_object(nmt_json *obj, const char *key) {
    json_t *v = json_object();
    return put(J(obj), key, v) ? NULL : (nmt_json *)v;
}

nmt_json *nmt_json_set_array(nmt_json *obj, const char *key) {
    json_t *v = json_array();
    return put(J(obj), key, v) ? NULL : (nmt_json *)v;
}

int nmt_json_push_int(nmt_json *arr, long long v) { return push(J(arr), json_integer(v)); }

char *nmt_json_dump(const nmt_json *v, nmt_json_style style) {
    size_t flags = style == NMT_JSON_COMPACT ? JSON_COMPACT : style == NMT_JSON_INDENTED ? JSON_INDENT(2) : 0;
    return dump(J(v), flags | JSON_ENCODE_ANY);
}

char *nmt_json_quote(const char *s, const char *what) {
    json_t *j = json_string(s);
    if (!j) {
        nmt_error("%s: not valid UTF-8", what);
        return NULL;
    }
    char *out = dump(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    return out;
}

int nmt_json_check_object(const char *text, const char *what) {
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!j) return nmt_error("%s: invalid JSON (line %d, column %d): %s", what, e.line, e.column, e.text);
    int ok = json_is_object(j);
    json_decref(j);
    return ok ? 0 : nmt_error("%s: not a JSON object", what);
}

/* ---- the model document: building ---------------------------------------- */

/* The standardization rules of src/text (Keras "lower_and_strip_punctuation"
 * plus the notebook's deletion of characters before everything: `strip`, a
 * checked list, each character one string of strip_chars_before); `split`
 * (its reference is taken): "whitespace" (formats 1 and 2), or each
 * vocabulary's split mode (format 3, split_json). */
#define STD_PUNCTUATION "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

static json_t *standardization_json(const char *strip, json_t *split) {
    json_t *chars = json_array();
    for (const unsigned char *c = (const unsigned char *)strip; *c;) {
        size_t n = nmt_utf8_char_len(c, 0, strlen((const char *)c));
        json_t *one = n ? json_stringn((const char *)c, n) : NULL;
        if (push(chars, one)) {
            json_decref(chars);
            json_decref(split);
            return NULL;
        }
        c += n;
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o}",
                     "standardize", "lower_and_strip_punctuation",
                     "lowercase", "ascii",
                     "punctuation", STD_PUNCTUATION,
                     "split", split,
                     "start_token", "startofseq",
                     "end_token", "endofseq",
                     "strip_chars_before", chars);
}

/* {"arch": ..., then the architecture's fields in its order}. */
static json_t *config_json(const nmt_config *c) {
    const nmt_arch_info *a = memchr(c->arch, 0, sizeof c->arch) ? nmt_arch_info_find(c->arch) : NULL;
    if (!a) return NULL;
    json_t *o = json_object();
    int bad = put(o, "arch", json_string(c->arch));
    for (int i = 0; i < a->nfields; i++)
        bad |= put(o, a->fields[i].name, json_integer(*(const int *)((const char *)c + a->fields[i].offset)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *split_name(nmt_split s) { return s == NMT_SPLIT_CHARACTER ? "character" : "whitespace"; }

/* {"source": MODE, "target": MODE}, without "source" when src is NULL. */
static json_t *split_json(const nmt_vocab *src, const nmt_vocab *tgt) {
    json_t *o = json_object();
    int bad = src ? put(o, "source", json_string(split_name(nmt_vocab_split(src)))) : 0;
    bad |= put(o, "target", json_string(split_name(nmt_vocab_split(tgt))));
    if (bad) json_decref(o);
    return bad ? NULL : o;
}

/* The tokens by length: a character vocabulary may hold U+0000 (only it: a
 * whitespace vocabulary never makes one). */
static json_t *vocab_json(const nmt_vocab *v, int expected, const char *which) {
    if (!v) {
        nmt_error("the model has no %s vocabulary", which);
        return NULL;
    }
    int n = nmt_vocab_size(v);
    if (n != expected) {
        nmt_error("the %s vocabulary has %d tokens but the config says %d", which, n, expected);
        return NULL;
    }
    if (n < 2 || strcmp(nmt_vocab_token(v, 0), "") != 0 || strcmp(nmt_vocab_token(v, 1), "[UNK]") != 0) {
        nmt_error("the %s vocabulary does not start with '' and '[UNK]'", which);
        return NULL;
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        const char *tok = nmt_vocab_token(v, i);
        size_t len = (size_t)nmt_vocab_token_len(v, i);
        if (strlen(tok) != len && nmt_vocab_split(v) != NMT_SPLIT_CHARACTER) {
            nmt_error("token %d of the %s vocabulary holds U+0000 (only a character vocabulary may)", i, which);
            json_decref(a);
            return NULL;
        }
        if (push(a, json_stringn(tok, len)) != 0) {
            nmt_error("token %d of the %s vocabulary is not valid UTF-8", i, which);
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *history_json(const nmt_epoch_record *h, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = epoch_json(&h[i], 0);
        if (!o || push(a, o) != 0) {
            json_decref(a);
            nmt_error("cannot describe training history (out of memory?)");
            return NULL;
        }
    }
    return a;
}

static json_t *train_config_value(const char *text) {
    if (!text) return json_null();
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        nmt_error("train_config_json is not a JSON object");
        return NULL;
    }
    return j;
}

/* config, vocab, languages, standardization, train_config, init_from, history:
 * the parts of the model document and of the inspect document that describe the
 * model itself. "languages" is always written (a file without it, format 1,
 * means English and Spanish). A model whose architecture has no src_vocab (a
 * language model) has no source vocabulary: "source" is left out of vocab,
 * languages and standardization.split. */
static int put_model_parts(json_t *o, const nmt_model *m) {
    if (put(o, "config", config_json(&m->cfg)))
        return nmt_error("cannot describe the config (unknown architecture?)");
    const nmt_vocab *sv = m->src_vocab, *tv = m->tgt_vocab;
    json_t *vocab = json_object();
    if (put(o, "vocab", vocab)) return nmt_error("cannot describe the model (out of memory?)");
    if (m->cfg.src_vocab > 0 || sv) {
        json_t *src = vocab_json(sv, m->cfg.src_vocab, "source");
        if (!src) return -1;
        json_object_set_new(vocab, "source", src);
    }
    json_t *tgt = vocab_json(tv, m->cfg.tgt_vocab, "target");
    if (!tgt) return -1;
    json_object_set_new(vocab, "target", tgt);
    json_t *langs = json_object();
    if (put(o, "languages", langs)) return nmt_error("cannot describe the model (out of memory?)");
    const char *sl = sv ? nmt_vocab_language(sv) : NULL, *tl = nmt_vocab_language(tv);
    int bad = sv ? put(langs, "source", json_string(sl ? sl : NMT_SRC_LANGUAGE)) : 0;
    bad |= put(langs, "target", json_string(tl ? tl : NMT_TGT_LANGUAGE));
    if (bad) return nmt_error("cannot describe the model's languages (out of memory?)");
    const char *strip = nmt_vocab_strip_chars(tv);
    if (sv && strcmp(nmt_vocab_strip_chars(sv), strip) != 0)
        return nmt_error("the source and target vocabularies delete different characters before everything");
    if (put(o, "standardization", standardization_json(strip, split_json(sv, tv))))
        return nmt_error("cannot describe the model (out of memory?)");
    json_t *tc = train_config_value(m->train_config_json);
    if (!tc) return -1;
    if (put(o, "train_config", tc)) return nmt_error("cannot describe the model (out of memory?)");
    json_t *init = train_config_value(m->init_from_json);
    if (!init) return -1;
    if (put(o, "init_from", init)) return nmt_error("cannot describe the model (out of memory?)");
    if (m->n_history < 0 || (m->n_history > 0 && !m->history))
        return nmt_error("the model's training history is inconsistent (%d records)", m->n_history);
    json_t *h = history_json(m->history, m->n_history);
    if (!h) return -1;
    if (put(o, "history", h)) return nmt_error("cannot describe the model (out of memory?)");
    return 0;
}

char *nmt_json_model_doc(const nmt_model *m, const char *weights_sha256) {
    json_t *o = json_object();
    char *out = NULL;
    if (put_model_parts(o, m) == 0) {
        if (put(o, "weights_sha256", json_string(weights_sha256)) == 0)
            out = dump(o, JSON_COMPACT);
        else
            nmt_error("weights_sha256 is not a string");
    }
    json_decref(o);
    return out;
}

char *nmt_json_model_inspect(const nmt_model *m, const char *file, int format_version,
                             const char *nmt_version, const char *weights_sha256, const char *sha256) {
    json_t *o = json_object();
    char *out = NULL;
    json_t *fname = json_string(file);
    if (!fname) fname = json_string("(file name not UTF-8)");
    if (put(o, "file", fname) || put(o, "format_version", json_integer(format_version)) ||
        put(o, "nmt_version", nmt_version ? json_string(nmt_version) : json_null())) {
        nmt_error("%s: cannot describe the file", file);
        goto done;
    }
    if (put_model_parts(o, m) != 0) {
        nmt_error_prefix("%s", file);
        goto done;
    }
    json_t *tensors = json_array();
    long long total = 0;
    int bad = put(o, "tensors", tensors);
    for (int i = 0; !bad && i < m->table.n; i++) {
        const nmt_param *p = &m->table.p[i];
        json_t *shape = json_array();
        for (int d = 0; d < p->ndim; d++) bad |= push(shape, json_integer(p->shape[d]));
        bad |= push(tensors, json_pack("{s:s, s:o, s:s}", "name", p->name, "shape", shape, "dtype", "F32"));
        total += (long long)p->numel;
    }
    bad = bad || put(o, "parameters", json_integer(total)) ||
          put(o, "weights_sha256", weights_sha256 ? json_string(weights_sha256) : json_null()) ||
          put(o, "sha256", sha256 ? json_string(sha256) : json_null());
    if (bad) {
        nmt_error("%s: cannot describe the file (out of memory?)", file);
        goto done;
    }
    out = dump(o, JSON_INDENT(2));
done:
    json_decref(o);
    return out;
}

/* ---- the model document: parsing ----------------------------------------- */

void nmt_model_doc_free(nmt_model_doc *d) {
    for (int i = 0; d->src_tokens && i < d->n_src; i++) free(d->src_tokens[i]);
    for (int i = 0; d->tgt_tokens && i < d->n_tgt; i++) free(d->tgt_tokens[i]);
    free(d->src_tokens);
    free(d->tgt_tokens);
    free(d->src_lens);
    free(d->tgt_lens);
    free(d->train_config_json);
    free(d->init_from_json);
    free(d->history);
    memset(d, 0, sizeof *d);
}

/* A string value without U+0000 (format 3 files are read with JSON_ALLOW_NUL:
 * only vocabulary tokens may hold it), else NULL. */
static const char *plain_str(const json_t *v) {
    const char *s = json_string_value(v);
    return s && strlen(s) == json_string_length(v) ? s : NULL;
}

static int get_int_field(const json_t *obj, const char *key, long long lo, long long hi,
                         long long *out, const char *path, const char *where) {
    const json_t *v = json_object_get(obj, key);
    if (!v) return nmt_error("%s: %s: missing field '%s'", path, where, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return nmt_error("%s: %s: field '%s' must be an integer in [%lld, %lld]", path, where, key, lo, hi);
    *out = json_integer_value(v);
    return 0;
}

/* A number, or null (read as NaN: non-finite values are written as null). */
static int get_real_field(const json_t *obj, const char *key, double *out, const char *path,
                          const char *where) {
    const json_t *v = json_object_get(obj, key);
    if (!v) return nmt_error("%s: %s: missing field '%s'", path, where, key);
    if (json_is_null(v)) {
        *out = NAN;
        return 0;
    }
    if (!json_is_number(v)) return nmt_error("%s: %s: field '%s' must be a number or null", path, where, key);
    *out = json_number_value(v);
    return 0;
}

/* The config of an architecture this nmt knows: every field it has, an integer
 * in range, no other field. Format 1 knew only "basic". */
static int parse_config(nmt_config *c, const json_t *o, const char *path, int format_version) {
    if (!json_is_object(o)) return nmt_error("%s: model metadata has no \"config\" object", path);
    memset(c, 0, sizeof *c);
    const json_t *arch = json_object_get(o, "arch");
    if (!plain_str(arch) || json_string_length(arch) == 0 || json_string_length(arch) >= sizeof c->arch)
        return nmt_error("%s: config: field 'arch' must be a short non-empty string", path);
    const nmt_arch_info *a = nmt_arch_info_find(json_string_value(arch));
    if (!a || (format_version == 1 && strcmp(a->name, "basic") != 0))
        return nmt_error("%s: unknown architecture '%s' (this nmt knows %s%s)", path, json_string_value(arch),
                         format_version == 1 ? "only 'basic' in format version 1 files; it knows " : "",
                         nmt_arch_names());
    memcpy(c->arch, json_string_value(arch), json_string_length(arch));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        int ok = strcmp(key, "arch") == 0;
        for (int i = 0; i < a->nfields; i++) ok |= strcmp(key, a->fields[i].name) == 0;
        if (!ok)
            return nmt_error("%s: unknown config field '%s' for architecture '%s' (written by a newer nmt?)", path, key,
                             a->name);
    }
    for (int i = 0; i < a->nfields; i++) {
        long long x;
        if (get_int_field(o, a->fields[i].name, a->fields[i].min, a->fields[i].max, &x, path, "config")) return -1;
        *(int *)((char *)c + a->fields[i].offset) = (int)x;
    }
    if (nmt_config_check(c)) return nmt_error_prefix("%s: config", path);
    return 0;
}

/* The tokens of one vocabulary, each with its length (a character
 * vocabulary's U+0000 token is one NUL byte: checked by the caller). */
static int parse_tokens(char ***out, size_t **lens_out, int *n_out, const json_t *a, int expected,
                        const char *path, const char *which) {
    if (!json_is_array(a)) return nmt_error("%s: vocab: \"%s\" must be an array of strings", path, which);
    size_t n = json_array_size(a);
    if (n != (size_t)expected)
        return nmt_error("%s: the %s vocabulary has %zu tokens but the config says %d", path, which, n,
                         expected);
    char **t = nmt_xcalloc(n, sizeof *t);
    size_t *lens = nmt_xcalloc(n, sizeof *lens);
    *out = t;
    *lens_out = lens;
    *n_out = (int)n;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(a, i);
        if (!json_is_string(s)) return nmt_error("%s: vocab: %s token %zu is not a string", path, which, i);
        lens[i] = json_string_length(s);
        t[i] = nmt_xmalloc(lens[i] + 1);
        memcpy(t[i], json_string_value(s), lens[i] + 1);
    }
    if (lens[0] != 0 || lens[1] != 5 || strcmp(t[1], "[UNK]") != 0)
        return nmt_error("%s: the %s vocabulary must start with '' and '[UNK]' (ids 0 and 1)", path, which);
    return 0;
}

/* standardization.split of a format-3 file: {"source": MODE, "target": MODE},
 * "source" exactly when there is a source vocabulary. */
static int parse_split(nmt_model_doc *d, const json_t *o, int has_src, const char *path) {
    if (!json_is_object(o) || json_object_size(o) != (size_t)(has_src ? 2 : 1))
        return nmt_error("%s: standardization.split must be an object with a split mode for %s", path,
                         has_src ? "\"source\" and \"target\"" : "\"target\" only (the model has no source vocabulary)");
    for (int side = !has_src; side < 2; side++) {
        const char *key = side ? "target" : "source";
        const char *v = plain_str(json_object_get(o, key));
        nmt_split *out = side ? &d->tgt_split : &d->src_split;
        if (v && strcmp(v, "whitespace") == 0) *out = NMT_SPLIT_WHITESPACE;
        else if (v && strcmp(v, "character") == 0) *out = NMT_SPLIT_CHARACTER;
        else return nmt_error("%s: standardization.split.%s must be \"whitespace\" or \"character\"", path, key);
    }
    return 0;
}

/* U+0000 only in a token of a character vocabulary. */
static int check_nul_tokens(char **t, const size_t *lens, int n, nmt_split split, const char *path,
                            const char *which) {
    for (int i = 0; split != NMT_SPLIT_CHARACTER && i < n; i++)
        if (strlen(t[i]) != lens[i])
            return nmt_error("%s: %s token %d holds U+0000 (only a character vocabulary may)", path, which, i);
    return 0;
}

/* One epoch record (the object written by epoch_json); errors "PATH: WHERE ...". */
static int parse_epoch(nmt_epoch_record *r, const json_t *o, const char *path, const char *where) {
    if (!json_is_object(o)) return nmt_error("%s: %s is not an object", path, where);
    long long x;
    if (get_int_field(o, "epoch", INT_MIN, INT_MAX, &x, path, where)) return -1;
    r->epoch = (int)x;
    if (get_int_field(o, "val_tokens", LONG_MIN, LONG_MAX, &x, path, where)) return -1;
    r->val_tokens = (long)x;
    if (get_real_field(o, "loss", &r->loss, path, where) || get_real_field(o, "accuracy", &r->accuracy, path, where) ||
        get_real_field(o, "val_loss", &r->val_loss, path, where) ||
        get_real_field(o, "val_accuracy", &r->val_accuracy, path, where) ||
        get_real_field(o, "val_accuracy_unmasked", &r->val_accuracy_unmasked, path, where) ||
        get_real_field(o, "seconds", &r->seconds, path, where) ||
        get_real_field(o, "tokens_per_s", &r->tokens_per_s, path, where))
        return -1;
    return 0;
}

static int parse_history(nmt_model_doc *d, const json_t *a, const char *path) {
    if (!a || json_is_null(a)) return 0;
    if (!json_is_array(a)) return nmt_error("%s: model metadata: \"history\" must be an array", path);
    size_t n = json_array_size(a);
    if (n > INT_MAX / 2) return nmt_error("%s: model metadata: history too long", path);
    d->history = n ? nmt_xcalloc(n, sizeof *d->history) : NULL;
    d->n_history = (int)n;
    for (size_t i = 0; i < n; i++) {
        char where[48];
        snprintf(where, sizeof where, "history[%zu]", i);
        if (parse_epoch(&d->history[i], json_array_get(a, i), path, where)) return -1;
    }
    return 0;
}

int nmt_json_epoch_record_parse(nmt_epoch_record *r, const char *line, size_t len, const char *path, long lineno) {
    char where[48];
    snprintf(where, sizeof where, "line %ld", lineno);
    json_error_t e;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
    if (!o) return nmt_error("%s: line %ld: not a JSON object (%s)", path, lineno, e.text);
    int rc = parse_epoch(r, o, path, where);
    json_decref(o);
    return rc;
}

/* "languages": {"source": NAME, "target": NAME} ("source" only with a source
 * vocabulary), or absent (or null): the book's. */
static int parse_languages(nmt_model_doc *d, const json_t *o, int has_src, const char *path) {
    const char *src = NMT_SRC_LANGUAGE, *tgt = NMT_TGT_LANGUAGE;
    if (o && !json_is_null(o)) {
        const json_t *s = json_object_get(o, "source");
        src = has_src ? plain_str(s) : s ? NULL : "";
        tgt = plain_str(json_object_get(o, "target"));
        if (!json_is_object(o) || !src || !tgt)
            return nmt_error("%s: model metadata: \"languages\" must be an object with %s", path,
                             has_src ? "\"source\" and \"target\" strings"
                                     : "a \"target\" string only (the model has no source vocabulary)");
        if ((has_src && nmt_language_check(src, "languages.source")) || nmt_language_check(tgt, "languages.target"))
            return nmt_error_prefix("%s", path);
    }
    snprintf(d->src_language, sizeof d->src_language, "%s", src);
    snprintf(d->tgt_language, sizeof d->tgt_language, "%s", tgt);
    return 0;
}

/* standardization.strip_chars_before: an array of single characters, each a
 * string; together a list nmt_strip_chars_check accepts. */
static int parse_strip_chars(nmt_model_doc *d, const json_t *a, const char *path) {
    if (!json_is_array(a))
        return nmt_error("%s: standardization.strip_chars_before must be an array of characters", path);
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *c = json_array_get(a, i);
        const unsigned char *s = (const unsigned char *)plain_str(c);
        size_t n = s ? json_string_length(c) : 0;
        if (!s || n == 0 || nmt_utf8_char_len(s, 0, n) != n || k + n >= sizeof d->strip_chars)
            return nmt_error("%s: standardization.strip_chars_before[%zu] must be one character", path, i);
        memcpy(d->strip_chars + k, s, n);
        k += n;
    }
    d->strip_chars[k] = 0;
    if (nmt_strip_chars_check(d->strip_chars, "standardization.strip_chars_before"))
        return nmt_error_prefix("%s", path);
    return 0;
}

static int parse_doc(nmt_model_doc *d, const json_t *root, const char *path, int format_version) {
    if (!json_is_object(root)) return nmt_error("%s: model metadata \"nmt\" is not a JSON object", path);
    if (parse_config(&d->cfg, json_object_get(root, "config"), path, format_version)) return -1;

    /* A source vocabulary exactly when the architecture has one (format 3: a
     * language model has none; before, every architecture had one). */
    const int has_src = d->cfg.src_vocab > 0;
    if (!has_src && format_version < 3)
        return nmt_error("%s: architecture '%s' has no source vocabulary, which needs format version 3", path,
                         d->cfg.arch);
    const json_t *vocab = json_object_get(root, "vocab");
    if (!json_is_object(vocab)) return nmt_error("%s: model metadata has no \"vocab\" object", path);
    if (!has_src && json_object_get(vocab, "source"))
        return nmt_error("%s: vocab: a \"source\" vocabulary, but architecture '%s' takes none", path, d->cfg.arch);
    if ((has_src && parse_tokens(&d->src_tokens, &d->src_lens, &d->n_src, json_object_get(vocab, "source"),
                                 d->cfg.src_vocab, path, "source")) ||
        parse_tokens(&d->tgt_tokens, &d->tgt_lens, &d->n_tgt, json_object_get(vocab, "target"), d->cfg.tgt_vocab,
                     path, "target"))
        return -1;

    if (parse_languages(d, json_object_get(root, "languages"), has_src, path)) return -1;

    const json_t *std = json_object_get(root, "standardization");
    if (!std) return nmt_error("%s: model metadata has no \"standardization\" object", path);
    if (!json_is_object(std))
        return nmt_error("%s: the file's text standardization rules differ from the ones this nmt "
                         "implements (see docs/FORMAT.md)", path);
    if (parse_strip_chars(d, json_object_get(std, "strip_chars_before"), path)) return -1;
    // before format 3 the split is "whitespace" (the comparison below checks it)
    const json_t *split = json_object_get(std, "split");
    if (format_version >= 3 && parse_split(d, split, has_src, path)) return -1;
    json_t *ours = standardization_json(d->strip_chars, format_version >= 3 ? json_deep_copy(split)
                                                                             : json_string("whitespace"));
    int same = json_equal((json_t *)std, ours);
    json_decref(ours);
    if (!same)
        return nmt_error("%s: the file's text standardization rules differ from the ones this nmt "
                         "implements (see docs/FORMAT.md)", path);
    if (check_nul_tokens(d->src_tokens, d->src_lens, d->n_src, d->src_split, path, "source") ||
        check_nul_tokens(d->tgt_tokens, d->tgt_lens, d->n_tgt, d->tgt_split, path, "target"))
        return -1;

    const json_t *tc = json_object_get(root, "train_config");
    if (tc && !json_is_null(tc)) {
        if (!json_is_object(tc)) return nmt_error("%s: model metadata: \"train_config\" must be an object", path);
        d->train_config_json = dump(tc, JSON_COMPACT);
        if (!d->train_config_json) return nmt_error_prefix("%s", path);
    }

    const json_t *init = json_object_get(root, "init_from");
    if (init && !json_is_null(init)) {
        if (format_version < 2 || !json_is_object(init))
            return nmt_error("%s: model metadata: \"init_from\" must be an object (format version 2 and later)", path);
        d->init_from_json = dump(init, JSON_COMPACT);
        if (!d->init_from_json) return nmt_error_prefix("%s", path);
    }

    if (parse_history(d, json_object_get(root, "history"), path)) return -1;

    const json_t *sha = json_object_get(root, "weights_sha256");
    const char *s = json_string_value(sha);
    int hex = s && strlen(s) == 64;
    for (int i = 0; hex && i < 64; i++) hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (!hex) return nmt_error("%s: model metadata: \"weights_sha256\" must be 64 lower-case hex digits", path);
    memcpy(d->weights_sha256, s, 65);
    return 0;
}

int nmt_json_model_doc_parse(nmt_model_doc *d, const char *text, size_t len, const char *path,
                             int format_version) {
    memset(d, 0, sizeof *d);
    json_error_t e;
    // format 3 writes a character vocabulary's U+0000 token as "\u0000"
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | (format_version >= 3 ? JSON_ALLOW_NUL : 0), &e);
    if (!root)
        return nmt_error("%s: model metadata \"nmt\" is not valid JSON (line %d, column %d): %s", path,
                         e.line, e.column, e.text);
    int rc = parse_doc(d, root, path, format_version);
    json_decref(root);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

nmt_json *nmt_json_parse(const char *text, size_t len, const char *what) {
    json_error_t e;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        nmt_error("%s: invalid JSON (line %d, column %d): %s", what, e.line, e.column, e.text);
        return NULL;
    }
    return (nmt_json *)j;
}

void nmt_json_free(nmt_json *root) { json_decref(J(root)); }

nmt_json_type nmt_json_typeof(const nmt_json *v) {
    switch (json_typeof(J(v))) {
    case JSON_OBJECT: return NMT_JSON_OBJECT;
    case JSON_ARRAY: return NMT_JSON_ARRAY;
    case JSON_STRING: return NMT_JSON_STRING;
    case JSON_INTEGER: return NMT_JSON_INTEGER;
    case JSON_REAL: return NMT_JSON_REAL;
    case JSON_TRUE: return NMT_JSON_TRUE;
    case JSON_FALSE: return NMT_JSON_FALSE;
    default: return NMT_JSON_NULL;
    }
}

size_t nmt_json_size(const nmt_json *v) {
    if (json_is_array(J(v))) return json_array_size(J(v));
    if (json_is_object(J(v))) return json_object_size(J(v));
    return 0;
}

nmt_json *nmt_json_at(const nmt_json *v, size_t i) { return (nmt_json *)json_array_get(J(v), i); }
nmt_json *nmt_json_get(const nmt_json *obj, const char *key) {
    return (nmt_json *)json_object_get(J(obj), key);
}
void *nmt_json_iter(const nmt_json *obj) { return json_object_iter(J(obj)); }
void *nmt_json_iter_next(const nmt_json *obj, void *it) { return json_object_iter_next(J(obj), it); }
const char *nmt_json_iter_key(void *it) { return json_object_iter_key(it); }
nmt_json *nmt_json_iter_value(void *it) { return (nmt_json *)json_object_iter_value(it); }
const char *nmt_json_str(const nmt_json *v) { return json_string_value(J(v)); }

int nmt_json_int(const nmt_json *v, long long *out) {
    if (!json_is_integer(J(v))) return -1;
    *out = json_integer_value(J(v));
    return 0;
}

int nmt_json_num(const nmt_json *v, double *out) {
    if (!json_is_number(J(v))) return -1;
    *out = json_number_value(J(v));
    return 0;
}
