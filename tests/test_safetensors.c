/* safetensors container: round trip, a file written by the reference Python
 * implementation, and rejection of malformed files (each message names the file
 * and, where one is at fault, the tensor). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "io/safetensors.h"

/* Written by safetensors 0.8.0 (PyPI) with numpy 1.26:
 *   from safetensors.numpy import save
 *   save({"weight": np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1,
 *         "ids": np.array([3, -1, 7], dtype=np.int32),
 *         "scalar": np.array(2.5, dtype=np.float64),
 *         "flags": np.array([1, 0], dtype=np.uint8)},
 *        metadata={"source": "numpy", "note": "\u00fc"}) */
static const unsigned char reference_file[] = {
    0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f,
    0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f, 0x22, 0x3a,
    0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0xbc, 0x22,
    0x2c, 0x22, 0x73, 0x6f, 0x75, 0x72, 0x63, 0x65, 0x22, 0x3a, 0x22, 0x6e,
    0x75, 0x6d, 0x70, 0x79, 0x22, 0x7d, 0x2c, 0x22, 0x73, 0x63, 0x61, 0x6c,
    0x61, 0x72, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22,
    0x3a, 0x22, 0x46, 0x36, 0x34, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70,
    0x65, 0x22, 0x3a, 0x5b, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f,
    0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x30, 0x2c,
    0x38, 0x5d, 0x7d, 0x2c, 0x22, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22,
    0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46,
    0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a,
    0x5b, 0x32, 0x2c, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f,
    0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x38, 0x2c,
    0x33, 0x32, 0x5d, 0x7d, 0x2c, 0x22, 0x69, 0x64, 0x73, 0x22, 0x3a, 0x7b,
    0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x49, 0x33, 0x32,
    0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x33,
    0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73,
    0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x33, 0x32, 0x2c, 0x34, 0x34, 0x5d,
    0x7d, 0x2c, 0x22, 0x66, 0x6c, 0x61, 0x67, 0x73, 0x22, 0x3a, 0x7b, 0x22,
    0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x55, 0x38, 0x22, 0x2c,
    0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x5d, 0x2c,
    0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74,
    0x73, 0x22, 0x3a, 0x5b, 0x34, 0x34, 0x2c, 0x34, 0x36, 0x5d, 0x7d, 0x7d,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40, 0x00, 0x00, 0x80, 0xbf,
    0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f,
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f, 0x03, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00,
};

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* A file image from a header text (padded as given) and data bytes. */
static unsigned char *make_file(const char *header, const void *data, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    unsigned char *b = malloc(8 + n + data_len + 1);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    if (data_len) memcpy(b + 8 + n, data, data_len);
    *len = 8 + n + data_len;
    return b;
}

/* Parsing `header` + `data_len` bytes must fail with a message containing
 * "bad.st: " and each of the given fragments. */
static void expect_reject(const char *header, size_t data_len, const char *frag1, const char *frag2) {
    unsigned char data[256] = {0};
    size_t len;
    unsigned char *b = make_file(header, data, data_len, &len);
    nmt_st_file f;
    nmt_error_clear();
    int rc = nmt_st_parse(&f, b, len, "bad.st");
    const char *msg = nmt_last_error();
    if (getenv("VERBOSE")) fprintf(stderr, "  rejected: %s\n", msg);
    CHECK(rc == -1, "accepted header %s", header);
    CHECK(contains(msg, "bad.st: "), "message without file name: %s", msg);
    CHECK(!frag1 || contains(msg, frag1), "header %s: message '%s' lacks '%s'", header, msg, frag1);
    CHECK(!frag2 || contains(msg, frag2), "header %s: message '%s' lacks '%s'", header, msg, frag2);
    CHECK(f.n == 0 && f.buf == NULL, "file not left empty");
    nmt_st_free(&f);
    free(b);
}

