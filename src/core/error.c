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

/* ---- atomic writes ------------------------------------------------------- */

int nmt_atomic_open(nmt_atomic_file *a, const char *path) {
    a->f = NULL;
    a->path[0] = a->tmp[0] = 0;
    if (!path || !*path) return nmt_error("empty file name");
    size_t n = strlen(path);
    if (n >= sizeof a->path) return nmt_error("%.200s...: path too long", path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return nmt_error("%s: is a directory", path);
    memcpy(a->path, path, n + 1);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    unlink(a->tmp);   // a stale file left by an earlier process of the same id
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        a->tmp[0] = 0;
        return nmt_error("%s: cannot write (temporary file %s.tmp.%ld): %s", path, path, (long)getpid(),
                         strerror(e));
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        a->tmp[0] = 0;
        return nmt_error("%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int nmt_atomic_write(nmt_atomic_file *a, const void *data, size_t n) {
    if (!a->f) return nmt_error("%s: not open for writing", a->path);
    if (n && fwrite(data, 1, n, a->f) != n)
        return nmt_error("%s: write failed: %s", a->path, strerror(errno ? errno : EIO));
    return 0;
}

void nmt_atomic_abort(nmt_atomic_file *a) {
    if (a->f) fclose(a->f);
    a->f = NULL;
    if (a->tmp[0]) unlink(a->tmp);
    a->tmp[0] = 0;
}

/* fsync of the folder holding path, so that the rename itself is on disk.
 * Folders that cannot be opened or synced (some file systems) are skipped;
 * an I/O error is reported. */
static int sync_folder(const char *path) {
    char dir[NMT_PATH_CAP];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int rc = fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP || errno == EROFS ? 0 : errno;
    close(fd);
    return rc ? nmt_error("%s: written, but its folder could not be synced: %s", path, strerror(rc)) : 0;
}

int nmt_atomic_commit(nmt_atomic_file *a) {
    if (!a->f) {
        nmt_atomic_abort(a);
        return nmt_error("%s: not open for writing", a->path);
    }
    FILE *f = a->f;
    a->f = NULL;
    int e = ferror(f) ? EIO : 0;   // a write that failed earlier
    errno = 0;
    if (fflush(f) != 0 && !e) e = errno ? errno : EIO;
    if (!e && fsync(fileno(f)) != 0) e = errno;
    if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
    if (e) {
        nmt_atomic_abort(a);
        return nmt_error("%s: write failed: %s", a->path, strerror(e));
    }
    if (rename(a->tmp, a->path) != 0) {
        e = errno;
        nmt_atomic_abort(a);
        return nmt_error("%s: cannot rename into place: %s", a->path, strerror(e));
    }
    a->tmp[0] = 0;
    return sync_folder(a->path);
}

int nmt_write_file_atomic(const char *path, const void *data, size_t len) {
    nmt_atomic_file a;
    if (nmt_atomic_open(&a, path)) return -1;
    if (nmt_atomic_write(&a, data, len)) {
        nmt_atomic_abort(&a);
        return -1;
    }
    return nmt_atomic_commit(&a);
}

int nmt_check_writable(const char *path) {
    nmt_atomic_file a;
    if (nmt_atomic_open(&a, path)) return -1;
    nmt_atomic_abort(&a);
    return 0;
}

int nmt_read_lines(nmt_lines *t, const char *path) {
    size_t size;
    memset(t, 0, sizeof *t);
    if (nmt_read_file(path ? path : "/dev/stdin", &t->buf, &size)) return -1;
    size_t cap = 0;
    for (char *p = t->buf, *end = t->buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (len && p[len - 1] == '\r') len--;
        if (t->n == cap) {
            cap = cap ? 2 * cap : 1024;
            t->line = nmt_xrealloc(t->line, cap * sizeof *t->line);
            t->len = nmt_xrealloc(t->len, cap * sizeof *t->len);
        }
        t->line[t->n] = p, t->len[t->n] = len;
        t->n++;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

void nmt_lines_free(nmt_lines *t) {
    free(t->buf);
    free(t->line);
    free(t->len);
}
