/* Fixed-order weight-gradient products C (+)= A^T B (real-generic), and the
 * group executor of the backward pass's products (kernels/gemm_packed.h).
 *
 * Every element C[i][j] is acc = 0; acc = fma(A[k][i], B[k][j], acc) for
 * k = 0..K-1; then C = acc or C += acc. The AVX2 (8 lanes) and AVX-512 (16
 * lanes) kernels run that chain for several (i, j) at once; the scalar
 * reference runs it one element at a time with fmaf. Lanes never mix, so every
 * level gives the reference's bits. The vector kernels carry target
 * attributes and run only where core/cpu.h says the CPU has them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "core/real.h"
#include "kernels/gemm_packed.h"

#ifdef NMT_F64
#define RFMA fma
#else
#define RFMA fmaf
#include <immintrin.h>
#endif

void R(nmt_gemm_tn_ref)(int M, int N, int K, const real *A, int lda, const real *B, int ldb, real *C, int ldc,
                        int accumulate) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            real acc = 0;
            for (int k = 0; k < K; k++) acc = RFMA(A[(size_t)k * lda + i], B[(size_t)k * ldb + j], acc);
            real *c = C + (size_t)i * ldc + j;
            *c = accumulate ? *c + acc : acc;
        }
}



#ifndef NMT_F64
/* The vector path packs, per column block of a task and per KC rows of k:
 *   Bp: the block's columns, NR at a time, each tile KC x NR contiguous (zero
 *       past the last column), and Ap: MR rows of A^T, KC x MR contiguous;
 * both are then read sequentially (in place, the rows of A and B lie lda and
 * ldb apart: 2-8 KB strides that map to the same few L1 sets). Each
 * accumulator tile is kept in `acc` (M x block width) between the KC blocks:
 * storing a float and loading it back is exact, so every element is still one
 * chain over k = 0..K-1. The buffers belong to the thread and only grow. */
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
/* Rows as even as possible in `groups` tiles: the size of tile g, whose first row is i. */
static inline int tile_rows(int M, int g, int groups, int i) {
    int rows = (M - i) / (groups - g);
    return rows + ((M - i) % (groups - g) != 0);
}
enum { KC = 256, BLOCK = 64 };

/* acc (MR x 2 vectors, row stride ldacc) = (first ? 0 : acc) + Ap^T Bp over kc.
 * On a product's last k block, cr (not NULL) gives each row's place in C
 * instead: the tile is then stored there (C = acc) or added to it (C += acc,
 * the add of the final loop in tn_block), without the round trip through acc. */
INLINE AVX2 void tn8(const int MR, int kc, const float *Ap, const float *Bp, int ldbp, float *acc, int ldacc,
                     int first, float *const *cr, int accumulate) {
    __m256 lo[6], hi[6];
    _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
        lo[r] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(acc + (size_t)r * ldacc);
        hi[r] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(acc + (size_t)r * ldacc + 8);
    }
    for (int k = 0; k < kc; k++) {
        const float *b = Bp + (size_t)k * ldbp, *a = Ap + (size_t)k * 6;
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_broadcast_ss(a + r);
            lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);
            hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);
        }
    }
    _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
        float *c = cr ? cr[r] : acc + (size_t)r * ldacc;
        if (cr && accumulate) {
            lo[r] = _mm256_add_ps(_mm256_loadu_ps(c), lo[r]);
            hi[r] = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi[r]);
        }
        _mm256_storeu_ps(c, lo[r]);
        _mm256_storeu_ps(c + 8, hi[r]);
    }
}
INLINE AVX512 void tn16(const int MR, int kc, const float *Ap, const float *Bp, int ldbp, float *acc, int ldacc,
                        int first, float *const *cr, int accumulate) {
    __m512 lo[12], hi[12];
    _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
        lo[r] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(acc + (size_t)r * ldacc);
        hi[r] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(acc + (size_t)r * ldacc + 16);
    }
    for (int k = 0; k < kc; k++) {
        const float *b = Bp + (size_t)k * ldbp, *a = Ap + (size_t)k * 12;
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
            __m512 x = _mm512_set1_ps(a[r]);
            lo[r] = _mm512_fmadd_ps(x, b0, lo[r]);
            hi[r] = _mm512_fmadd_ps(x, b1, hi[r]);
        }
    }
    _Pragma("GCC unroll 12") for (int r = 0; r < MR; r++) {
        float *c = cr ? cr[r] : acc + (size_t)r * ldacc;
        if (cr && accumulate) {
            lo[r] = _mm512_add_ps(_mm512_loadu_ps(c), lo[r]);
            hi[r] = _mm512_add_ps(_mm512_loadu_ps(c + 16), hi[r]);
        }
        _mm512_storeu_ps(c, lo[r]);
        _mm512_storeu_ps(c + 16, hi[r]);
    }
}
typedef void (*tn_fn)(int, const float *, const float *, int, float *, int, int, float *const *, int);
#define TNK(W, R_)                                                                                          \
    static W void tn##W##_##R_(int kc, const float *Ap, const float *Bp, int lb, float *acc, int ld, int f, \
                               float *const *cr, int accumulate) {                                          \
        tn##W(R_, kc, Ap, Bp, lb, acc, ld, f, cr, accumulate);                                              \
    }
