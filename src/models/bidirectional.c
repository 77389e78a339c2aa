/* Architecture "bidirectional": bidirectional LSTM encoder (units/2 each way), LSTM decoder from [forward; backward] state (ch16 §1.6).
 * The code is the chapter's encoder–decoder family in seq2seq.c. */
#include "core/real.h"
#include "models/seq2seq.h"

extern const nmt_arch_info nmt_arch_info_bidirectional;
#ifndef NMT_F64
const nmt_arch_info nmt_arch_info_bidirectional = {
    .name = "bidirectional",
    .summary = "bidirectional LSTM encoder (units/2 each way), LSTM decoder from [forward; backward] state (ch16 §1.6)",
    .fields = nmt_s2s_fields,
    .nfields = 5,
    .check = nmt_s2s_check,
    .params = nmt_s2s_params,
    .acts = nmt_s2s_acts,
    .state_size = nmt_s2s_state_size,
};
#endif

const R(nmt_arch) R(nmt_arch_bidirectional) = NMT_S2S_ARCH(nmt_arch_info_bidirectional);
