/* GEMM backends (cblas, dnnl) against the naive reference, in both precisions,
 * for every transpose combination, the shapes the model uses and a grid of
 * sizes around them, with alpha/beta variants (beta = 0 over NaN, beta = 1, a
 * general alpha and beta); the promise that the thread count never changes a
 * single bit of the result; and dnnl products made concurrently from inside
 * an OpenMP parallel region. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/bf16.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "nmt.h"

static nmt_rng rng;

static void fill(float *a, long n) {
    for (long i = 0; i < n; i++) a[i] = (float)(2 * nmt_rng_double(&rng) - 1);
}

/* The reference op(A)*op(B) (alpha 1, beta 0), in naive's order: each output
 * element is one float sum, started at 0, of the products in k order, so it
 * equals nmt_gemm_naive bit for bit (check_reference). It runs many times
 * faster: the operands are copied in order first, and a row's sums advance
 * together (independent chains, each in k order). */
static void reference(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                      float *P) {
    float *b = malloc(sizeof(float) * K * N);   // op(B), row-major (K x N)
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) b[(long)k * N + j] = tb ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
#pragma omp parallel for schedule(dynamic, 4)
    for (int i = 0; i < M; i++) {
        float *p = P + (long)i * N;
        for (int j = 0; j < N; j++) p[j] = 0;
        for (int k = 0; k < K; k++) {
            const float a = ta ? A[(long)k * lda + i] : A[(long)i * lda + k], *bk = b + (long)k * N;
#pragma omp simd
            for (int j = 0; j < N; j++) p[j] += a * bk[j];
        }
    }
    free(b);
}

/* Worst relative error of C against alpha*P + beta*C0 (C0 unused when beta == 0). */
static double worst_error(const float *C, const float *P, const float *C0, long n, float alpha, float beta) {
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double r = (double)alpha * P[i] + (beta == 0 ? 0 : (double)beta * C0[i]);
        double d = fabs((double)C[i] - r) / (1 + fabs(r));
        if (!(d <= worst)) worst = d;   // NaN wins
    }
    return worst;
}

static const char *bname(nmt_gemm_backend b) { return nmt_gemm_backend_name(b); }

/* One product for one backend: beta = 0 over NaN, beta = 1, and a general
 * alpha/beta; each at 1 and 2 threads, which must agree bit for bit. `order`
 * says which thread count runs first (and so makes the dnnl primitives). */
static void check_backend(nmt_gemm_backend be, int ta, int tb, int M, int N, int K, const float *A, int lda,
                          const float *B, int ldb, const float *C0, const float *P, int order) {
    const long nc = (long)M * N;
    float *C1 = malloc(nc * 4), *C2 = malloc(nc * 4);
    const float alphas[3] = {1.0f, 1.0f, 0.5f}, betas[3] = {0.0f, 1.0f, -0.25f};
    const double tol = 1e-5 * sqrt(K);
    nmt_gemm_set_backend(be);
    for (int v = 0; v < 3; v++) {
        float *first = order ? C2 : C1, *second = order ? C1 : C2;
        for (long i = 0; i < nc; i++) C1[i] = C2[i] = betas[v] == 0 ? NAN : C0[i];
        nmt_set_threads(order ? 2 : 1);
        nmt_gemm(ta, tb, M, N, K, alphas[v], A, lda, B, ldb, betas[v], first, N);
        nmt_set_threads(order ? 1 : 2);
        nmt_gemm(ta, tb, M, N, K, alphas[v], A, lda, B, ldb, betas[v], second, N);
        double worst = worst_error(C1, P, C0, nc, alphas[v], betas[v]);
        CHECK(worst < tol, "%s vs naive %dx%dx%d t%d%d alpha %g beta %g: worst %g", bname(be), M, N, K, ta, tb,
              alphas[v], betas[v], worst);
        CHECK(memcmp(C1, C2, nc * 4) == 0, "%s: threads 1 vs 2 differ for %dx%dx%d t%d%d alpha %g beta %g",
              bname(be), M, N, K, ta, tb, alphas[v], betas[v]);
    }
    free(C1), free(C2);
}

static int product_count;

