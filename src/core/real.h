/* "Real-generic" code: the kernels, layers and models are written once in terms
 * of `real` and compiled twice by the Makefile: as float (the production build)
 * and with -DNMT_F64 as double (used by the finite-difference gradient checks,
 * so the very same code is checked at double precision).
 *
 *   R(foo)  names the float function `foo` or the double function `foo_f64`.
 *
 * Headers of generic modules declare both versions by including their
 * "*_gen.h" body twice (see layers/layers.h). */
#ifndef NMT_CORE_REAL_H
#define NMT_CORE_REAL_H
#include <math.h>
#ifdef NMT_F64
typedef double real;
#define R(name) name##_f64
#define REXP exp
#define RTANH tanh
#define RLOG log
#else
typedef float real;
#define R(name) name
#define REXP expf
#define RTANH nmt_tanhf
#define RLOG logf
/* tanh through expf (about 3x faster than glibc's tanhf, which goes through
 * expm1f; absolute error below 1e-7, and exact saturation at large |x|). */
static inline float nmt_tanhf(float x) {
    if (x > 9.0f) return 1.0f;
    if (x < -9.0f) return -1.0f;
    return 1.0f - 2.0f / (expf(2.0f * x) + 1.0f);
}
#endif
#endif