static void test_reference_file(void) {
    nmt_st_file f;
    int rc = nmt_st_parse(&f, reference_file, sizeof reference_file, "reference.safetensors");
    CHECK(rc == 0, "reference file rejected: %s", nmt_last_error());
    if (rc) return;
    CHECK(f.n == 4, "%d tensors", f.n);
    CHECK_STR(nmt_st_meta(&f, "source"), "numpy");
    CHECK_STR(nmt_st_meta(&f, "note"), "\xc3\xbc");
    CHECK(nmt_st_meta(&f, "absent") == NULL, "absent key found");
    const nmt_st_tensor *w = nmt_st_find(&f, "weight");
    CHECK(w && w->dtype == NMT_ST_F32 && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3 &&
              w->numel == 6, "weight descriptor");
    if (w) {
        float v[6];
        memcpy(v, w->data, sizeof v);
        for (int i = 0; i < 6; i++) CHECK(v[i] == i * 0.5f - 1, "weight[%d] = %g", i, v[i]);
    }
    const nmt_st_tensor *ids = nmt_st_find(&f, "ids");
    CHECK(ids && ids->dtype == NMT_ST_I32 && ids->ndim == 1 && ids->shape[0] == 3, "ids descriptor");
    if (ids) {
        int32_t v[3];
        memcpy(v, ids->data, sizeof v);
        CHECK(v[0] == 3 && v[1] == -1 && v[2] == 7, "ids %d %d %d", v[0], v[1], v[2]);
    }
    const nmt_st_tensor *s = nmt_st_find(&f, "scalar");
    CHECK(s && s->dtype == NMT_ST_F64 && s->ndim == 0 && s->numel == 1, "scalar descriptor");
    if (s) {
        double d;
        memcpy(&d, s->data, sizeof d);
        CHECK(d == 2.5, "scalar %g", d);
    }
    const nmt_st_tensor *fl = nmt_st_find(&f, "flags");
    CHECK(fl && fl->dtype == NMT_ST_U8 && ((const uint8_t *)fl->data)[0] == 1, "flags");
    /* tensors come in data order */
    for (int i = 1; i < f.n; i++) CHECK(f.t[i - 1].end == f.t[i].begin, "order at %d", i);
    nmt_st_free(&f);
}

