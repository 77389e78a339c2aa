/* Architecture "attention": bidirectional encoder, LSTM decoder, Luong dot-product attention feeding the output layer (ch16 §1.8).
 * The code is the chapter's encoder–decoder family in seq2seq.c. */
#include "core/real.h"
#include "models/seq2seq.h"

NMT_S2S_ARCHITECTURE(attention, "bidirectional encoder, LSTM decoder, Luong dot-product attention feeding the output layer (ch16 §1.8)")
