#include "core/cpu.h"

#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static nmt_cpu_features feat;
static int detected = 0, isa = -1;

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static void detect(void) {
    if (detected) return;
    detected = 1;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const int ymm_os = (xcr0 & 0x6) == 0x6, zmm_os = (xcr0 & 0xe6) == 0xe6;
    const unsigned maxleaf = (unsigned)__get_cpuid_max(0, NULL);
    if (maxleaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        const int avx2 = (b >> 5) & 1, f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        feat.avx2_fma = avx && avx2 && fma && ymm_os;
        feat.avx512 = feat.avx2_fma && f && dq && bw && vl && zmm_os;
        feat.amx_bf16 = ((d >> 22) & 1) && ((d >> 24) & 1);   // AMX-BF16, AMX-TILE
        __cpuid_count(7, 1, a, b, c, d);
        feat.avx512_bf16 = feat.avx512 && ((a >> 5) & 1);
    }
    if ((unsigned)__get_cpuid_max(0x80000000, NULL) >= 0x80000004u) {
        unsigned *w = (unsigned *)feat.brand;
        for (unsigned leaf = 0; leaf < 3; leaf++) __cpuid(0x80000002 + leaf, w[4 * leaf], w[4 * leaf + 1], w[4 * leaf + 2], w[4 * leaf + 3]);
        feat.brand[48] = 0;
        char *s = feat.brand;   // trim the padding
        while (*s == ' ') s++;
        memmove(feat.brand, s, strlen(s) + 1);
        for (size_t n = strlen(feat.brand); n > 0 && feat.brand[n - 1] == ' ';) feat.brand[--n] = 0;
    }
}

const nmt_cpu_features *nmt_cpu(void) {
    detect();
    return &feat;
}

nmt_isa nmt_cpu_max_isa(void) {
    detect();
    return feat.avx512 ? NMT_ISA_AVX512 : feat.avx2_fma ? NMT_ISA_AVX2 : NMT_ISA_SCALAR;
}

const char *nmt_isa_name(nmt_isa i) {
    return i == NMT_ISA_AVX512 ? "avx512" : i == NMT_ISA_AVX2 ? "avx2" : "scalar";
}

int nmt_isa_parse(const char *s, nmt_isa *out) {
    for (int i = 0; i <= NMT_ISA_AVX512; i++)
        if (strcmp(s, nmt_isa_name((nmt_isa)i)) == 0) {
            *out = (nmt_isa)i;
            return 0;
        }
    return -1;
}

int nmt_cpu_init(void) {
    if (isa >= 0) return 0;
    nmt_isa max = nmt_cpu_max_isa(), want = max;
    const char *env = getenv("NMT_ISA");
    int rc = 0;
    if (env && *env) {
        if (nmt_isa_parse(env, &want) != 0)
            rc = nmt_error("NMT_ISA=%s: unknown level (scalar, avx2 or avx512)", env), want = max;
        else if (want > max)
            rc = nmt_error("NMT_ISA=%s: this CPU allows at most %s", env, nmt_isa_name(max)), want = max;
    }
    isa = (int)want;
    return rc;
}

nmt_isa nmt_cpu_isa(void) {
    if (isa < 0) nmt_cpu_init();
    return (nmt_isa)isa;
}

int nmt_cpu_set_isa(nmt_isa i) {
    if (i > nmt_cpu_max_isa() || i < NMT_ISA_SCALAR) return -1;
    isa = (int)i;
    return 0;
}
