/* Declares a real-generic module for both precisions (core/real.h): a
 * header sets NMT_GENERIC to its "*_gen.h" body and includes this file, which
 * includes that body twice, with NMT_T / NMT_FN(name) as
 *   float  / name        (production), then
 *   double / name##_f64  (the gradient checks).
 * No include guard: it is meant to be included once per module header. */
#ifndef NMT_GENERIC
#error "define NMT_GENERIC as the \"*_gen.h\" header to declare"
#endif
#define NMT_T float
#define NMT_FN(name) name
#include NMT_GENERIC
#undef NMT_T
#undef NMT_FN
#define NMT_T double
#define NMT_FN(name) name##_f64
#include NMT_GENERIC
#undef NMT_T
#undef NMT_FN
#undef NMT_GENERIC
