/* Architecture "basic": the book's encoder-decoder: LSTM encoder, LSTM decoder from its final state (ch16 §1.5).
 * The code is the chapter's encoder–decoder family in seq2seq.c. */
#include "core/real.h"
#include "models/seq2seq.h"

NMT_S2S_ARCHITECTURE(basic, "the book's encoder-decoder: LSTM encoder, LSTM decoder from its final state (ch16 §1.5)")
