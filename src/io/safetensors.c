/* safetensors reader and writer (format summary in safetensors.h and
 * docs/FORMAT.md). JSON goes through io/json.h. */
#include "io/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "io/json.h"

static const struct {
    const char *name;
    size_t size;
} dtypes[NMT_ST_DTYPE_COUNT] = {
    [NMT_ST_BOOL] = {"BOOL", 1},     [NMT_ST_U8] = {"U8", 1},
    [NMT_ST_I8] = {"I8", 1},         [NMT_ST_F8_E5M2] = {"F8_E5M2", 1},
    [NMT_ST_F8_E4M3] = {"F8_E4M3", 1}, [NMT_ST_F8_E8M0] = {"F8_E8M0", 1},
    [NMT_ST_I16] = {"I16", 2},       [NMT_ST_U16] = {"U16", 2},
    [NMT_ST_F16] = {"F16", 2},       [NMT_ST_BF16] = {"BF16", 2},
    [NMT_ST_I32] = {"I32", 4},       [NMT_ST_U32] = {"U32", 4},
    [NMT_ST_F32] = {"F32", 4},       [NMT_ST_I64] = {"I64", 8},
    [NMT_ST_U64] = {"U64", 8},       [NMT_ST_F64] = {"F64", 8},
};

const char *nmt_st_dtype_name(nmt_st_dtype t) {
    return (unsigned)t < NMT_ST_DTYPE_COUNT ? dtypes[t].name : NULL;
}

size_t nmt_st_dtype_size(nmt_st_dtype t) {
    return (unsigned)t < NMT_ST_DTYPE_COUNT ? dtypes[t].size : 0;
}

int nmt_st_dtype_parse(const char *name, nmt_st_dtype *out) {
    for (int i = 0; i < NMT_ST_DTYPE_COUNT; i++)
        if (strcmp(name, dtypes[i].name) == 0) {
            *out = (nmt_st_dtype)i;
            return 0;
        }
    return -1;
}

/* numel = product of the shape, bytes = numel * elem; -1 on overflow. */
static int shape_bytes(const int64_t *shape, int ndim, size_t elem, size_t *numel, size_t *bytes) {
    size_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0 || (uint64_t)shape[d] > SIZE_MAX) return -1;
        if (__builtin_mul_overflow(n, (size_t)shape[d], &n)) return -1;
    }
    if (__builtin_mul_overflow(n, elem, bytes)) return -1;
    *numel = n;
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* The header object: "__metadata__" first (when there is any), then the
 * tensors in the order given, laid out back to back. */
static int header_json(const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta, nmt_json *h,
                       size_t *data_len) {
    char what[160];
    if (n < 0 || n_meta < 0 || (n && !t) || (n_meta && !meta)) return nmt_error("invalid tensor list");
    nmt_json *m = n_meta > 0 ? nmt_json_set_object(h, "__metadata__") : NULL;
    for (int i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value) return nmt_error("metadata entry %d is NULL", i);
        for (int j = 0; j < i; j++)
            if (strcmp(meta[i].key, meta[j].key) == 0) return nmt_error("metadata key '%s' given twice", meta[i].key);
        if (nmt_json_set_str(m, meta[i].key, "")) return nmt_error("metadata key %d: not valid UTF-8", i);
        if (nmt_json_set_str(m, meta[i].key, meta[i].value))
            return nmt_error("metadata '%.100s': not valid UTF-8", meta[i].key);
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        const nmt_st_entry *e = &t[i];
        if (!e->name || !*e->name) return nmt_error("tensor %d has no name", i);
        snprintf(what, sizeof what, "tensor '%.100s'", e->name);
        if (strcmp(e->name, "__metadata__") == 0) return nmt_error("%s: reserved name", what);
        for (int j = 0; j < i; j++)
            if (strcmp(e->name, t[j].name) == 0) return nmt_error("%s: name given twice", what);
        size_t elem = nmt_st_dtype_size(e->dtype), numel, bytes;
        if (!elem) return nmt_error("%s: invalid dtype %d", what, (int)e->dtype);
        if (e->ndim < 0 || e->ndim > NMT_ST_MAX_DIMS)
            return nmt_error("%s: %d dimensions (at most %d)", what, e->ndim, NMT_ST_MAX_DIMS);
        if (shape_bytes(e->shape, e->ndim, elem, &numel, &bytes))
            return nmt_error("%s: invalid shape (negative or too large)", what);
        if (bytes && !e->data) return nmt_error("%s: no data", what);
        if (__builtin_add_overflow(off, bytes, &off)) return nmt_error("%s: data too large", what);
        nmt_json *o = nmt_json_set_object(h, e->name);
        if (!o) return nmt_error("%s: not valid UTF-8", what);
        nmt_json *shape = NULL, *offsets = NULL;
        int bad = nmt_json_set_str(o, "dtype", nmt_st_dtype_name(e->dtype)) || !(shape = nmt_json_set_array(o, "shape")) ||
                  !(offsets = nmt_json_set_array(o, "data_offsets"));
        for (int d = 0; !bad && d < e->ndim; d++) bad = nmt_json_push_int(shape, e->shape[d]);
        if (bad || nmt_json_push_int(offsets, (long long)(off - bytes)) || nmt_json_push_int(offsets, (long long)off))
            return nmt_error("%s: cannot describe it (out of memory?)", what);
    }
    *data_len = off;
    return 0;
}

