/* Corpus download (libcurl) and unpacking (libzip); see fetch.h. This is the
 * only file of the project that calls libcurl or libzip. */
#include "io/fetch.h"

#include "core/error.h"
#include "core/sha256.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#define PATH_CAP 4096
#define CHUNK (1 << 16)

static const nmt_dataset datasets[] = {
    {
        .name = "spa-eng",
        .url = "https://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip",
        .sha256 = "0c4fd7825d3d872488d38c157f784e035edab4f2ff0df25a2a208790ecb5b58f",
        .download = "spa-eng.zip",
        .member = "spa-eng/spa.txt",
        .member_sha256 = "6ec60e212f812ee3430f7568ea6f33b6fb080e32193c5952e8da0ee8ba45574c",
        .file = "spa.txt",
        .description = "English-Spanish sentence pairs (manythings.org/anki, Tatoeba; CC-BY 2.0 FR)",
    },
    {
        .name = "tinyshakespeare",
        .url = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        .sha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        .download = "input.txt",
        .member = NULL,
        .member_sha256 = NULL,
        .file = "input.txt",
        .description = "Shakespeare's works for the char-RNN (karpathy/char-rnn; public domain)",
    },
};

const nmt_dataset *nmt_dataset_list(size_t *count) {
    if (count) *count = sizeof datasets / sizeof *datasets;
    return datasets;
}

const nmt_dataset *nmt_dataset_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof datasets / sizeof *datasets; i++)
        if (strcmp(datasets[i].name, name) == 0) return &datasets[i];
    return NULL;
}

/* ---- small helpers ------------------------------------------------------ */

/* Checks that S is 64 hex digits and writes its lower-case form to OUT. */
static int normalize_hex(const char *s, char out[65]) {
    if (!s || strlen(s) != 64) return -1;
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
        out[i] = c;
    }
    out[64] = 0;
    return 0;
}

static int mkdir_p(const char *path) {
    char buf[PATH_CAP];
    size_t n = strlen(path);
    if (n == 0) return nmt_error("empty folder name");
    if (n >= sizeof buf) return nmt_error("%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char save = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            return nmt_error("%s: cannot create folder: %s", buf, strerror(e));
        }
        buf[i] = save;
    }
    struct stat st;
    if (stat(path, &st) != 0) return nmt_error("%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return nmt_error("%s: not a folder", path);
    return 0;
}

int nmt_sha256_file(const char *path, char out[65]) {
    FILE *f = fopen(path, "rb");
    if (!f) return nmt_error("%s: cannot open: %s", path, strerror(errno));
    unsigned char *buf = nmt_xmalloc(CHUNK);
    nmt_sha256 s;
    nmt_sha256_init(&s);
    size_t got;
    while ((got = fread(buf, 1, CHUNK, f)) > 0) nmt_sha256_update(&s, buf, got);
    int err = ferror(f);
    fclose(f);
    free(buf);
    uint8_t d[32];
    nmt_sha256_final(&s, d);
    if (err) return nmt_error("%s: read error", path);
    nmt_sha256_to_hex(d, out);
    return 0;
}

int nmt_data_home(char *out, size_t cap) {
    const char *v;
    int n;
    if ((v = getenv("NMT_DATA_HOME")) && *v) {
        n = snprintf(out, cap, "%s", v);
    } else if ((v = getenv("XDG_DATA_HOME")) && v[0] == '/') {
        n = snprintf(out, cap, "%s/nmt", v);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || !*home)
            return nmt_error("cannot find the data folder: set NMT_DATA_HOME or HOME, or pass --dir");
        n = snprintf(out, cap, "%s/.local/share/nmt", home);
    }
    if (n < 0 || (size_t)n >= cap) return nmt_error("data folder path too long");
    return 0;
}

/* ---- removing the temporary file when interrupted ----------------------- */

/* While a temporary file exists, SIGINT/SIGTERM/SIGHUP remove it (with the
 * process's other registered temporary files: nmt_atomic_remove_all) before
 * the process dies, unless the application installed its own handler (then
 * it is left alone). unlink(2) and raise(3) are async-signal-safe. */
static const int guard_sigs[3] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t guard_active;
static struct sigaction guard_old[3];
static int guard_installed[3];

