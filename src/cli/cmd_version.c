#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nmt.h"

int nmt_cmd_version(int argc, char **argv) {
    int json = argc > 1 && !strcmp(argv[1], "--json");
    if (json)
        printf("{\"nmt_version\": \"%s\", \"format_version\": %d, \"build\": \"%s\"}\n", NMT_VERSION,
               NMT_FORMAT_VERSION, nmt_build_info());
    else
        printf("%s\n", nmt_build_info());
    return 0;
}
