/* Pre-packed weight products (kernels/gemm_packed.h): the AVX2 kernel equals its
 * scalar reference bit for bit, agrees with the naive GEMM, and a row's result
 * never depends on the other rows, the thread count or accumulate mode. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/cpu.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_packed.h"
#include "nmt.h"

static nmt_rng rng;
static void fill(float *a, long n) {
    for (long i = 0; i < n; i++) a[i] = (float)(2 * nmt_rng_double(&rng) - 1);
}

static void check_shape(int M, int N, int K, int transB) {
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
    float *C = malloc(sizeof(float) * M * N), *R = malloc(sizeof(float) * M * N);
    float *N0 = malloc(sizeof(float) * M * N), *row = malloc(sizeof(float) * N);
    fill(A, (long)M * K), fill(B, (long)K * N), fill(C, (long)M * N);
    memcpy(R, C, sizeof(float) * M * N);
    memcpy(N0, C, sizeof(float) * M * N);
    nmt_pmat P = {0};
    nmt_pmat_pack(&P, transB, K, N, B, transB ? K : N);
    // the bf16 packing is the packing rounded (padding included), in one pass
    {
        nmt_pmat Q = {0};
        nmt_pmat_pack_bf16(&Q, transB, K, N, B, transB ? K : N);
        const long len = (long)P.panels * P.K * NMT_PMAT_W;
        float *r = malloc(sizeof(float) * len);
        nmt_round_bf16(r, P.data, len);
        CHECK(Q.panels == P.panels && Q.K == P.K && memcmp(Q.data, r, sizeof(float) * len) == 0,
              "pack_bf16 != pack + round, %dx%d transB %d", K, N, transB);
        free(r);
        nmt_pmat_free(&Q);
    }
    // the layout itself: panel q, row k, column j holds B(k, 16q + j), zero past N
    {
        long bad = 0;
        for (int q = 0; q < P.panels; q++)
            for (int k = 0; k < K; k++)
                for (int j = 0; j < NMT_PMAT_W; j++) {
                    const int n = q * NMT_PMAT_W + j;
                    const float want = n >= N ? 0 : transB ? B[(long)n * K + k] : B[(long)k * N + n];
                    bad += P.data[((long)q * K + k) * NMT_PMAT_W + j] != want;
                }
        CHECK(bad == 0, "packing of %dx%d transB %d: %ld values misplaced", K, N, transB, bad);
    }
    // re-packing changed rows block by block (as the optimizer does) equals a full
    // re-pack, in both precisions; the rows are those of the stored matrix
    for (int bf16 = 0; bf16 < 2; bf16++) {
        const int rows = transB ? N : K, cols = transB ? K : N;
        float *B2 = malloc(sizeof(float) * K * N);
        memcpy(B2, B, sizeof(float) * K * N);
        nmt_pmat Q = {0}, F = {0};
        (bf16 ? nmt_pmat_pack_bf16 : nmt_pmat_pack)(&Q, transB, K, N, B2, transB ? K : N);
        fill(B2, (long)K * N);
        for (int r0 = 0; r0 < rows; r0 += NMT_PMAT_W) {
            const int r1 = r0 + NMT_PMAT_W < rows ? r0 + NMT_PMAT_W : rows;
            nmt_pmat_repack_rows(&Q, transB, K, N, B2, cols, r0, r1, bf16);
        }
        (bf16 ? nmt_pmat_pack_bf16 : nmt_pmat_pack)(&F, transB, K, N, B2, transB ? K : N);
        CHECK(memcmp(Q.data, F.data, sizeof(float) * F.panels * F.K * NMT_PMAT_W) == 0,
              "repack_rows != pack, %dx%d transB %d bf16 %d", K, N, transB, bf16);
        nmt_pmat_free(&Q), nmt_pmat_free(&F);
        free(B2);
    }
    // accumulate mode against the reference, bit for bit
    nmt_gemm_pmat(M, A, K, &P, C, N, 1);
    nmt_gemm_pmat_ref(M, A, K, &P, R, N, 1);
    CHECK(memcmp(C, R, sizeof(float) * M * N) == 0, "kernel != reference, %dx%dx%d transB %d", M, N, K, transB);
    // and close to the naive GEMM (different rounding: tolerance)
    nmt_gemm_naive(0, transB, M, N, K, 1.0f, A, K, B, transB ? K : N, 1.0f, N0, N);
    double worst = 0;
    for (long i = 0; i < (long)M * N; i++) worst = check_worst(worst, fabs((double)C[i] - N0[i]));   // NaN fails
    CHECK(worst < 1e-5 * sqrt(K), "vs naive %dx%dx%d: %g", M, N, K, worst);
    // overwrite mode; every row alone gives the same bits, with 1 and 2 threads
    for (int t = 1; t <= 2; t++) {
        nmt_set_threads(t);
        nmt_gemm_pmat(M, A, K, &P, C, N, 0);
        int bad = 0;
        for (int i = 0; i < M; i++) {
            nmt_gemm_pmat(1, A + (long)i * K, K, &P, row, N, 0);
            bad += memcmp(row, C + (long)i * N, sizeof(float) * N) != 0;
        }
        CHECK(bad == 0, "%d rows of %dx%dx%d depend on their neighbours (threads %d)", bad, M, N, K, t);
    }
    nmt_pmat_free(&P);
    free(A), free(B), free(C), free(R), free(N0), free(row);
}

/* nmt_gemm_pmat_panels (several panels per kernel call, rows in groups) gives
 * the reference's bits for each panel's columns: 1..26 rows (every kernel's row
 * count and several groups), 1..5 panels from different packings (one with a
 * partial last panel), both store modes, at every ISA level. */
