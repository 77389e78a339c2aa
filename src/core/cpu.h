/* The CPU's vector features, detected once at start-up (cpuid and xgetbv),
 * and the instruction-set level the kernels use.
 *
 *   NMT_ISA_SCALAR   plain C (the references every kernel is tested against)
 *   NMT_ISA_AVX2     AVX2 + FMA, 256-bit
 *   NMT_ISA_AVX512   AVX-512 F (+ VL, BW, DQ), 512-bit
 *
 * The level in use is the highest the CPU and the OS allow, or a lower one
 * forced by the environment variable NMT_ISA=scalar|avx2|avx512 (read once;
 * a level the CPU lacks is refused with a message), or nmt_cpu_set_isa().
 * The fp32 kernels give the same bits at every level (each output element is
 * one fused-multiply-add chain in a fixed order), so the level changes speed
 * only; tests force each level the machine has and compare. */
#ifndef NMT_CORE_CPU_H
#define NMT_CORE_CPU_H

typedef enum { NMT_ISA_SCALAR = 0, NMT_ISA_AVX2 = 1, NMT_ISA_AVX512 = 2 } nmt_isa;

typedef struct {
    int avx2_fma;     /* AVX2 and FMA, with the OS saving ymm state */
    int avx512;       /* AVX-512 F, VL, BW, DQ, with the OS saving zmm state */
    int avx512_bf16;  /* AVX-512 BF16 (vdpbf16ps) */
    int amx_bf16;     /* AMX tiles and AMX-BF16 in cpuid (the OS permission is asked only when used) */
    char brand[49];   /* cpuid's processor brand string */
} nmt_cpu_features;

const nmt_cpu_features *nmt_cpu(void);
/* The highest level this CPU allows. */
nmt_isa nmt_cpu_max_isa(void);
/* The level in use (NMT_ISA or nmt_cpu_set_isa may lower it). */
nmt_isa nmt_cpu_isa(void);
/* Sets the level in use; returns -1 (and changes nothing) for a level above
 * nmt_cpu_max_isa(). Not while kernels run. */
int nmt_cpu_set_isa(nmt_isa isa);
const char *nmt_isa_name(nmt_isa isa);
/* "scalar", "avx2", "avx512" -> 0; else -1. */
int nmt_isa_parse(const char *s, nmt_isa *out);
/* Checks NMT_ISA (called by nmt_cpu_isa the first time): 0, or -1 with a
 * message naming the variable when it is unknown or above the CPU's level. */
int nmt_cpu_init(void);
#endif
