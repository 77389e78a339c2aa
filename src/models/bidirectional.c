/* Architecture "bidirectional": bidirectional LSTM encoder (units/2 each way), LSTM decoder from [forward; backward] state (ch16 §1.6).
 * The code is the chapter's encoder–decoder family in seq2seq.c. */
#include "core/real.h"
#include "models/seq2seq.h"

NMT_S2S_ARCHITECTURE(bidirectional, "bidirectional LSTM encoder (units/2 each way), LSTM decoder from [forward; backward] state (ch16 §1.6)")
