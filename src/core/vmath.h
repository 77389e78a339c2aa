/* exp, sigmoid and tanh for float, in scalar and 8-lane AVX2 forms that give
 * the same bits: both run the same sequence of IEEE operations (multiply,
 * fused multiply-add, round-to-nearest-even, divide), so a value does not
 * depend on whether it fell in a vector block or in the scalar tail, nor on
 * the CPU path. Results are also independent of the C library's expf.
 *
 * exp(x): n = round(x log2 e), r = x - n ln2 (two-part ln2, FMA), then the
 * degree-7 Taylor polynomial of e^r on |r| <= ln2/2 (truncation below 6e-9
 * relative) times 2^n built in the exponent field. Inputs are clamped to
 * [-87.33, 88.3] (results in the normal float range, 2^n representable); below -87.33 the
 * result is 0, as e^x underflows there. Accuracy: within 2 ulp of the exact
 * value over the whole range (tests/test_vmath.c).
 *
 * sigmoid(x) = 1 / (1 + exp(-x));  tanh(x) = 1 - 2 / (exp(2 x) + 1) with x
 * clamped to [-10, 10] (from |x| = 10 on, the formula rounds to exactly +-1). */
#ifndef NMT_CORE_VMATH_H
#define NMT_CORE_VMATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#define NMT_EXP_LO (-87.33f)
#define NMT_EXP_HI 88.3f
#define NMT_LOG2E 1.44269504f
#define NMT_LN2_HI 0.693359375f
#define NMT_LN2_LO (-2.12194440e-4f)

static inline float nmt_expf(float x) {
    if (x != x) return x;   // NaN stays NaN (so does the vector form's)
    const int under = x < NMT_EXP_LO;
    x = NMT_EXP_LO > x ? NMT_EXP_LO : x;
    x = NMT_EXP_HI < x ? NMT_EXP_HI : x;
    float n = nearbyintf(x * NMT_LOG2E);
    float r = fmaf(-n, NMT_LN2_HI, x);
    r = fmaf(-n, NMT_LN2_LO, r);
    float p = 1.0f / 5040;
    p = fmaf(p, r, 1.0f / 720);
    p = fmaf(p, r, 1.0f / 120);
    p = fmaf(p, r, 1.0f / 24);
    p = fmaf(p, r, 1.0f / 6);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return under ? 0.0f : p * scale;
}

static inline float nmt_sigmoidf(float x) { return 1.0f / (1.0f + nmt_expf(-x)); }

static inline float nmt_tanhf(float x) {
    x = -10.0f > x ? -10.0f : x;
    x = 10.0f < x ? 10.0f : x;
    return 1.0f - 2.0f / (nmt_expf(2.0f * x) + 1.0f);
}

/* The 8-lane forms are compiled for AVX2 + FMA whatever the build's target
 * (the build is for baseline x86-64): call them only from functions with the
 * same target attribute, and only where nmt_cpu_isa() >= NMT_ISA_AVX2. */
#if defined(__x86_64__)
#include <immintrin.h>
#define NMT_HAVE_VMATH8 1
#define NMT_AVX2 __attribute__((target("avx2,fma")))

static inline __attribute__((target("avx2,fma"))) __m256 nmt_expf8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(NMT_EXP_LO);
    const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    // max(lo, x) / min(hi, x) return x when it is NaN: NaN propagates
    x = _mm256_min_ps(_mm256_set1_ps(NMT_EXP_HI), _mm256_max_ps(lo, x));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(NMT_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(NMT_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(NMT_LN2_LO), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    return _mm256_andnot_ps(under, e);
}

static inline __attribute__((target("avx2,fma"))) __m256 nmt_sigmoidf8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 negx = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
    return _mm256_div_ps(one, _mm256_add_ps(one, nmt_expf8(negx)));
}

static inline __attribute__((target("avx2,fma"))) __m256 nmt_tanhf8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    x = _mm256_min_ps(_mm256_set1_ps(10.0f), _mm256_max_ps(_mm256_set1_ps(-10.0f), x));
    __m256 e = nmt_expf8(_mm256_mul_ps(two, x));
    return _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
}

/* 16 lanes (AVX-512 F + DQ): the very same operations as the 8-lane forms. */
#define NMT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 nmt_expf16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(NMT_EXP_LO);
    const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    x = _mm512_min_ps(_mm512_set1_ps(NMT_EXP_HI), _mm512_max_ps(lo, x));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(NMT_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(NMT_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(NMT_LN2_LO), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    __m512 e = _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
    return _mm512_maskz_mov_ps((__mmask16)~under, e);
}

static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 nmt_sigmoidf16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 negx = _mm512_xor_ps(x, _mm512_set1_ps(-0.0f));
    return _mm512_div_ps(one, _mm512_add_ps(one, nmt_expf16(negx)));
}

static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512 nmt_tanhf16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    x = _mm512_min_ps(_mm512_set1_ps(10.0f), _mm512_max_ps(_mm512_set1_ps(-10.0f), x));
    __m512 e = nmt_expf16(_mm512_mul_ps(two, x));
    return _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(e, one)));
}
#endif
#endif
