/* The model file: nmt_model_save / nmt_model_load (docs/FORMAT.md).
 *
 * A safetensors file: every tensor of the parameter table under its table name
 * (F32, Keras layout), and in "__metadata__": "format" = "nmt",
 * "format_version", "nmt_version" and "nmt" = the JSON model document
 * (io/json.h: config, vocabularies, languages, standardization, train_config,
 * init_from, history, weights_sha256 = SHA-256 of the data section), and
 * since format 4 "sha256", the checksum of everything else (file_sha256).
 *
 * The loader trusts nothing it has not checked: the checksums, the tensors
 * against the architecture's table (names, shapes, order), well-formed
 * vocabularies with the tokens the architecture needs, and every weight
 * finite and within NMT_WEIGHT_MAX. */
#include <math.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sha256.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/arch.h"
#include "models/model.h"
#include "nmt.h"

/* make fuzz builds with libFuzzer's FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION:
 * a checksum mismatch is then ignored, so that mutated files reach the
 * checks behind it. Never defined in nmt itself. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CHECKSUMS_CHECKED 0
#else
#define CHECKSUMS_CHECKED 1
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model file stores little-endian floats; big-endian hosts are not supported"
#endif

/* SHA-256 of the tensors' bytes in table order: the data section the saver writes. */
static void table_sha256(const nmt_model *m, char hex[65]) {
    nmt_sha256 s;
    uint8_t digest[32];
    nmt_sha256_init(&s);
    for (int i = 0; i < m->table.n; i++)
        nmt_sha256_update(&s, m->params + m->table.p[i].offset, m->table.p[i].numel * sizeof(float));
    nmt_sha256_final(&s, digest);
    nmt_sha256_to_hex(digest, hex);
}

/* The format-4 checksum (docs/FORMAT.md): SHA-256 over the metadata values
 * "format", "format_version", "nmt_version" and "nmt", in this order, each
 * as its byte length (8 bytes, little-endian) and its bytes, then the
 * tensors' bytes in table order. file_sha256_begin hashes the metadata. */
static void file_sha256_begin(nmt_sha256 *s, const char *const vals[4]) {
    nmt_sha256_init(s);
    for (int i = 0; i < 4; i++) {
        uint64_t n = strlen(vals[i]);
        uint8_t len8[8];
        for (int b = 0; b < 8; b++) len8[b] = (uint8_t)(n >> (8 * b));
        nmt_sha256_update(s, len8, 8);
        nmt_sha256_update(s, vals[i], (size_t)n);
    }
}

static void file_sha256_end(nmt_sha256 *s, char hex[65]) {
    uint8_t digest[32];
    nmt_sha256_final(s, digest);
    nmt_sha256_to_hex(digest, hex);
}

/* Every weight finite and |w| <= NMT_WEIGHT_MAX; else -1 with "PATH: WHAT tensor
 * 'NAME' element I is VALUE ...". */
static int check_weights(const nmt_model *m, const char *path, const char *what) {
    for (int t = 0; t < m->table.n; t++) {
        const nmt_param *p = &m->table.p[t];
        const float *w = m->params + p->offset;
        for (size_t i = 0; i < p->numel; i++)
            if (!(fabsf(w[i]) <= NMT_WEIGHT_MAX))
                return nmt_error("%s: %stensor '%s' element %zu is %g: %s", path, what, p->name, i, (double)w[i],
                                 isfinite(w[i]) ? "beyond the largest weight a model may have (1e6; docs/FORMAT.md)"
                                                : "weights must be finite numbers");
    }
    return 0;
}

static int vocab_check(const nmt_vocab *v, const char *strip, int target, int lm, const char *path,
                       const char *prefix);

