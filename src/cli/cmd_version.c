#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nmt.h"

int nmt_cmd_version(int argc, char **argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nmt version [--json]\nPrints the nmt version, the model format version and the build.\n");
            return 0;
        } else {
            fprintf(stderr, "nmt version: unexpected argument '%s'\nusage: nmt version [--json]\n", argv[i]);
            return 2;
        }
    }
    if (json)
        printf("{\"nmt_version\": \"%s\", \"format_version\": %d, \"build\": \"%s\"}\n", NMT_VERSION,
               NMT_FORMAT_VERSION, nmt_build_info());
    else
        printf("%s\n", nmt_build_info());
    return fflush(stdout) ? 1 : 0;
}