/* The header text, padded with spaces to a multiple of 8 bytes (with the
 * 8-byte length in front, the data section starts 8-byte aligned). */
static char *build_header(const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta, size_t *len,
                          size_t *data_len) {
    nmt_json *h = nmt_json_new_object();
    char *text = header_json(t, n, meta, n_meta, h, data_len) ? NULL : nmt_json_dump(h, NMT_JSON_COMPACT);
    nmt_json_free(h);
    if (!text) return NULL;
    size_t k = strlen(text), padded = (k + 7) / 8 * 8;
    text = nmt_xrealloc(text, padded + 1);
    memset(text + k, ' ', padded - k);
    text[padded] = 0;
    *len = padded;
    return text;
}

/* Data size of an entry that build_header() accepted. */
static size_t entry_bytes(const nmt_st_entry *e) {
    size_t numel = 0, bytes = 0;
    shape_bytes(e->shape, e->ndim, nmt_st_dtype_size(e->dtype), &numel, &bytes);
    return bytes;
}

static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

int nmt_st_serialize(const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta,
                     unsigned char **out, size_t *out_len) {
    size_t hlen, data_len;
    char *h = build_header(t, n, meta, n_meta, &hlen, &data_len);
    if (!h) return -1;
    size_t total = 8 + hlen + data_len;
    unsigned char *buf = nmt_xmalloc(total);
    put_le64(buf, hlen);
    memcpy(buf + 8, h, hlen);
    size_t pos = 8 + hlen;
    for (int i = 0; i < n; i++) {
        size_t bytes = entry_bytes(&t[i]);
        if (bytes) memcpy(buf + pos, t[i].data, bytes);
        pos += bytes;
    }
    free(h);
    *out = buf;
    *out_len = total;
    return 0;
}

int nmt_st_write(const char *path, const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta) {
    size_t hlen, data_len;
    char *h = build_header(t, n, meta, n_meta, &hlen, &data_len);
    if (!h) return nmt_error_prefix("%s", path);
    nmt_atomic_file a;
    if (nmt_atomic_open(&a, path)) {
        free(h);
        return -1;
    }
    unsigned char len8[8];
    put_le64(len8, hlen);
    int bad = nmt_atomic_write(&a, len8, 8) || nmt_atomic_write(&a, h, hlen);
    free(h);
    for (int i = 0; i < n && !bad; i++) bad = nmt_atomic_write(&a, t[i].data, entry_bytes(&t[i]));
    if (bad) {
        nmt_atomic_abort(&a);
        return -1;
    }
    return nmt_atomic_commit(&a);
}

/* ---- reading ------------------------------------------------------------ */

