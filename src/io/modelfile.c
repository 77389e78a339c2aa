/* The model file: nmt_model_save / nmt_model_load (docs/FORMAT.md).
 *
 * A safetensors file: every tensor of the parameter table under its table name
 * (F32, Keras layout), and in "__metadata__": "format" = "nmt",
 * "format_version", "nmt_version" and "nmt" = the JSON model document
 * (io/json.h: config, vocabularies, languages, standardization, train_config,
 * init_from, history, weights_sha256 = SHA-256 of the data section). */
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sha256.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/model.h"
#include "nmt.h"

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
    char sha[65];
    table_sha256(m, sha);
    char *doc = nmt_json_model_doc(m, sha);
    if (!doc) return nmt_error_prefix("%s: cannot save", path);

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
    const nmt_st_kv meta[] = {
        {"format", "nmt"},
        {"format_version", version},
        {"nmt_version", NMT_VERSION},
        {"nmt", doc},
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
    if (nmt_json_model_doc_parse(doc, text, strlen(text), path, (int)version)) return -1;

    nmt_param_table table;
    if (nmt_param_table_build(&table, &doc->cfg)) return nmt_error_prefix("%s", path);
    int bad = check_tensors(st, &table, &doc->cfg, path);
    nmt_param_table_free(&table);
    if (bad) return -1;

    char sha[65];
    nmt_sha256_hex(st->data, st->data_len, sha);
    if (strcmp(sha, doc->weights_sha256) != 0)
        return nmt_error("%s: weights checksum mismatch (file corrupted?)", path);

    nmt_vocab *src = NULL;   // none for a language model
    if (doc->n_src > 0 && !(src = make_vocab(doc->src_tokens, doc->src_lens, doc->n_src, doc->src_split, path,
                                             "source")))
        return -1;
    nmt_vocab *tgt = make_vocab(doc->tgt_tokens, doc->tgt_lens, doc->n_tgt, doc->tgt_split, path, "target");
    if (!tgt) {
        nmt_vocab_free(src);
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