#define tnAVX2 tn8
#define tnAVX512 tn16
TNK(AVX2, 1) TNK(AVX2, 2) TNK(AVX2, 3) TNK(AVX2, 4) TNK(AVX2, 5) TNK(AVX2, 6)
TNK(AVX512, 1) TNK(AVX512, 2) TNK(AVX512, 3) TNK(AVX512, 4) TNK(AVX512, 5) TNK(AVX512, 6)
TNK(AVX512, 7) TNK(AVX512, 8) TNK(AVX512, 9) TNK(AVX512, 10) TNK(AVX512, 11) TNK(AVX512, 12)
static const tn_fn tn8s[7] = {NULL, tnAVX2_1, tnAVX2_2, tnAVX2_3, tnAVX2_4, tnAVX2_5, tnAVX2_6};
static const tn_fn tn16s[13] = {NULL,       tnAVX512_1, tnAVX512_2, tnAVX512_3,  tnAVX512_4,  tnAVX512_5, tnAVX512_6,
                                tnAVX512_7, tnAVX512_8, tnAVX512_9, tnAVX512_10, tnAVX512_11, tnAVX512_12};

/* The calling thread's buffers (grown on first use, kept for the next product):
 * `buf` for a block's packed B, A and accumulators, `abuf` for a group's
 * A^T packed once for all its column blocks. */
static _Thread_local float *buf, *abuf;
static _Thread_local size_t buf_len, abuf_len;
static float *grow(float **b, size_t *len, size_t n) {
    if (n > *len) {
        free(*b);
        *b = nmt_xalloc_aligned(sizeof(float) * n);
        *len = n;
    }
    return *b;
}

/* Ap[k][0..rows) = A[k0 + k][i ..] for k < kc: one row tile of A^T, MR wide.
 * Rows from M on are the column of ones that gives the column sums (M: A's
 * real width). */
static void pack_a(float *Ap, const float *A, int lda, int M, int i, int rows, int k0, int kc, int MR) {
    const float *a = A + (size_t)k0 * lda + i;
    const int real_rows = M - i < 0 ? 0 : M - i < rows ? M - i : rows;
    if (real_rows == MR && MR == 12)
        for (int k = 0; k < kc; k++) memcpy(Ap + (size_t)k * 12, a + (size_t)k * lda, sizeof(float) * 12);
    else if (real_rows == MR && MR == 6)
        for (int k = 0; k < kc; k++) memcpy(Ap + (size_t)k * 6, a + (size_t)k * lda, sizeof(float) * 6);
    else
        for (int k = 0; k < kc; k++) {
            for (int r = 0; r < real_rows; r++) Ap[(size_t)k * MR + r] = a[(size_t)k * lda + r];
            for (int r = real_rows; r < rows; r++) Ap[(size_t)k * MR + r] = 1.0f;
        }
}

/* All of A^T in row tiles: tile g (its rows as tile_rows gives them) at
 * Apre + g K MR, K x MR. */
