/* bfloat16 rounding for the mixed-precision path (--precision bf16).
 *
 * bf16 keeps float's sign and 8-bit exponent and the top 7 of its 23 fraction
 * bits. nmt stores every operand of a matrix product rounded to a bf16 value
 * (kept in a float, low 16 bits zero) while sums, element-wise state and the
 * master weights stay float: numerically what a bf16 x bf16 -> fp32 matrix
 * unit computes (the product of two bf16 values is exact in float).
 *
 * Rounding is to nearest, ties to even, on the bit pattern: infinities stay,
 * finite values past the largest bf16 become infinities, NaNs stay NaN (made
 * quiet, the sign kept). Subnormals round like any other value (no flush).
 * The scalar and the 8-lane AVX2 forms give the same bits (tests/test_bf16.c). */
#ifndef NMT_CORE_BF16_H
#define NMT_CORE_BF16_H
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef enum { NMT_FP32 = 0, NMT_BF16 = 1 } nmt_precision;

static inline const char *nmt_precision_name(nmt_precision p) { return p == NMT_BF16 ? "bf16" : "fp32"; }

/* "fp32" or "bf16"; returns -1 for anything else. */
static inline int nmt_precision_parse(const char *s, nmt_precision *p) {
    if (!strcmp(s, "fp32")) return *p = NMT_FP32, 0;
    if (!strcmp(s, "bf16")) return *p = NMT_BF16, 0;
    return -1;
}

static inline float nmt_bf16_roundf(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if ((b & 0x7fffffffu) > 0x7f800000u) b = (b | 0x00400000u) & 0xffff0000u;   // NaN: quiet, keep sign
    else b = (b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u;                      // nearest, ties to even
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The bf16 storage format (the top 16 bits of the float), for libraries that
 * take bf16 arrays (gemm_dnnl.c): x rounded, and back (exact). */
static inline uint16_t nmt_bf16_from_float(float x) {
    x = nmt_bf16_roundf(x);
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return (uint16_t)(b >> 16);
}
static inline float nmt_bf16_to_float(uint16_t h) {
    uint32_t b = (uint32_t)h << 16;
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The reference the tests hold both forms to, computed another way: the two
 * bf16 neighbours of x (toward and away from zero) compared by distance, with
 * values decoded from the bit fields into double (exact, and immune to the
 * denormals-are-zero mode nmt runs in), ties to the even last bit. Past the
 * largest bf16 the neighbour away from zero is the infinity, placed at 2^128
 * as IEEE's overflow rule has it. */
static inline double nmt_bf16_ref_magnitude_(uint32_t b) {
    const uint32_t e = (b >> 23) & 0xffu, f = b & 0x7fffffu;
    if (e == 0xffu) return 0x1p128;   // the infinity (the caller never passes a NaN)
    return e ? ldexp((double)(f | 0x800000u), (int)e - 150) : ldexp((double)f, -149);
}
static inline float nmt_bf16_round_ref(float x) {
    uint32_t b, lo, hi;
    memcpy(&b, &x, sizeof b);
    if ((b & 0x7fffffffu) > 0x7f800000u) return nmt_bf16_roundf(x);   // NaN
    lo = b & 0xffff0000u;
    if (lo == b) return x;   // already bf16 (infinities too)
    hi = lo + 0x10000u;
    const double ax = nmt_bf16_ref_magnitude_(b), al = nmt_bf16_ref_magnitude_(lo), ah = nmt_bf16_ref_magnitude_(hi);
    const double dl = ax - al, dh = ah - ax;
    float r;
    if (dl < dh || (dl == dh && !((lo >> 16) & 1u))) memcpy(&r, &lo, sizeof r);
    else memcpy(&r, &hi, sizeof r);
    return r;
}

#if defined(__x86_64__)
#include <immintrin.h>
/* Eight lanes of nmt_bf16_roundf (AVX2: call only where the CPU has it). */
static inline __attribute__((target("avx2,fma"))) __m256 nmt_bf16_round8(__m256 x) {
    const __m256i b = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    const __m256i keep = _mm256_set1_epi32((int)0xffff0000u);
    __m256i r = _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(b, _mm256_set1_epi32(0x7fff)), lsb), keep);
    __m256i q = _mm256_and_si256(_mm256_or_si256(b, _mm256_set1_epi32(0x00400000)), keep);
    __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    return _mm256_blendv_ps(_mm256_castsi256_ps(r), _mm256_castsi256_ps(q), nan);
}
/* Sixteen lanes of nmt_bf16_roundf (AVX-512: call only where the CPU has it). */
static inline __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) __m512
nmt_bf16_round16(__m512 x) {
    const __m512i b = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    const __m512i keep = _mm512_set1_epi32((int)0xffff0000u);
    __m512i r = _mm512_and_si512(_mm512_add_epi32(_mm512_add_epi32(b, _mm512_set1_epi32(0x7fff)), lsb), keep);
    __m512i q = _mm512_and_si512(_mm512_or_si512(b, _mm512_set1_epi32(0x00400000)), keep);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(nan, _mm512_castsi512_ps(r), _mm512_castsi512_ps(q));
}
#endif
#endif
