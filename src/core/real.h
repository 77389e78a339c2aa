/* "Real-generic" code: the kernels, layers and models are written once in terms
 * of `real` and compiled twice by the Makefile: as float (the production build)
 * and with -DNMT_F64 as double (used by the finite-difference gradient checks,
 * so the very same code is checked at double precision).
 *
 *   R(foo)  names the float function `foo` or the double function `foo_f64`.
 *
 * Headers of generic modules declare both versions by including their
 * "*_gen.h" body twice, through core/generic.h. */
#ifndef NMT_CORE_REAL_H
#define NMT_CORE_REAL_H
#include <math.h>

#include "core/bf16.h"
#ifdef NMT_F64
typedef double real;
#define R(name) name##_f64
#define REXP exp
#define RTANH tanh
#define RLOG log
/* to a bf16 value (through float: the double build's bf16 path is for tests only) */
#define RBF16(x) ((double)nmt_bf16_roundf((float)(x)))
#else
#include "core/vmath.h"
typedef float real;
#define R(name) name
/* exp and tanh of core/vmath.h: the scalar forms give the same bits as the AVX2
 * forms the hot loops use, and do not depend on the C library's version. */
#define REXP nmt_expf
#define RTANH nmt_tanhf
#define RLOG logf
#define RBF16(x) nmt_bf16_roundf(x)
#endif

#if !defined(NMT_F64)
#include "core/cpu.h"
/* The whole blocks of 8 of nmt_bf16_span, with AVX2; returns how many. */
static inline __attribute__((target("avx2,fma"))) long nmt_bf16_span8(float *dst, const float *src, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, nmt_bf16_round8(_mm256_loadu_ps(src + i)));
    return i;
}
#endif

/* dst[0..n) = src[0..n) rounded to bf16 values (dst may be src), on the
 * calling thread: the AVX2 lanes and the scalar tail give the same bits. */
static inline void R(nmt_bf16_span)(real *dst, const real *src, long n) {
    long i = 0;
#if !defined(NMT_F64)
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) i = nmt_bf16_span8(dst, src, n);
#endif
    for (; i < n; i++) dst[i] = RBF16(src[i]);
}
#endif