static void guard_handler(int sig) {
    if (guard_active) nmt_atomic_remove_all();
    raise(sig); /* SA_RESETHAND restored the default action */
}

static void guard_begin(void) {
    guard_active = 1;
    for (int i = 0; i < 3; i++) {
        struct sigaction cur;
        guard_installed[i] = 0;
        if (sigaction(guard_sigs[i], NULL, &cur) != 0) continue;
        if ((cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = guard_handler;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        if (sigaction(guard_sigs[i], &sa, &guard_old[i]) == 0) guard_installed[i] = 1;
    }
}

static void guard_end(void) {
    for (int i = 0; i < 3; i++)
        if (guard_installed[i]) sigaction(guard_sigs[i], &guard_old[i], NULL);
    guard_active = 0;
}

/* ---- download ----------------------------------------------------------- */

typedef struct {
    FILE *f;
    nmt_sha256 sha;
    uint64_t nbytes;
    int write_errno;
    /* progress (only when stderr is a terminal) */
    const char *label;
    double last_draw;
    int drawn;
} sink;

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    sink *s = userdata;
    size_t n = size * nmemb;
    if (n == 0) return 0;
    if (fwrite(ptr, 1, n, s->f) != n) {
        s->write_errno = errno ? errno : EIO;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    nmt_sha256_update(&s->sha, ptr, n);
    s->nbytes += n;
    return n;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw_progress(sink *s, double total, double now_bytes) {
    if (total > 0)
        fprintf(stderr, "\r%s: %.1f / %.1f MB (%3d%%)", s->label, now_bytes / 1e6, total / 1e6,
                (int)(100.0 * now_bytes / total));
    else
        fprintf(stderr, "\r%s: %.1f MB", s->label, now_bytes / 1e6);
    s->drawn = 1;
}

static int progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    sink *s = clientp;
    double t = now_s();
    if (dlnow > 0 && t - s->last_draw >= 0.2) {
        s->last_draw = t;
        draw_progress(s, (double)dltotal, (double)dlnow);
    }
    return 0;
}

static const char *url_basename(const char *url) {
    const char *end = url + strcspn(url, "?#");
    const char *p = end;
    while (p > url && p[-1] != '/') p--;
    return p < end ? p : url;
}

int nmt_fetch_url(const char *url, const char *dest_path, const char *expect_sha256_hex) {
    char want[65] = "", errbuf[CURL_ERROR_SIZE];
    if (!url || !*url) return nmt_error("empty URL");
    if (!dest_path || !*dest_path) return nmt_error("%s: empty destination path", url);
    if (expect_sha256_hex && normalize_hex(expect_sha256_hex, want) != 0)
        return nmt_error("%s: expected sha256 '%s' is not 64 hex digits", url, expect_sha256_hex);

    CURLcode grc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (grc != CURLE_OK) return nmt_error("%s: cannot initialise libcurl: %s", url, curl_easy_strerror(grc));
    CURL *h = curl_easy_init();
    if (!h) {
        curl_global_cleanup();
        return nmt_error("%s: cannot initialise libcurl", url);
    }

    char label[96];
    snprintf(label, sizeof label, "%.80s", url_basename(url));
    sink s;
    memset(&s, 0, sizeof s);
    nmt_sha256_init(&s.sha);
    s.label = label;

    int rc = -1, setopt_bad = 0;
    CURLcode cr;
    uint8_t d[32];
    char got[65];
    nmt_atomic_file out;
    if (nmt_atomic_open(&out, dest_path) != 0) {
        nmt_error_prefix("%s", url);
        goto out_curl;
    }
    guard_begin();
    s.f = out.f;

    errbuf[0] = 0;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, &s) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    setopt_bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file") != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
    setopt_bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE)) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
    setopt_bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "nmt.c/" "0.1") != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L) != CURLE_OK;
    /* Give up on a stalled transfer: under 1 byte/s for 60 s. */
    setopt_bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
    setopt_bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L) != CURLE_OK;
    if (isatty(STDERR_FILENO)) {
        setopt_bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb) != CURLE_OK;
        setopt_bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s) != CURLE_OK;
        setopt_bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    }
    if (setopt_bad) {
        nmt_error("%s: cannot configure libcurl (%s)", url, curl_version());
        goto out_abort;
    }

    cr = curl_easy_perform(h);
    if (s.drawn) {
        if (cr == CURLE_OK) draw_progress(&s, (double)s.nbytes, (double)s.nbytes);
        fputc('\n', stderr);
    }
    if (cr != CURLE_OK) {
        if (cr == CURLE_HTTP_RETURNED_ERROR) {
            long code = 0;
            char *eff = NULL;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
            if (eff && strcmp(eff, url) != 0)
                nmt_error("%s: HTTP %ld (after redirect to %s)", url, code, eff);
            else
                nmt_error("%s: HTTP %ld", url, code);
        } else if (cr == CURLE_WRITE_ERROR && s.write_errno) {
            nmt_error("%s: cannot write %s: %s", url, dest_path, strerror(s.write_errno));
        } else {
            nmt_error("%s: download failed: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
        }
        goto out_abort;
    }

    nmt_sha256_final(&s.sha, d);
    nmt_sha256_to_hex(d, got);
    if (expect_sha256_hex && strcmp(got, want) != 0) {
        nmt_error("%s: checksum mismatch: expected sha256 %s, got %s (%llu bytes); nothing was saved",
                  url, want, got, (unsigned long long)s.nbytes);
        goto out_abort;
    }
    rc = nmt_atomic_commit(&out);   // removes the temporary file if it fails
    goto out_guard;

out_abort:
    nmt_atomic_abort(&out);
out_guard:
    guard_end();
out_curl:
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc;
}

