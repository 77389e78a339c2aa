/* core/vmath.h: the scalar and AVX2 forms of exp, sigmoid and tanh give the
 * same bits for every input tried, and both are accurate against the C
 * library in double precision. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "core/cpu.h"
#include "core/vmath.h"

static nmt_rng rng;

/* Distance in units in the last place between a float and an exact value. */
static double ulps(float got, double want) {
    if (want == 0) return got == 0 ? 0 : INFINITY;
    int e;
    frexp(want, &e);
    double ulp = ldexp(1.0, e - 24);
    if (fabs(want) < 1.17549435e-38) ulp = ldexp(1.0, -149);
    return fabs(got - want) / ulp;
}

static float sample(void) {
    double u = nmt_rng_double(&rng);
    switch (nmt_rng_u32(&rng) % 4) {
    case 0: return (float)(200 * u - 100);     // the whole range, over- and underflow included
    case 1: return (float)(20 * u - 10);       // where the gates live
    case 2: return (float)(2 * u - 1);         // near zero
    default: return (float)(1e-3 * (2 * u - 1));
    }
}

#ifdef NMT_HAVE_VMATH8
/* The 8-lane forms equal the scalar ones, lane for lane (n a multiple of 8). */
static NMT_AVX2 void check_vector_forms(const float *x, int n) {
    long mismatch = 0;
    for (int i = 0; i < n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        float e[8], s[8], t[8];
        _mm256_storeu_ps(e, nmt_expf8(v));
        _mm256_storeu_ps(s, nmt_sigmoidf8(v));
        _mm256_storeu_ps(t, nmt_tanhf8(v));
        for (int k = 0; k < 8; k++) {
            float es = nmt_expf(x[i + k]), ss = nmt_sigmoidf(x[i + k]), ts = nmt_tanhf(x[i + k]);
            mismatch += memcmp(&e[k], &es, 4) != 0 || memcmp(&s[k], &ss, 4) != 0 || memcmp(&t[k], &ts, 4) != 0;
        }
    }
    CHECK(mismatch == 0, "%ld inputs where the AVX2 and scalar forms differ", mismatch);
    __m256 nanv = _mm256_set1_ps(NAN);
    float o[8];
    _mm256_storeu_ps(o, nmt_expf8(nanv));
    CHECK(isnan(o[0]), "vector exp(NaN) is NaN");
}

/* The 16-lane forms equal the scalar ones, lane for lane (n a multiple of 16). */
static NMT_AVX512 void check_vector_forms16(const float *x, int n) {
    long mismatch = 0;
    for (int i = 0; i < n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        float e[16], s[16], t[16];
        _mm512_storeu_ps(e, nmt_expf16(v));
        _mm512_storeu_ps(s, nmt_sigmoidf16(v));
        _mm512_storeu_ps(t, nmt_tanhf16(v));
        for (int k = 0; k < 16; k++) {
            float es = nmt_expf(x[i + k]), ss = nmt_sigmoidf(x[i + k]), ts = nmt_tanhf(x[i + k]);
            mismatch += memcmp(&e[k], &es, 4) != 0 || memcmp(&s[k], &ss, 4) != 0 || memcmp(&t[k], &ts, 4) != 0;
        }
    }
    CHECK(mismatch == 0, "%ld inputs where the AVX-512 and scalar forms differ", mismatch);
    float o[16];
    _mm512_storeu_ps(o, nmt_expf16(_mm512_set1_ps(NAN)));
    CHECK(isnan(o[0]), "16-lane exp(NaN) is NaN");
}
#endif

int main(void) {
    nmt_rng_seed(&rng, 5);
    enum { N = 1 << 20 };
    static float x[N + 16];
    for (int i = 0; i < N; i++) x[i] = sample();
    const float special[16] = {0.0f, -0.0f, 1.0f, -1.0f, 88.3f, 88.29f, -87.33f, -87.34f, -103.0f, 10.0f, -10.0f,
                               9.9999f, 1e-30f, -1e-30f, 0.5f, 0.34657359f};
    memcpy(x + N, special, sizeof special);
    double worst_exp = 0, worst_sig = 0, worst_tanh = 0;
    float worst_x = 0;
    for (int i = 0; i < N + 16; i++) {
        float e = nmt_expf(x[i]), s = nmt_sigmoidf(x[i]), t = nmt_tanhf(x[i]);
        double we = exp((double)x[i]);
        if (x[i] >= -87.33f && x[i] <= 88.3f && ulps(e, we) > worst_exp) worst_exp = ulps(e, we), worst_x = x[i];
        worst_sig = fmax(worst_sig, fabs(s - 1 / (1 + exp(-(double)x[i]))));
        worst_tanh = fmax(worst_tanh, fabs(t - tanh((double)x[i])));
    }
    CHECK(worst_exp <= 2.0, "exp: worst error %.2f ulp at x = %.9g (limit 2)", worst_exp, worst_x);
    CHECK(worst_sig <= 1.2e-7, "sigmoid: worst absolute error %.3g", worst_sig);
    CHECK(worst_tanh <= 2.5e-7, "tanh: worst absolute error %.3g", worst_tanh);
    CHECK(nmt_expf(-100.0f) == 0.0f && nmt_expf(0.0f) == 1.0f, "exp(-100) = 0, exp(0) = 1");
    CHECK(nmt_tanhf(20.0f) == 1.0f && nmt_tanhf(-20.0f) == -1.0f, "tanh saturates exactly");
    CHECK(isnan(nmt_expf(NAN)) && isnan(nmt_tanhf(NAN)) && isnan(nmt_sigmoidf(NAN)), "NaN propagates");
    fprintf(stderr, "  exp %.2f ulp, sigmoid %.2g, tanh %.2g (worst over %d inputs)\n", worst_exp, worst_sig,
            worst_tanh, N + 16);
#ifdef NMT_HAVE_VMATH8
    if (nmt_cpu_isa() >= NMT_ISA_AVX2)
        check_vector_forms(x, N + 16);
    if (nmt_cpu_isa() >= NMT_ISA_AVX512)
        check_vector_forms16(x, N + 16);
    else if (nmt_cpu_isa() < NMT_ISA_AVX2)
        fprintf(stderr, "  no AVX2/FMA on this CPU: only the scalar forms were checked\n");
#endif
    return check_exit("test_vmath");
}
