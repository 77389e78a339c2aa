/* Thread count and build description. */
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/gemm.h"
#include "nmt.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* Flush denormals to zero (FTZ) and read them as zero (DAZ) in this thread.
 * Denormal arithmetic is 10-100x slower on x86, and tiny Nadam moments and
 * gradients reach that range as training goes on; TensorFlow runs its CPU
 * kernels the same way. Deterministic, so results stay reproducible. */
static void flush_denormals(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static void flush_denormals(void) {}
#endif

void nmt_numerics_init(void) {
    flush_denormals();
#ifdef _OPENMP
#pragma omp parallel
    flush_denormals();
#endif
}

static int nthreads = 0;

void nmt_set_threads(int n) {
    if (n < 1) n = 1;
    nthreads = n;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    nmt_blas_set_threads(n);
    nmt_numerics_init();
}

int nmt_get_threads(void) {
#ifdef _OPENMP
    return nthreads ? nthreads : omp_get_max_threads();
#else
    return 1;
#endif
}

const char *nmt_build_info(void) {
    static char buf[256], gemm[64];
    nmt_gemm_backend b = nmt_gemm_get_backend();
    if (b == NMT_GEMM_DNNL)   // the library version too: its API and kernels change between releases
        snprintf(gemm, sizeof gemm, "%s (%s)", nmt_gemm_backend_name(b), nmt_gemm_dnnl_version());
    else
        snprintf(gemm, sizeof gemm, "%s", nmt_gemm_backend_name(b));
    snprintf(buf, sizeof buf, "nmt %s; model format %d; gemm %s; %s; OpenMP %s", NMT_VERSION,
             NMT_FORMAT_VERSION, gemm,
#if defined(__clang__)
             "clang " __clang_version__,
#elif defined(__GNUC__)
             "gcc " __VERSION__,
#else
             "unknown compiler",
#endif
#ifdef _OPENMP
             "on"
#else
             "off"
#endif
    );
    return buf;
}
