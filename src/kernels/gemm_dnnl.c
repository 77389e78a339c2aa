/* The oneDNN backend ("dnnl"). All oneDNN calls of nmt live in this file.
 *
 * oneDNN's C API changed between major versions (3.0 replaced the operation
 * descriptors, the output scales and the struct memory descriptors); this file
 * is written for oneDNN 2.x, which Debian 12 ships (libdnnl-dev 2.6), and
 * refuses to compile against another major version. The version-specific
 * calls are in make_primitive() and run_block().
 *
 * Primitives: a matmul primitive is made once per shape class
 *     (transA, transB, block width N, beta, whether alpha != 1)
 * and kept in a small cache for the life of the process. M, K and the three
 * leading dimensions are oneDNN runtime values (DNNL_RUNTIME_DIM_VAL), given
 * at each call: M is a batch or packed-token count, and K is the packed-token
 * count in the weight-gradient products (lstm.c, dense.c), so both change from
 * batch to batch. alpha, when not 1, is a runtime output scale. beta is a sum
 * post-op, fixed when the primitive is made (hence in the key); beta == 0 has
 * no post-op, so C is written without being read (NaN in C is overwritten).
 * The cache is guarded by a mutex, so products may be called from several
 * threads at once (inside an OpenMP parallel region included). Each execution
 * has its own stream, memory objects and scratchpad (user-managed), so one
 * primitive runs concurrently on several threads without sharing state.
 * nmt_gemm_dnnl_cleanup() (registered with atexit) frees everything.
 *
 * Threads: as in gemm_cblas.c, the output columns are cut into blocks that
 * depend on N only (nmt_gemm_block_width, gemm.h), each block is one
 * single-threaded oneDNN execution, and nmt's OpenMP threads share the blocks.
 * oneDNN (OpenMP runtime) sizes its work by omp_get_max_threads(), so this file
 * sets the calling thread's OpenMP thread count to 1 while it makes or runs a
 * primitive (restored on return); the threads of nmt's own parallel region
 * inherit that 1. oneDNN thus never starts threads of its own and never
 * splits a product by thread count: a block's result is a function of its
 * shape only, and the whole product is bit-identical for any thread count
 * (tests/test_gemm.c checks it).
 *
 * bf16 (nmt_gemm_dnnl_bf16): the same blocks and cache with bf16 A and B and
 * an f32 C, for CPUs where oneDNN has a bf16 matmul (AVX-512 and up; with
 * AVX-512-BF16 or AMX it runs at bf16 speed). Elsewhere oneDNN answers
 * "unimplemented": nmt_gemm_dnnl_bf16_supported() says so, without aborting.
 *
 * Double: oneDNN 2.x has no f64 matmul on the CPU. The double build of this
 * file (core/real.h; used only by the finite-difference gradient checks)
 * forwards to the CBLAS double path, nmt_gemm_cblas_f64. */
#include "core/real.h"
#include "kernels/gemm.h"

#ifdef NMT_F64

void nmt_gemm_dnnl_block_f64(int transA, int transB, int M, int N, int K, double alpha, const double *A,
                             int lda, const double *B, int ldb, double beta, double *C, int ldc, int j0, int w) {
    nmt_gemm_cblas_block_f64(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, j0, w);
}

