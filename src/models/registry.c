/* The architectures nmt knows, by name (real-generic: the float and the double
 * nmt_arch of each). Adding an architecture: its file under src/models/ and its
 * name in the one list below. */
#include <stdio.h>
#include <string.h>

#include "core/real.h"
#include "models/arch.h"

#define NMT_ARCHS(X) X(basic) X(bidirectional) X(attention) X(charrnn)

#define DECLARE(a) extern const nmt_arch_info nmt_arch_info_##a; extern const R(nmt_arch) R(nmt_arch_##a);
NMT_ARCHS(DECLARE)
#define ENTRY(a) &R(nmt_arch_##a),
static const R(nmt_arch) *const ARCHS[] = {NMT_ARCHS(ENTRY)};
#define NARCH ((int)(sizeof ARCHS / sizeof *ARCHS))

const R(nmt_arch) *R(nmt_arch_find)(const char *name) {
    for (int i = 0; i < NARCH; i++)
        if (strcmp(ARCHS[i]->info->name, name) == 0) return ARCHS[i];
    return NULL;
}

#ifndef NMT_F64
const nmt_arch_info *nmt_arch_info_find(const char *name) {
    const nmt_arch *a = nmt_arch_find(name);
    return a ? a->info : NULL;
}

int nmt_arch_count(void) { return NARCH; }

const nmt_arch_info *nmt_arch_info_at(int i) { return i >= 0 && i < NARCH ? ARCHS[i]->info : NULL; }

const char *nmt_arch_names(void) {
    static char names[256];
    if (!names[0])
        for (int i = 0; i < NARCH; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", ARCHS[i]->info->name);
    return names;
}
#endif
