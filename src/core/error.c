#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- reading, bounded ------------------------------------------------------- */

size_t nmt_text_max_bytes(void) {
    static size_t max;
    if (max) return max;
    size_t m = NMT_TEXT_MAX_BYTES;
    const char *e = getenv("NMT_MAX_TEXT_BYTES");
    if (e && *e) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = *e >= '0' && *e <= '9' ? strtoull(e, &end, 10) : 0;
        if (end && !*end && !errno && v > 0 && v < (unsigned long long)SIZE_MAX / 2)
            m = (size_t)v;
        else
            fprintf(stderr, "nmt: warning: NMT_MAX_TEXT_BYTES=%s is not a positive number of bytes; the limit "
                    "stays %zu\n", e, m);
    }
    return max = m;
}

/* "a folder", "a character device", ... for messages. */
static const char *file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a regular file";
}

int nmt_read_stream(FILE *f, const char *name, const void *head, size_t head_len, size_t max, const char *what,
                    char **data, size_t *len) {
    struct stat st;
    size_t cap = (size_t)1 << 16;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return nmt_error("%s: is a directory", name);
        if (S_ISREG(st.st_mode)) {   // refused unread when too large; else read into one buffer
            if ((uint64_t)st.st_size > max)
                return nmt_error("%s: larger than %zu bytes, %s (it has %lld)", name, max, what,
                                 (long long)st.st_size);
            cap = (size_t)st.st_size + 1;
        }
    }
    if (head_len > max) return nmt_error("%s: larger than %zu bytes, %s", name, max, what);
    if (cap < head_len + 1) cap = head_len + 1;
    if (cap > max + 2) cap = max + 2;
    char *buf = nmt_xmalloc(cap);
    if (head_len) memcpy(buf, head, head_len);
    size_t n = head_len;
    for (;;) {
        if (n + 1 == cap) {   // full: is there more? (a regular file ends here: no copy)
            errno = 0;
            int c = fgetc(f), e = errno;
            if (c == EOF) {
                if (ferror(f)) {
                    free(buf);
                    return nmt_error("%s: read error: %s", name, strerror(e ? e : EIO));
                }
                break;
            }
            if (n + 1 > max) {
                free(buf);
                return nmt_error("%s: larger than %zu bytes, %s", name, max, what);
            }
            buf = nmt_xrealloc(buf, cap = cap > (max + 2) / 2 ? max + 2 : 2 * cap);
            buf[n++] = (char)c;
            continue;
        }
        size_t want = cap - 1 - n;
        errno = 0;
        size_t got = fread(buf + n, 1, want, f);
        int e = errno;
        n += got;
        if (n > max) {
            free(buf);
            return nmt_error("%s: larger than %zu bytes, %s", name, max, what);
        }
        if (got < want) {
            if (ferror(f)) {
                free(buf);
                return nmt_error("%s: read error: %s", name, strerror(e ? e : EIO));
            }
            break;   // the end
        }
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int nmt_read_file_max(const char *path, size_t max, const char *what, char **data, size_t *len) {
    if (!path) return nmt_read_stream(stdin, "standard input", NULL, 0, max, what, data, len);
    FILE *f = fopen(path, "rb");
    if (!f) return nmt_error("%s: cannot open: %s", path, strerror(errno));
    int rc = nmt_read_stream(f, path, NULL, 0, max, what, data, len);
    fclose(f);
    return rc;
}

int nmt_read_file(const char *path, char **data, size_t *len) {
    return nmt_read_file_max(path, nmt_text_max_bytes(), "the limit of a text input (NMT_MAX_TEXT_BYTES)", data,
                             len);
}

void nmt_lines_split(nmt_lines *t, char *buf, size_t size) {
    memset(t, 0, sizeof *t);
    t->buf = buf;
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
}

int nmt_read_lines(nmt_lines *t, const char *path) {
    char *buf;
    size_t size;
    memset(t, 0, sizeof *t);
    if (nmt_read_file(path, &buf, &size)) return -1;
    nmt_lines_split(t, buf, size);
    return 0;
}

void nmt_lines_free(nmt_lines *t) {
    free(t->buf);
    free(t->line);
    free(t->len);
}

/* ---- the registry of temporary files ----------------------------------------
 * A fixed table, so that nmt_atomic_remove_all needs nothing but unlink(2)
 * and can run in a signal handler. A slot's name is written before it is
 * marked used, and it is marked unused before it is reused. */

#define TEMP_SLOTS 16
static struct {
    volatile sig_atomic_t used;
    char tmp[NMT_PATH_CAP + 32];
    int open;          /* an nmt_atomic_file writes it now */
    size_t reserve;    /* nmt_atomic_reserve's size (0: not a reservation) */
    dev_t dev;         /* the reserved file, checked when it is opened again */
    ino_t ino;
} temps[TEMP_SLOTS];
static pthread_mutex_t temps_lock = PTHREAD_MUTEX_INITIALIZER;

void nmt_atomic_remove_all(void) {
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (temps[i].used) {
            unlink(temps[i].tmp);
            temps[i].used = 0;
        }
}

static void remove_all_at_exit(void) { nmt_atomic_remove_all(); }

/* A slot for tmp (-1 when all are taken: the file is then only removed on
 * the error paths, not at exit). */
static int temp_register(const char *tmp) {
    static int at_exit;
    pthread_mutex_lock(&temps_lock);
    if (!at_exit) at_exit = atexit(remove_all_at_exit) == 0;
    int slot = -1;
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++)
        if (!temps[i].used) slot = i;
    if (slot >= 0) {
        snprintf(temps[slot].tmp, sizeof temps[slot].tmp, "%s", tmp);
        temps[slot].open = 0;
        temps[slot].reserve = 0;
        temps[slot].used = 1;
    }
    pthread_mutex_unlock(&temps_lock);
    return slot;
}

