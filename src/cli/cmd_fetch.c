/* nmt fetch NAME [--url URL] [--dir DIR]: downloads and verifies a known
 * corpus, then prints the path of the verified file on stdout (and nothing
 * else there, so `path=$(nmt fetch spa-eng)` works). Exit 0 ok, 1 failure,
 * 2 usage error (unknown flag or dataset). */
#include "cli/cli.h"
#include "core/error.h"
#include "io/fetch.h"

#include <stdio.h>

static void list_datasets(FILE *f) {
    size_t n;
    const nmt_dataset *ds = nmt_dataset_list(&n);
    fprintf(f, "datasets:\n");
    for (size_t i = 0; i < n; i++) fprintf(f, "  %-16s %s\n", ds[i].name, ds[i].description);
}

int nmt_cmd_fetch(int argc, char **argv) {
    const char *url, *dir;
    nmt_flag flags[] = {
        {.name = "--url", .kind = NMT_FLAG_STRING, .ptr = &url, .arg = "URL", .nonempty = 1,
         .help = "fetch from URL instead (a mirror, or file:///path/to/copy); the checksums still apply"},
        {.name = "--dir", .kind = NMT_FLAG_STRING, .ptr = &dir, .arg = "DIR", .nonempty = 1,
         .def_text = "$NMT_DATA_HOME, else $XDG_DATA_HOME/nmt, else ~/.local/share/nmt",
         .help = "data folder; the file goes to DIR/NAME/"},
    };
    nmt_cli cli = {.name = "fetch", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .args = NMT_ARGS_ONE, .arg_name = "NAME", .arg_what = "dataset name", .more_help = list_datasets,
                   .about = "Downloads the corpus NAME, checks its SHA-256 and prints the path of the verified\n"
                            "file. Does nothing (but print the path) if it is already there.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    const char *name = cli.arg;
    if (!nmt_dataset_find(name)) {
        fprintf(stderr, "nmt fetch: unknown dataset '%s'\n", name);
        list_datasets(stderr);
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
