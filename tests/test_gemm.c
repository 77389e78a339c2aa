/* GEMM backends against the naive reference, in both precisions, for every
 * transpose combination and the shapes the model uses; and the promise that the
 * thread count never changes a single bit of the result. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "nmt.h"

static nmt_rng rng;

static void fill(float *a, long n) {
    for (long i = 0; i < n; i++) a[i] = (float)(2 * nmt_rng_double(&rng) - 1);
}

static void check_shape(int ta, int tb, int M, int N, int K) {
    long na = (long)M * K, nb = (long)K * N, nc = (long)M * N;
    float *A = malloc(na * 4), *B = malloc(nb * 4), *C0 = malloc(nc * 4), *C1 = malloc(nc * 4),
          *C2 = malloc(nc * 4), *R = malloc(nc * 4);
    fill(A, na), fill(B, nb), fill(C0, nc);
    memcpy(C1, C0, nc * 4), memcpy(C2, C0, nc * 4), memcpy(R, C0, nc * 4);
    int lda = ta ? M : K, ldb = tb ? K : N;
    nmt_gemm_naive(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 1.0f, R, N);
    nmt_gemm_set_backend(NMT_GEMM_CBLAS);
    nmt_set_threads(1);
    nmt_gemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 1.0f, C1, N);
    nmt_set_threads(2);
    nmt_gemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 1.0f, C2, N);
    double worst = 0;
    for (long i = 0; i < nc; i++) {
        double d = fabs((double)C1[i] - R[i]) / (1 + fabs(R[i]));
        if (d > worst) worst = d;
    }
    CHECK(worst < 1e-5 * sqrt(K), "cblas vs naive %dx%dx%d t%d%d: worst %g", M, N, K, ta, tb, worst);
    CHECK(memcmp(C1, C2, nc * 4) == 0, "threads 1 vs 2 differ for %dx%dx%d t%d%d", M, N, K, ta, tb);
    // beta = 0 must overwrite whatever C held, NaN included
    for (long i = 0; i < nc; i++) C1[i] = NAN;
    nmt_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C1, N);
    int nan = 0;
    for (long i = 0; i < nc; i++) nan |= isnan(C1[i]);
    CHECK(!nan, "beta=0 kept a NaN for %dx%dx%d", M, N, K);
    free(A), free(B), free(C0), free(C1), free(C2), free(R);
}

static void check_f64(void) {
    enum { M = 7, N = 5, K = 9 };
    double A[M * K], B[K * N], C[M * N], Rf[M * N];
    for (int i = 0; i < M * K; i++) A[i] = nmt_rng_double(&rng) - 0.5;
    for (int i = 0; i < K * N; i++) B[i] = nmt_rng_double(&rng) - 0.5;
    nmt_gemm_naive_f64(0, 0, M, N, K, 1, A, K, B, N, 0, Rf, N);
    nmt_gemm_set_backend(NMT_GEMM_CBLAS);
    nmt_gemm_f64(0, 0, M, N, K, 1, A, K, B, N, 0, C, N);
    for (int i = 0; i < M * N; i++) CHECK_CLOSE(C[i], Rf[i], 1e-14, 1e-13, "f64 cblas vs naive");
}

int main(void) {
    nmt_rng_seed(&rng, 7);
    // model shapes (units 512, embed 128, vocab 1000, batch 32, ~250 packed tokens) and odd sizes
    int shapes[][3] = {{32, 2048, 512}, {250, 2048, 128}, {32, 512, 2048}, {512, 2048, 250},
                       {250, 1000, 512}, {512, 1000, 250}, {250, 512, 1000}, {1, 2048, 512},
                       {17, 33, 5}, {3, 1, 4}, {5, 130, 300}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) check_shape(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2]);
    check_f64();
    return check_exit("test_gemm");
}