static size_t packed_a_len(int M, int K, int MR) { return (size_t)((M + MR - 1) / MR) * (K ? K : 1) * MR; }

/* Columns [j0, j0 + w) (w <= BLOCK) of C (+)= A^T B and cs (+)= 1^T B (cs
 * not NULL) with tiles MR x NR; Apre: A^T packed whole, the row of ones
 * included (or NULL: packed here, KC rows at a time). */
static void tn_block(int Ma, int K, const float *A, int lda, const float *Apre, const float *B, int ldb, float *C,
                     int ldc, float *cs, int accumulate, int j0, int w, int MR, int NR, const tn_fn *fns) {
    const int M = Ma + (cs != NULL);   // rows of the product: A^T's, and the row of ones
    const int ntiles = (w + NR - 1) / NR, wp = ntiles * NR;
    float *Bp = grow(&buf, &buf_len, (size_t)KC * wp + (size_t)KC * MR + (size_t)M * wp);
    float *Ap = Bp + (size_t)KC * wp, *acc = Ap + (size_t)KC * MR;   // acc (M x wp)
    const int groups = (M + MR - 1) / MR;
    // with one or two row tiles each value of B is read once or twice: whole tiles
    // are then read in place, only a partial last tile is packed (zero-padded)
    const int direct = groups <= 2;
    for (int k0 = 0; k0 < K || k0 == 0; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        for (int k = 0; k < kc; k++)   // Bp[t][k][0..NR) = B[k0 + k][j0 + t NR ..]
            for (int t = direct ? w / NR : 0; t < ntiles; t++) {
                float *d = Bp + ((size_t)t * KC + k) * NR;
                const float *src = B + (size_t)(k0 + k) * ldb + j0 + t * NR;
                const int c = w - t * NR < NR ? w - t * NR : NR;
                if (c == 32) memcpy(d, src, sizeof(float) * 32);
                else if (c == 16) memcpy(d, src, sizeof(float) * 16);
                else {
                    memcpy(d, src, sizeof(float) * c);
                    memset(d + c, 0, sizeof(float) * (NR - c));
                }
            }
        const int last = k0 + KC >= K;
        for (int g = 0, i = 0; g < groups; g++) {
            const int rows = tile_rows(M, g, groups, i);
            const float *a = Apre ? Apre + ((size_t)g * K + k0) * MR : Ap;
            if (!Apre) pack_a(Ap, A, lda, Ma, i, rows, k0, kc, MR);
            for (int t = 0; t < ntiles; t++) {
                const int packed = !direct || (t + 1) * NR > w, whole = (t + 1) * NR <= w;
                const float *b = packed ? Bp + (size_t)t * KC * NR : B + (size_t)k0 * ldb + j0 + t * NR;
                // a whole tile's last k block goes straight to C (its rows; cs for the row
                // of ones); a partial one through acc
                float *cr[12];
                for (int r = 0; r < rows; r++) cr[r] = (i + r < Ma ? C + (size_t)(i + r) * ldc : cs) + j0 + t * NR;
                fns[rows](kc, a, b, packed ? NR : ldb, acc + (size_t)i * wp + t * NR, wp, k0 == 0,
                          last && whole ? cr : NULL, accumulate);
            }
            i += rows;
        }
        if (K == 0) break;
    }
    const int done = w / NR * NR;   // the whole tiles' columns are in C already
    if (done < w)
        for (int i = 0; i < M; i++) {
            float *c = (i < Ma ? C + (size_t)i * ldc : cs) + j0;
            const float *a = acc + (size_t)i * wp;
            if (accumulate)
                for (int j = done; j < w; j++) c[j] += a[j];
            else
                memcpy(c + done, a + done, sizeof(float) * (w - done));
        }
}

static void tn_cols(int M, int K, const float *A, int lda, const float *Apre, const float *B, int ldb, float *C,
                    int ldc, float *cs, int accumulate, int j0, int w, nmt_isa isa) {
    const int big = isa == NMT_ISA_AVX512;
    for (int j = j0; j < j0 + w; j += BLOCK)
        tn_block(M, K, A, lda, Apre, B, ldb, C, ldc, cs, accumulate, j, j0 + w - j < BLOCK ? j0 + w - j : BLOCK,
                 big ? 12 : 6, big ? 32 : 16, big ? tn16s : tn8s);
}
#endif