static void check_shape(int ta, int tb, int M, int N, int K) {
    long na = (long)M * K, nb = (long)K * N, nc = (long)M * N;
    float *A = malloc(na * 4), *B = malloc(nb * 4), *C0 = malloc(nc * 4), *P = malloc(nc * 4);
    fill(A, na), fill(B, nb), fill(C0, nc);
    int lda = ta ? M : K, ldb = tb ? K : N;
    reference(ta, tb, M, N, K, A, lda, B, ldb, P);
    check_backend(NMT_GEMM_CBLAS, ta, tb, M, N, K, A, lda, B, ldb, C0, P, 0);
    check_backend(NMT_GEMM_DNNL, ta, tb, M, N, K, A, lda, B, ldb, C0, P, product_count++ & 1);
    free(A), free(B), free(C0), free(P);
}

/* The reference really is naive: reference() and nmt_gemm_naive agree bit
 * for bit (so the tests below compare against naive). */
static void check_reference(void) {
    const int sizes[][3] = {{13, 21, 37}, {32, 300, 1000}, {1, 130, 512}};
    for (int s = 0; s < 3; s++) {
        const int M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
        float *R0 = malloc(sizeof(float) * M * N), *R1 = malloc(sizeof(float) * M * N);
        fill(A, (long)M * K), fill(B, (long)K * N);
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                reference(ta, tb, M, N, K, A, ta ? M : K, B, tb ? K : N, R0);
                nmt_gemm_naive(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, R1, N);
                CHECK(memcmp(R0, R1, sizeof(float) * M * N) == 0, "reference() differs from naive for %dx%dx%d t%d%d",
                      M, N, K, ta, tb);
            }
        free(A), free(B), free(R0), free(R1);
    }
}

/* Leading dimensions larger than the matrices (sub-matrices of bigger
 * arrays), with C's padding left untouched. */
static void check_strides(void) {
    enum { M = 37, N = 300, K = 70, PAD = 9 };
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int lda = (ta ? M : K) + PAD, ldb = (tb ? K : N) + PAD, ldc = N + PAD;
            long na = (long)(ta ? K : M) * lda, nb = (long)(tb ? N : K) * ldb, nc = (long)M * ldc;
            float *A = malloc(na * 4), *B = malloc(nb * 4), *C = malloc(nc * 4), *R = malloc(nc * 4);
            fill(A, na), fill(B, nb), fill(C, nc);
            memcpy(R, C, nc * 4);
            nmt_gemm_naive(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, R, ldc);
            nmt_gemm_set_backend(NMT_GEMM_DNNL);
            nmt_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, C, ldc);
            double worst = 0;
            int pad_ok = 1;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < ldc; j++) {
                    long x = (long)i * ldc + j;
                    if (j >= N) pad_ok &= C[x] == R[x];
                    else if (fabs(C[x] - R[x]) / (1 + fabs(R[x])) > worst) worst = fabs(C[x] - R[x]) / (1 + fabs(R[x]));
                }
            CHECK(worst < 1e-5 * sqrt(K), "dnnl with leading dimensions t%d%d: worst %g", ta, tb, worst);
            CHECK(pad_ok, "dnnl wrote outside the %dx%d block of C (ldc %d)", M, N, ldc);
            free(A), free(B), free(C), free(R);
        }
}

/* Several threads calling nmt_gemm at once, from inside a parallel region,
 * on shape classes not made yet (so primitives are made concurrently):
 * every result equals the one computed alone, bit for bit. */
static void check_concurrent(void) {
    enum { NPROD = 8, M = 24, K = 96 };
    const int widths[NPROD] = {40, 56, 72, 88, 104, 120, 136, 152};   // all new to the cache
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * 152);
    float *Cpar[NPROD], *Cseq[NPROD];
    fill(A, (long)M * K), fill(B, (long)K * 152);
    nmt_gemm_set_backend(NMT_GEMM_DNNL);
    nmt_set_threads(2);