void nmt_gemm_dnnl_f64(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
                       const double *B, int ldb, double beta, double *C, int ldc) {
    nmt_gemm_cblas_f64(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#else

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if DNNL_VERSION_MAJOR != 2
#error "src/kernels/gemm_dnnl.c is written for oneDNN 2.x (Debian 12's libdnnl-dev); build with GEMM=cblas or port make_primitive() and run_block()"
#endif

/* A oneDNN failure is an environment or programming error, not a user's:
 * report it and stop (a product has no way to return an error). */
static void dnnl_check(dnnl_status_t st, const char *what) {
    if (st == dnnl_success) return;
    fprintf(stderr, "nmt: oneDNN: %s failed (status %d)\n", what, (int)st);
    abort();
}
#define DNNL_CHECK(call) dnnl_check((call), #call)

typedef struct {
    int transA, transB, N, scaled;   // scaled: alpha != 1 (a runtime output scale)
    int bf16;                        // A and B are bf16 (C is f32 either way)
    uint32_t beta_bits;              // beta, with -0 read as 0
    dnnl_primitive_t prim;
    size_t scratch_bytes;            // user-managed scratchpad per execution (usually 0)
} dnnl_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t engine;
static dnnl_entry *cache;
static int ncache, capcache;

/* The calling thread's OpenMP thread count, set to 1 for oneDNN; returns the old one. */
static int single_thread_enter(void) {
#ifdef _OPENMP
    int n = omp_get_max_threads();
    omp_set_num_threads(1);
    return n;
#else
    return 1;
#endif
}

static void single_thread_leave(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

void nmt_gemm_dnnl_cleanup(void) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ncache; i++) dnnl_primitive_destroy(cache[i].prim);
    free(cache);
    cache = NULL;
    ncache = capcache = 0;
    if (engine) dnnl_engine_destroy(engine);
    engine = NULL;
    pthread_mutex_unlock(&lock);
}

const char *nmt_gemm_dnnl_version(void) {
    static char buf[48];
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, sizeof buf, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
    return buf;
}

/* oneDNN 2.x: a (rows x cols) matrix of type dt with the given strides; any
 * of them may be DNNL_RUNTIME_DIM_VAL. */
static void matrix_md(dnnl_memory_desc_t *md, dnnl_dim_t rows, dnnl_dim_t cols, dnnl_dim_t srow, dnnl_dim_t scol,
                      dnnl_data_type_t dt) {
    dnnl_dims_t dims = {rows, cols}, strides = {srow, scol};
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(md, 2, dims, dt, strides));
}

/* The operands' type of an entry. */
static dnnl_data_type_t in_type(const dnnl_entry *e) { return e->bf16 ? dnnl_bf16 : dnnl_f32; }

/* Makes the primitive of a shape class (oneDNN 2.x). Called with the lock held. */
static void make_primitive(dnnl_entry *e, float beta) {
    const dnnl_dim_t RT = DNNL_RUNTIME_DIM_VAL;
    dnnl_memory_desc_t a, b, c;
    // op(A) is (M x K): A row-major (M x K), or (K x M) when transposed
    matrix_md(&a, RT, RT, e->transA ? 1 : RT, e->transA ? RT : 1, in_type(e));
    // op(B) is (K x N): B row-major (K x N), or (N x K) when transposed
    matrix_md(&b, RT, e->N, e->transB ? 1 : RT, e->transB ? RT : 1, in_type(e));
    matrix_md(&c, RT, e->N, RT, 1, dnnl_f32);
    dnnl_matmul_desc_t desc;
    DNNL_CHECK(dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c));
    dnnl_primitive_attr_t attr;
    DNNL_CHECK(dnnl_primitive_attr_create(&attr));
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    if (e->scaled) {
        const float runtime = DNNL_RUNTIME_F32_VAL;
        DNNL_CHECK(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &runtime));
    }
    if (beta != 0) {   // C = beta*C + alpha*op(A)op(B)
        dnnl_post_ops_t po;
        DNNL_CHECK(dnnl_post_ops_create(&po));
        DNNL_CHECK(dnnl_post_ops_append_sum(po, beta));
        DNNL_CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
        DNNL_CHECK(dnnl_post_ops_destroy(po));
    }
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL));
    DNNL_CHECK(dnnl_primitive_attr_destroy(attr));
    e->scratch_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    DNNL_CHECK(dnnl_primitive_create(&e->prim, pd));
    DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
}

/* The cached primitive of a shape class, made on first use. The returned
 * entry is a copy: the cache may move when it grows. */
