/* Error reporting: functions return 0 on success and -1 on failure after
 * recording a message with nmt_error(). The message names the file, line or
 * flag at fault; callers add context with nmt_error_prefix(). */
#ifndef NMT_CORE_ERROR_H
#define NMT_CORE_ERROR_H

#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define NMT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NMT_PRINTF(a, b)
#endif

/* Records a message (printf-style) as this thread's last error; returns -1. */
int nmt_error(const char *fmt, ...) NMT_PRINTF(1, 2);
/* Prepends "<prefix>: " to the current message; returns -1. */
int nmt_error_prefix(const char *fmt, ...) NMT_PRINTF(1, 2);
/* The last error message ("" if none). */
const char *nmt_last_error(void);
void nmt_error_clear(void);

/* Allocation that never returns NULL: prints and exits on exhaustion
 * (the only failure we do not try to recover from). Memory is zeroed. */
void *nmt_xcalloc(size_t n, size_t size);
void *nmt_xmalloc(size_t size);
void *nmt_xrealloc(void *p, size_t size);
char *nmt_xstrdup(const char *s);
/* 64-byte aligned, zeroed; free with free(). */
void *nmt_xalloc_aligned(size_t size);

/* Whole-file helpers. nmt_read_file returns a NUL-terminated buffer. */
int nmt_read_file(const char *path, char **data, size_t *len);
/* A file's lines, split at '\n' in the buffer read whole: a '\r' ending a
 * line is dropped (CRLF), a last line without '\n' counts, an empty file has
 * no line. Lines may hold NUL bytes, hence the lengths. */
typedef struct {
    char *buf;
    char **line;
    size_t *len;
    size_t n;
} nmt_lines;
/* Reads path (NULL: stdin); -1 with the error set. nmt_lines_free releases it. */
int nmt_read_lines(nmt_lines *t, const char *path);
void nmt_lines_free(nmt_lines *t);

/* Atomic replacement of a file, the one way nmt writes its outputs (model
 * files, logs, downloads): the bytes go to PATH.tmp.<pid> in PATH's folder
 * (created exclusively: a stale file of that name is removed first and a
 * planted link is never followed), which is flushed, fsync'ed and renamed
 * over PATH, and the folder is fsync'ed. A reader sees the old file or the
 * new one, never a part; on every error the temporary file is removed and
 * PATH is untouched. Messages start with PATH.
 *
 *     nmt_atomic_file a;
 *     if (nmt_atomic_open(&a, path)) return -1;
 *     ... fwrite(..., a.f) or nmt_atomic_write(&a, ...) ...
 *     return nmt_atomic_commit(&a);      // or nmt_atomic_abort(&a) */
#define NMT_PATH_CAP 4096
typedef struct {
    FILE *f;                    /* the temporary file, open for writing */
    char path[NMT_PATH_CAP];    /* the destination */
    char tmp[NMT_PATH_CAP + 32]; /* PATH.tmp.<pid> */
} nmt_atomic_file;
/* Creates the temporary file. -1 if PATH is a folder, too long, or the
 * temporary file cannot be created (a missing or read-only folder). */
int nmt_atomic_open(nmt_atomic_file *a, const char *path);
/* fwrite of n bytes; -1 with a message (the file stays open: abort it). */
int nmt_atomic_write(nmt_atomic_file *a, const void *data, size_t n);
/* Flushes, fsyncs, closes, renames over PATH and fsyncs the folder. On any
 * error (also an earlier write error on a.f) the temporary file is removed. */
int nmt_atomic_commit(nmt_atomic_file *a);
/* Closes and removes the temporary file (nothing if already done). */
void nmt_atomic_abort(nmt_atomic_file *a);
/* The whole of data[0..len) written that way. */
int nmt_write_file_atomic(const char *path, const void *data, size_t len);
/* Checks up front that PATH could be written that way (its folder exists and is
 * writable, PATH is not a folder); creates nothing that stays. */
int nmt_check_writable(const char *path);

#endif
