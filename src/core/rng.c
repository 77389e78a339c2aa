/* MT19937 with numpy's legacy RandomState draws (numpy/random/src/legacy and
 * distributions.c semantics, reimplemented from the published algorithms). */
#include "core/rng.h"

#include <math.h>

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

// init_genrand: Knuth's multiplier recurrence; the state index starts at 624
void nmt_rng_seed(nmt_rng *r, uint32_t seed) {
    r->mt[0] = seed;
    for (int i = 1; i < MT_N; i++) {
        uint32_t p = r->mt[i - 1];
        r->mt[i] = 1812433253u * (p ^ (p >> 30)) + (uint32_t)i;
    }
    r->mti = MT_N;
    r->has_gauss = 0;
    r->gauss = 0.0;
}

// one twist step mixing word i with its successor and word (i + M) mod N
static uint32_t mt_mix(const uint32_t *mt, int i, int j, int k) {
    uint32_t y = (mt[i] & MT_UPPER) | (mt[j] & MT_LOWER);
    return mt[k] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
}

// regenerates all 624 state words
static void mt_twist(nmt_rng *r) {
    uint32_t *mt = r->mt;
    int i = 0;
    for (; i < MT_N - MT_M; i++) mt[i] = mt_mix(mt, i, i + 1, i + MT_M);
    for (; i < MT_N - 1; i++) mt[i] = mt_mix(mt, i, i + 1, i + MT_M - MT_N);
    mt[MT_N - 1] = mt_mix(mt, MT_N - 1, 0, MT_M - 1);
    r->mti = 0;
}

// next tempered 32-bit output
uint32_t nmt_rng_u32(nmt_rng *r) {
    if (r->mti >= MT_N) mt_twist(r);
    uint32_t y = r->mt[r->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

// uniform in [0, max]: draw u32 & (smallest 2^k-1 >= max) until it is <= max
uint32_t nmt_rng_interval(nmt_rng *r, uint32_t max) {
    if (max == 0) return 0;
    uint32_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    while ((v = nmt_rng_u32(r) & mask) > max) {
    }
    return v;
}

// 53-bit double in [0, 1) from two draws: (a>>5)*2^26 + (b>>6), over 2^53
double nmt_rng_double(nmt_rng *r) {
    uint32_t a = nmt_rng_u32(r) >> 5, b = nmt_rng_u32(r) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

// Marsaglia polar method; returns f*x2 and caches f*x1 for the next call
double nmt_rng_gauss(nmt_rng *r) {
    if (r->has_gauss) {
        r->has_gauss = 0;
        double g = r->gauss;
        r->gauss = 0.0;
        return g;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * nmt_rng_double(r) - 1.0;
        x2 = 2.0 * nmt_rng_double(r) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    r->gauss = f * x1;
    r->has_gauss = 1;
    return f * x2;
}

// Fisher-Yates from the end, as RandomState.shuffle: swap a[i] with a[interval(i)]
// (n <= 2^32; numpy switches to 64-bit draws beyond that)
void nmt_rng_shuffle_u32(nmt_rng *r, uint32_t *a, size_t n) {
    for (size_t i = n; i-- > 1;) {
        size_t j = nmt_rng_interval(r, (uint32_t)i);
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
