/* MT19937 and numpy-legacy RandomState draws against values printed by
 * numpy 1.26.4 (np.random.RandomState(seed)). */
#include "check.h"
#include "core/rng.h"

// first tempered outputs for a few seeds (RandomState(s)._bit_generator.random_raw())
static void test_u32(void) {
    static const struct { uint32_t seed, v[5]; } cases[] = {
        {5489, {3499211612u, 581869302u, 3890346734u, 3586334585u, 545404204u}},
        {42, {1608637542u, 3421126067u, 4083286876u, 787846414u, 3143890026u}},
        {0, {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u}},
        {4294967295u, {419326371u, 479346978u, 3918654476u, 2416749639u, 3388880820u}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        nmt_rng r;
        nmt_rng_seed(&r, cases[c].seed);
        for (int i = 0; i < 5; i++) {
            uint32_t v = nmt_rng_u32(&r);
            CHECK(v == cases[c].v[i], "seed %u draw %d: %u vs %u", cases[c].seed, i, v, cases[c].v[i]);
        }
    }
    // across the second twist: draws #625 and #1000 (0-based 624, 999) for seed 42
    nmt_rng r;
    nmt_rng_seed(&r, 42);
    uint32_t v624 = 0, v999 = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t v = nmt_rng_u32(&r);
        if (i == 624) v624 = v;
        if (i == 999) v999 = v;
    }
    CHECK(v624 == 108880612u, "seed 42 draw 624: %u", v624);
    CHECK(v999 == 1946654618u, "seed 42 draw 999: %u", v999);
}

// random_sample and the cached legacy gauss, including their interleaving
static void test_double_gauss(void) {
    nmt_rng r;
    nmt_rng_seed(&r, 42);
    const double d[3] = {0.3745401188473625, 0.9507143064099162, 0.7319939418114051};
    for (int i = 0; i < 3; i++) {
        double x = nmt_rng_double(&r);
        CHECK(x == d[i], "random_sample %d: %.17g vs %.17g", i, x, d[i]);
    }
    nmt_rng_seed(&r, 42);
    const double g[5] = {0.4967141530112327, -0.13826430117118466, 0.6476885381006925,
                         1.5230298564080254, -0.23415337472333597};
    for (int i = 0; i < 5; i++) {
        double x = nmt_rng_gauss(&r);
        CHECK_CLOSE(x, g[i], 0, 1e-15, "standard_normal");
    }
    // rs.random_sample(), rs.standard_normal() x2, rs.random_sample()
    nmt_rng_seed(&r, 42);
    double a = nmt_rng_double(&r), b = nmt_rng_gauss(&r), c = nmt_rng_gauss(&r), e = nmt_rng_double(&r);
    CHECK(a == 0.3745401188473625, "interleaved sample %.17g", a);
    CHECK_CLOSE(b, -1.1118801180469204, 0, 1e-15, "interleaved gauss 1");
    CHECK_CLOSE(c, 0.31890218468938336, 0, 1e-15, "interleaved gauss 2 (cached)");
    CHECK(e == 0.15599452033620265, "interleaved sample after cache %.17g", e);
    // reseeding drops the cached value
    nmt_rng_seed(&r, 42);
    nmt_rng_gauss(&r);
    nmt_rng_seed(&r, 42);
    CHECK(!r.has_gauss, "seed clears the gauss cache");
}

// np.random.seed(s); a = np.arange(n); np.random.shuffle(a)
static void test_shuffle(void) {
    static const struct { uint32_t seed; size_t n; uint32_t want[17]; } cases[] = {
        {42, 10, {8, 1, 5, 0, 7, 2, 9, 4, 3, 6}},
        {0, 10, {2, 8, 4, 9, 1, 6, 7, 3, 0, 5}},
        {1, 17, {3, 13, 7, 2, 6, 10, 4, 1, 14, 0, 16, 15, 9, 8, 12, 11, 5}},
        {123, 5, {1, 3, 4, 0, 2}},
        {42, 2, {1, 0}},
        {42, 1, {0}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint32_t a[17];
        nmt_rng r;
        nmt_rng_seed(&r, cases[c].seed);
        for (size_t i = 0; i < cases[c].n; i++) a[i] = (uint32_t)i;
        nmt_rng_shuffle_u32(&r, a, cases[c].n);
        CHECK(memcmp(a, cases[c].want, cases[c].n * sizeof *a) == 0, "shuffle seed %u n %zu",
              cases[c].seed, cases[c].n);
    }
    nmt_rng r;
    nmt_rng_seed(&r, 42);
    nmt_rng_shuffle_u32(&r, NULL, 0);   // n = 0 draws nothing and touches nothing
    CHECK(r.mti == 624, "empty shuffle drew");
}

// interval(0) draws nothing; results stay in [0, max]; interval(2^32-1) is a raw draw
static void test_interval(void) {
    nmt_rng r, s;
    nmt_rng_seed(&r, 7);
    CHECK(nmt_rng_interval(&r, 0) == 0 && r.mti == 624, "interval(0)");
    int bad = 0;
    for (uint32_t max = 1; max < 3000; max += 7)
        for (int k = 0; k < 20; k++) bad += nmt_rng_interval(&r, max) > max;
    CHECK(bad == 0, "%d draws out of range", bad);
    nmt_rng_seed(&r, 9);
    nmt_rng_seed(&s, 9);
    CHECK(nmt_rng_interval(&r, 0xffffffffu) == nmt_rng_u32(&s), "interval(2^32-1)");
    // mask rejection: interval(4) uses mask 7 and rejects 5..7
    nmt_rng_seed(&r, 11);
    nmt_rng_seed(&s, 11);
    uint32_t got = nmt_rng_interval(&r, 4), v;
    while ((v = nmt_rng_u32(&s) & 7u) > 4) {
    }
    CHECK(got == v && r.mti == s.mti, "interval(4) = %u vs %u", got, v);
}

int main(void) {
    test_u32();
    test_double_gauss();
    test_shuffle();
    test_interval();
    return check_exit("test_rng");
}
