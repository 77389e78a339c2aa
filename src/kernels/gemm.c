/* GEMM dispatch and the naive reference backend (real-generic: compiled for
 * float and for double, see core/real.h). */
#include "kernels/gemm.h"

#include <stdlib.h>
#include <string.h>

#include "core/real.h"

#ifndef NMT_F64
/* Backend state lives in the float object only. */
#ifndef NMT_GEMM_DEFAULT
#define NMT_GEMM_DEFAULT "cblas"
#endif
static int backend = -1;

const char *nmt_gemm_backend_name(nmt_gemm_backend b) {
    switch (b) {
    case NMT_GEMM_NAIVE: return "naive";
    case NMT_GEMM_DNNL: return "dnnl";
    default: return "cblas";
    }
}

int nmt_gemm_set_backend_name(const char *name) {
    if (strcmp(name, "naive") == 0) backend = NMT_GEMM_NAIVE;
    else if (strcmp(name, "cblas") == 0) backend = NMT_GEMM_CBLAS;
    else if (strcmp(name, "dnnl") == 0) backend = NMT_GEMM_DNNL;
    else return -1;
    return 0;
}

void nmt_gemm_set_backend(nmt_gemm_backend b) { backend = (int)b; }

nmt_gemm_backend nmt_gemm_get_backend(void) {
    if (backend < 0 && nmt_gemm_set_backend_name(NMT_GEMM_DEFAULT) != 0) backend = NMT_GEMM_CBLAS;
    return (nmt_gemm_backend)backend;
}
#endif

/* The reference: one dot product per output element, summed in k order.
 * Rows are independent, so the row loop is shared among threads without
 * changing any result. */
void R(nmt_gemm_naive)(int transA, int transB, int M, int N, int K, real alpha,
                       const real *A, int lda, const real *B, int ldb, real beta,
                       real *C, int ldc) {
#pragma omp parallel for schedule(dynamic, 4) if ((long)M * N * K > 100000)
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            real s = 0;
            for (int k = 0; k < K; k++) {
                real a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
                real b = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                s += a * b;
            }
            real *c = &C[(long)i * ldc + j];
            *c = beta == 0 ? alpha * s : alpha * s + beta * *c;
        }
    }
}

void R(nmt_gemm)(int transA, int transB, int M, int N, int K, real alpha,
                 const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {   /* empty sum: C = beta*C */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(long)i * ldc + j] = beta == 0 ? 0 : beta * C[(long)i * ldc + j];
        return;
    }
    switch (nmt_gemm_get_backend()) {
    case NMT_GEMM_NAIVE:
        R(nmt_gemm_naive)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        break;
    case NMT_GEMM_DNNL:
        R(nmt_gemm_dnnl)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        break;
    default:
        R(nmt_gemm_cblas)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

/* A column block of one product of a group. */
typedef struct {
    int op, j0, w;
    double cost;
} gemm_task;

static int task_cmp(const void *a, const void *b) {
    const gemm_task *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;   // largest first
    return x->op != y->op ? x->op - y->op : x->j0 - y->j0;       // then a fixed order
}

#define GROUP_MAX_TASKS 64

void R(nmt_gemm_group)(const R(nmt_gemm_op) *ops, int n) {
    const nmt_gemm_backend be = nmt_gemm_get_backend();
    gemm_task tasks[GROUP_MAX_TASKS];
    int nt = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        const R(nmt_gemm_op) *o = &ops[i];
        const int NB = nmt_gemm_block_width(o->N);
        const int nb = o->N > 0 ? (o->N + NB - 1) / NB : 0;
        // the naive backend, empty products and overflowing groups: one product at a time
        if (be == NMT_GEMM_NAIVE || o->M <= 0 || o->N <= 0 || o->K <= 0 || nt + nb > GROUP_MAX_TASKS) {
            R(nmt_gemm)(o->transA, o->transB, o->M, o->N, o->K, o->alpha, o->A, o->lda, o->B, o->ldb, o->beta,
                        o->C, o->ldc);
            continue;
        }
        for (int j0 = 0; j0 < o->N; j0 += NB) {
            const int w = o->N - j0 < NB ? o->N - j0 : NB;
            tasks[nt++] = (gemm_task){i, j0, w, (double)o->M * w * o->K};
            total += (double)o->M * w * o->K;
        }
    }
    qsort(tasks, nt, sizeof *tasks, task_cmp);
#pragma omp parallel for schedule(dynamic, 1) if (total >= NMT_GEMM_PAR_MNK)
    for (int t = 0; t < nt; t++) {
        const R(nmt_gemm_op) *o = &ops[tasks[t].op];
        if (be == NMT_GEMM_DNNL)
            R(nmt_gemm_dnnl_block)(o->transA, o->transB, o->M, o->N, o->K, o->alpha, o->A, o->lda, o->B, o->ldb,
                                   o->beta, o->C, o->ldc, tasks[t].j0, tasks[t].w);
        else
            R(nmt_gemm_cblas_block)(o->transA, o->transB, o->M, o->N, o->K, o->alpha, o->A, o->lda, o->B, o->ldb,
                                    o->beta, o->C, o->ldc, tasks[t].j0, tasks[t].w);
    }
}

void R(nmt_round_bf16)(real *dst, const real *src, long n) {
    const long chunk = 1L << 14;   // whole chunks per thread; each element is rounded alone
#pragma omp parallel for schedule(static) if (n >= 4 * chunk)
    for (long c0 = 0; c0 < n; c0 += chunk) R(nmt_bf16_span)(dst + c0, src + c0, c0 + chunk < n ? chunk : n - c0);
}