int nmt_model_save(const nmt_model *m, const char *path) {
    if (!m->params || m->table.n <= 0)
        return nmt_error("%s: cannot save: the model has no parameters", path);
    /* Never write a file that would not load: the table must be the config's. */
    nmt_param_table want;
    if (nmt_param_table_build(&want, &m->cfg)) return nmt_error_prefix("%s: cannot save", path);
    int same = want.n == m->table.n;
    for (int i = 0; same && i < want.n; i++) {
        same = strcmp(want.p[i].name, m->table.p[i].name) == 0 && want.p[i].ndim == m->table.p[i].ndim;
        for (int d = 0; same && d < want.p[i].ndim; d++) same = want.p[i].shape[d] == m->table.p[i].shape[d];
    }
    nmt_param_table_free(&want);
    if (!same) return nmt_error("%s: cannot save: the parameter table does not match the config", path);
    if (check_weights(m, path, "cannot save: ")) return -1;
    char sha[65];
    table_sha256(m, sha);
    char *doc = nmt_json_model_doc(m, sha);
    if (!doc) return nmt_error_prefix("%s: cannot save", path);
    // the vocabularies exist and match the config (the document has them)
    const nmt_arch_info *a = nmt_arch_info_find(m->cfg.arch);
    if ((m->src_vocab && vocab_check(m->src_vocab, nmt_vocab_strip_chars(m->src_vocab), 0, a->lm, path, "cannot save: ")) ||
        vocab_check(m->tgt_vocab, nmt_vocab_strip_chars(m->tgt_vocab), 1, a->lm, path, "cannot save: ")) {
        free(doc);
        return -1;
    }

    nmt_st_entry *e = nmt_xcalloc((size_t)m->table.n, sizeof *e);
    for (int i = 0; i < m->table.n; i++) {
        const nmt_param *p = &m->table.p[i];
        memset(&e[i], 0, sizeof e[i]);
        e[i].name = p->name;
        e[i].dtype = NMT_ST_F32;
        e[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++) e[i].shape[d] = p->shape[d];
        e[i].data = m->params + p->offset;
    }
    char version[16];
    snprintf(version, sizeof version, "%d", NMT_FORMAT_VERSION);
    const char *vals[4] = {"nmt", version, NMT_VERSION, doc};
    nmt_sha256 fs;
    file_sha256_begin(&fs, vals);
    for (int i = 0; i < m->table.n; i++)   // table order: the order the file stores them in
        nmt_sha256_update(&fs, m->params + m->table.p[i].offset, m->table.p[i].numel * sizeof(float));
    char file_sha[65];
    file_sha256_end(&fs, file_sha);
    const nmt_st_kv meta[] = {
        {"format", vals[0]},
        {"format_version", vals[1]},
        {"nmt_version", vals[2]},
        {"nmt", vals[3]},
        {"sha256", file_sha},
    };
    int rc = nmt_st_write(path, e, m->table.n, meta, (int)(sizeof meta / sizeof *meta));
    free(e);
    free(doc);
    return rc;
}

/* "1", "2", ...: -1 for anything else. */
static long parse_version(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 9 || s[0] == '0') return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static void shape_str(char *buf, size_t size, const int64_t *shape, int ndim) {
    size_t k = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < ndim && k < size; d++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (k < size) snprintf(buf + k, size - k, "]");
}

/* Exactly the table's tensors, each F32 with the table's shape. */
static int check_tensors(const nmt_st_file *st, const nmt_param_table *table, const nmt_config *cfg,
                         const char *path) {
    for (int i = 0; i < table->n; i++) {
        const nmt_param *p = &table->p[i];
        const nmt_st_tensor *t = nmt_st_find(st, p->name);
        if (!t) return nmt_error("%s: missing tensor '%s'", path, p->name);
        if (t->dtype != NMT_ST_F32)
            return nmt_error("%s: tensor '%s' has dtype %s, expected F32", path, p->name,
                             nmt_st_dtype_name(t->dtype));
        int64_t want[NMT_MAX_DIMS];
        for (int d = 0; d < p->ndim; d++) want[d] = p->shape[d];
        int same = t->ndim == p->ndim;
        for (int d = 0; same && d < p->ndim; d++) same = t->shape[d] == want[d];
        if (!same) {
            char got[200], exp[64];
            shape_str(got, sizeof got, t->shape, t->ndim);
            shape_str(exp, sizeof exp, want, p->ndim);
            return nmt_error("%s: tensor '%s' has shape %s, expected %s for the file's '%s' config", path, p->name,
                             got, exp, cfg->arch);
        }
    }
    for (int i = 0; i < st->n; i++)
        if (!nmt_param_find(table, st->t[i].name))
            return nmt_error("%s: unexpected tensor '%s' (not part of a '%s' model)", path, st->t[i].name,
                             cfg->arch);
    /* Every writer has stored them in table order: offsets in another order
     * (two tensors of one shape swapped, say) mean an altered file. st->t is
     * in offset order, and holds exactly the table's names (above). */
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->t[i].name, table->p[i].name) != 0)
            return nmt_error("%s: tensor '%s' is stored at position %d of the data, where the '%s' table has '%s' "
                             "(tensors out of order: swapped data_offsets?)", path, st->t[i].name, i + 1, cfg->arch,
                             table->p[i].name);
    return 0;
}