/* ---- unzip -------------------------------------------------------------- */

static void zip_error_text(int code, char *out, size_t cap) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    snprintf(out, cap, "%s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
}

int nmt_unzip_member(const char *zip_path, const char *member, const char *dest_path,
                     const char *expect_sha256_hex) {
    char want[65] = "";
    if (!zip_path || !member || !dest_path) return nmt_error("nmt_unzip_member: missing argument");
    if (expect_sha256_hex && normalize_hex(expect_sha256_hex, want) != 0)
        return nmt_error("%s: expected sha256 '%s' is not 64 hex digits", zip_path, expect_sha256_hex);

    int zerr = 0;
    zip_t *za = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        char msg[256];
        zip_error_text(zerr, msg, sizeof msg);
        return nmt_error("%s: cannot open zip archive: %s", zip_path, msg);
    }
    zip_int64_t idx = zip_name_locate(za, member, 0);
    if (idx < 0) {
        char have[512] = "";
        size_t used = 0;
        zip_int64_t n = zip_get_num_entries(za, 0);
        for (zip_int64_t i = 0; i < n && i < 8 && used < sizeof have; i++) {
            const char *nm = zip_get_name(za, (zip_uint64_t)i, 0);
            int w = snprintf(have + used, sizeof have - used, "%s%s", i ? ", " : "", nm ? nm : "?");
            if (w > 0) used += (size_t)w;
        }
        if (n > 8 && used < sizeof have) snprintf(have + used, sizeof have - used, ", ...");
        zip_discard(za);
        return nmt_error("%s: no member '%s' in the archive (it has: %s)", zip_path, member, have);
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0) {
        nmt_error("%s: %s: cannot stat member: %s", zip_path, member, zip_strerror(za));
        zip_discard(za);
        return -1;
    }
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!zf) {
        nmt_error("%s: %s: cannot open member: %s", zip_path, member, zip_strerror(za));
        zip_discard(za);
        return -1;
    }

    int rc = -1;
    unsigned char *buf = nmt_xmalloc(CHUNK);
    nmt_sha256 sha;
    nmt_sha256_init(&sha);
    uint64_t total = 0;
    uint8_t d[32];
    char got_hex[65];
    nmt_atomic_file out;
    if (nmt_atomic_open(&out, dest_path) != 0) goto out;
    guard_begin();
    for (;;) {
        zip_int64_t got = zip_fread(zf, buf, CHUNK);
        if (got < 0) {
            nmt_error("%s: %s: read error: %s", zip_path, member, zip_file_strerror(zf));
            goto out_abort;
        }
        if (got == 0) break;
        if (nmt_atomic_write(&out, buf, (size_t)got) != 0) goto out_abort;
        nmt_sha256_update(&sha, buf, (size_t)got);
        total += (uint64_t)got;
    }
    if ((st.valid & ZIP_STAT_SIZE) && total != st.size) {
        nmt_error("%s: %s: extracted %llu bytes, the archive says %llu", zip_path, member,
                  (unsigned long long)total, (unsigned long long)st.size);
        goto out_abort;
    }
    nmt_sha256_final(&sha, d);
    nmt_sha256_to_hex(d, got_hex);
    if (expect_sha256_hex && strcmp(got_hex, want) != 0) {
        nmt_error("%s: %s: checksum mismatch: expected sha256 %s, got %s; nothing was saved", zip_path,
                  member, want, got_hex);
        goto out_abort;
    }
    rc = nmt_atomic_commit(&out);   // removes the temporary file if it fails
    goto out_guard;

