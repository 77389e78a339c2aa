#include "layers/packed.h"

#include <stdlib.h>

#include "core/error.h"

void nmt_packed_alloc(nmt_packed *p, int maxB, int maxT) {
    p->B = p->T = p->ntok = 0;
    p->len = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    p->bs = nmt_xcalloc((size_t)maxT + 1, sizeof(int));
    p->off = nmt_xcalloc((size_t)maxT + 2, sizeof(int));
}

void nmt_packed_free(nmt_packed *p) {
    free(p->len);
    free(p->bs);
    free(p->off);
    p->len = p->bs = p->off = NULL;
}

void nmt_packed_layout(nmt_packed *p, int B) {
    p->B = B;
    p->T = B > 0 ? p->len[0] : 0;
    int n = 0;
    for (int t = 0; t < p->T; t++) {
        int m = 0;
        while (m < B && p->len[m] > t) m++;
        p->bs[t] = m;
        p->off[t] = n;
        n += m;
    }
    p->off[p->T] = n;
    p->ntok = n;
}
