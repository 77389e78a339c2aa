/* Thread count and build description. */
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/cpu.h"
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
    static char buf[384];
    const nmt_cpu_features *f = nmt_cpu();
    snprintf(buf, sizeof buf, "nmt %s; model format %d; kernels %s (CPU: %s%s%s%s); %s; OpenMP %s", NMT_VERSION,
             NMT_FORMAT_VERSION, nmt_isa_name(nmt_cpu_isa()), f->avx2_fma ? "avx2 fma" : "no avx2",
             f->avx512 ? ", avx512" : "", f->avx512_bf16 ? ", avx512_bf16" : "", f->amx_bf16 ? ", amx_bf16" : "",
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
