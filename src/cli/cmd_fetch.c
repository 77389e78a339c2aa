/* nmt fetch NAME [--url URL] [--dir DIR]: downloads and verifies a known
 * corpus, then prints the path of the verified file on stdout (and nothing
 * else there, so `path=$(nmt fetch spa-eng)` works). Exit 0 ok, 1 failure,
 * 2 usage error (unknown flag or dataset). */
#include "cli/cli.h"
#include "core/error.h"
#include "io/fetch.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f) {
    size_t n;
    const nmt_dataset *ds = nmt_dataset_list(&n);
    fprintf(f,
            "usage: nmt fetch NAME [--url URL] [--dir DIR]\n"
            "\n"
            "Downloads the corpus NAME, checks its SHA-256 and prints the path of the\n"
            "verified file. Does nothing (but print the path) if it is already there.\n"
            "\n"
            "  --url URL   fetch from URL instead (a mirror, or file:///path/to/copy);\n"
            "              the checksums still apply\n"
            "  --dir DIR   data folder (default: $NMT_DATA_HOME, else $XDG_DATA_HOME/nmt,\n"
            "              else ~/.local/share/nmt); the file goes to DIR/NAME/\n"
            "\n"
            "datasets:\n");
    for (size_t i = 0; i < n; i++) fprintf(f, "  %-16s %s\n", ds[i].name, ds[i].description);
}

/* Accepts "--flag VALUE" and "--flag=VALUE"; returns 1 if ARGV[*i] is FLAG. */
static int take_value(int argc, char **argv, int *i, const char *flag, const char **value, int *bad) {
    size_t n = strlen(flag);
    const char *a = argv[*i];
    if (strncmp(a, flag, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
    } else if (a[n] == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "nmt fetch: %s: missing value\n", flag);
            *bad = 1;
            return 1;
        }
        *value = argv[++*i];
    } else {
        return 0;
    }
    if (!**value) {
        fprintf(stderr, "nmt fetch: %s: empty value\n", flag);
        *bad = 1;
    }
    return 1;
}

int nmt_cmd_fetch(int argc, char **argv) {
    const char *name = NULL, *url = NULL, *dir = NULL;
    int bad = 0, only_args = 0;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (!only_args && a[0] == '-' && a[1] != 0) {
            if (strcmp(a, "--") == 0) {
                only_args = 1;
            } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                usage(stdout);
                return 0;
            } else if (take_value(argc, argv, &i, "--url", &url, &bad) ||
                       take_value(argc, argv, &i, "--dir", &dir, &bad)) {
                /* taken */
            } else {
                fprintf(stderr, "nmt fetch: unknown flag '%s'\n", a);
                bad = 1;
            }
        } else if (!name) {
            name = a;
        } else {
            fprintf(stderr, "nmt fetch: unexpected argument '%s' (one dataset at a time)\n", a);
            bad = 1;
        }
    }
    if (!bad && !name) {
        fprintf(stderr, "nmt fetch: missing dataset name\n");
        bad = 1;
    }
    if (!bad && !nmt_dataset_find(name)) {
        fprintf(stderr, "nmt fetch: unknown dataset '%s'\n", name);
        bad = 1;
    }
    if (bad) {
        usage(stderr);
        return 2;
    }

    char path[4096];
    int cached = 0;
    if (nmt_fetch_dataset(name, url, dir, path, sizeof path, &cached) != 0) {
        fprintf(stderr, "nmt fetch: %s\n", nmt_last_error());
        return 1;
    }
    if (cached)
        fprintf(stderr, "nmt fetch: %s: already present, checksum ok; nothing to do\n", name);
    else
        fprintf(stderr, "nmt fetch: %s: downloaded, checksum ok\n", name);
    if (printf("%s\n", path) < 0 || fflush(stdout) != 0) {
        perror("nmt fetch: stdout");
        return 1;
    }
    return 0;
}
