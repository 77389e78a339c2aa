/* Nadam, both Keras schedules (ch16-reference.md §2.11). Every element is
 * updated independently, so the result does not depend on the thread count.
 * One pass reads the gradient, updates m, v and the weight, and zeroes the
 * gradient for the next step's accumulation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "kernels/gemm_packed.h"
#include "train/train.h"

// The blocks handed to the update hook must start at a panel boundary of the
// transposed packing (nmt_pmat_repack_rows aborts otherwise).
_Static_assert(NMT_NADAM_ROWS % NMT_PMAT_W == 0, "NMT_NADAM_ROWS must be a multiple of NMT_PMAT_W");

void nmt_nadam_init(nmt_nadam *o, nmt_nadam_kind kind, size_t nfloats) {
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->lr = 0.001, o->beta1 = 0.9, o->beta2 = 0.999, o->eps = 1e-7;
    o->uprod = 1.0;
    o->n = nfloats;
    o->m = nmt_xalloc_aligned(nfloats * sizeof(float));
    o->v = nmt_xalloc_aligned(nfloats * sizeof(float));
}

void nmt_nadam_free(nmt_nadam *o) {
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

typedef struct {
    float fa, fb, lr, eps, vs, fb1, fb2, omb1, omb2;
} coefs;

/* One row: m, v and (if move) w updated, g zeroed. legacy and move are
 * constants at every call, so each case is its own vector loop; each lane does
 * exactly the scalar operations (no contraction: -std=c11), so the bits do not
 * depend on the vector width. Returns 1 if a gradient was NaN or infinite
 * (g - g is 0 exactly for finite g): found in the pass that reads them anyway. */
static inline __attribute__((always_inline)) int update_row(float *restrict wr, float *restrict mr,
                                                             float *restrict vr, float *restrict gr, long cols,
                                                             const coefs *c, const int legacy, const int move) {
    const float fa = c->fa, fb = c->fb, lr = c->lr, eps = c->eps, vs = c->vs;
    const float fb1 = c->fb1, fb2 = c->fb2, omb1 = c->omb1, omb2 = c->omb2;
    int bad = 0;
#pragma omp simd reduction(| : bad)
    for (long k = 0; k < cols; k++) {
        const float gk = gr[k];
        bad |= gk - gk != 0.0f;
        float mk, vk;
        if (legacy) mk = fb1 * mr[k] + omb1 * gk, vk = fb2 * vr[k] + omb2 * gk * gk;
        else mk = mr[k] + (gk - mr[k]) * omb1, vk = vr[k] + (gk * gk - vr[k]) * omb2;
        mr[k] = mk, vr[k] = vk, gr[k] = 0;
        if (move) wr[k] -= lr * (fa * gk + fb * mk) / (sqrtf(vk * vs) + eps);
    }
    return bad;
}

/* The three cases of a row, compiled for each instruction-set level: 16, 8 or
 * 4 lanes of the same per-element operations (division and square root are
 * correctly rounded at every width), so the level changes the speed only. The
 * pass is bound by its divisions and square roots: at 4 lanes it measured
 * 7% of a basic-model training step on one thread. */
static inline __attribute__((always_inline)) int update_case(float *wr, float *mr, float *vr, float *gr, long cols,
                                                              const coefs *c, int legacy, int move) {
    if (!legacy) return update_row(wr, mr, vr, gr, cols, c, 0, 1);
    if (move) return update_row(wr, mr, vr, gr, cols, c, 1, 1);
    return update_row(wr, mr, vr, gr, cols, c, 1, 0);
}
typedef int (*update_fn)(float *, float *, float *, float *, long, const coefs *, int, int);
static int update_base(float *wr, float *mr, float *vr, float *gr, long cols, const coefs *c, int legacy, int move) {
    return update_case(wr, mr, vr, gr, cols, c, legacy, move);
}
static __attribute__((target("avx2"))) int update_avx2(float *wr, float *mr, float *vr, float *gr, long cols,
                                                        const coefs *c, int legacy, int move) {
    return update_case(wr, mr, vr, gr, cols, c, legacy, move);
}
static __attribute__((target("avx512f"))) int update_avx512(float *wr, float *mr, float *vr, float *gr, long cols,
                                                             const coefs *c, int legacy, int move) {
    return update_case(wr, mr, vr, gr, cols, c, legacy, move);
}

void nmt_nadam_step(nmt_nadam *o, const nmt_param_table *tab, float *params, float *grads,
                    uint8_t *const *present) {
    const long t = ++o->t;
    const double b1 = o->beta1, b2 = o->beta2;
    double ca, cb;   /* update direction = ca*g + cb*m */
    if (o->kind == NMT_NADAM_NEW) {
        // u_t = b1 (1 - 0.5 * 0.96^t);  U_t = prod u_s
        double ut = b1 * (1 - 0.5 * pow(0.96, (double)t));
        double ut1 = b1 * (1 - 0.5 * pow(0.96, (double)(t + 1)));
        double Ut = o->uprod * ut, Ut1 = Ut * ut1;
        o->uprod = Ut;
        ca = (1 - ut) / (1 - Ut);
        cb = ut1 / (1 - Ut1);
    } else {
        // mu_t = b1 (1 - 0.5 * 0.96^(0.004 t));  M_t = prod mu_s (m_cache)
        double mt = b1 * (1 - 0.5 * pow(0.96, 0.004 * (double)t));
        double mt1 = b1 * (1 - 0.5 * pow(0.96, 0.004 * (double)(t + 1)));
        double Mt = o->uprod * mt, Mt1 = Mt * mt1;
        o->uprod = Mt;
        ca = (1 - mt) / (1 - Mt);
        cb = mt1 / (1 - Mt1);
    }
    const coefs c = {(float)ca, (float)cb, (float)o->lr, (float)o->eps, (float)(1 / (1 - pow(b2, (double)t))),
                     (float)b1, (float)b2, (float)(1 - b1), (float)(1 - b2)};
    const int legacy = o->kind == NMT_NADAM_LEGACY;
    const nmt_isa isa = nmt_cpu_isa();
    const update_fn update = isa >= NMT_ISA_AVX512 ? update_avx512 : isa >= NMT_ISA_AVX2 ? update_avx2 : update_base;
    o->nonfinite = -1;
    for (int i = 0; i < tab->n; i++) {
        const nmt_param *p = &tab->p[i];
        float *w = params + p->offset, *m = o->m + p->offset, *v = o->v + p->offset;
        float *g = grads + p->offset;
        const long rows = nmt_param_rows(p), cols = (long)p->numel / rows;
        const uint8_t *present_rows = (legacy && p->lookup && present) ? present[i] : NULL;
        int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
        for (long r0 = 0; r0 < rows; r0 += NMT_NADAM_ROWS) {
            const long r1 = r0 + NMT_NADAM_ROWS < rows ? r0 + NMT_NADAM_ROWS : rows;
            for (long r = r0; r < r1; r++) {
                // legacy sparse rule: every row's m and v decay, only looked-up rows move
                const int move = !present_rows || present_rows[r];
                float *wr = w + r * cols, *mr = m + r * cols, *vr = v + r * cols, *gr = g + r * cols;
                bad |= update(wr, mr, vr, gr, cols, &c, legacy, move);
            }
            if (o->hook.rows) o->hook.rows(o->hook.ctx, i, r0, r1);
        }
        if (bad && o->nonfinite < 0) o->nonfinite = i;
    }
    if (o->hook.done) o->hook.done(o->hook.ctx);   // every row went through it
}