out_abort:
    nmt_atomic_abort(&out);
out_guard:
    guard_end();
out:
    free(buf);
    zip_fclose(zf); /* read errors (CRC included) were reported by zip_fread */
    zip_discard(za);
    return rc;
}

/* ---- datasets ----------------------------------------------------------- */

static int join(char *out, size_t cap, const char *a, const char *b) {
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/') la--;
    int n = snprintf(out, cap, "%.*s/%s", (int)la, a, b);
    if (n < 0 || (size_t)n >= cap) return nmt_error("%s/%s: path too long", a, b);
    return 0;
}

static void append_known(char *out, size_t cap) {
    size_t n, used = 0;
    const nmt_dataset *ds = nmt_dataset_list(&n);
    out[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", ds[i].name);
        if (w > 0) used += (size_t)w;
    }
}

int nmt_fetch_dataset(const char *name, const char *url_override, const char *dir,
                      char *out_path, size_t cap, int *cached) {
    char base[PATH_CAP], sub[PATH_CAP], final[PATH_CAP], dl[PATH_CAP], known[256];
    if (cached) *cached = 0;
    const nmt_dataset *ds = nmt_dataset_find(name);
    if (!ds) {
        append_known(known, sizeof known);
        return nmt_error("unknown dataset '%s' (known: %s)", name ? name : "(null)", known);
    }
    if (dir && *dir) {
        if (snprintf(base, sizeof base, "%s", dir) >= (int)sizeof base) return nmt_error("%s: path too long", dir);
    } else if (nmt_data_home(base, sizeof base) != 0) {
        return -1;
    }
    if (join(sub, sizeof sub, base, ds->name) != 0 || join(final, sizeof final, sub, ds->file) != 0 ||
        join(dl, sizeof dl, sub, ds->download) != 0)
        return -1;
    if (!out_path || strlen(final) >= cap) return nmt_error("%s: path does not fit the output buffer", final);

    // both are outputs: a device, a FIFO or a folder there is refused, never read as a copy
    if (nmt_check_output_path(final) || (ds->member && nmt_check_output_path(dl))) return -1;
    const char *final_sha = ds->member ? ds->member_sha256 : ds->sha256;
    char have[65];
    struct stat st;
    if (stat(final, &st) == 0) {
        if (nmt_sha256_file(final, have) != 0) return -1;
        if (strcmp(have, final_sha) == 0) {
            snprintf(out_path, cap, "%s", final);
            if (cached) *cached = 1;
            return 0;
        }
        fprintf(stderr, "nmt: %s: checksum mismatch (expected sha256 %s, got %s); fetching it again\n",
                final, final_sha, have);
    } else if (errno != ENOENT) {
        return nmt_error("%s: %s", final, strerror(errno));
    }

    if (mkdir_p(sub) != 0) return -1;
    const char *url = url_override && *url_override ? url_override : ds->url;
    if (!ds->member) {
        if (nmt_fetch_url(url, final, ds->sha256) != 0) return nmt_error_prefix("%s", ds->name);
    } else {
        /* Reuse an archive left by an earlier run if it is intact. */
        int have_zip = stat(dl, &st) == 0 && S_ISREG(st.st_mode) && nmt_sha256_file(dl, have) == 0 &&
                       strcmp(have, ds->sha256) == 0;
        nmt_error_clear();
        if (!have_zip && nmt_fetch_url(url, dl, ds->sha256) != 0) return nmt_error_prefix("%s", ds->name);
        if (nmt_unzip_member(dl, ds->member, final, ds->member_sha256) != 0)
            return nmt_error_prefix("%s", ds->name);
    }
    snprintf(out_path, cap, "%s", final);
    return 0;
}
