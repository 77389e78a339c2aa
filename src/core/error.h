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

/* ---- reading, bounded -----------------------------------------------------
 * Every input is read once, through one open file, so that pipes, FIFOs and
 * /dev/stdin work like regular files, and never beyond a limit, so that a
 * device (/dev/zero) or an endless pipe ends in a message instead of
 * exhausting memory. A regular file over the limit is refused before it is
 * read. Read errors are errors (a folder on standard input too). */

/* The limit of a text input (corpus, character model's text, score's and
 * plot's files): $NMT_MAX_TEXT_BYTES when it is a positive decimal number,
 * else NMT_TEXT_MAX_BYTES (2 GiB). */
#define NMT_TEXT_MAX_BYTES ((size_t)1 << 31)
size_t nmt_text_max_bytes(void);
/* The rest of an open stream, after the head_len bytes already taken from it
 * (head; NULL when 0), as one NUL-terminated buffer. More than max bytes in
 * all: -1 with the message "NAME: larger than MAX bytes, WHAT". NAME names
 * the stream in messages. */
int nmt_read_stream(FILE *f, const char *name, const void *head, size_t head_len, size_t max, const char *what,
                    char **data, size_t *len);
/* A whole file (path NULL: standard input, "standard input" in messages), at
 * most max bytes (what: as above). */
int nmt_read_file_max(const char *path, size_t max, const char *what, char **data, size_t *len);
/* The same with the text limit, nmt_text_max_bytes(). */
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
/* Reads path (NULL: stdin) with the text limit; -1 with the error set.
 * nmt_lines_free releases it. */
int nmt_read_lines(nmt_lines *t, const char *path);
/* The lines of buf[0..size) (NUL-terminated, malloc'd), which t takes over. */
void nmt_lines_split(nmt_lines *t, char *buf, size_t size);
void nmt_lines_free(nmt_lines *t);

/* ---- writing: one way for every output ------------------------------------
 * Atomic replacement of a file, the one way nmt writes its outputs (model
 * files, logs, pictures, downloads): the bytes go to PATH.tmp.<pid> in PATH's
 * folder (created exclusively: a stale file of that name is removed first and
 * a planted link is never followed), which is flushed, fsync'ed and renamed
 * over PATH, and the folder is fsync'ed. A reader sees the old file or the
 * new one, never a part; on every error PATH is untouched and the temporary
 * file is removed (a reserved one, below, at exit). Messages start with PATH.
 *
 * An output must be a regular file or absent: a folder, a device (/dev/null),
 * a FIFO, a socket, a name ending in '/', or a symbolic link to anything but a
 * regular file is refused before anything is written. A symbolic link to a
 * regular file is followed: its target is replaced, the link stays.
 *
 * The temporary files of a process are registered: they are removed at
 * exit() and by nmt_atomic_remove_all(), which a signal handler may call. The
 * first time a process writes PATH, files PATH.tmp.<pid> left by processes
 * that no longer run (a killed run) are named in a warning on stderr.
 *
 *     nmt_atomic_file a;
 *     if (nmt_atomic_open(&a, path)) return -1;
 *     ... fwrite(..., a.f) or nmt_atomic_write(&a, ...) ...
 *     return nmt_atomic_commit(&a);      // or nmt_atomic_abort(&a) */
#define NMT_PATH_CAP 4096
typedef struct {
    FILE *f;                    /* the temporary file, open for writing */
    char path[NMT_PATH_CAP];    /* the destination (a symbolic link's target) */
    char tmp[NMT_PATH_CAP + 32]; /* PATH.tmp.<pid> */
    int slot;                   /* in the registry of temporary files (-1: none) */
} nmt_atomic_file;
/* Creates the temporary file (or opens the one nmt_atomic_reserve made). -1
 * if PATH is not a possible output (above), too long, or the temporary file
 * cannot be created (a missing or read-only folder). */
int nmt_atomic_open(nmt_atomic_file *a, const char *path);
/* fwrite of n bytes; -1 with a message (the file stays open: abort it). */
int nmt_atomic_write(nmt_atomic_file *a, const void *data, size_t n);
/* Flushes, fsyncs, closes, renames over PATH and fsyncs the folder. On any
 * error (also an earlier write error on a.f) the temporary file is removed. */
int nmt_atomic_commit(nmt_atomic_file *a);
/* Closes and removes the temporary file (nothing if already done; a
 * reservation stays, for the next write). */
void nmt_atomic_abort(nmt_atomic_file *a);
/* The whole of data[0..len) written that way. */
int nmt_write_file_atomic(const char *path, const void *data, size_t len);
/* -1 with a message when PATH cannot be an output (above); creates nothing,
 * writes nothing. */
int nmt_check_output_path(const char *path);
/* Checks up front that PATH could be written that way (a possible output, its
 * folder exists and is writable); creates nothing that stays. */
int nmt_check_writable(const char *path);
/* Reserves disk space for the writes of PATH to come: PATH.tmp.<pid> is
 * created now and allocated `bytes` (posix_fallocate), so that a full disk
 * fails here, before the work, rather than when the result is saved. The next
 * nmt_atomic_open(PATH) writes into it (the commit cuts it to what was
 * written); after each commit a new one is reserved, of the size just written
 * plus 64 KiB (at least `bytes`), until the process ends. -1 with a message
 * when the space cannot be had; a file system that cannot allocate ahead is
 * not an error. */
int nmt_atomic_reserve(const char *path, size_t bytes);
/* Removes every registered temporary file (being written, or reserved) of
 * this process. Async-signal-safe (unlink(2) only): a signal handler may call
 * it before it ends the process. Also run at exit(). */
void nmt_atomic_remove_all(void);

/* The files of a command, for the checks made before any work. */
typedef struct {
    const char *flag;   /* "--out", for messages */
    const char *path;   /* NULL: not given (skipped); for an input, "/dev/stdin" is standard input */
} nmt_file_arg;
/* Every output must be a possible output (above) and writable, no two outputs
 * may be the same file, and no output the same file as an input (compared by
 * device and inode; for a file that does not exist yet, by its folder's and
 * its name). Returns 0; -1 when an output cannot be written (exit 1); -2 when
 * two arguments name the same file (a usage error: exit 2). The message
 * starts with the flag. */
int nmt_check_outputs(const nmt_file_arg *out, int nout, const nmt_file_arg *in, int nin);

#endif
