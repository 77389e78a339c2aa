/* nmt version [--json]: the release, the model format it writes, the build. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/cpu.h"
#include "io/json.h"
#include "nmt.h"

int nmt_cmd_version(int argc, char **argv) {
    int json;
    nmt_flag flags[] = {
        {.name = "--json", .kind = NMT_FLAG_BOOL, .ptr = &json,
         .help = "one JSON object: nmt_version, format_version, build, kernels, cpu_max_kernels, cpu"},
    };
    nmt_cli cli = {.name = "version", .flags = flags, .nflags = 1,
                   .about = "Prints the nmt version, the model format version and the build: the\n"
                            "kernels in use (scalar, avx2 or avx512: the highest this CPU has, or\n"
                            "a lower one forced by the environment variable NMT_ISA) and the CPU's\n"
                            "vector features.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    if (!json) {
        printf("%s\n", nmt_build_info());
        return fflush(stdout) ? 1 : 0;
    }
    nmt_json *o = nmt_json_new_object();
    int bad = nmt_json_set_str(o, "nmt_version", NMT_VERSION) ||
              nmt_json_set_int(o, "format_version", NMT_FORMAT_VERSION) ||
              nmt_json_set_str(o, "build", nmt_build_info()) ||
              nmt_json_set_str(o, "kernels", nmt_isa_name(nmt_cpu_isa())) ||
              nmt_json_set_str(o, "cpu_max_kernels", nmt_isa_name(nmt_cpu_max_isa())) ||
              nmt_json_set_str(o, "cpu", nmt_cpu()->brand);
    char *text = bad ? NULL : nmt_json_dump(o, NMT_JSON_SPACED);
    nmt_json_free(o);
    if (!text) {
        fprintf(stderr, "nmt version: %s\n", nmt_last_error());
        return 1;
    }
    printf("%s\n", text);
    free(text);
    return fflush(stdout) ? 1 : 0;
}