void nmt_st_free(nmt_st_file *f) {
    for (int i = 0; f->t && i < f->n; i++) free((char *)f->t[i].name);
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_key[i]);
        free(f->meta_val[i]);
    }
    free(f->t);
    free(f->meta_key);
    free(f->meta_val);
    free(f->buf);
    free(f->path);
    memset(f, 0, sizeof *f);
}

static int get_u64_array(const nmt_json *a, int64_t *out, int max, int *count) {
    if (nmt_json_typeof(a) != NMT_JSON_ARRAY) return -1;
    size_t n = nmt_json_size(a);
    if (n > (size_t)max) return -2;
    for (size_t i = 0; i < n; i++) {
        long long v;
        if (nmt_json_int(nmt_json_at(a, i), &v) || v < 0) return -1;
        out[i] = v;
    }
    *count = (int)n;
    return 0;
}

static int parse_tensor(nmt_st_file *f, nmt_st_tensor *t, const char *name, const nmt_json *v) {
    const char *p = f->path;
    if (nmt_json_typeof(v) != NMT_JSON_OBJECT)
        return nmt_error("%s: tensor '%s': header entry is not an object", p, name);
    const char *dt = nmt_json_str(nmt_json_get(v, "dtype"));
    if (!dt) return nmt_error("%s: tensor '%s': missing \"dtype\"", p, name);
    if (nmt_st_dtype_parse(dt, &t->dtype))
        return nmt_error("%s: tensor '%s': unknown dtype \"%s\"", p, name, dt);
    const nmt_json *shape = nmt_json_get(v, "shape");
    if (!shape) return nmt_error("%s: tensor '%s': missing \"shape\"", p, name);
    int rc = get_u64_array(shape, t->shape, NMT_ST_MAX_DIMS, &t->ndim);
    if (rc == -2)
        return nmt_error("%s: tensor '%s': more than %d dimensions", p, name, NMT_ST_MAX_DIMS);
    if (rc) return nmt_error("%s: tensor '%s': \"shape\" must be an array of non-negative integers", p, name);
    int64_t off[2];
    int noff = 0;
    const nmt_json *offs = nmt_json_get(v, "data_offsets");
    if (!offs) return nmt_error("%s: tensor '%s': missing \"data_offsets\"", p, name);
    if (get_u64_array(offs, off, 2, &noff) || noff != 2 || off[0] > off[1])
        return nmt_error("%s: tensor '%s': \"data_offsets\" must be [begin, end] with 0 <= begin <= end",
                         p, name);
    t->begin = (size_t)off[0];
    t->end = (size_t)off[1];
    size_t bytes;
    if (shape_bytes(t->shape, t->ndim, nmt_st_dtype_size(t->dtype), &t->numel, &bytes))
        return nmt_error("%s: tensor '%s': shape too large", p, name);
    if (bytes != t->end - t->begin)
        return nmt_error("%s: tensor '%s': shape and dtype %s need %zu bytes but data_offsets [%zu, %zu] "
                         "span %zu", p, name, dt, bytes, t->begin, t->end, t->end - t->begin);
    return 0;
}

static int parse_metadata(nmt_st_file *f, const nmt_json *v) {
    if (nmt_json_typeof(v) != NMT_JSON_OBJECT)
        return nmt_error("%s: \"__metadata__\" is not an object", f->path);
    size_t n = nmt_json_size(v);
    f->meta_key = nmt_xcalloc(n, sizeof(char *));
    f->meta_val = nmt_xcalloc(n, sizeof(char *));
    for (void *it = nmt_json_iter(v); it; it = nmt_json_iter_next(v, it)) {
        const char *val = nmt_json_str(nmt_json_iter_value(it));
        if (!val)
            return nmt_error("%s: \"__metadata__\" value of '%s' is not a string", f->path,
                             nmt_json_iter_key(it));
        f->meta_key[f->n_meta] = nmt_xstrdup(nmt_json_iter_key(it));
        f->meta_val[f->n_meta] = nmt_xstrdup(val);
        f->n_meta++;
    }
    return 0;
}

