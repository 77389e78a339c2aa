/* Reading the committed reference fixtures (safetensors files written by the
 * tools/make_*_fixture.py scripts) in tests. Every accessor CHECKs what it
 * expects and returns NULL (or -1) after a failed CHECK. Copies are malloc'd:
 * tensor data in a safetensors file need not be aligned. */
#ifndef NMT_TESTS_FIXTURE_H
#define NMT_TESTS_FIXTURE_H
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "io/json.h"
#include "io/safetensors.h"

/* Reads fixture `path` into st; 0, or -1 after a failed CHECK (message printed). */
static inline int fixture_open(nmt_st_file *st, const char *path) {
    if (nmt_st_read(st, path) == 0) return 0;
    fprintf(stderr, "%s\n", nmt_last_error());
    CHECK(0, "cannot read %s", path);
    return -1;
}

/* Tensor `name` if present with dtype dt. */
static inline const nmt_st_tensor *fixture_tensor(const nmt_st_file *st, const char *name, nmt_st_dtype dt) {
    const nmt_st_tensor *t = nmt_st_find(st, name);
    CHECK(t != NULL, "fixture has no tensor %s", name);
    if (!t) return NULL;
    CHECK(t->dtype == dt, "%s: dtype %s, expected %s", name, nmt_st_dtype_name(t->dtype), nmt_st_dtype_name(dt));
    return t->dtype == dt ? t : NULL;
}

/* A copy of the (rows, cols) I32 tensor `name`. */
static inline int32_t *fixture_i32(const nmt_st_file *st, const char *name, int rows, int cols) {
    const nmt_st_tensor *t = fixture_tensor(st, name, NMT_ST_I32);
    if (!t) return NULL;
    int ok = t->ndim == 2 && t->shape[0] == rows && t->shape[1] == cols;
    CHECK(ok, "%s: shape is not (%d,%d)", name, rows, cols);
    if (!ok) return NULL;
    int32_t *a = malloc((size_t)rows * cols * sizeof *a);
    memcpy(a, t->data, (size_t)rows * cols * sizeof *a);
    return a;
}

/* The parsed JSON of metadata `key` (free with nmt_json_free). */
static inline nmt_json *fixture_meta_json(const nmt_st_file *st, const char *key) {
    const char *s = nmt_st_meta(st, key);
    CHECK(s != NULL, "fixture has no metadata %s", key);
    if (!s) return NULL;
    nmt_json *j = nmt_json_parse(s, strlen(s), key);
    CHECK(j != NULL, "metadata %s: %s", key, nmt_last_error());
    return j;
}

/* Integer member `key` of a JSON object, -1 after a failed CHECK. */
static inline long fixture_int(const nmt_json *o, const char *key) {
    long long v = -1;
    CHECK(nmt_json_int(nmt_json_get(o, key), &v) == 0, "config.%s is not an integer", key);
    return (long)v;
}
#endif