#pragma omp parallel for schedule(dynamic, 1) num_threads(4)
    for (int p = 0; p < NPROD; p++) {
        Cpar[p] = malloc(sizeof(float) * M * widths[p]);
        for (int rep = 0; rep < 20; rep++)
            nmt_gemm(p & 1, 0, M, widths[p], K, 1.0f, A, (p & 1) ? M : K, B, 152, 0.0f, Cpar[p], widths[p]);
    }
    nmt_set_threads(1);
    for (int p = 0; p < NPROD; p++) {
        Cseq[p] = malloc(sizeof(float) * M * widths[p]);
        nmt_gemm(p & 1, 0, M, widths[p], K, 1.0f, A, (p & 1) ? M : K, B, 152, 0.0f, Cseq[p], widths[p]);
        CHECK(memcmp(Cpar[p], Cseq[p], sizeof(float) * M * widths[p]) == 0,
              "dnnl product %d made inside a parallel region differs", p);
        free(Cpar[p]), free(Cseq[p]);
    }
    free(A), free(B);
}

/* Backend names, the build description, and the dnnl cache surviving a cleanup. */
static void check_dispatch(void) {
    CHECK(nmt_gemm_set_backend_name("dnnl") == 0 && nmt_gemm_get_backend() == NMT_GEMM_DNNL, "dnnl by name");
    CHECK(nmt_gemm_set_backend_name("cblas") == 0 && nmt_gemm_get_backend() == NMT_GEMM_CBLAS, "cblas by name");
    CHECK(nmt_gemm_set_backend_name("naive") == 0 && nmt_gemm_get_backend() == NMT_GEMM_NAIVE, "naive by name");
    CHECK(nmt_gemm_set_backend_name("mkl") == -1, "unknown backend accepted");
    CHECK_STR(nmt_gemm_backend_name(NMT_GEMM_DNNL), "dnnl");
    CHECK(!strncmp(nmt_gemm_dnnl_version(), "oneDNN 2.", 9), "dnnl version: %s", nmt_gemm_dnnl_version());
    nmt_gemm_set_backend(NMT_GEMM_CBLAS);

    // after a cleanup the backend starts afresh, with the same results
    enum { M = 9, N = 200, K = 31 };
    float A[M * K], B[K * N], C1[M * N], C2[M * N];
    fill(A, M * K), fill(B, K * N);
    nmt_gemm_set_backend(NMT_GEMM_DNNL);
    nmt_gemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C1, N);
    nmt_gemm_dnnl_cleanup();
    nmt_gemm_dnnl_cleanup();   // twice is harmless
    nmt_gemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C2, N);
    CHECK(memcmp(C1, C2, sizeof C1) == 0, "dnnl differs after nmt_gemm_dnnl_cleanup");
    // K == 0: C = beta*C, NaN overwritten when beta == 0
    for (int i = 0; i < M * N; i++) C1[i] = NAN, C2[i] = 2;
    nmt_gemm(0, 0, M, N, 0, 1.0f, A, 1, B, N, 0.0f, C1, N);
    nmt_gemm(0, 0, M, N, 0, 1.0f, A, 1, B, N, 0.5f, C2, N);
    int ok = 1;
    for (int i = 0; i < M * N; i++) ok &= C1[i] == 0 && C2[i] == 1;
    CHECK(ok, "dnnl with K = 0");
}

static void check_f64(void) {
    enum { M = 7, N = 5, K = 9 };
    double A[M * K], B[K * N], C[M * N], Rf[M * N];
    for (int i = 0; i < M * K; i++) A[i] = nmt_rng_double(&rng) - 0.5;
    for (int i = 0; i < K * N; i++) B[i] = nmt_rng_double(&rng) - 0.5;
    nmt_gemm_naive_f64(0, 0, M, N, K, 1, A, K, B, N, 0, Rf, N);
    nmt_gemm_backend bes[2] = {NMT_GEMM_CBLAS, NMT_GEMM_DNNL};   // dnnl: the CBLAS double path
    for (int b = 0; b < 2; b++) {
        nmt_gemm_set_backend(bes[b]);
        nmt_gemm_f64(0, 0, M, N, K, 1, A, K, B, N, 0, C, N);
        for (int i = 0; i < M * N; i++) CHECK_CLOSE(C[i], Rf[i], 1e-14, 1e-13, bname(bes[b]));
    }
}