static int by_offset(const void *a, const void *b) {
    const nmt_st_tensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The checks that need only the first 8 bytes and the file size. */
static int check_header_length(const char *p, const unsigned char *first8, size_t len, uint64_t *out) {
    if (len < 8) return nmt_error("%s: too short to be a safetensors file (%zu bytes; truncated?)", p, len);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)first8[i] << (8 * i);
    if (n > NMT_ST_MAX_HEADER)
        return nmt_error("%s: safetensors header length %" PRIu64 " is implausible (at most %u; "
                         "not a safetensors file?)", p, n, NMT_ST_MAX_HEADER);
    if (n > len - 8)
        return nmt_error("%s: safetensors header length %" PRIu64 " exceeds the file size (%zu bytes; "
                         "truncated?)", p, n, len);
    *out = n;
    return 0;
}

/* Validates the header and the layout of f->buf (already set). */
static int parse_buffer(nmt_st_file *f) {
    const char *p = f->path;
    uint64_t n;
    if (check_header_length(p, f->buf, f->len, &n)) return -1;
    if (n < 2 || f->buf[8] != '{')
        return nmt_error("%s: safetensors header does not start with a JSON object", p);
    f->header_len = (size_t)n;
    f->data = f->buf + 8 + n;
    f->data_len = f->len - 8 - (size_t)n;

    char what[4200];
    snprintf(what, sizeof what, "%s: safetensors header", p);
    nmt_json *root = nmt_json_parse((const char *)f->buf + 8, (size_t)n, what);
    if (!root) return -1;
    int rc = -1;
    if (nmt_json_typeof(root) != NMT_JSON_OBJECT) {
        nmt_error("%s: safetensors header is not a JSON object", p);
        goto done;
    }
    size_t members = nmt_json_size(root);
    f->t = nmt_xcalloc(members, sizeof *f->t);
    for (void *it = nmt_json_iter(root); it; it = nmt_json_iter_next(root, it)) {
        const char *key = nmt_json_iter_key(it);
        const nmt_json *v = nmt_json_iter_value(it);
        if (strcmp(key, "__metadata__") == 0) {
            if (parse_metadata(f, v)) goto done;
            continue;
        }
        nmt_st_tensor *t = &f->t[f->n++];
        t->name = nmt_xstrdup(key);
        if (parse_tensor(f, t, key, v)) goto done;
    }
    qsort(f->t, (size_t)f->n, sizeof *f->t, by_offset);
    size_t pos = 0;
    for (int i = 0; i < f->n; i++) {
        nmt_st_tensor *t = &f->t[i];
        if (t->end > f->data_len) {
            nmt_error("%s: tensor '%s': data_offsets [%zu, %zu] run past the end of the data section "
                      "(%zu bytes; truncated?)", p, t->name, t->begin, t->end, f->data_len);
            goto done;
        }
        if (t->begin < pos) {
            nmt_error("%s: tensor '%s': data [%zu, %zu] overlaps tensor '%s'", p, t->name, t->begin,
                      t->end, f->t[i - 1].name);
            goto done;
        }
        if (t->begin > pos) {
            nmt_error("%s: tensor '%s': %zu unused bytes before its data (offsets must be contiguous)", p,
                      t->name, t->begin - pos);
            goto done;
        }
        t->data = f->data + t->begin;
        pos = t->end;
    }
    if (pos != f->data_len) {
        nmt_error("%s: %zu byte%s after the last tensor's data (the data section is %zu bytes, the "
                  "tensors cover %zu)", p, f->data_len - pos, f->data_len - pos == 1 ? "" : "s",
                  f->data_len, pos);
        goto done;
    }
    rc = 0;
done:
    nmt_json_free(root);
    return rc;
}

static int parse_owned(nmt_st_file *f, unsigned char *buf, size_t len, const char *path) {
    memset(f, 0, sizeof *f);
    f->path = nmt_xstrdup(path);
    f->buf = buf;
    f->len = len;
    if (parse_buffer(f) == 0) return 0;
    nmt_st_free(f);
    return -1;
}

/* The length of the data section that the header h[0..n) describes (the
 * largest end of "data_offsets"), for reading a stream no further; -1 when
 * it is not a JSON object (the full parse then says what is wrong). */