// one of the 32 characters of Python's string.punctuation
static int is_punct(unsigned char c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* Why token t (id >= 2) is one the text pipeline cannot produce, or NULL: a
 * whitespace vocabulary's tokens are non-empty words without ASCII white
 * space (text splits on it), ASCII capitals (lowercased), punctuation
 * (deleted) or a character of `strip` (deleted before everything); a
 * character vocabulary's are one character, not an ASCII capital, or one
 * of the tokens looked up by name, startofseq and endofseq. */
static const char *bad_token(const char *t, size_t len, nmt_split split, const char *strip) {
    if (len == 0) return "is empty";
    if (split == NMT_SPLIT_CHARACTER) {
        if ((len == 10 && memcmp(t, "startofseq", 10) == 0) || (len == 8 && memcmp(t, "endofseq", 8) == 0))
            return NULL;
        if (nmt_utf8_char_len((const unsigned char *)t, 0, len) != len)
            return "is not one character (the vocabulary splits text into characters)";
        if (t[0] >= 'A' && t[0] <= 'Z') return "is an ASCII capital letter, which lowercasing never leaves";
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) return "holds white space, on which text is split";
        if (c >= 'A' && c <= 'Z') return "holds an ASCII capital letter, which standardization lowercases";
        if (is_punct(c)) return "holds punctuation, which standardization deletes";
        if (nmt_strip_match(strip, t + i, len - i)) return "holds a character the file says to delete before everything";
    }
    return NULL;
}

/* Every token of v (ids 2...) one that text can produce (bad_token) with the
 * strip characters `strip`; a translator's target vocabulary (lm 0) with
 * startofseq and endofseq. -1 with "PATH: PREFIX..." otherwise. */
static int vocab_check(const nmt_vocab *v, const char *strip, int target, int lm, const char *path,
                       const char *prefix) {
    const char *which = target ? "target" : "source";
    for (int i = 2; i < nmt_vocab_size(v); i++) {
        const char *why = bad_token(nmt_vocab_token(v, i), (size_t)nmt_vocab_token_len(v, i), nmt_vocab_split(v), strip);
        if (why)
            return nmt_error("%s: %s%s vocabulary: token %d '%s' %s", path, prefix, which, i, nmt_vocab_token(v, i),
                             why);
    }
    static const char *const specials[] = {"startofseq", "endofseq"};
    for (int i = 0; i < 2 && target && !lm; i++)
        if (nmt_vocab_id(v, specials[i], strlen(specials[i])) < 2)
            return nmt_error("%s: %sthe target vocabulary lacks '%s', which a translator needs to %s", path, prefix,
                             specials[i], i ? "end its translations" : "start its translations");
    return 0;
}

/* Builds a vocabulary with its split mode and checks that every token looks up
 * as its own id (no duplicates). */
static nmt_vocab *make_vocab(char **tokens, const size_t *lens, int n, nmt_split split, const char *path,
                             const char *which) {
    nmt_vocab *v = nmt_vocab_from_list_n((const char *const *)tokens, lens, n);
    if (!v) {
        nmt_error_prefix("%s: %s side", path, which);
        return NULL;
    }
    nmt_vocab_set_split(v, split);   // one of the two modes: the parser checked it
    for (int i = 2; i < n; i++) {
        int id = nmt_vocab_id(v, tokens[i], lens[i]);
        if (id != i) {
            nmt_error("%s: %s vocabulary: token %d '%s' looks up as id %d (duplicate token?)", path, which, i,
                      tokens[i], id);
            nmt_vocab_free(v);
            return NULL;
        }
    }
    return v;
}

