/* Matrix-product rates of nmt's GEMM backends on the shapes the chapter-16
 * model uses, and on one large square (part 1a of issue 3; run by `make bench`).
 *
 *   bench_gemm [--backends naive,cblas,dnnl,pmat,dnnl-bf16] [--threads 2,1] [--quick]
 *              [--tsv FILE] [--naive-max-gflop X] [--max-gflop X]
 *
 * For each backend that this build knows (nmt_gemm_set_backend_name() == 0;
 * the others are reported as skipped), each thread count (nmt_set_threads) and
 * "dnnl-bf16" (oneDNN's bf16 x bf16 -> f32 matmul, nmt_gemm_dnnl_bf16, where
 * oneDNN has one on this CPU; the operands are the same values rounded to bf16),
 * "pmat" (the pre-packed kernel of kernels/gemm_packed.h that the LSTM steps
 * use, with B packed once per shape, as the model packs its weights once per
 * optimizer step; products with a transposed A are not its kind),
 * each shape, it calls nmt_gemm() with the transposes, leading dimensions and
 * beta of the model's own call, and reports the best of several repetitions in
 * GFLOP/s (2*M*N*K flops per call). A repetition is a loop of calls lasting at
 * least a few milliseconds, so the timer's resolution does not matter; the same
 * operands are reused, as the model reuses its weights between optimizer steps.
 * The naive reference is slow: shapes above --naive-max-gflop are skipped for
 * it, and a single call slower than the time cap is reported as measured once.
 * --max-gflop skips the shapes above X GFLOP per call for every backend (the
 * test suite's quick runs, where sanitizers make the scalar paths slow).
 *
 * It also measures the CPU's arithmetic limit for each thread count: the FMA
 * peak, every thread running independent chains of the widest fused multiply-add
 * this build can issue (AVX-512 or AVX2 FMA) on registers only, no memory
 * traffic. No matrix product can beat it; the model's rate is compared with it.
 *
 * stdout: a Markdown table (GFLOP/s) and a line with the FMA peak. --tsv FILE:
 * one line per measurement,
 *   backend  threads  shape-id  M  N  K  transA  transB  gflops|-  status
 * where status is "ok" or "skipped: reason"; the FMA peak is the backend
 * "fma-peak", shape-id "peak", M N K transA transB 0. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bf16.h"
#include "kernels/gemm.h"
#include "kernels/gemm_packed.h"
#include "nmt.h"

typedef struct {
    const char *id, *what;
    int transA, transB, M, N, K;
    float beta;
} shape;

/* The model's products (src/layers/lstm.c, dense.c) at batch 32, E=128,
 * U=512 (4U=2048), V=1000, about 250 packed tokens per batch. */
