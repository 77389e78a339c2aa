/* Thread count and build description. */
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/gemm.h"
#include "nmt.h"

static int nthreads = 0;

void nmt_set_threads(int n) {
    if (n < 1) n = 1;
    nthreads = n;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    nmt_blas_set_threads(n);
}

int nmt_get_threads(void) {
#ifdef _OPENMP
    return nthreads ? nthreads : omp_get_max_threads();
#else
    return 1;
#endif
}

const char *nmt_build_info(void) {
    static char buf[256];
    snprintf(buf, sizeof buf, "nmt %s; model format %d; gemm %s; %s; OpenMP %s", NMT_VERSION,
             NMT_FORMAT_VERSION, nmt_gemm_backend_name(nmt_gemm_get_backend()),
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