static void temp_release(int slot) {
    if (slot < 0) return;
    pthread_mutex_lock(&temps_lock);
    temps[slot].used = 0;
    pthread_mutex_unlock(&temps_lock);
}

/* The slot of our reservation of tmp that nobody writes now, or -1. */
static int temp_find_reserved(const char *tmp) {
    int slot = -1;
    pthread_mutex_lock(&temps_lock);
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++)
        if (temps[i].used && temps[i].reserve && !temps[i].open && strcmp(temps[i].tmp, tmp) == 0) slot = i;
    pthread_mutex_unlock(&temps_lock);
    return slot;
}

/* ---- outputs ----------------------------------------------------------------- */

/* Splits path into its folder ("." when none) and its last component. */
static void split_path(const char *path, char *dir, size_t cap, const char **base) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, cap, ".");
    else if (slash == path) snprintf(dir, cap, "/");
    else snprintf(dir, cap, "%.*s", (int)(slash - path), path);
    *base = slash ? slash + 1 : path;
}

/* Checks that path may be an output, and writes to dest where its bytes go:
 * path itself, or the target of a symbolic link to a regular file. */
static int output_target(const char *path, char *dest, size_t cap) {
    if (!path || !*path) return nmt_error("empty file name");
    size_t n = strlen(path);
    if (n >= cap) return nmt_error("%.200s...: path too long", path);
    static const char *const must = "an output must be a regular file or a new name";
    if (path[n - 1] == '/') return nmt_error("%s: names a folder; %s", path, must);
    struct stat ls, st;
    if (lstat(path, &ls) != 0) {
        if (errno != ENOENT) return nmt_error("%s: %s", path, strerror(errno));
        memcpy(dest, path, n + 1);   // absent: its folder is checked when the temporary file is made
        return 0;
    }
    if (S_ISLNK(ls.st_mode)) {
        if (stat(path, &st) != 0)
            return nmt_error("%s: is a symbolic link to a missing file (%s); %s", path, strerror(errno), must);
        if (!S_ISREG(st.st_mode)) return nmt_error("%s: is a symbolic link to %s; %s", path, file_kind(st.st_mode), must);
        char *real = realpath(path, NULL);
        if (!real) return nmt_error("%s: cannot follow the symbolic link: %s", path, strerror(errno));
        int too_long = strlen(real) >= cap;
        if (!too_long) memcpy(dest, real, strlen(real) + 1);
        free(real);
        return too_long ? nmt_error("%.200s...: the link's target path is too long", path) : 0;
    }
    if (!S_ISREG(ls.st_mode)) return nmt_error("%s: is %s; %s", path, file_kind(ls.st_mode), must);
    memcpy(dest, path, n + 1);
    return 0;
}

/* Names, once per destination and process, the files DEST.tmp.<pid> of
 * processes that no longer run: what a killed run leaves behind. */
