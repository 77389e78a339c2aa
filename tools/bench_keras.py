#!/usr/bin/env python3
"""Keras 2 side of `make bench` (issue 3, part 1): the chapter-16 encoder-decoder exactly
as the book's notebook builds and trains it, timed for N batches.

  bench_keras.py --data spa.txt --batches N [--threads 2] [--result FILE]

Needs TensorFlow 2.15 (Keras 2); tools/bench.sh runs it in a virtualenv with
tensorflow-cpu 2.15. What it runs, as the notebook does: the data recipe of
tools/bench_torch.py (same pairs, same split); two TextVectorization layers
(1000 tokens, output length 50) adapted on all 118,964 pairs and placed inside the
model, which takes the raw strings; Embedding(1000, 128, mask_zero=True) x2; an
encoder LSTM(512, return_state=True) whose state starts the decoder
LSTM(512, return_sequences=True); Dense(1000, softmax); sparse categorical cross
entropy, optimizer "nadam", metric "accuracy"; model.fit with batch 32. Every sentence
is padded to 50, so Keras computes all 50 steps (the masks keep the results right).

Timing: a first fit() on one batch traces the training function (not timed), then a
second fit() on the next N batches (shuffle off, so that the timed batches are known)
is timed whole. tokens/s counts the real (non-padding) source and decoder-input tokens
of those N batches, the definition nmt and bench_torch.py use. No validation runs.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.dont_write_bytecode = True   # no __pycache__ in tools/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_torch import BATCH, N_TRAIN, emit, flops_per_token, load_pairs  # noqa: E402


def keras_version():
    try:
        import keras
        return keras.__version__
    except Exception:  # noqa: BLE001 - only informative
        return "unknown"


def log(msg, t0=[time.perf_counter()]):
    print(f"bench_keras: {time.perf_counter() - t0[0]:6.1f}s {msg}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--batches", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--result")
    a = p.parse_args()

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)

    log(f"TensorFlow {tf.__version__}")
    pairs = load_pairs(a.data)
    need = (a.batches + 1) * BATCH
    if need > N_TRAIN:
        sys.exit(f"bench_keras: --batches {a.batches} needs more than the {N_TRAIN} training pairs")
    sentences_en = [en for en, _ in pairs]
    sentences_es = [es for _, es in pairs]

    # The notebook's cells, with the training set cut to the batches this run needs.
    vocab_size, max_length = 1000, 50
    text_vec_layer_en = tf.keras.layers.TextVectorization(vocab_size, output_sequence_length=max_length)
    text_vec_layer_es = tf.keras.layers.TextVectorization(vocab_size, output_sequence_length=max_length)
    text_vec_layer_en.adapt(tf.constant(sentences_en), batch_size=4096)
    text_vec_layer_es.adapt(tf.constant([f"startofseq {s} endofseq" for s in sentences_es]), batch_size=4096)

    log("vocabularies adapted")
    X_train = tf.constant(sentences_en[:need])
    X_train_dec = tf.constant([f"startofseq {s}" for s in sentences_es[:need]])
    Y_train = text_vec_layer_es([f"{s} endofseq" for s in sentences_es[:need]])

    tf.random.set_seed(42)
    encoder_inputs = tf.keras.layers.Input(shape=[], dtype=tf.string)
    decoder_inputs = tf.keras.layers.Input(shape=[], dtype=tf.string)
    embed_size = 128
    encoder_input_ids = text_vec_layer_en(encoder_inputs)
    decoder_input_ids = text_vec_layer_es(decoder_inputs)
    encoder_embedding_layer = tf.keras.layers.Embedding(vocab_size, embed_size, mask_zero=True)
    decoder_embedding_layer = tf.keras.layers.Embedding(vocab_size, embed_size, mask_zero=True)
    encoder_embeddings = encoder_embedding_layer(encoder_input_ids)
    decoder_embeddings = decoder_embedding_layer(decoder_input_ids)
    encoder = tf.keras.layers.LSTM(512, return_state=True)
    encoder_outputs, *encoder_state = encoder(encoder_embeddings)
    decoder = tf.keras.layers.LSTM(512, return_sequences=True)
    decoder_outputs = decoder(decoder_embeddings, initial_state=encoder_state)
    output_layer = tf.keras.layers.Dense(vocab_size, activation="softmax")
    Y_proba = output_layer(decoder_outputs)
    model = tf.keras.Model(inputs=[encoder_inputs, decoder_inputs], outputs=[Y_proba])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])

    log("model built")
    first = slice(0, BATCH)
    timed = slice(BATCH, need)
    model.fit((X_train[first], X_train_dec[first]), Y_train[first], epochs=1, batch_size=BATCH,
              shuffle=False, verbose=0)   # traces the training step
    log("training step traced (first batch)")
    t0 = time.perf_counter()
    hist = model.fit((X_train[timed], X_train_dec[timed]), Y_train[timed], epochs=1, batch_size=BATCH,
                     shuffle=False, verbose=0)
    sec = time.perf_counter() - t0
    log(f"{a.batches} batches trained")

    enc = int(tf.math.count_nonzero(text_vec_layer_en(X_train[timed])))
    dec = int(tf.math.count_nonzero(Y_train[timed]))   # decoder-input mask == target mask
    src_f, dec_f = flops_per_token()
    emit({
        "tf_version": tf.__version__,
        "keras_version": keras_version(),
        "threads": a.threads,
        "batches": a.batches,
        "src_tokens": enc,
        "dec_tokens": dec,
        "seconds": f"{sec:.3f}",
        "tokens_per_s": f"{(enc + dec) / sec:.1f}",
        "gflop_per_s": f"{(enc * src_f + dec * dec_f) / sec * 1e-9:.2f}",
        "ms_per_step": f"{sec / a.batches * 1e3:.1f}",
        "last_loss": f"{hist.history['loss'][-1]:.4f}",
    }, a.result)


if __name__ == "__main__":
    main()