/* The engine, made on first use. Called with the lock held. */
static void need_engine(void) {
    if (engine) return;
    DNNL_CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    static int registered;
    if (!registered) atexit(nmt_gemm_dnnl_cleanup), registered = 1;
}

static dnnl_entry lookup(int transA, int transB, int N, float alpha, float beta, int bf16) {
    if (beta == 0) beta = 0;   // -0 -> +0
    uint32_t bits;
    memcpy(&bits, &beta, sizeof bits);
    dnnl_entry key = {transA != 0, transB != 0, N, alpha != 1, bf16, bits, NULL, 0};
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ncache; i++) {
        const dnnl_entry *e = &cache[i];
        if (e->transA == key.transA && e->transB == key.transB && e->N == key.N && e->scaled == key.scaled &&
            e->bf16 == key.bf16 && e->beta_bits == key.beta_bits) {
            key = *e;
            pthread_mutex_unlock(&lock);
            return key;
        }
    }
    need_engine();
    if (ncache == capcache) {
        capcache = capcache ? 2 * capcache : 16;
        cache = realloc(cache, sizeof *cache * capcache);
        if (!cache) {
            fprintf(stderr, "nmt: out of memory\n");
            exit(1);
        }
    }
    make_primitive(&key, beta);
    cache[ncache++] = key;
    pthread_mutex_unlock(&lock);
    return key;
}

/* One block: C (M x N) = alpha*op(A)op(B) + beta*C, on the calling thread. */
static void run_block(const dnnl_entry *e, int M, int N, int K, float alpha, const void *A, int lda,
                      const void *B, int ldb, float *C, int ldc) {
    dnnl_memory_desc_t a, b, c;
    matrix_md(&a, M, K, e->transA ? 1 : lda, e->transA ? lda : 1, in_type(e));
    matrix_md(&b, K, N, e->transB ? 1 : ldb, e->transB ? ldb : 1, in_type(e));
    matrix_md(&c, M, N, ldc, 1, dnnl_f32);
    dnnl_memory_t ma, mb, mc, ms = NULL, mp = NULL;
    DNNL_CHECK(dnnl_memory_create(&ma, &a, engine, (void *)A));
    DNNL_CHECK(dnnl_memory_create(&mb, &b, engine, (void *)B));
    DNNL_CHECK(dnnl_memory_create(&mc, &c, engine, C));
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    int nargs = 3;
    if (e->scaled) {
        dnnl_memory_desc_t s;
        dnnl_dims_t one = {1};
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&s, 1, one, dnnl_f32, dnnl_a));
        DNNL_CHECK(dnnl_memory_create(&ms, &s, engine, &alpha));
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_OUTPUT_SCALES, ms};
    }
    void *scratch = NULL;
    if (e->scratch_bytes) {
        dnnl_memory_desc_t s;
        dnnl_dims_t n = {(dnnl_dim_t)e->scratch_bytes};
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&s, 1, n, dnnl_u8, dnnl_a));
        scratch = aligned_alloc(64, (e->scratch_bytes + 63) / 64 * 64);
        if (!scratch) {
            fprintf(stderr, "nmt: out of memory\n");
            exit(1);
        }
        DNNL_CHECK(dnnl_memory_create(&mp, &s, engine, scratch));
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, mp};
    }
    dnnl_stream_t stream;   // a stream per execution: streams are not shared between threads
    DNNL_CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    DNNL_CHECK(dnnl_primitive_execute(e->prim, stream, nargs, args));
    DNNL_CHECK(dnnl_stream_wait(stream));
    dnnl_stream_destroy(stream);
    dnnl_memory_destroy(ma);
    dnnl_memory_destroy(mb);
    dnnl_memory_destroy(mc);
    if (ms) dnnl_memory_destroy(ms);
    if (mp) dnnl_memory_destroy(mp);
    free(scratch);
}

/* Column block [j0, j0 + w) on the calling thread, whose OpenMP count is 1.
 * A and B are float, or bf16 (uint16_t) when bf16. */
