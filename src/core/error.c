#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static _Thread_local char last_error[1024];

int nmt_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

int nmt_error_prefix(const char *fmt, ...) {
    char prefix[256], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    snprintf(last_error, sizeof last_error, "%s: %.*s", prefix,
             (int)(sizeof last_error - sizeof prefix - 4), old);
    return -1;
}

const char *nmt_last_error(void) { return last_error; }
void nmt_error_clear(void) { last_error[0] = 0; }

static void oom(size_t size) {
    fprintf(stderr, "nmt: out of memory (asked for %zu bytes)\n", size);
    exit(70);
}

void *nmt_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *nmt_xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) oom(size);
    return p;
}

void *nmt_xrealloc(void *p, size_t size) {
    void *q = realloc(p, size ? size : 1);
    if (!q) oom(size);
    return q;
}

char *nmt_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = nmt_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

void *nmt_xalloc_aligned(size_t size) {
    size_t rounded = (size + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (!p) oom(size);
    memset(p, 0, rounded ? rounded : 64);
    return p;
}

int nmt_read_file(const char *path, char **data, size_t *len) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return nmt_error("%s: is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f) return nmt_error("%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = nmt_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = nmt_xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return nmt_error("%s: read error", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int nmt_write_file_atomic(const char *path, const void *data, size_t len) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return nmt_error("%s: is a directory", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return nmt_error("%s: cannot write (temporary file %s): %s", path, tmp, strerror(errno));
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        unlink(tmp);
        return nmt_error("%s: write failed: %s", path, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return nmt_error("%s: cannot rename into place: %s", path, strerror(e));
    }
    return 0;
}

int nmt_check_writable(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return nmt_error("%s: is a directory", path);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return nmt_error("%s: cannot be written: %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
    return 0;
}