void R(nmt_gemm_tn_cols)(int M, int N, int K, const real *A, int lda, const real *B, int ldb, real *C, int ldc,
                         real *cs, int accumulate, int j0, int w) {
    (void)N;
    if (M <= 0 || w <= 0) return;
#ifndef NMT_F64
    const nmt_isa isa = nmt_cpu_isa();
    if (isa >= NMT_ISA_AVX2) {
        tn_cols(M, K, A, lda, NULL, B, ldb, C, ldc, cs, accumulate, j0, w, isa);
        return;
    }
#endif
    R(nmt_gemm_tn_ref)(M, w, K, A, lda, B + j0, ldb, C + j0, ldc, accumulate);
    if (cs)   // the row of ones: fma(1, b, acc) is acc + b
        for (int j = j0; j < j0 + w; j++) {
            real acc = 0;
            for (int k = 0; k < K; k++) acc = RFMA(1, B[(size_t)k * ldb + j], acc);
            cs[j] = accumulate ? cs[j] + acc : acc;
        }
}

/* ---- the group executor -------------------------------------------------- */
typedef struct {
    int op, r0, r1, j0, w;   /* rows [r0, r1) (pmat) and columns [j0, j0 + w) */
    double cost;
} fx_task;

static int task_cmp(const void *a, const void *b) {
    const fx_task *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;   // largest first
    if (x->op != y->op) return x->op - y->op;
    return x->j0 != y->j0 ? x->j0 - y->j0 : x->r0 - y->r0;
}

enum { TN_BLOCK = 64, PMAT_ROWS = 192, MAX_TASKS = 256, MAX_OPS = 8 };

/* One task: rows [r0, r1) by panels [j0, j0 + w) of a pmat product, or
 * columns [j0, j0 + w) of a tn product. */
static void run_task(const R(nmt_fx_op) *o, const fx_task *k, const real *apre) {
    if (o->pmat) {   // the task's panels (at most 4) in one call: the kernels take them together
        const R(nmt_pmat) *Bs[4] = {o->P, o->P, o->P, o->P};
        real *const Cs[4] = {o->C + (size_t)k->r0 * o->ldc, o->C + (size_t)k->r0 * o->ldc,
                             o->C + (size_t)k->r0 * o->ldc, o->C + (size_t)k->r0 * o->ldc};
        for (int q0 = k->j0; q0 < k->j0 + k->w; q0 += 4) {
            const int np = k->j0 + k->w - q0 < 4 ? k->j0 + k->w - q0 : 4;
            const int qs[4] = {q0, q0 + 1, q0 + 2, q0 + 3};
            R(nmt_gemm_pmat_panels)(k->r1 - k->r0, o->A + (size_t)k->r0 * o->lda, o->lda, Bs, qs, np, Cs, o->ldc,
                                    o->accumulate);
        }
        return;
    }
#ifndef NMT_F64
    if (apre) {
        tn_cols(o->M, o->K, o->A, o->lda, apre, o->B, o->ldb, o->C, o->ldc, o->cs, o->accumulate, k->j0, k->w,
                nmt_cpu_isa());
        return;
    }
#endif
    R(nmt_gemm_tn_cols)(o->M, o->N, o->K, o->A, o->lda, o->B, o->ldb, o->C, o->ldc, o->cs, o->accumulate, k->j0,
                        k->w);
}

