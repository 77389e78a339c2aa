/* Error reporting: functions return 0 on success and -1 on failure after
 * recording a message with nmt_error(). The message names the file, line or
 * flag at fault; callers add context with nmt_error_prefix(). */
#ifndef NMT_CORE_ERROR_H
#define NMT_CORE_ERROR_H

#include <stddef.h>

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
/* Writes atomically: PATH.tmp.<pid> then rename(2) over PATH. */
int nmt_write_file_atomic(const char *path, const void *data, size_t len);
/* Checks up front that PATH could be written that way (its folder exists and is
 * writable, PATH is not a folder); creates nothing that stays. */
int nmt_check_writable(const char *path);

#endif
