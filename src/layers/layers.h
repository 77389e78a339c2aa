/* Layers as explicit forward/backward pairs over packed batches (layers/packed.h).
 * Each function is real-generic: `foo` works on float, `foo_f64` on double.
 * Backward functions ACCUMULATE (+=) into weight gradients; input gradients
 * (dx, dh0, ...) are overwritten. Shapes are given in the comments of
 * layers_gen.h; "n" is a packed token count. */
#ifndef NMT_LAYERS_LAYERS_H
#define NMT_LAYERS_LAYERS_H
#include <stdint.h>

#include "core/bf16.h"
#include "kernels/gemm_packed.h"
#include "layers/packed.h"

#define NMT_GENERIC "layers/layers_gen.h"
#include "core/generic.h"
#endif
