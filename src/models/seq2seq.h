/* The chapter's RNN encoder–decoders (seq2seq.c): what the architecture
 * files basic.c, bidirectional.c and attention.c are made of. Their fields:
 * src_vocab, tgt_vocab, embed, units, max_length. */
#ifndef NMT_MODELS_SEQ2SEQ_H
#define NMT_MODELS_SEQ2SEQ_H
#include "layers/layers.h"
#include "models/arch.h"

void nmt_s2s_params(nmt_param_table *t, const nmt_config *c);
void nmt_s2s_acts(nmt_act_table *a, const nmt_config *c, int maxB, int training);
int nmt_s2s_state_size(const nmt_config *c);
int nmt_s2s_check(const nmt_config *c);
/* The configuration fields with the book's defaults (ch16 §1.5). */
extern const nmt_config_field nmt_s2s_fields[5];

#define NMT_GENERIC "models/seq2seq_gen.h"
#include "core/generic.h"

/* The nmt_arch of one of these architectures, in a real-generic file. */
#define NMT_S2S_ARCH(info_)                                                                                  \
    {.info = &(info_), .pack = R(nmt_s2s_pack), .pack_rows = R(nmt_s2s_pack_rows), .unpack = R(nmt_s2s_unpack), \
     .forward_backward = R(nmt_s2s_forward_backward), .encode = R(nmt_s2s_encode),                            \
     .decode_step = R(nmt_s2s_decode_step)}

/* The whole of an architecture file of this family (in a real-generic file):
 * its nmt_arch_info (float build) and its nmt_arch for this precision. */
#ifdef NMT_F64
#define NMT_S2S_INFO(name_, summary_)
#else
#define NMT_S2S_INFO(name_, summary_)                                                                      \
    const nmt_arch_info nmt_arch_info_##name_ = {                                                          \
        .name = #name_, .summary = summary_, .fields = nmt_s2s_fields, .nfields = 5, .check = nmt_s2s_check, \
        .params = nmt_s2s_params, .acts = nmt_s2s_acts, .state_size = nmt_s2s_state_size};
#endif
#define NMT_S2S_ARCHITECTURE(name_, summary_)            \
    extern const nmt_arch_info nmt_arch_info_##name_;    \
    NMT_S2S_INFO(name_, summary_)                        \
    const R(nmt_arch) R(nmt_arch_##name_) = NMT_S2S_ARCH(nmt_arch_info_##name_);
#endif