static void test_round_trip(const char *dir) {
    float a[2][3] = {{1, -2, 3.5f}, {0, -0.0f, 1e-40f}};
    int64_t b[4] = {1, -1, INT64_MAX, INT64_MIN};
    uint16_t h[5] = {1, 2, 3, 4, 5};
    double sc = -7.25;
    nmt_st_entry e[5] = {
        {.name = "layer/a \"quoted\"", .dtype = NMT_ST_F32, .ndim = 2, .shape = {2, 3}, .data = a},
        {.name = "b", .dtype = NMT_ST_I64, .ndim = 1, .shape = {4}, .data = b},
        {.name = "empty", .dtype = NMT_ST_F32, .ndim = 2, .shape = {0, 7}, .data = NULL},
        {.name = "h\xc3\xa9", .dtype = NMT_ST_BF16, .ndim = 3, .shape = {1, 5, 1}, .data = h},
        {.name = "scalar", .dtype = NMT_ST_F64, .ndim = 0, .data = &sc},
    };
    nmt_st_kv kv[2] = {{"k1", "v\n1"}, {"json", "{\"a\": [1, 2]}"}};
    unsigned char *img;
    size_t len;
    CHECK(nmt_st_serialize(e, 5, kv, 2, &img, &len) == 0, "serialize: %s", nmt_last_error());
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)img[i] << (8 * i);
    CHECK((8 + n) % 8 == 0, "header length %llu not padded", (unsigned long long)n);
    CHECK(len == 8 + n + sizeof a + sizeof b + sizeof h + sizeof sc, "length %zu", len);
    CHECK(memcmp(img + 8, "{\"__metadata__\":{", 17) == 0, "metadata not first");
    CHECK(img[8 + n - 1] == ' ' || img[8 + n - 1] == '}', "padding");

    char path[512];
    snprintf(path, sizeof path, "%s/rt.safetensors", dir);
    CHECK(nmt_st_write(path, e, 5, kv, 2) == 0, "write: %s", nmt_last_error());
    char *disk;
    size_t disk_len;
    CHECK(nmt_read_file(path, &disk, &disk_len) == 0, "read back");
    CHECK(disk_len == len && memcmp(disk, img, len) == 0, "file bytes differ from serialize()");
    free(disk);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0, "temporary file left behind");

    nmt_st_file f;
    CHECK(nmt_st_read(&f, path) == 0, "read: %s", nmt_last_error());
    CHECK(f.n == 5, "%d tensors", f.n);
    CHECK_STR(nmt_st_meta(&f, "k1"), "v\n1");
    CHECK_STR(nmt_st_meta(&f, "json"), "{\"a\": [1, 2]}");
    for (int i = 0; i < 5; i++) {
        const nmt_st_tensor *t = nmt_st_find(&f, e[i].name);
        CHECK(t != NULL, "tensor %s missing", e[i].name);
        if (!t) continue;
        CHECK(t->dtype == e[i].dtype && t->ndim == e[i].ndim, "tensor %s dtype/ndim", e[i].name);
        for (int d = 0; d < e[i].ndim; d++) CHECK(t->shape[d] == e[i].shape[d], "%s shape", e[i].name);
        size_t bytes = t->end - t->begin;
        CHECK(bytes == t->numel * nmt_st_dtype_size(t->dtype), "%s size", e[i].name);
        CHECK(bytes == 0 || memcmp(t->data, e[i].data, bytes) == 0, "%s data differs", e[i].name);
    }
    CHECK(nmt_st_find(&f, "missing") == NULL, "found a missing tensor");
    nmt_st_free(&f);
    free(img);

    /* no tensors, no metadata */
    CHECK(nmt_st_serialize(NULL, 0, NULL, 0, &img, &len) == 0, "empty serialize");
    CHECK(nmt_st_parse(&f, img, len, "empty.st") == 0, "empty parse: %s", nmt_last_error());
    CHECK(f.n == 0 && f.n_meta == 0 && f.data_len == 0, "empty file contents");
    nmt_st_free(&f);
    free(img);

    /* writer refusals */
    nmt_st_entry dup[2] = {e[1], e[1]};
    CHECK(nmt_st_serialize(dup, 2, NULL, 0, &img, &len) == -1 && contains(nmt_last_error(), "'b'"),
          "duplicate name: %s", nmt_last_error());
    nmt_st_entry bad = e[1];
    bad.name = "\xff\xfe";
    CHECK(nmt_st_serialize(&bad, 1, NULL, 0, &img, &len) == -1, "non-UTF-8 name accepted");
    bad = e[1];
    bad.name = "__metadata__";
    CHECK(nmt_st_serialize(&bad, 1, NULL, 0, &img, &len) == -1, "reserved name accepted");
    bad = e[1];
    bad.shape[0] = -1;
    CHECK(nmt_st_serialize(&bad, 1, NULL, 0, &img, &len) == -1, "negative dim accepted");
    nmt_st_kv badkv = {"k", "\xc3"};
    CHECK(nmt_st_serialize(e, 1, &badkv, 1, &img, &len) == -1, "non-UTF-8 metadata accepted");
    snprintf(path, sizeof path, "%s/no/such/dir/x.st", dir);
    CHECK(nmt_st_write(path, e, 1, NULL, 0) == -1 && contains(nmt_last_error(), "x.st"),
          "write into a missing folder: %s", nmt_last_error());
    CHECK(nmt_st_read(&f, path) == -1 && contains(nmt_last_error(), path), "read missing: %s",
          nmt_last_error());
    nmt_st_free(&f);
}