/* The tasks of one product (at most `room`; 0 when it has more). */
static int make_tasks(const R(nmt_fx_op) *o, int op, fx_task *t, int room) {
    int nt = 0;
    if (o->pmat) {
        const int panels = o->P->panels, pb = 4;   // blocks of 4 panels (64 columns) by rb rows
        int rb = PMAT_ROWS;
        while ((long)((o->M + rb - 1) / rb) * ((panels + pb - 1) / pb) > 96) rb *= 2;
        for (int r0 = 0; r0 < o->M; r0 += rb)
            for (int q0 = 0; q0 < panels; q0 += pb) {
                const int r1 = o->M - r0 < rb ? o->M : r0 + rb, q1 = panels - q0 < pb ? panels : q0 + pb;
                if (nt == room) return 0;
                t[nt++] = (fx_task){op, r0, r1, q0, q1 - q0, (double)(r1 - r0) * (q1 - q0) * 16 * o->P->K};
            }
    } else {
        for (int j0 = 0; j0 < o->N; j0 += TN_BLOCK) {
            const int w = o->N - j0 < TN_BLOCK ? o->N - j0 : TN_BLOCK;
            if (nt == room) return 0;
            t[nt++] = (fx_task){op, 0, o->M, j0, w, (double)(o->M + (o->cs != NULL)) * w * (o->K > 0 ? o->K : 1)};
        }
    }
    return nt;
}

void R(nmt_fx_group)(const R(nmt_fx_op) *ops, int n) {
    fx_task tasks[MAX_TASKS];
    const real *apre[MAX_OPS] = {0};
    int nt = 0;
    double total = 0;
    if (n > MAX_OPS) {   // a caller's bug
        fprintf(stderr, "nmt: internal error: nmt_fx_group of %d products (at most %d)\n", n, MAX_OPS);
        abort();
    }
#ifndef NMT_F64
    // each tn product's A^T packed once, for all its column blocks (on the calling thread's buffer)
    const nmt_isa isa = nmt_cpu_isa();
    if (isa >= NMT_ISA_AVX2) {
        const int MR = isa == NMT_ISA_AVX512 ? 12 : 6;
        size_t len = 0, off[MAX_OPS];
        for (int i = 0; i < n; i++) {
            off[i] = len;
            if (!ops[i].pmat && ops[i].M > 0 && ops[i].N > 0) len += packed_a_len(ops[i].M + (ops[i].cs != NULL), ops[i].K, MR);
        }
        float *ab = len ? grow(&abuf, &abuf_len, len) : NULL;
        for (int i = 0; i < n; i++) {
            const R(nmt_fx_op) *o = &ops[i];
            if (o->pmat || o->M <= 0 || o->N <= 0) continue;
            const int M = o->M + (o->cs != NULL), groups = (M + MR - 1) / MR;
            float *dst = ab + off[i];
#pragma omp parallel for schedule(static) if ((long)M * o->K >= 65536)
            for (int g = 0; g < groups; g++) {
                int i0 = 0;   // the first row of tile g, as tile_rows cuts them
                for (int h = 0; h < g; h++) i0 += tile_rows(M, h, groups, i0);
                pack_a(dst + (size_t)g * o->K * MR, o->A, o->lda, o->M, i0, tile_rows(M, g, groups, i0), 0, o->K, MR);
            }
            apre[i] = dst;
        }
    }
#endif
    for (int i = 0; i < n; i++) {
        const R(nmt_fx_op) *o = &ops[i];
        if (o->M <= 0 || o->N <= 0) continue;
        int made = make_tasks(o, i, tasks + nt, MAX_TASKS - nt);
        if (made == 0) {   // too many tiles for the table: this product alone, in turn (same bits)
            fx_task one[1];
            for (int j0 = 0; j0 < (o->pmat ? o->P->panels : o->N); j0 += o->pmat ? 1 : TN_BLOCK) {
                one[0] = (fx_task){i, 0, o->M, j0, o->pmat ? 1 : (o->N - j0 < TN_BLOCK ? o->N - j0 : TN_BLOCK), 0};
                run_task(o, one, apre[i]);
            }
            continue;
        }
        nt += made;
        total += (double)o->M * o->N * (o->pmat ? o->P->K : o->K);
    }
    qsort(tasks, nt, sizeof *tasks, task_cmp);
#pragma omp parallel for schedule(dynamic, 1) if (total >= 65536.0)
    for (int t = 0; t < nt; t++) run_task(&ops[tasks[t].op], &tasks[t], apre[tasks[t].op]);
}
