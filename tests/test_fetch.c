/* Offline tests of src/io/fetch.c: the spa-eng archive is fetched through
 * libcurl from a file:// URL into a temporary folder, and the HTTP status
 * path is exercised against a tiny HTTP server on 127.0.0.1 (forked child).
 * Checks: verified result, no-op second call, repair of a damaged file,
 * checksum mismatch and missing member fail and leave no file behind,
 * nonexistent URLs fail naming the URL. */
#include "check.h"
#include "core/error.h"
#include "core/sha256.h"
#include "io/fetch.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPA_ZIP_SHA "0c4fd7825d3d872488d38c157f784e035edab4f2ff0df25a2a208790ecb5b58f"
#define SPA_TXT_SHA "6ec60e212f812ee3430f7568ea6f33b6fb080e32193c5952e8da0ee8ba45574c"
#define SHAKE_SHA "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
#define WRONG_SHA "0000000000000000000000000000000000000000000000000000000000000000"

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

/* Number of entries in DIR whose name contains ".tmp." (left-over temporaries). */
static int count_tmp(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int has(const char *msg, const char *part) { return strstr(msg, part) != NULL; }

/* ---- a minimal HTTP/1.0 server in a child process ----------------------- */

static const char hello_body[] = "hello, nmt\n";

static void serve(int ls) {
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) continue;
        char req[4096];
        size_t n = 0;
        while (n < sizeof req - 1) {
            ssize_t r = read(c, req + n, sizeof req - 1 - n);
            if (r <= 0) break;
            n += (size_t)r;
            req[n] = 0;
            if (strstr(req, "\r\n\r\n")) break;
        }
        req[n] = 0;
        char path[256] = "";
        sscanf(req, "GET %255s", path);
        char resp[1024];
        int len;
        if (strcmp(path, "/hello.txt") == 0)
            len = snprintf(resp, sizeof resp,
                           "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                           strlen(hello_body), hello_body);
        else if (strcmp(path, "/moved") == 0)
            len = snprintf(resp, sizeof resp,
                           "HTTP/1.1 302 Found\r\nLocation: /hello.txt\r\nContent-Length: 0\r\n"
                           "Connection: close\r\n\r\n");
        else
            len = snprintf(resp, sizeof resp,
                           "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n");
        if (write(c, resp, (size_t)len) < 0) { /* client went away */
        }
        shutdown(c, SHUT_WR);
        close(c);
    }
}

/* Starts the server; returns its pid (port in *port) or -1 if sockets are
 * unavailable here. */
static pid_t start_server(int *port) {
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        close(ls);
        return -1;
    }
    *port = ntohs(a.sin_port);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        serve(ls);
        _exit(0);
    }
    close(ls);
    return pid;
}

/* ------------------------------------------------------------------------ */

