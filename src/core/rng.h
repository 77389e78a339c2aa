/* MT19937 and numpy-legacy-compatible draws (numpy.random.RandomState).
 * The corpus shuffle must match `np.random.seed(42); np.random.shuffle(pairs)`
 * bit for bit (ch16-reference.md §1.5). */
#ifndef NMT_CORE_RNG_H
#define NMT_CORE_RNG_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t mt[624];
    int mti;
    int has_gauss;      /* numpy legacy gauss caches the second polar draw */
    double gauss;
} nmt_rng;

void nmt_rng_seed(nmt_rng *r, uint32_t seed);          /* init_genrand */
uint32_t nmt_rng_u32(nmt_rng *r);                      /* tempered output */
uint32_t nmt_rng_interval(nmt_rng *r, uint32_t max);   /* numpy random_interval: uniform in [0, max] */
double nmt_rng_double(nmt_rng *r);                     /* numpy random_sample: [0,1), 53 bits */
double nmt_rng_gauss(nmt_rng *r);                      /* numpy legacy standard_normal (polar) */
/* numpy legacy shuffle: for i = n-1..1, j = interval(i), swap a[i], a[j]. */
void nmt_rng_shuffle_u32(nmt_rng *r, uint32_t *a, size_t n);
#endif
