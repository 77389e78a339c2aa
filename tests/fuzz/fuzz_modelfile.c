/* libFuzzer target: the model loader (nmt_model_load) on arbitrary bytes.
 * The input is written to an in-memory file (memfd) and loaded by its
 * /proc/self/fd path, through exactly the code nmt translate runs. A refusal
 * is fine; a crash, a leak or undefined behaviour is a finding. A model that
 * loads must also save and load back (nmt never writes what it refuses). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "models/model.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fd < 0) {
        fd = memfd_create("nmt-fuzz-model", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    nmt_model m;
    if (nmt_model_load(&m, path) == 0) {
        char out[] = "/tmp/nmt-fuzz-model-XXXXXX";
        int o = mkstemp(out);
        if (o < 0) abort();
        close(o);
        nmt_model back;
        if (nmt_model_save(&m, out) || nmt_model_load(&back, out)) abort();   // loaded, so it must round-trip
        nmt_model_free(&back);
        unlink(out);
        nmt_model_free(&m);
    }
    return 0;
}
