/* Fixed-order weight-gradient products and the backward pass's group executor
 * (kernels/gemm_packed.h, kernels/gemm_tn.c): at every ISA level this CPU has,
 * C (+)= A^T B equals its scalar reference bit for bit, agrees with a
 * double-precision product, and a group of tn and pmat products gives the same
 * bits as the single-threaded references at 1 and 2 threads. The column sums
 * computed as the product's row of ones (cs, the bias gradient) have the bits
 * of nmt_colsum_add, a plain loop of additions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/cpu.h"
#include "core/rng.h"
#include "kernels/gemm_packed.h"
#include "layers/layers.h"
#include "nmt.h"

static nmt_rng rng;
static void fill(float *a, long n) {
    for (long i = 0; i < n; i++) a[i] = (float)(2 * nmt_rng_double(&rng) - 1);
}

/* C (+)= A^T B at each level against the reference, lda/ldb/ldc wider than the
 * product, every column window [j0, j0 + w) too. */
static void check_tn(int M, int N, int K) {
    const int lda = M + 3, ldb = N + 5, ldc = N + 2;
    float *A = malloc(sizeof(float) * (K ? K : 1) * lda), *B = malloc(sizeof(float) * (K ? K : 1) * ldb);
    float *C0 = malloc(sizeof(float) * M * ldc), *R = malloc(sizeof(float) * M * ldc), *C = malloc(sizeof(float) * M * ldc);
    float *s0 = malloc(sizeof(float) * N), *sr = malloc(sizeof(float) * N), *s = malloc(sizeof(float) * N);
    float *Bd = malloc(sizeof(float) * (K ? K : 1) * N);   // B without its padding, for nmt_colsum_add
    fill(A, (long)K * lda), fill(B, (long)K * ldb), fill(C0, (long)M * ldc), fill(s0, N);
    for (int k = 0; k < K; k++) memcpy(Bd + (long)k * N, B + (long)k * ldb, sizeof(float) * N);
    for (int acc = 0; acc < 2; acc++) {
        memcpy(R, C0, sizeof(float) * M * ldc);
        nmt_gemm_tn_ref(M, N, K, A, lda, B, ldb, R, ldc, acc);
        if (acc) memcpy(sr, s0, sizeof(float) * N);
        else memset(sr, 0, sizeof(float) * N);
        nmt_colsum_add(sr, Bd, K, N);
        // against double sums (the reference itself)
        double worst = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = acc ? C0[(long)i * ldc + j] : 0;
                for (int k = 0; k < K; k++) s += (double)A[(long)k * lda + i] * B[(long)k * ldb + j];
                double e = fabs(s - R[(long)i * ldc + j]) / (1 + fabs(s));
                if (e > worst) worst = e;
            }
        CHECK(worst < 1e-5 * (1 + K / 64.0), "tn ref %dx%dx%d acc %d: error %.3g", M, N, K, acc, worst);
        for (int isa = NMT_ISA_SCALAR; isa <= (int)nmt_cpu_max_isa(); isa++) {
            CHECK(nmt_cpu_set_isa((nmt_isa)isa) == 0, "set isa %d", isa);
            memcpy(C, C0, sizeof(float) * M * ldc);
            nmt_gemm_tn_cols(M, N, K, A, lda, B, ldb, C, ldc, NULL, acc, 0, N);
            CHECK(memcmp(C, R, sizeof(float) * M * ldc) == 0, "tn %dx%dx%d acc %d: %s != reference", M, N, K, acc,
                  nmt_isa_name((nmt_isa)isa));
            // with the column sums: C the same, cs the bits of nmt_colsum_add
            memcpy(C, C0, sizeof(float) * M * ldc), memcpy(s, s0, sizeof(float) * N);
            nmt_gemm_tn_cols(M, N, K, A, lda, B, ldb, C, ldc, s, acc, 0, N);
            CHECK(memcmp(C, R, sizeof(float) * M * ldc) == 0 && memcmp(s, sr, sizeof(float) * N) == 0,
                  "tn+colsum %dx%dx%d acc %d: %s != reference", M, N, K, acc, nmt_isa_name((nmt_isa)isa));
            // a window of columns: only those change, with the same bits
            const int j0 = N / 3, w = N - j0 < 21 ? N - j0 : 21;
            memcpy(C, C0, sizeof(float) * M * ldc);
            nmt_gemm_tn_cols(M, N, K, A, lda, B, ldb, C, ldc, NULL, acc, j0, w);
            int bad = 0;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < ldc; j++) {
                    const long x = (long)i * ldc + j;
                    const float want = j >= j0 && j < j0 + w ? R[x] : C0[x];
                    bad += memcmp(&C[x], &want, sizeof want) != 0;
                }
            CHECK(bad == 0, "tn %dx%dx%d window [%d, %d) %s: %d wrong", M, N, K, j0, j0 + w,
                  nmt_isa_name((nmt_isa)isa), bad);
        }
        nmt_cpu_set_isa(nmt_cpu_max_isa());
    }
    free(A), free(B), free(C0), free(R), free(C), free(s0), free(sr), free(s), free(Bd);
}