static void check_panels(void) {
    enum { K = 96, N = 40, MMAX = 26, NPMAX = 5 };   // 3 panels: 16, 16, 8 columns
    float *A = malloc(sizeof(float) * MMAX * K), *B[4], *full[4][2];
    nmt_pmat P[4] = {{0}};
    float *C0 = malloc(sizeof(float) * MMAX * N);
    fill(A, (long)MMAX * K), fill(C0, (long)MMAX * N);
    for (int i = 0; i < 4; i++) {
        B[i] = malloc(sizeof(float) * K * N);
        fill(B[i], (long)K * N);
        nmt_pmat_pack(&P[i], i == 3, K, N, B[i], i == 3 ? K : N);
        for (int acc = 0; acc < 2; acc++) {   // the reference's whole product, from C0
            full[i][acc] = malloc(sizeof(float) * MMAX * N);
            memcpy(full[i][acc], C0, sizeof(float) * MMAX * N);
            nmt_gemm_pmat_ref(MMAX, A, K, &P[i], full[i][acc], N, acc);
        }
    }
    int bad = 0, cases = 0;
    for (int isa = NMT_ISA_SCALAR; isa <= (int)nmt_cpu_max_isa(); isa++) {
        nmt_cpu_set_isa((nmt_isa)isa);
        for (int M = 1; M <= MMAX; M++)
            for (int np = 1; np <= NPMAX; np++)
                for (int acc = 0; acc < 2; acc++) {
                    float *C[NPMAX];
                    const nmt_pmat *Bs[NPMAX];
                    int q[NPMAX], which[NPMAX];
                    for (int i = 0; i < np; i++) {
                        C[i] = malloc(sizeof(float) * MMAX * N);
                        memcpy(C[i], C0, sizeof(float) * MMAX * N);
                        which[i] = (i + M) % 4, Bs[i] = &P[which[i]], q[i] = (i + np) % 3;   // partial panel 2 too
                    }
                    nmt_gemm_pmat_panels(M, A, K, Bs, q, np, C, N, acc);
                    for (int i = 0; i < np; i++) {
                        const float *R = full[which[i]][acc];
                        for (int r = 0; r < MMAX; r++)
                            for (int j = 0; j < N; j++) {   // the panel's columns of rows < M, else C0
                                const long x = (long)r * N + j;
                                const int in = r < M && j / NMT_PMAT_W == q[i];
                                bad += memcmp(&C[i][x], in ? &R[x] : &C0[x], sizeof(float)) != 0;
                            }
                        free(C[i]);
                    }
                    cases++;
                }
    }
    nmt_cpu_set_isa(nmt_cpu_max_isa());
    CHECK(bad == 0, "nmt_gemm_pmat_panels != the reference in %d values of %d cases", bad, cases);
    for (int i = 0; i < 4; i++) nmt_pmat_free(&P[i]), free(B[i]), free(full[i][0]), free(full[i][1]);
    free(A), free(C0);
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Not a check: prints the recurrent-step product's rate next to CBLAS. */
static void report_speed(void) {
    enum { M = 32, N = 2048, K = 512, REPS = 200 };
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N), *C = malloc(sizeof(float) * M * N);
    fill(A, M * K), fill(B, K * N);
    nmt_pmat P = {0};
    nmt_pmat_pack(&P, 0, K, N, B, N);
    nmt_set_threads(2);
    nmt_gemm_set_backend(NMT_GEMM_CBLAS);
    double t0 = seconds();
    for (int r = 0; r < REPS; r++) nmt_gemm_pmat(M, A, K, &P, C, N, 0);
    double t1 = seconds();
    for (int r = 0; r < REPS; r++) nmt_gemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
    double t2 = seconds();
    double fl = 2.0 * M * N * K * REPS;
    fprintf(stderr, "  32x2048x512, 2 threads: packed %.0f GFLOP/s, cblas %.0f GFLOP/s (informational)\n",
            fl / (t1 - t0) * 1e-9, fl / (t2 - t1) * 1e-9);
    nmt_pmat_free(&P);
    free(A), free(B), free(C);
}

int main(void) {
    nmt_rng_seed(&rng, 11);
    int shapes[][3] = {{1, 16, 1}, {5, 17, 3}, {6, 33, 7}, {13, 1000, 64}, {32, 2048, 512}, {37, 512, 128},
                       {7, 2048, 128}, {40, 1000, 512}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int tb = 0; tb < 2; tb++) check_shape(shapes[s][0], shapes[s][1], shapes[s][2], tb);
    check_panels();
    report_speed();
    return check_exit("test_gemm_packed");
}
