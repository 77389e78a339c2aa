/* Embedding lookup and its gradient (real-generic). */
#include <string.h>

#include "core/real.h"
#include "layers/layers.h"

void R(nmt_embedding_forward)(real *out, const int32_t *ids, const real *table, int n, int E) {
    for (int k = 0; k < n; k++)
        memcpy(out + (long)k * E, table + (long)ids[k] * E, sizeof(real) * E);
}

void R(nmt_embedding_backward)(real *dtable, const int32_t *ids, const real *dout, int n, int E) {
    for (int k = 0; k < n; k++) {   /* token order: a fixed summation order */
        real *d = dtable + (long)ids[k] * E;
        const real *g = dout + (long)k * E;
        for (int e = 0; e < E; e++) d[e] += g[e];
    }
}