static int load(nmt_model *m, const char *path, const nmt_st_file *st, nmt_model_doc *doc) {
    const char *format = nmt_st_meta(st, "format");
    if (!format || strcmp(format, "nmt") != 0)
        return nmt_error("%s: not an nmt model file (its safetensors metadata lacks \"format\": \"nmt\")",
                         path);
    const char *fv = nmt_st_meta(st, "format_version");
    if (!fv) return nmt_error("%s: no \"format_version\" in the model metadata", path);
    long version = parse_version(fv);
    if (version < 1) return nmt_error("%s: invalid model format version \"%s\"", path, fv);
    if (version > NMT_FORMAT_VERSION)
        return nmt_error("%s: model format version %ld is newer than this nmt supports (%d); upgrade nmt",
                         path, version, NMT_FORMAT_VERSION);
    /* Version 1 (nmt 0.1.0): the basic architecture only, no init_from. Version 2:
     * any architecture, with its own config fields. Version 3: each
     * vocabulary's split mode, tokens that may be U+0000, and no source
     * vocabulary for an architecture without one. The document parser keeps
     * each version's rules (nmt_json_model_doc_parse). */

    const char *text = nmt_st_meta(st, "nmt");
    if (!text) return nmt_error("%s: no \"nmt\" model document in the metadata", path);
    /* Format 4: one checksum over everything that gives the file its meaning,
     * checked first, so that damage anywhere reads as damage. It covers the
     * data section, whose order the table check below ties to the table. */
    if (version >= 4) {
        const char *want = nmt_st_meta(st, "sha256"), *nv = nmt_st_meta(st, "nmt_version");
        if (!want) return nmt_error("%s: no \"sha256\" checksum in the metadata (format version %ld has one)", path, version);
        if (!nv) return nmt_error("%s: no \"nmt_version\" in the metadata", path);
        const char *vals[4] = {format, fv, nv, text};
        nmt_sha256 fs;
        char got[65];
        file_sha256_begin(&fs, vals);
        nmt_sha256_update(&fs, st->data, st->data_len);
        file_sha256_end(&fs, got);
        if (strcmp(got, want) != 0 && CHECKSUMS_CHECKED)
            return nmt_error("%s: checksum mismatch: the file is not what nmt wrote (corrupted or edited)", path);
    }
    if (nmt_json_model_doc_parse(doc, text, strlen(text), path, (int)version)) return -1;

    nmt_param_table table;
    if (nmt_param_table_build(&table, &doc->cfg)) return nmt_error_prefix("%s", path);
    int bad = check_tensors(st, &table, &doc->cfg, path);
    nmt_param_table_free(&table);
    if (bad) return -1;

    char sha[65];
    nmt_sha256_hex(st->data, st->data_len, sha);
    if (strcmp(sha, doc->weights_sha256) != 0 && CHECKSUMS_CHECKED)
        return nmt_error("%s: weights checksum mismatch (file corrupted?)", path);

    nmt_vocab *src = NULL;   // none for a language model
    if (doc->n_src > 0 && !(src = make_vocab(doc->src_tokens, doc->src_lens, doc->n_src, doc->src_split, path,
                                             "source")))
        return -1;
    nmt_vocab *tgt = make_vocab(doc->tgt_tokens, doc->tgt_lens, doc->n_tgt, doc->tgt_split, path, "target");
    const int lm = nmt_arch_info_find(doc->cfg.arch)->lm;
    if (!tgt || (src && vocab_check(src, doc->strip_chars, 0, lm, path, "")) ||
        vocab_check(tgt, doc->strip_chars, 1, lm, path, "")) {
        nmt_vocab_free(src);
        nmt_vocab_free(tgt);
        return -1;
    }
    // what the document records about the text (checked by the parser)
    if (src) {
        nmt_vocab_set_language(src, doc->src_language);
        nmt_vocab_set_strip_chars(src, doc->strip_chars);
    }
    nmt_vocab_set_language(tgt, doc->tgt_language);
    nmt_vocab_set_strip_chars(tgt, doc->strip_chars);

    nmt_model tmp;
    memset(&tmp, 0, sizeof tmp);
    if (nmt_model_init(&tmp, &doc->cfg)) {
        nmt_vocab_free(src);
        nmt_vocab_free(tgt);
        return nmt_error_prefix("%s", path);
    }
    for (int i = 0; i < tmp.table.n; i++) {
        const nmt_param *p = &tmp.table.p[i];
        const nmt_st_tensor *t = nmt_st_find(st, p->name);
        if (!t || t->end - t->begin != p->numel * sizeof(float)) {  /* init's table == ours */
            nmt_vocab_free(src);
            nmt_vocab_free(tgt);
            nmt_model_free(&tmp);
            return nmt_error("%s: internal error: parameter table mismatch at '%s'", path, p->name);
        }
        memcpy(tmp.params + p->offset, t->data, p->numel * sizeof(float));
    }
    if (check_weights(&tmp, path, "")) {
        nmt_vocab_free(src);
        nmt_vocab_free(tgt);
        nmt_model_free(&tmp);
        return -1;
    }
    tmp.src_vocab = src;
    tmp.tgt_vocab = tgt;
    tmp.train_config_json = doc->train_config_json;
    tmp.init_from_json = doc->init_from_json;
    tmp.history = doc->history;
    tmp.n_history = doc->n_history;
    doc->train_config_json = NULL;
    doc->init_from_json = NULL;
    doc->history = NULL;
    doc->n_history = 0;
    *m = tmp;
    return 0;
}

