/* Downloading and unpacking the corpora. Every libcurl and libzip call of the
 * project lives in src/io/fetch.c behind this interface.
 *
 * All functions return 0 on success and -1 on failure with a message from
 * nmt_last_error() that names the URL or file at fault. No function leaves a
 * partial or unverified file at its destination: data is written to
 * DEST.tmp.<pid>, checked, then fsync'ed and rename(2)d over DEST (nmt_atomic_file,
 * core/error.h); on failure the temporary file is removed (also on SIGINT/SIGTERM/SIGHUP while a transfer
 * runs, unless the application has its own handler for that signal).
 *
 * Progress is drawn on stderr only when stderr is a terminal. file:// URLs go
 * through exactly the same libcurl code path as https:// (the tests rely on
 * this); allowed protocols are http, https and file, and redirects may only
 * lead to http or https. Not thread-safe while a transfer runs. */
#ifndef NMT_IO_FETCH_H
#define NMT_IO_FETCH_H

#include <stddef.h>

/* A known corpus. The file ends up in DIR/<name>/<file>. For zipped corpora
 * the archive is kept next to it (DIR/<name>/<download>) so that it can be
 * unpacked again without a network. */
typedef struct {
    const char *name;          /* "spa-eng" */
    const char *url;           /* default source */
    const char *sha256;        /* of the downloaded bytes */
    const char *download;      /* file name of the download under DIR/<name>/ */
    const char *member;        /* zip member to extract, or NULL: not a zip */
    const char *member_sha256; /* of the extracted member (NULL if not a zip) */
    const char *file;          /* final file name under DIR/<name>/ */
    const char *description;
} nmt_dataset;

/* The registry ("spa-eng", "tinyshakespeare"). */
const nmt_dataset *nmt_dataset_list(size_t *count);
/* NULL if NAME is not known (no error is recorded). */
const nmt_dataset *nmt_dataset_find(const char *name);

/* Default data folder, first of: $NMT_DATA_HOME; $XDG_DATA_HOME/nmt (when
 * XDG_DATA_HOME is an absolute path, as the XDG spec requires);
 * $HOME/.local/share/nmt (HOME from the password database if unset). */
int nmt_data_home(char *out, size_t cap);

/* SHA-256 of a file as 64 lower-case hex digits. */
int nmt_sha256_file(const char *path, char out[65]);

/* Downloads URL to DEST_PATH (via DEST_PATH.tmp.<pid>). EXPECT_SHA256_HEX
 * (64 hex digits, either case) must match the downloaded bytes, otherwise
 * nothing is written; NULL skips the check. HTTP errors (status >= 400) fail
 * with the status code. The folder of DEST_PATH must exist. */
int nmt_fetch_url(const char *url, const char *dest_path, const char *expect_sha256_hex);

/* Extracts MEMBER of ZIP_PATH to DEST_PATH (via DEST_PATH.tmp.<pid>),
 * checking the zip CRC, the size and, when EXPECT_SHA256_HEX is not NULL,
 * the SHA-256 of the member before it is renamed into place. */
int nmt_unzip_member(const char *zip_path, const char *member, const char *dest_path,
                     const char *expect_sha256_hex);

/* Makes the known corpus NAME available as a verified file and writes its
 * path to OUT_PATH (CAP bytes). URL_OVERRIDE (may be NULL) replaces the
 * registry URL, e.g. a mirror or file:// copy; the checksums still apply.
 * DIR NULL means nmt_data_home(). If the file is already there with the
 * right checksum nothing is downloaded and *CACHED (may be NULL) is set to 1,
 * else 0. A file with a wrong checksum is replaced (noted on stderr). For a
 * zipped corpus a verified archive already in DIR/<name>/ is reused. */
int nmt_fetch_dataset(const char *name, const char *url_override, const char *dir,
                      char *out_path, size_t cap, int *cached);

#endif