/* nmt_gemm_group: the products of a backward pass (dU, dW, dx of an LSTM: one
 * of them a single block) together give the same bits as one at a time, with
 * 1 and 2 threads, for every backend. */
static void check_group(void) {
    enum { n = 230, in = 128, u = 256, G = 4 * u };
    float *hp = malloc(sizeof(float) * n * u), *x = malloc(sizeof(float) * n * in);
    float *dz = malloc(sizeof(float) * n * G), *W = malloc(sizeof(float) * in * G);
    float *out[2][3];
    const long sizes[3] = {(long)u * G, (long)in * G, (long)n * in};
    fill(hp, (long)n * u), fill(x, (long)n * in), fill(dz, (long)n * G), fill(W, (long)in * G);
    nmt_gemm_backend bes[3] = {NMT_GEMM_NAIVE, NMT_GEMM_CBLAS, NMT_GEMM_DNNL};
    for (int b = 0; b < 3; b++) {
        nmt_gemm_set_backend(bes[b]);
        for (int t = 1; t <= 2; t++) {
            nmt_set_threads(t);
            for (int way = 0; way < 2; way++) {
                for (int i = 0; i < 3; i++) {
                    out[way][i] = malloc(sizeof(float) * sizes[i]);
                    for (long k = 0; k < sizes[i]; k++) out[way][i][k] = 0.25f;   // += targets start equal
                }
                nmt_gemm_op ops[3] = {
                    {1, 0, u, G, n, 1, hp, u, dz, G, 1, out[way][0], G},
                    {1, 0, in, G, n, 1, x, in, dz, G, 1, out[way][1], G},
                    {0, 1, n, in, G, 1, dz, G, W, G, 0, out[way][2], in},
                };
                if (way == 0)
                    for (int i = 0; i < 3; i++)
                        nmt_gemm(ops[i].transA, ops[i].transB, ops[i].M, ops[i].N, ops[i].K, ops[i].alpha, ops[i].A,
                                 ops[i].lda, ops[i].B, ops[i].ldb, ops[i].beta, ops[i].C, ops[i].ldc);
                else
                    nmt_gemm_group(ops, 3);
            }
            for (int i = 0; i < 3; i++) {
                CHECK(memcmp(out[0][i], out[1][i], sizeof(float) * sizes[i]) == 0,
                      "%s, %d threads: product %d of the group differs from calling it alone", bname(bes[b]), t, i);
                free(out[0][i]), free(out[1][i]);
            }
        }
    }
    nmt_set_threads(1);
    free(hp), free(x), free(dz), free(W);
}

/* oneDNN's bf16 matmul: where oneDNN has one, against the reference on the
 * same bf16 values held in floats (a product of two bf16 values is exact in
 * float, so only the order of the sums differs), and 1 vs 2 threads bit for
 * bit. oneDNN 2.x has none without AVX-512: there it must say so, and the
 * product must refuse (-1) without touching C. */