static void test_rejections(void) {
    const char *ok = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    size_t len;
    /* sanity: the template parses */
    unsigned char *b = make_file(ok, "\0\0\0\0\0\0\0\0", 8, &len);
    nmt_st_file f;
    CHECK(nmt_st_parse(&f, b, len, "ok.st") == 0, "template rejected: %s", nmt_last_error());
    nmt_st_free(&f);

    /* truncation at every byte */
    for (size_t cut = 0; cut < len; cut++) {
        nmt_error_clear();
        CHECK(nmt_st_parse(&f, b, cut, "cut.st") == -1, "truncated to %zu accepted", cut);
        CHECK(contains(nmt_last_error(), "cut.st: "), "cut %zu: %s", cut, nmt_last_error());
        nmt_st_free(&f);
    }
    CHECK(nmt_st_parse(&f, b, 7, "cut.st") == -1 && contains(nmt_last_error(), "too short"), "short: %s",
          nmt_last_error());
    nmt_st_free(&f);
    /* header length beyond the file, and absurd */
    b[0] = (unsigned char)(len & 0xff);
    CHECK(nmt_st_parse(&f, b, len, "big.st") == -1 && contains(nmt_last_error(), "exceeds the file size"),
          "%s", nmt_last_error());
    nmt_st_free(&f);
    memset(b, 0xff, 8);
    CHECK(nmt_st_parse(&f, b, len, "huge.st") == -1 && contains(nmt_last_error(), "implausible"), "%s",
          nmt_last_error());
    nmt_st_free(&f);
    free(b);

    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "invalid JSON", NULL);
    expect_reject("[1, 2, 3]", 0, "JSON object", NULL);
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "duplicate", NULL);
    expect_reject("{\"t\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'t'", "unknown dtype");
    expect_reject("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'t'", "dtype");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "'t'", "shape");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "'t'", "data_offsets");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'t'", "shape");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "'t'", "shape");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, "'t'",
                  "dimensions");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'t'", "12 bytes");
    expect_reject("{\"t\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'t'", "16 bytes");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "'t'", "data_offsets");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "'t'", "data_offsets");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8,
                  "'t'", NULL);
    /* out of bounds (truncated data) */
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "'t'", "truncated");
    /* gap, overlap, trailing bytes */
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'t'", "unused");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'b'", "overlaps");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "overlaps", NULL);
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9, "1 byte after", NULL);
    expect_reject("{\"__metadata__\":{\"a\":1}}", 0, "__metadata__", "'a'");
    expect_reject("{\"__metadata__\":[]}", 0, "__metadata__", NULL);
    expect_reject("{\"t\":[1]}", 0, "'t'", "not an object");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\x01", 4, "invalid JSON", NULL);
    expect_reject("{\"t\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "invalid JSON", NULL);
    expect_reject(" {}", 0, "JSON object", NULL);

    /* accepted variants: padding spaces, keys in any order, zero-size tensors */
    const char *variants[] = {
        "{\"t\":{\"data_offsets\":[0,8],\"shape\":[2],\"dtype\":\"I32\"}}      ",
        "{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
        "\"t\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}",
        "{\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]},"
        "\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
    };
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        unsigned char *v = make_file(variants[i], "\1\2\3\4\5\6\7\10", 8, &len);
        CHECK(nmt_st_parse(&f, v, len, "v.st") == 0, "variant %zu rejected: %s", i, nmt_last_error());
        if (i == 2) CHECK(f.n == 2 && strcmp(f.t[0].name, "a") == 0, "not sorted by offset");
        nmt_st_free(&f);
        free(v);
    }
}

static void test_dtypes(void) {
    for (int i = 0; i < NMT_ST_DTYPE_COUNT; i++) {
        nmt_st_dtype t;
        const char *name = nmt_st_dtype_name((nmt_st_dtype)i);
        CHECK(name && nmt_st_dtype_parse(name, &t) == 0 && t == (nmt_st_dtype)i, "dtype %d", i);
        CHECK(nmt_st_dtype_size((nmt_st_dtype)i) >= 1, "dtype %d size", i);
    }
    nmt_st_dtype t;
    CHECK(nmt_st_dtype_parse("f32", &t) == -1, "lower-case dtype accepted");
    CHECK(nmt_st_dtype_size(NMT_ST_F32) == 4 && nmt_st_dtype_size(NMT_ST_BF16) == 2 &&
              nmt_st_dtype_size(NMT_ST_I64) == 8 && nmt_st_dtype_size(NMT_ST_BOOL) == 1, "sizes");
    CHECK(nmt_st_dtype_name(NMT_ST_DTYPE_COUNT) == NULL, "invalid dtype has a name");
}

int main(void) {
    char dir[] = "/tmp/nmt_test_st_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_dtypes();
    test_reference_file();
    test_round_trip(dir);
    test_rejections();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_safetensors");
}
