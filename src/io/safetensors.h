/* A generic safetensors container reader and writer.
 *
 * File layout: an 8-byte little-endian unsigned header length N, N bytes of
 * UTF-8 JSON (an object; padded with spaces so that 8 + N is a multiple of 8),
 * then the data section. Each header member other than "__metadata__" is a tensor:
 *   "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
 * with offsets relative to the start of the data section, row-major
 * little-endian data. "__metadata__" (optional) maps strings to strings.
 *
 * The reader checks everything before handing out a pointer: the header length
 * against the file size, the JSON, each tensor's dtype, shape and offsets
 * (shape product x dtype size == end - begin), and that the tensors tile the data
 * section exactly (contiguous, no overlap, no gap, nothing after the last).
 * Errors name the file and, where one is at fault, the tensor. */
#ifndef NMT_IO_SAFETENSORS_H
#define NMT_IO_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    NMT_ST_BOOL, NMT_ST_U8, NMT_ST_I8, NMT_ST_F8_E5M2, NMT_ST_F8_E4M3, NMT_ST_F8_E8M0,
    NMT_ST_I16, NMT_ST_U16, NMT_ST_F16, NMT_ST_BF16,
    NMT_ST_I32, NMT_ST_U32, NMT_ST_F32,
    NMT_ST_I64, NMT_ST_U64, NMT_ST_F64,
    NMT_ST_DTYPE_COUNT
} nmt_st_dtype;

/* "F32" etc.; NULL for an invalid value. */
const char *nmt_st_dtype_name(nmt_st_dtype t);
/* Bytes per element (1, 2, 4 or 8); 0 for an invalid value. */
size_t nmt_st_dtype_size(nmt_st_dtype t);
/* -1 if `name` is not a dtype this reader knows. */
int nmt_st_dtype_parse(const char *name, nmt_st_dtype *out);

#define NMT_ST_MAX_DIMS 8
/* Header lengths above this are refused (as the reference implementation does). */
#define NMT_ST_MAX_HEADER 100000000u
/* Files larger than this are refused: 8 bytes, the largest header and 4 GiB
 * of tensors (2^30 F32 values, the most parameters a model may have). */
#define NMT_ST_MAX_FILE ((size_t)8 + NMT_ST_MAX_HEADER + ((size_t)1 << 32))

/* ---- reading ------------------------------------------------------------ */

typedef struct {
    const char *name;
    nmt_st_dtype dtype;
    int ndim;                        /* 0 (a scalar) .. NMT_ST_MAX_DIMS */
    int64_t shape[NMT_ST_MAX_DIMS];
    size_t numel;                    /* product of the shape (1 for a scalar) */
    size_t begin, end;               /* byte offsets within the data section */
    const void *data;                /* end - begin bytes; NOT necessarily aligned
                                        for the dtype: copy out with memcpy */
} nmt_st_tensor;

typedef struct nmt_st_file {
    char *path;                      /* for messages */
    unsigned char *buf;              /* the whole file */
    size_t len;
    size_t header_len;               /* N */
    const unsigned char *data;       /* the data section: buf + 8 + N */
    size_t data_len;
    int n;                           /* tensors, in data (offset) order */
    nmt_st_tensor *t;
    int n_meta;                      /* __metadata__ members, in header order */
    char **meta_key, **meta_val;
} nmt_st_file;

/* Reads and validates a whole file (NULL: standard input, named "standard
 * input"), opened once: a pipe or /dev/stdin works, a stream is read no
 * further than its header says the data goes (and a byte more, to see that it
 * ends there), a file larger than NMT_ST_MAX_FILE is refused unread. On error
 * f is left empty (nmt_st_free is still safe) and the message starts with
 * "PATH: ". */
int nmt_st_read(nmt_st_file *f, const char *path);
/* Same for `len` bytes in memory (copied); `path` is used in messages only. */
int nmt_st_parse(nmt_st_file *f, const void *bytes, size_t len, const char *path);
void nmt_st_free(nmt_st_file *f);

/* The tensor called `name`, or NULL. */
const nmt_st_tensor *nmt_st_find(const nmt_st_file *f, const char *name);
/* The __metadata__ value for `key`, or NULL. */
const char *nmt_st_meta(const nmt_st_file *f, const char *key);

/* ---- writing ------------------------------------------------------------ */

typedef struct {
    const char *name;
    nmt_st_dtype dtype;
    int ndim;                        /* 0 .. NMT_ST_MAX_DIMS */
    int64_t shape[NMT_ST_MAX_DIMS];
    const void *data;                /* numel x dtype size bytes, little-endian */
} nmt_st_entry;

typedef struct {
    const char *key, *value;
} nmt_st_kv;

/* The complete file image: header (with "__metadata__" first, then the tensors
 * in the order given, laid out back to back in that order) and data.
 * Names must be unique, non-empty, not "__metadata__" and valid UTF-8, as must
 * metadata keys and values. malloc'd into *out; -1 with an error otherwise. */
int nmt_st_serialize(const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta,
                     unsigned char **out, size_t *out_len);

/* Writes the same bytes to `path` atomically (nmt_atomic_file, core/error.h:
 * streamed to PATH.tmp.<pid>, fsync'ed, renamed over PATH; a failed write
 * leaves PATH untouched and no temporary file). */
int nmt_st_write(const char *path, const nmt_st_entry *t, int n, const nmt_st_kv *meta, int n_meta);
#endif