static void warn_stale(const char *dest) {
    static char seen[8][NMT_PATH_CAP];
    static int nseen;
    pthread_mutex_lock(&temps_lock);
    int done = 0;
    for (int i = 0; i < nseen && !done; i++) done = strcmp(seen[i], dest) == 0;
    if (!done && nseen < 8) snprintf(seen[nseen++], NMT_PATH_CAP, "%s", dest);
    pthread_mutex_unlock(&temps_lock);
    if (done) return;
    char dir[NMT_PATH_CAP];
    const char *base;
    split_path(dest, dir, sizeof dir, &base);
    DIR *d = opendir(dir);
    if (!d) return;
    const size_t bl = strlen(base);
    for (struct dirent *e; (e = readdir(d));) {
        const char *name = e->d_name, *p = name + bl + 5;
        if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp.", 5) != 0) continue;
        if (!*p || strlen(p) > 9 || strspn(p, "0123456789") != strlen(p)) continue;
        long pid = atol(p);
        if (pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;   // running (or someone else's)
        fprintf(stderr, "nmt: warning: %s%s%s is left over from an interrupted run (process %ld no longer runs); "
                "remove it\n", strchr(dest, '/') ? dir : "", strchr(dest, '/') && strcmp(dir, "/") ? "/" : "",
                name, pid);
    }
    closedir(d);
}

int nmt_atomic_open(nmt_atomic_file *a, const char *path) {
    a->f = NULL;
    a->path[0] = a->tmp[0] = 0;
    a->slot = -1;
    if (output_target(path, a->path, sizeof a->path)) return -1;
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", a->path, (long)getpid());
    warn_stale(a->path);
    int fd = -1, slot = temp_find_reserved(a->tmp);
    if (slot >= 0) {   // our reservation: write into its allocated blocks
        struct stat st;
        fd = open(a->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != temps[slot].dev ||
                        st.st_ino != temps[slot].ino)) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0) temps[slot].open = 1;
        else temp_release(slot), slot = -1;   // gone or replaced: start afresh
    }
    if (fd < 0) {
        unlink(a->tmp);   // a stale file left by an earlier process of the same id
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) {
            int e = errno;
            a->tmp[0] = 0;
            return nmt_error("%s: cannot write (temporary file %s.tmp.%ld): %s", path, a->path, (long)getpid(),
                             strerror(e));
        }
        slot = temp_register(a->tmp);
        if (slot >= 0) temps[slot].open = 1;
    }
    a->slot = slot;
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        temp_release(slot);
        a->slot = -1;
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
    if (a->slot >= 0 && temps[a->slot].reserve && a->tmp[0]) {
        temps[a->slot].open = 0;   // a reservation stays for the next write (removed at exit)
    } else {
        if (a->tmp[0]) unlink(a->tmp);
        temp_release(a->slot);
    }
    a->tmp[0] = 0;
    a->slot = -1;
}

/* fsync of the folder holding path, so that the rename itself is on disk.
 * Folders that cannot be opened or synced (some file systems) are skipped;
 * an I/O error is reported. */
static int sync_folder(const char *path) {
    char dir[NMT_PATH_CAP];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int rc = fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP || errno == EROFS ? 0 : errno;
    close(fd);
    return rc ? nmt_error("%s: written, but its folder could not be synced: %s", path, strerror(rc)) : 0;
}

/* Creates tmp and allocates `bytes` to it, recording it in slot; an errno. */
static int allocate(int slot, const char *tmp, size_t bytes) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return errno;
    int e = posix_fallocate(fd, 0, (off_t)bytes);
    if (e == EOPNOTSUPP || e == ENOSYS || e == EINVAL) e = 0;   // cannot allocate ahead: not an error
    struct stat st;
    if (!e && fstat(fd, &st) != 0) e = errno;
    close(fd);
    if (e) {
        unlink(tmp);
        return e;
    }
    temps[slot].dev = st.st_dev;
    temps[slot].ino = st.st_ino;
    return 0;
}