static void check_dnnl_bf16(void) {
    const int sup = nmt_gemm_dnnl_bf16_supported();
    CHECK(sup == 0 || sup == 1, "nmt_gemm_dnnl_bf16_supported() = %d", sup);
    CHECK(nmt_gemm_dnnl_bf16_supported() == sup, "the answer changed between two calls");
#if defined(__x86_64__) || defined(__i386__)
    if (!__builtin_cpu_supports("avx512f"))
        CHECK(sup == 0, "oneDNN claims a bf16 matmul on a CPU without AVX-512");
#endif
    const int shapes[][5] = {{32, 2048, 512, 0, 0}, {32, 512, 2048, 0, 1}, {512, 2048, 250, 1, 0}, {17, 33, 5, 1, 1}};
    for (int s = 0; s < 4; s++) {
        const int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
        const int lda = ta ? M : K, ldb = tb ? K : N;
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
        float *P = malloc(sizeof(float) * M * N), *C1 = malloc(sizeof(float) * M * N), *C2 = malloc(sizeof(float) * M * N);
        uint16_t *A16 = malloc(2 * (size_t)M * K), *B16 = malloc(2 * (size_t)K * N);
        fill(A, (long)M * K), fill(B, (long)K * N);
        for (long i = 0; i < (long)M * K; i++) A16[i] = nmt_bf16_from_float(A[i]), A[i] = nmt_bf16_to_float(A16[i]);
        for (long i = 0; i < (long)K * N; i++) B16[i] = nmt_bf16_from_float(B[i]), B[i] = nmt_bf16_to_float(B16[i]);
        for (long i = 0; i < (long)M * N; i++) C1[i] = C2[i] = 7.0f;
        nmt_set_threads(1);
        int rc1 = nmt_gemm_dnnl_bf16(ta, tb, M, N, K, 1.0f, A16, lda, B16, ldb, 0.0f, C1, N);
        nmt_set_threads(2);
        int rc2 = nmt_gemm_dnnl_bf16(ta, tb, M, N, K, 1.0f, A16, lda, B16, ldb, 0.0f, C2, N);
        if (!sup) {
            CHECK(rc1 == -1 && rc2 == -1, "unsupported bf16 product returned %d, %d", rc1, rc2);
            long touched = 0;
            for (long i = 0; i < (long)M * N; i++) touched += C1[i] != 7.0f || C2[i] != 7.0f;
            CHECK(touched == 0, "an unsupported bf16 product wrote C");
        } else {
            CHECK(rc1 == 0 && rc2 == 0, "bf16 product failed: %d, %d", rc1, rc2);
            reference(ta, tb, M, N, K, A, lda, B, ldb, P);
            double w = worst_error(C1, P, NULL, (long)M * N, 1.0f, 0.0f);
            CHECK(w < 1e-5 * sqrt(K), "dnnl bf16 %dx%dx%d vs reference: %g", M, N, K, w);
            CHECK(memcmp(C1, C2, sizeof(float) * M * N) == 0, "dnnl bf16 %dx%dx%d: 1 and 2 threads differ", M, N, K);
        }
        free(A), free(B), free(P), free(C1), free(C2), free(A16), free(B16);
    }
    // bf16 storage round trip: to_float(from_float(x)) is x rounded
    for (int i = 0; i < 1000; i++) {
        float x = (float)(2 * nmt_rng_double(&rng) - 1) * 1e3f;
        CHECK(nmt_bf16_to_float(nmt_bf16_from_float(x)) == nmt_bf16_roundf(x), "bf16 round trip of %g", x);
    }
    fprintf(stderr, "oneDNN bf16 matmul on this CPU: %s\n",
            sup ? "supported, checked against the reference"
                : "not supported (checked that it says so and refuses); the comparison runs where it is");
}

int main(void) {
    nmt_rng_seed(&rng, 7);
    check_dnnl_bf16();
    check_group();
    check_reference();
    check_dispatch();
    // the model's shapes (units 512, embed 128, vocab 1000, batch 32, ~250 packed tokens) and odd sizes
    int shapes[][3] = {{32, 2048, 512}, {250, 2048, 128}, {32, 512, 2048}, {512, 2048, 250},
                       {250, 1000, 512}, {512, 1000, 250}, {250, 512, 1000}, {1, 2048, 512},
                       {17, 33, 5},      {3, 1, 4},        {5, 130, 300},   {480, 1000, 512}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) check_shape(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2]);
    // a grid around them: all four transpose combinations up to 2^24 multiply-adds,
    // one (in turn) up to 2^27; the larger ones are in the list above
    const int Ms[] = {1, 5, 32, 200, 480}, NKs[] = {128, 512, 1000, 2048};
    int turn = 0;
    for (int m = 0; m < 5; m++)
        for (int n = 0; n < 4; n++)
            for (int k = 0; k < 4; k++) {
                double mnk = (double)Ms[m] * NKs[n] * NKs[k];
                if (mnk > (1 << 27)) continue;
                for (int t = 0; t < 4; t++)
                    if (mnk <= (1 << 24) || t == turn % 4) check_shape(t >> 1, t & 1, Ms[m], NKs[n], NKs[k]);
                turn++;
            }
    check_strides();
    check_concurrent();
    check_f64();
    return check_exit("test_gemm");
}