/* A backward-shaped group: dU += H^T dR, dW += X^T dR, dx = dR W^T (pmat),
 * against the references, at 1 and 2 threads and every level. */
static void check_group(int n, int in, int u, int G) {
    float *H = malloc(sizeof(float) * n * u), *X = malloc(sizeof(float) * n * in), *dR = malloc(sizeof(float) * n * G);
    float *W = malloc(sizeof(float) * in * G), *dU0 = malloc(sizeof(float) * u * G), *dW0 = malloc(sizeof(float) * in * G);
    float *dU = malloc(sizeof(float) * u * G), *dW = malloc(sizeof(float) * in * G), *dx = malloc(sizeof(float) * n * in);
    float *rU = malloc(sizeof(float) * u * G), *rW = malloc(sizeof(float) * in * G), *rx = malloc(sizeof(float) * n * in);
    float *db0 = malloc(sizeof(float) * 2 * G), *db = malloc(sizeof(float) * 2 * G), *rb = malloc(sizeof(float) * 2 * G);
    fill(H, (long)n * u), fill(X, (long)n * in), fill(dR, (long)n * G), fill(W, (long)in * G);
    fill(dU0, (long)u * G), fill(dW0, (long)in * G), fill(db0, 2L * G);
    nmt_pmat Wt = {0};
    nmt_pmat_pack(&Wt, 1, G, in, W, G);
    memcpy(rU, dU0, sizeof(float) * u * G), memcpy(rW, dW0, sizeof(float) * in * G);
    nmt_gemm_tn_ref(u, G, n, H, u, dR, G, rU, G, 1);
    nmt_gemm_tn_ref(in, G, n, X, in, dR, G, rW, G, 1);
    nmt_gemm_pmat_ref(n, dR, G, &Wt, rx, in, 0);
    memcpy(rb, db0, sizeof(float) * 2 * G);
    nmt_colsum_add(rb, dR, n, G), nmt_colsum_add(rb + G, dR, n, G);
    for (int isa = NMT_ISA_SCALAR; isa <= (int)nmt_cpu_max_isa(); isa++)
        for (int t = 1; t <= 2; t++) {
            nmt_cpu_set_isa((nmt_isa)isa);
            nmt_set_threads(t);
            memcpy(dU, dU0, sizeof(float) * u * G), memcpy(dW, dW0, sizeof(float) * in * G);
            memset(dx, 0xff, sizeof(float) * n * in);   // NaN: overwrite mode must not read it
            memcpy(db, db0, sizeof(float) * 2 * G);
            nmt_fx_op ops[3] = {
                {0, u, G, n, H, u, dR, G, NULL, dU, G, 1, db},
                {0, in, G, n, X, in, dR, G, NULL, dW, G, 1, db + G},
                {1, n, in, G, dR, G, NULL, 0, &Wt, dx, in, 0, NULL},
            };
            nmt_fx_group(ops, 3);
            CHECK(memcmp(dU, rU, sizeof(float) * u * G) == 0 && memcmp(dW, rW, sizeof(float) * in * G) == 0 &&
                      memcmp(dx, rx, sizeof(float) * n * in) == 0 && memcmp(db, rb, sizeof(float) * 2 * G) == 0,
                  "group n=%d in=%d u=%d G=%d, %s, %d threads: not the references' bits", n, in, u, G,
                  nmt_isa_name((nmt_isa)isa), t);
        }
    nmt_cpu_set_isa(nmt_cpu_max_isa());
    nmt_pmat_free(&Wt);
    free(H), free(X), free(dR), free(W), free(dU0), free(dW0), free(dU), free(dW), free(dx), free(rU), free(rW), free(rx);
    free(db0), free(db), free(rb);
}

int main(void) {
    nmt_rng_seed(&rng, 23);
    fprintf(stderr, "  levels tried: scalar..%s (%s)\n", nmt_isa_name(nmt_cpu_max_isa()), nmt_cpu()->brand);
    const int shapes[][3] = {{1, 1, 1}, {1, 16, 0}, {3, 5, 7}, {6, 16, 33}, {7, 17, 64}, {12, 32, 100}, {13, 33, 5},
                             {25, 70, 129}, {16, 384, 300}, {128, 39, 250}, {40, 130, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) check_tn(shapes[s][0], shapes[s][1], shapes[s][2]);
    check_group(300, 16, 128, 384);   // the char-RNN's GRU
    check_group(250, 128, 64, 256);
    check_group(5, 7, 3, 12);
    return check_exit("test_gemm_tn");
}