static const shape shapes[] = {
    {"rec_fwd", "recurrent step h*U (forward)", 0, 0, 32, 2048, 512, 1.0f},
    {"rec_bwd", "recurrent step dz*U^T (backward)", 0, 1, 32, 512, 2048, 0.0f},
    {"in_proj", "input projection x*W, packed tokens", 0, 0, 250, 2048, 128, 0.0f},
    {"out_fwd", "output layer h*Wout, packed tokens", 0, 0, 250, 1000, 512, 1.0f},
    {"w_grad", "weight gradient dU += H^T*dz", 1, 0, 512, 2048, 250, 1.0f},
    {"square", "large square", 0, 0, 2048, 2048, 2048, 0.0f},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

#define MAXB 16
#define MAXT 8

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *alloc_fill(long n, unsigned *seed) {
    size_t bytes = ((size_t)n * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes);
    if (!p) {
        fprintf(stderr, "bench_gemm: out of memory (%zu bytes)\n", bytes);
        exit(70);
    }
    for (long i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = (float)((*seed >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
    }
    return p;
}

/* bf16 copies of A and B when the backend is dnnl-bf16 (NULL otherwise). */
static const uint16_t *A16, *B16;
/* B packed for the shape being measured when the backend is pmat (NULL otherwise). */
static const nmt_pmat *PM;

static void call(const shape *s, const float *A, const float *B, float *C) {
    int lda = s->transA ? s->M : s->K;   // A is (K x M) when transposed, else (M x K)
    int ldb = s->transB ? s->K : s->N;   // B is (N x K) when transposed, else (K x N)
    if (PM) nmt_gemm_pmat(s->M, A, lda, PM, C, s->N, s->beta != 0.0f);
    else if (A16) nmt_gemm_dnnl_bf16(s->transA, s->transB, s->M, s->N, s->K, 1.0f, A16, lda, B16, ldb, s->beta, C, s->N);
    else nmt_gemm(s->transA, s->transB, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, s->beta, C, s->N);
}

/* Seconds per call, best of `reps` repetitions; each repetition runs enough
 * calls to last rep_s. Stops early once cap_s has been spent. */
static double measure(const shape *s, const float *A, const float *B, float *C, int reps, double rep_s,
                      double cap_s, int *reps_done) {
    double t0 = now();
    call(s, A, B, C);   // warm-up: first-touch, library initialisation, primitive creation
    double first = now() - t0;
    *reps_done = 1;
    if (first >= cap_s) return first;   // too slow to repeat: one (warm-up) measurement
    t0 = now();
    call(s, A, B, C);
    double one = now() - t0;
    double best = one;
    long inner = one > 0 ? (long)ceil(rep_s / one) : 1000;
    if (inner < 1) inner = 1;
    double start = now();
    for (int r = 0; r < reps; r++) {
        double a = now();
        for (long i = 0; i < inner; i++) call(s, A, B, C);
        double t = (now() - a) / inner;
        if (t < best) best = t;
        *reps_done = r + 1;
        if (now() - start > cap_s) break;
    }
    return best;
}

/* The FMA peak: CHAINS independent accumulators per thread (more than the FMA
 * latency times the FMA units of any x86 core, so the units never wait), each
 * a = a*b + c with b just below 1, so the values stay near 1 (no overflow, no
 * subnormals). Distinct starting values keep the compiler from merging chains. */
#if defined(__AVX512F__)
#define PEAK_WIDTH "AVX-512"
#define PEAK_LANES 16
#define CHAINS 24
typedef __m512 vec;
#define VSET(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VSUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
#define PEAK_WIDTH "AVX2"
#define PEAK_LANES 8
#define CHAINS 12
typedef __m256 vec;
#define VSET(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
static float VSUM(__m256 v) {
    float f[8];
    _mm256_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#endif

/* GFLOP/s of `threads` threads, best of reps repetitions of iters iterations
 * each; NAN in a build without AVX2 or AVX-512 FMA. */
#ifdef PEAK_WIDTH
static volatile float peak_sink;

static double fma_peak(int threads, long iters, int reps) {
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
#pragma omp parallel num_threads(threads)
        {
            vec a[CHAINS];
            for (int j = 0; j < CHAINS; j++) a[j] = VSET(1.0f + 0.01f * j + 0.001f * omp_get_thread_num());
            const vec b = VSET(0.9999999f), c = VSET(1e-7f);
            for (long i = 0; i < iters; i++) {
#pragma GCC unroll 32
                for (int j = 0; j < CHAINS; j++) a[j] = VFMA(a[j], b, c);
            }
            float s = 0;
            for (int j = 0; j < CHAINS; j++) s += VSUM(a[j]);
            peak_sink = s;
        }
        double gf = 2.0 * PEAK_LANES * CHAINS * (double)iters * threads / (now() - t0) * 1e-9;
        if (gf > best) best = gf;
    }
    return best;
}
#else
#define PEAK_WIDTH "none"   // never printed: the peak is NAN
static double fma_peak(int threads, long iters, int reps) { return NAN; }
#endif

static int split_list(char *s, char **out, int max) {
    int n = 0;
    for (char *tok = strtok(s, ", "); tok && n < max; tok = strtok(NULL, ", ")) out[n++] = tok;
    return n;
}

static void usage(void) {
    fprintf(stderr, "usage: bench_gemm [--backends naive,cblas,dnnl,pmat,dnnl-bf16] [--threads 2,1] [--quick] [--tsv FILE] "
                    "[--naive-max-gflop X] [--max-gflop X]\n");
}

int main(int argc, char **argv) {
    char backends_arg[256] = "naive,cblas,dnnl,pmat,dnnl-bf16", threads_arg[64] = "2,1";
    const char *tsv_path = NULL;
    int quick = 0;
    double naive_max_gflop = 1.5, max_gflop = INFINITY;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick")) quick = 1;
        else if (i + 1 < argc && !strcmp(a, "--backends")) snprintf(backends_arg, sizeof backends_arg, "%s", argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--threads")) snprintf(threads_arg, sizeof threads_arg, "%s", argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--tsv")) tsv_path = argv[++i];
        else if (i + 1 < argc && !strcmp(a, "--naive-max-gflop")) naive_max_gflop = atof(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--max-gflop")) max_gflop = atof(argv[++i]);
        else {
            usage();
            return 2;
        }
    }
    char *bnames[MAXB], *tnames[MAXT];
    int nb = split_list(backends_arg, bnames, MAXB), nt = split_list(threads_arg, tnames, MAXT);
    int threads[MAXT];
    for (int i = 0; i < nt; i++) {
        threads[i] = atoi(tnames[i]);
        if (threads[i] < 1) {
            usage();
            return 2;
        }
    }
    FILE *tsv = NULL;
    if (tsv_path && !(tsv = fopen(tsv_path, "w"))) {
        perror(tsv_path);
        return 1;
    }
    const int reps = quick ? 3 : 7;
    const double rep_s = quick ? 0.005 : 0.03, cap_s = quick ? 0.3 : 2.0;

    // Operands big enough for every shape.
    long maxa = 0, maxb = 0, maxc = 0;
    for (int s = 0; s < NSHAPES; s++) {
        long a = (long)shapes[s].M * shapes[s].K, b = (long)shapes[s].K * shapes[s].N,
             c = (long)shapes[s].M * shapes[s].N;
        if (a > maxa) maxa = a;
        if (b > maxb) maxb = b;
        if (c > maxc) maxc = c;
    }
    unsigned seed = 12345;
    float *A = alloc_fill(maxa, &seed), *B = alloc_fill(maxb, &seed), *C = alloc_fill(maxc, &seed);
    uint16_t *a16 = malloc(2 * (size_t)maxa), *b16 = malloc(2 * (size_t)maxb);
    if (!a16 || !b16) {
        fprintf(stderr, "bench_gemm: out of memory\n");
        return 70;
    }
    for (long i = 0; i < maxa; i++) a16[i] = nmt_bf16_from_float(A[i]);
    for (long i = 0; i < maxb; i++) b16[i] = nmt_bf16_from_float(B[i]);

    // The arithmetic limit for each thread count, measured before any library
    // has started its threads (and again after the products, below). A repetition
    // lasts about 0.15 s (0.01 s quick) at 3 GHz.
    double peak[MAXT];
    const long peak_iters = quick ? 4000000 : 60000000;
    const int peak_reps = quick ? 2 : 5;
    for (int t = 0; t < nt; t++) peak[t] = fma_peak(threads[t], peak_iters, peak_reps);

    // Results: gf[backend][thread][shape]; NAN = not measured, with a reason.
    static double gf[MAXB][MAXT][16];
    static const char *why[MAXB][MAXT][16];
    int known[MAXB];
    const char *unknown_why[MAXB];
    for (int b = 0; b < nb; b++) {
        const int bf16 = !strcmp(bnames[b], "dnnl-bf16"), packed = !strcmp(bnames[b], "pmat");
        if (packed) {
            known[b] = 1;
            unknown_why[b] = "";
        } else if (bf16) {
            known[b] = nmt_gemm_dnnl_bf16_supported();
            unknown_why[b] = "oneDNN has no bf16 matmul on this CPU: it needs AVX-512, and AVX-512-BF16 or AMX for bf16 speed";
        } else {
            known[b] = nmt_gemm_set_backend_name(bnames[b]) == 0;
            unknown_why[b] = "not in this build";
        }
        A16 = bf16 ? a16 : NULL, B16 = bf16 ? b16 : NULL;
        for (int t = 0; t < nt; t++) {
            if (known[b]) nmt_set_threads(threads[t]);
            for (int s = 0; s < NSHAPES; s++) {
                const shape *sh = &shapes[s];
                double gflop = 2.0 * sh->M * sh->N * sh->K * 1e-9;
                gf[b][t][s] = NAN;
                why[b][t][s] = NULL;
                if (!known[b]) {
                    why[b][t][s] = bf16 ? "skipped: no bf16 matmul in oneDNN on this CPU" : "skipped: backend not in this build";
                } else if (gflop > max_gflop) {
                    why[b][t][s] = "skipped: above --max-gflop";
                } else if (!strcmp(bnames[b], "naive") && gflop > naive_max_gflop) {
                    why[b][t][s] = "skipped: naive reference too slow for this size";
                } else if (packed && sh->transA) {
                    why[b][t][s] = "skipped: the pre-packed kernel takes A untransposed";
                } else {
                    int done = 0;
                    nmt_pmat pm = {0};
                    if (packed) {
                        nmt_pmat_pack(&pm, sh->transB, sh->K, sh->N, B, sh->transB ? sh->K : sh->N);
                        PM = &pm;
                    }
                    double sec = measure(sh, A, B, C, reps, rep_s, cap_s, &done);
                    PM = NULL;
                    nmt_pmat_free(&pm);
                    gf[b][t][s] = gflop / sec;
                    fprintf(stderr, "bench_gemm: %-6s %d thr %-8s %5dx%5dx%5d %8.1f GFLOP/s (best of %d)\n",
                            bnames[b], threads[t], sh->id, sh->M, sh->N, sh->K, gf[b][t][s], done);
                }
                if (tsv) {
                    fprintf(tsv, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t", bnames[b], threads[t], sh->id, sh->M, sh->N,
                            sh->K, sh->transA, sh->transB);
                    if (isnan(gf[b][t][s])) fprintf(tsv, "-\t%s\n", why[b][t][s]);
                    else fprintf(tsv, "%.6g\tok\n", gf[b][t][s]);
                }
            }
        }
    }
    // The peak after the products too: the best of both, as a busy neighbour on a
    // shared host can only make a measurement slower.
    for (int t = 0; t < nt; t++) {
        double p = fma_peak(threads[t], peak_iters, peak_reps);
        if (p > peak[t]) peak[t] = p;
        if (!isnan(peak[t]))
            fprintf(stderr, "bench_gemm: FMA peak (%s) %d thr %8.1f GFLOP/s (best before and after the products)\n",
                    PEAK_WIDTH, threads[t], peak[t]);
        if (!tsv) continue;
        fprintf(tsv, "fma-peak\t%d\tpeak\t0\t0\t0\t0\t0\t", threads[t]);
        if (isnan(peak[t])) fprintf(tsv, "-\tskipped: no AVX2/AVX-512 FMA in this build\n");
        else fprintf(tsv, "%.6g\tok\n", peak[t]);
    }
    if (tsv) fclose(tsv);

    // The Markdown table: one row per shape, one column per backend and thread count.
    printf("| M×N×K | op | what |");
    for (int b = 0; b < nb; b++)
        if (known[b])
            for (int t = 0; t < nt; t++) printf(" %s %dT |", bnames[b], threads[t]);
    printf("\n|---|---|---|");
    for (int b = 0; b < nb; b++)
        if (known[b])
            for (int t = 0; t < nt; t++) printf("---:|");
    printf("\n");
    for (int s = 0; s < NSHAPES; s++) {
        const shape *sh = &shapes[s];
        printf("| %d×%d×%d | %s%s | %s |", sh->M, sh->N, sh->K, sh->transA ? "T" : "N", sh->transB ? "T" : "N",
               sh->what);
        for (int b = 0; b < nb; b++)
            if (known[b])
                for (int t = 0; t < nt; t++) {
                    if (isnan(gf[b][t][s])) printf(" — |");
                    else printf(" %.1f |", gf[b][t][s]);
                }
        printf("\n");
    }
    if (isnan(peak[0])) {
        printf("\nFMA peak: not measured (this build has no AVX2 or AVX-512 FMA)\n");
    } else {
        printf("\nFMA peak (the arithmetic limit: independent %s fused multiply-adds on registers, no memory traffic):",
               PEAK_WIDTH);
        for (int t = 0; t < nt; t++)
            printf("%s %.1f GFLOP/s at %d thread%s", t ? ";" : "", peak[t], threads[t], threads[t] > 1 ? "s" : "");
        printf("\n");
    }
    int any_unknown = 0;
    for (int b = 0; b < nb; b++)
        if (!known[b]) {
            printf("%sbackend `%s`: skipped (%s)", any_unknown ? "; " : "\n", bnames[b], unknown_why[b]);
            any_unknown = 1;
        }
    if (any_unknown) printf("\n");
    for (int b = 0; b < nb; b++)
        if (known[b] && !strcmp(bnames[b], "naive")) {
            printf("\n— : the naive reference is not run above %.1f GFLOP per call (too slow).\n", naive_max_gflop);
            break;
        }
    free(A);
    free(B);
    free(C);
    free(a16);
    free(b16);
    return 0;
}