int nmt_atomic_commit(nmt_atomic_file *a) {
    if (!a->f) {
        nmt_atomic_abort(a);
        return nmt_error("%s: not open for writing", a->path);
    }
    FILE *f = a->f;
    a->f = NULL;
    const int slot = a->slot;
    const size_t reserve = slot >= 0 ? temps[slot].reserve : 0;
    int e = ferror(f) ? EIO : 0;   // a write that failed earlier
    errno = 0;
    if (fflush(f) != 0 && !e) e = errno ? errno : EIO;
    off_t written = ftello(f);
    // a reserved file is longer than what was written: cut it
    if (!e && reserve && (written < 0 || ftruncate(fileno(f), written) != 0)) e = errno ? errno : EIO;
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
    // the temporary name is free again: reserve the next write's space, or forget it
    if (slot >= 0 && reserve) {
        size_t next = (size_t)written + ((size_t)1 << 16);
        temps[slot].reserve = next > reserve ? next : reserve;
        temps[slot].open = 0;
        if (allocate(slot, a->tmp, temps[slot].reserve)) temp_release(slot);
    } else {
        temp_release(slot);
    }
    a->slot = -1;
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

int nmt_check_output_path(const char *path) {
    char dest[NMT_PATH_CAP];
    return output_target(path, dest, sizeof dest);
}

int nmt_check_writable(const char *path) {
    nmt_atomic_file a;
    if (nmt_atomic_open(&a, path)) return -1;
    nmt_atomic_abort(&a);
    return 0;
}

int nmt_atomic_reserve(const char *path, size_t bytes) {
    char dest[NMT_PATH_CAP], tmp[NMT_PATH_CAP + 32];
    if (output_target(path, dest, sizeof dest)) return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dest, (long)getpid());
    warn_stale(dest);
    int slot = temp_find_reserved(tmp);
    if (slot >= 0) {   // reserved already: grow it
        if (bytes <= temps[slot].reserve) return 0;
        unlink(tmp);
    } else {
        unlink(tmp);   // a stale file left by an earlier process of the same id
        slot = temp_register(tmp);
        if (slot < 0) return 0;   // no slot: no reservation (the writes still work)
    }
    temps[slot].reserve = bytes;
    int e = allocate(slot, tmp, bytes);
    if (e) {
        temp_release(slot);
        if (e == ENOSPC || e == EFBIG || e == EDQUOT)
            return nmt_error("%s: cannot reserve the %zu bytes it needs (temporary file %s): %s", path, bytes, tmp,
                             strerror(e));
        return nmt_error("%s: cannot write (temporary file %s): %s", path, tmp, strerror(e));
    }
    return 0;
}

/* Who a file is: its device and inode, or for a file that does not exist
 * (yet), its folder's and its name. */
typedef struct {
    dev_t dev;
    ino_t ino;
    char name[NAME_MAX + 1];
} file_id;

/* 0 with *id; -1 when it cannot be told (then it is compared with nothing). */
static int file_id_of(const char *path, file_id *id) {
    struct stat st;
    memset(id, 0, sizeof *id);
    if (stat(path, &st) == 0) {
        id->dev = st.st_dev, id->ino = st.st_ino;
        return 0;
    }
    if (errno != ENOENT || strlen(path) >= NMT_PATH_CAP) return -1;
    char dir[NMT_PATH_CAP];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    if (!*base || strlen(base) > NAME_MAX || stat(dir, &st) != 0) return -1;
    id->dev = st.st_dev, id->ino = st.st_ino;
    snprintf(id->name, sizeof id->name, "%s", base);
    return 0;
}

static int same_id(const file_id *a, const file_id *b) {
    return a->dev == b->dev && a->ino == b->ino && strcmp(a->name, b->name) == 0;
}

int nmt_check_outputs(const nmt_file_arg *out, int nout, const nmt_file_arg *in, int nin) {
    for (int i = 0; i < nout; i++)   // each a possible output
        if (out[i].path && nmt_check_output_path(out[i].path)) return nmt_error_prefix("%s", out[i].flag);
    for (int i = 0; i < nout; i++) {   // no file twice
        file_id a, b;
        if (!out[i].path || file_id_of(out[i].path, &a)) continue;
        for (int j = i + 1; j < nout; j++)
            if (out[j].path && !file_id_of(out[j].path, &b) && same_id(&a, &b)) {
                nmt_error("%s %s and %s %s are the same file: each output needs its own", out[i].flag, out[i].path,
                          out[j].flag, out[j].path);
                return -2;
            }
        for (int j = 0; j < nin; j++)
            if (in[j].path && !file_id_of(in[j].path, &b) && same_id(&a, &b)) {
                nmt_error("%s %s is the same file as %s %s: an output never replaces an input", out[i].flag,
                          out[i].path, in[j].flag, in[j].path);
                return -2;
            }
    }
    for (int i = 0; i < nout; i++)   // the folder is there and writable
        if (out[i].path && nmt_check_writable(out[i].path)) return nmt_error_prefix("%s", out[i].flag);
    return 0;
}