static void test_http(const char *tmp) {
    int port = 0;
    pid_t pid = start_server(&port);
    if (pid < 0) {
        fprintf(stderr, "note: no loopback sockets here, HTTP checks skipped\n");
        return;
    }
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    char url[128], dest[PATH_MAX], hex[65];
    snprintf(dest, sizeof dest, "%s/hello.txt", tmp);
    char hello_sha[65];
    nmt_sha256_hex(hello_body, strlen(hello_body), hello_sha);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello.txt", port);
    CHECK(nmt_fetch_url(url, dest, hello_sha) == 0, "http 200: %s", nmt_last_error());
    CHECK(nmt_sha256_file(dest, hex) == 0 && strcmp(hex, hello_sha) == 0, "http body");
    unlink(dest);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/moved", port);
    CHECK(nmt_fetch_url(url, dest, hello_sha) == 0, "http redirect: %s", nmt_last_error());
    CHECK(exists(dest), "redirected download saved");
    unlink(dest);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/missing.zip", port);
    CHECK(nmt_fetch_url(url, dest, hello_sha) != 0, "http 404 must fail");
    const char *msg = nmt_last_error();
    CHECK(has(msg, url) && has(msg, "HTTP 404"), "404 message: %s", msg);
    CHECK(!exists(dest) && count_tmp(tmp) == 0, "404 left a file behind");

    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello.txt", port);
    CHECK(nmt_fetch_url(url, dest, WRONG_SHA) != 0, "http wrong sha must fail");
    CHECK(has(nmt_last_error(), WRONG_SHA) && has(nmt_last_error(), hello_sha), "http mismatch: %s",
          nmt_last_error());
    CHECK(!exists(dest) && count_tmp(tmp) == 0, "http mismatch left a file behind");

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

int main(void) {
    const char *data = check_data_dir();
    if (!data) return check_skip("test_fetch", "no corpus folder (set NMT_DATA)");
    char data_abs[PATH_MAX];
    if (!realpath(data, data_abs)) {
        fprintf(stderr, "%s: %s\n", data, strerror(errno));
        return 1;
    }
    char zip_src[PATH_MAX + 32];
    snprintf(zip_src, sizeof zip_src, "%s/spa-eng/spa-eng.zip", data_abs);
    if (!exists(zip_src)) return check_skip("test_fetch", "no spa-eng/spa-eng.zip in the corpus folder");

    char tmp[] = "/tmp/nmt_test_fetch_XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char url[PATH_MAX + 64], out[PATH_MAX], want_path[PATH_MAX], sub[PATH_MAX], hex[65], p[2 * PATH_MAX];
    snprintf(url, sizeof url, "file://%s", zip_src);
    snprintf(want_path, sizeof want_path, "%s/spa-eng/spa.txt", tmp);
    snprintf(sub, sizeof sub, "%s/spa-eng", tmp);

    /* Registry. */
    CHECK(nmt_dataset_find("spa-eng") != NULL, "spa-eng registered");
    CHECK(nmt_dataset_find("tinyshakespeare") != NULL, "tinyshakespeare registered");
    CHECK(nmt_dataset_find("nope") == NULL, "unknown name");
    CHECK(nmt_fetch_dataset("nope", NULL, tmp, out, sizeof out, NULL) != 0, "unknown dataset must fail");
    CHECK(has(nmt_last_error(), "'nope'") && has(nmt_last_error(), "spa-eng"), "msg: %s", nmt_last_error());

    /* 1. Fresh fetch through libcurl (file://), unzip, verify. */
    int cached = -1;
    CHECK(nmt_fetch_dataset("spa-eng", url, tmp, out, sizeof out, &cached) == 0, "fetch: %s", nmt_last_error());
    CHECK_STR(out, want_path);
    CHECK(cached == 0, "first fetch cached=%d", cached);
    CHECK(nmt_sha256_file(want_path, hex) == 0, "hash: %s", nmt_last_error());
    CHECK_STR(hex, SPA_TXT_SHA);
    snprintf(p, sizeof p, "%s/spa-eng.zip", sub);
    CHECK(nmt_sha256_file(p, hex) == 0 && strcmp(hex, SPA_ZIP_SHA) == 0, "zip kept and verified");
    CHECK(count_tmp(sub) == 0, "temporary files left in %s", sub);

    /* 2. Second call: nothing to do (URL not even read). */
    cached = -1;
    CHECK(nmt_fetch_dataset("spa-eng", "file:///nonexistent/never-read.zip", tmp, out, sizeof out, &cached) == 0,
          "no-op fetch: %s", nmt_last_error());
    CHECK(cached == 1, "second fetch cached=%d", cached);
    CHECK_STR(out, want_path);

    /* 3. Damaged file: replaced, from the kept archive (bad URL unused). */
    CHECK(nmt_write_file_atomic(want_path, "garbage\n", 8) == 0, "damage");
    cached = -1;
    CHECK(nmt_fetch_dataset("spa-eng", "file:///nonexistent/never-read.zip", tmp, out, sizeof out, &cached) == 0,
          "repair: %s", nmt_last_error());
    CHECK(cached == 0, "repair cached=%d", cached);
    CHECK(nmt_sha256_file(want_path, hex) == 0 && strcmp(hex, SPA_TXT_SHA) == 0, "repaired checksum %s", hex);

    /* 4. Damaged archive and file, bad URL: must fail naming the URL, leave
     *    no spa.txt behind. */
    unlink(want_path);
    CHECK(nmt_write_file_atomic(p, "PK-not-really", 13) == 0, "damage zip");
    CHECK(nmt_fetch_dataset("spa-eng", "file:///nonexistent/x.zip", tmp, out, sizeof out, NULL) != 0,
          "bad URL must fail");
    CHECK(has(nmt_last_error(), "file:///nonexistent/x.zip"), "msg: %s", nmt_last_error());
    CHECK(!exists(want_path) && count_tmp(sub) == 0, "partial files after failure");

    /* 5. nmt_fetch_url: wrong expected checksum fails, names both hashes and
     *    the URL, and leaves no file. */
    char dest[PATH_MAX];
    snprintf(dest, sizeof dest, "%s/copy.zip", tmp);
    CHECK(nmt_fetch_url(url, dest, WRONG_SHA) != 0, "wrong sha must fail");
    const char *msg = nmt_last_error();
    CHECK(has(msg, url) && has(msg, WRONG_SHA) && has(msg, SPA_ZIP_SHA) && has(msg, "mismatch"), "msg: %s", msg);
    CHECK(!exists(dest) && count_tmp(tmp) == 0, "file left after checksum mismatch");
    /* Upper-case expected hash is accepted; a malformed one is refused. */
    char upper[65];
    for (int i = 0; i < 65; i++) upper[i] = (char)(SPA_ZIP_SHA[i] >= 'a' ? SPA_ZIP_SHA[i] - 32 : SPA_ZIP_SHA[i]);
    CHECK(nmt_fetch_url(url, dest, upper) == 0, "upper-case sha: %s", nmt_last_error());
    CHECK(exists(dest), "download saved");
    CHECK(nmt_fetch_url(url, dest, "abc") != 0 && has(nmt_last_error(), "'abc'"), "bad hex: %s", nmt_last_error());

    /* 6. Nonexistent file:// URL. */
    char missing[PATH_MAX + 64], dest2[PATH_MAX];
    snprintf(missing, sizeof missing, "file://%s/no-such-file.zip", tmp);
    snprintf(dest2, sizeof dest2, "%s/never.zip", tmp);
    CHECK(nmt_fetch_url(missing, dest2, NULL) != 0, "missing file must fail");
    CHECK(has(nmt_last_error(), missing), "msg must name the URL: %s", nmt_last_error());
    CHECK(!exists(dest2) && count_tmp(tmp) == 0, "file left after missing URL");
    /* Protocols other than http/https/file are refused. */
    CHECK(nmt_fetch_url("ftp://127.0.0.1/x.zip", dest2, NULL) != 0, "ftp must be refused");
    CHECK(has(nmt_last_error(), "ftp://127.0.0.1/x.zip"), "msg: %s", nmt_last_error());
    CHECK(!exists(dest2), "file left after refused protocol");

    /* 7. nmt_unzip_member: missing member, wrong checksum, not a zip. */
    char member_dest[PATH_MAX];
    snprintf(member_dest, sizeof member_dest, "%s/member.txt", tmp);
    CHECK(nmt_unzip_member(dest, "spa-eng/nope.txt", member_dest, NULL) != 0, "missing member must fail");
    msg = nmt_last_error();
    CHECK(has(msg, dest) && has(msg, "spa-eng/nope.txt") && has(msg, "spa-eng/spa.txt"), "msg: %s", msg);
    CHECK(!exists(member_dest) && count_tmp(tmp) == 0, "file left after missing member");
    CHECK(nmt_unzip_member(dest, "spa-eng/spa.txt", member_dest, WRONG_SHA) != 0, "member mismatch must fail");
    msg = nmt_last_error();
    CHECK(has(msg, WRONG_SHA) && has(msg, SPA_TXT_SHA) && has(msg, "spa-eng/spa.txt"), "msg: %s", msg);
    CHECK(!exists(member_dest) && count_tmp(tmp) == 0, "file left after member mismatch");
    CHECK(nmt_unzip_member(want_path, "spa-eng/spa.txt", member_dest, NULL) != 0, "not a zip must fail");
    CHECK(has(nmt_last_error(), want_path), "msg: %s", nmt_last_error());
    CHECK(nmt_unzip_member(dest, "spa-eng/_about.txt", member_dest, NULL) == 0, "about: %s", nmt_last_error());
    CHECK(exists(member_dest), "member extracted");

    /* 8. tinyshakespeare (no zip) from a file:// copy, if present. */
    snprintf(p, sizeof p, "%s/tinyshakespeare/input.txt", data_abs);
    if (exists(p)) {
        char turl[2 * PATH_MAX + 16], twant[PATH_MAX];
        snprintf(turl, sizeof turl, "file://%s", p);
        snprintf(twant, sizeof twant, "%s/tinyshakespeare/input.txt", tmp);
        CHECK(nmt_fetch_dataset("tinyshakespeare", turl, tmp, out, sizeof out, &cached) == 0, "shakespeare: %s",
              nmt_last_error());
        CHECK_STR(out, twant);
        CHECK(cached == 0 && nmt_sha256_file(twant, hex) == 0 && strcmp(hex, SHAKE_SHA) == 0, "shakespeare sha");
        CHECK(nmt_fetch_dataset("tinyshakespeare", NULL, tmp, out, sizeof out, &cached) == 0 && cached == 1,
              "shakespeare no-op: %s", nmt_last_error());
    }

    /* 9. Output buffer too small. */
    char small[8];
    CHECK(nmt_fetch_dataset("spa-eng", url, tmp, small, sizeof small, NULL) != 0, "small buffer must fail");

    /* 10. Default data folder. */
    char home[PATH_MAX];
    setenv("NMT_DATA_HOME", "/a/b", 1);
    CHECK(nmt_data_home(home, sizeof home) == 0 && strcmp(home, "/a/b") == 0, "NMT_DATA_HOME: %s", home);
    unsetenv("NMT_DATA_HOME");
    setenv("XDG_DATA_HOME", "/x/share", 1);
    CHECK(nmt_data_home(home, sizeof home) == 0 && strcmp(home, "/x/share/nmt") == 0, "XDG: %s", home);
    setenv("XDG_DATA_HOME", "relative", 1); /* ignored per the XDG spec */
    setenv("HOME", "/home/u", 1);
    CHECK(nmt_data_home(home, sizeof home) == 0 && strcmp(home, "/home/u/.local/share/nmt") == 0, "HOME: %s", home);
    unsetenv("XDG_DATA_HOME");
    CHECK(nmt_data_home(home, sizeof home) == 0 && strcmp(home, "/home/u/.local/share/nmt") == 0, "HOME: %s", home);
    CHECK(nmt_data_home(home, 4) != 0, "tiny buffer must fail");

    /* 11. HTTP status codes and redirects (loopback server). */
    test_http(tmp);

    rm_rf(tmp);
    CHECK(!exists(tmp), "temp folder removed");
    return check_exit("test_fetch");
}