static int header_data_len(const unsigned char *h, size_t n, uint64_t *out) {
    nmt_json *root = nmt_json_parse((const char *)h, n, "safetensors header");
    if (!root || nmt_json_typeof(root) != NMT_JSON_OBJECT) {
        nmt_json_free(root);
        return -1;
    }
    uint64_t end = 0;
    for (void *it = nmt_json_iter(root); it; it = nmt_json_iter_next(root, it)) {
        const nmt_json *offs = nmt_json_get(nmt_json_iter_value(it), "data_offsets");
        long long v;
        if (strcmp(nmt_json_iter_key(it), "__metadata__") != 0 && nmt_json_typeof(offs) == NMT_JSON_ARRAY &&
            nmt_json_size(offs) == 2 && nmt_json_int(nmt_json_at(offs, 1), &v) == 0 && v > 0 && (uint64_t)v > end)
            end = (uint64_t)v;
    }
    nmt_json_free(root);
    *out = end;
    return 0;
}

/* Reads the open file once: a regular file whole (refused unread above the
 * limit); a stream (pipe, device) up to the data section's end that its
 * header gives, and one byte more to see that it ends there. */
static int read_open(nmt_st_file *f, FILE *fp, const char *name) {
    struct stat sb;
    int regular = 0;
    size_t size = SIZE_MAX;
    if (fstat(fileno(fp), &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return nmt_error("%s: is a directory", name);
        if (S_ISREG(sb.st_mode)) regular = 1, size = (size_t)sb.st_size;
    }
    unsigned char first8[8];
    errno = 0;
    size_t got = fread(first8, 1, 8, fp);
    if (got < 8 && ferror(fp)) return nmt_error("%s: read error: %s", name, strerror(errno ? errno : EIO));
    uint64_t n;
    if (check_header_length(name, first8, regular ? size : got < 8 ? got : SIZE_MAX, &n)) return -1;
    size_t max = NMT_ST_MAX_FILE, head_len = 8;
    const char *what = "the limit of a model file (a 100 MB header and 4 GiB of tensors)";
    unsigned char *head = NULL;
    if (!regular) {
        head = nmt_xmalloc(8 + (size_t)n);
        memcpy(head, first8, 8);
        errno = 0;
        size_t h = fread(head + 8, 1, (size_t)n, fp);
        head_len = 8 + h;
        uint64_t d;
        if (h < n && ferror(fp)) {
            free(head);
            return nmt_error("%s: read error: %s", name, strerror(errno ? errno : EIO));
        }
        if (h < n || header_data_len(head + 8, (size_t)n, &d))   // read no further: the parse says what is wrong
            return parse_owned(f, head, head_len, name);
        if (d > NMT_ST_MAX_FILE - head_len) {
            free(head);
            return nmt_error("%s: its safetensors header describes %" PRIu64 " bytes of tensors, more than %s", name,
                             d, what);
        }
        max = head_len + (size_t)d;
        what = "the size that its safetensors header gives (bytes after the last tensor)";
    }
    char *data;
    size_t len;
    int rc = nmt_read_stream(fp, name, head ? head : first8, head_len, max, what, &data, &len);
    free(head);
    if (rc) return -1;
    return parse_owned(f, (unsigned char *)data, len, name);
}

int nmt_st_read(nmt_st_file *f, const char *path) {
    memset(f, 0, sizeof *f);
    if (!path) return read_open(f, stdin, "standard input");
    FILE *fp = fopen(path, "rb");
    if (!fp) return nmt_error("%s: cannot open: %s", path, strerror(errno));
    int rc = read_open(f, fp, path);
    fclose(fp);
    return rc;
}

int nmt_st_parse(nmt_st_file *f, const void *bytes, size_t len, const char *path) {
    unsigned char *copy = nmt_xmalloc(len + 1);
    if (len) memcpy(copy, bytes, len);
    return parse_owned(f, copy, len, path);
}

const nmt_st_tensor *nmt_st_find(const nmt_st_file *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

const char *nmt_st_meta(const nmt_st_file *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_key[i], key) == 0) return f->meta_val[i];
    return NULL;
}