static void block_here(int bf16, int transA, int transB, int M, int K, float alpha, const void *A, int lda,
                       const void *B, int ldb, float beta, float *C, int ldc, int j0, int w) {
    const dnnl_entry e = lookup(transA, transB, w, alpha, beta, bf16);
    const size_t off = (size_t)(transB ? (long)j0 * ldb : j0) * (bf16 ? sizeof(uint16_t) : sizeof(float));
    run_block(&e, M, w, K, alpha, A, lda, (const char *)B + off, ldb, C + j0, ldc);
}

void nmt_gemm_dnnl_block(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc, int j0, int w) {
    (void)N;
    const int nthreads = single_thread_enter();
    block_here(0, transA, transB, M, K, alpha, A, lda, B, ldb, beta, C, ldc, j0, w);
    single_thread_leave(nthreads);
}

/* The whole product, float or bf16 operands: its column blocks shared among
 * nmt's threads. */
static void product(int bf16, int transA, int transB, int M, int N, int K, float alpha, const void *A, int lda,
                    const void *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {   // empty sum: C = beta*C (oneDNN does not take empty dimensions here)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(long)i * ldc + j] = beta == 0 ? 0 : beta * C[(long)i * ldc + j];
        return;
    }
    const int NB = nmt_gemm_block_width(N), nblocks = (N + NB - 1) / NB;
    const int nthreads = single_thread_enter();
    // the team's threads inherit this thread's count of 1: oneDNN stays single-threaded in them;
    // small products run the same blocks in turn on this thread
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) \
    if (nblocks > 1 && nthreads > 1 && (double)M * N * K >= NMT_GEMM_PAR_MNK)
    for (int blk = 0; blk < nblocks; blk++) {
        const int j0 = blk * NB;
        block_here(bf16, transA, transB, M, K, alpha, A, lda, B, ldb, beta, C, ldc, j0, N - j0 < NB ? N - j0 : NB);
    }
    single_thread_leave(nthreads);
}

void nmt_gemm_dnnl(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc) {
    product(0, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* ---- bf16 x bf16 -> f32 ---------------------------------------------------- */

int nmt_gemm_dnnl_bf16_supported(void) {
    static int answer = -1;   // computed once, under the lock
    pthread_mutex_lock(&lock);
    if (answer < 0) {
        need_engine();
        const int nthreads = single_thread_enter();
        // the kind of primitive make_primitive() makes: runtime M, K and strides
        const dnnl_dim_t RT = DNNL_RUNTIME_DIM_VAL;
        dnnl_memory_desc_t a, b, c;
        matrix_md(&a, RT, RT, RT, 1, dnnl_bf16);
        matrix_md(&b, RT, 64, RT, 1, dnnl_bf16);
        matrix_md(&c, RT, 64, RT, 1, dnnl_f32);
        dnnl_matmul_desc_t desc;
        DNNL_CHECK(dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c));
        dnnl_primitive_attr_t attr;
        DNNL_CHECK(dnnl_primitive_attr_create(&attr));
        DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
        dnnl_primitive_desc_t pd;
        dnnl_status_t st = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
        DNNL_CHECK(dnnl_primitive_attr_destroy(attr));
        if (st == dnnl_success) dnnl_primitive_desc_destroy(pd);
        else if (st != dnnl_unimplemented) dnnl_check(st, "dnnl_primitive_desc_create (bf16 probe)");
        answer = st == dnnl_success;
        single_thread_leave(nthreads);
    }
    pthread_mutex_unlock(&lock);
    return answer;
}

int nmt_gemm_dnnl_bf16(int transA, int transB, int M, int N, int K, float alpha, const uint16_t *A, int lda,
                       const uint16_t *B, int ldb, float beta, float *C, int ldc) {
    if (!nmt_gemm_dnnl_bf16_supported()) return -1;
    product(1, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return 0;
}

#endif