int nmt_model_load_st(nmt_model *m, const nmt_st_file *st, const char *path) {
    nmt_model_doc doc;
    memset(m, 0, sizeof *m);
    memset(&doc, 0, sizeof doc);
    int rc = load(m, path, st, &doc);
    nmt_model_doc_free(&doc);
    return rc;
}

int nmt_model_load(nmt_model *m, const char *path) {
    nmt_st_file st;
    memset(m, 0, sizeof *m);
    if (nmt_st_read(&st, path)) return -1;   // read once: a pipe works
    int rc = nmt_model_load_st(m, &st, path ? path : "standard input");
    nmt_st_free(&st);
    return rc;
}

/* a: this model's, b: the file's; either may be NULL (no source vocabulary). */
static int same_vocab(const nmt_vocab *a, const nmt_vocab *b, const char *path, const char *which) {
    if (!a || !b) {
        if (a || b)
            return nmt_error("%s: it has %s %s vocabulary, this model %s; --init-from needs the same vocabularies",
                             path, b ? "a" : "no", which, a ? "has one" : "none");
        return 0;
    }
    int na = nmt_vocab_size(a), nb = nmt_vocab_size(b);
    if (na != nb)
        return nmt_error("%s: its %s vocabulary has %d tokens, this model's %d; --init-from needs the same "
                         "vocabularies (same corpus, sizes and --split-seed)", path, which, nb, na);
    if (nmt_vocab_split(a) != nmt_vocab_split(b))
        return nmt_error("%s: its %s vocabulary splits into %s, this model's into %s; --init-from needs the same "
                         "vocabularies", path, which, nmt_vocab_split(b) == NMT_SPLIT_CHARACTER ? "characters" : "words",
                         nmt_vocab_split(a) == NMT_SPLIT_CHARACTER ? "characters" : "words");
    for (int i = 0; i < na; i++)
        if (nmt_vocab_token_len(a, i) != nmt_vocab_token_len(b, i) ||
            memcmp(nmt_vocab_token(a, i), nmt_vocab_token(b, i), (size_t)nmt_vocab_token_len(a, i)) != 0)
            return nmt_error("%s: its %s vocabulary differs at id %d ('%s', this model: '%s'); --init-from needs "
                             "the same vocabularies (same corpus, sizes and --split-seed)", path, which, i,
                             nmt_vocab_token(b, i), nmt_vocab_token(a, i));
    return 0;
}

/* name matches one of the comma-separated globs (NULL: everything). */
static int name_selected(const char *name, const char *patterns) {
    if (!patterns) return 1;
    const char *p = patterns;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char glob[256];
        if (n < sizeof glob) {
            memcpy(glob, p, n);
            glob[n] = 0;
            if (fnmatch(glob, name, 0) == 0) return 1;
        }
        p += n + (end != NULL);
    }
    return 0;
}

int nmt_model_init_from(nmt_model *m, const char *path, const char *patterns) {
    nmt_model from;
    if (nmt_model_load(&from, path)) return -1;
    int rc = same_vocab(m->src_vocab, from.src_vocab, path, "source") ||
             same_vocab(m->tgt_vocab, from.tgt_vocab, path, "target");
    json_t *names = json_array();
    for (int i = 0; !rc && i < m->table.n; i++) {
        const nmt_param *p = &m->table.p[i];
        const nmt_param *q = nmt_param_find(&from.table, p->name);
        int same = q && q->ndim == p->ndim && name_selected(p->name, patterns);
        for (int d = 0; same && d < p->ndim; d++) same = q->shape[d] == p->shape[d];
        if (!same) continue;
        memcpy(m->params + p->offset, from.params + q->offset, p->numel * sizeof(float));
        json_array_append_new(names, json_string(p->name));
        fprintf(stderr, "nmt: --init-from %s: %s copied\n", path, p->name);
    }
    if (!rc && json_array_size(names) == 0)
        rc = nmt_error("%s: no tensor of it has a name and shape of this model's%s", path,
                       patterns ? " and matches --init-tensors" : "");
    if (!rc) {
        char sha[65];
        table_sha256(&from, sha);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        json_t *o = json_pack("{s:s?, s:s, s:s, s:s?, s:O}", "file", base, "arch", from.cfg.arch,
                              "weights_sha256", sha, "patterns", patterns, "tensors", names);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (!text) rc = nmt_error("%s: cannot record --init-from (file name not UTF-8?)", path);
        free(m->init_from_json);
        m->init_from_json = text ? nmt_xstrdup(text) : NULL;
        free(text);
        json_decref(o);
    }
    json_decref(names);
    nmt_model_free(&from);
    return rc ? -1 : 0;
}
