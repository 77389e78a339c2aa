#!/usr/bin/env python3
"""Write tests/fixtures/keras_gru_tiny.safetensors: a Keras 2.15 reference for
one GRU layer (tf.keras.layers.GRU with its defaults: reset_after=True, tanh /
sigmoid, use_bias) over a masked batch of different lengths, at tiny sizes.

Not part of the build.  Run it by hand, from the repository root, in a
virtualenv that has TensorFlow 2.15 (CPU) installed:

    /work/main/venv/bin/python tools/make_keras_gru_fixture.py [--out PATH]

It is deterministic: fixed seeds, single-threaded TF, op determinism on.
The fixture is written with numpy + json only, in safetensors layout
(tools/st_numpy.py, shared with the other fixture scripts).

What is in it (tests/test_gru.c reads it):
  * x (B, T, IN) with random values at the padded steps too, lengths (B, 1)
    in batch order (not sorted; one sequence is empty), mask = t < length;
  * the weights in Keras layout: kernel (IN, 3U), recurrent_kernel (U, 3U),
    bias (2, 3U), gate order z, r, h; h0 (B, U) the given initial state;
  * Rseq (B, T, U), RT (B, U): fixed random weights of the loss
        L = sum(outputs * Rseq * mask) + sum(final_state * RT);
  * for the run from h0 ("h0_") and from the zero state ("zero_"): outputs
    (B, T, U) (padded steps as Keras returns them, not compared), final state
    (B, U), and the gradients of L w.r.t. kernel, recurrent_kernel, bias, x
    and (h0 run only) h0.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["CUDA_VISIBLE_DEVICES"] = ""  # CPU kernels only (generic GRU)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_numpy import _DTYPES, read_safetensors, write_safetensors  # noqa: E402

SEED = 7
B, T, IN, U = 4, 6, 5, 7
LENGTHS = [4, 6, 0, 2]   # batch order; sorted by nmt's packing in the test


def setup_tf():
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")


def run(layer, x, mask, h0, Rseq, RT):
    """Outputs, final state and the gradients of L (see the docstring)."""
    xv = tf.Variable(x)
    h0v = tf.Variable(h0) if h0 is not None else None
    with tf.GradientTape() as tape:
        if h0v is not None:
            out, hT = layer(xv, mask=mask, initial_state=[h0v])
        else:
            out, hT = layer(xv, mask=mask)
        m = tf.cast(mask, tf.float32)[:, :, None]
        loss = tf.reduce_sum(out * Rseq * m) + tf.reduce_sum(hT * RT)
    wrt = [layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias,
           xv] + ([h0v] if h0v is not None else [])
    g = tape.gradient(loss, wrt)
    names = ["d_kernel", "d_recurrent_kernel", "d_bias", "d_x", "d_h0"]
    res = {"outputs": out.numpy(), "final_state": hT.numpy()}
    for n, v in zip(names, g):
        res[n] = tf.convert_to_tensor(v).numpy()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests",
        "fixtures", "keras_gru_tiny.safetensors"))
    args = ap.parse_args()
    setup_tf()
    # Python's, numpy's and TF's seeds: unseeded Keras initializers draw from
    # Python's random module
    tf.keras.utils.set_random_seed(SEED)
    rs = np.random.RandomState(SEED)

    x = rs.uniform(-1, 1, (B, T, IN)).astype(np.float32)
    lengths = np.array(LENGTHS, dtype=np.int32)
    mask = np.arange(T)[None, :] < lengths[:, None]
    h0 = rs.uniform(-0.8, 0.8, (B, U)).astype(np.float32)
    Rseq = rs.uniform(-1, 1, (B, T, U)).astype(np.float32)
    RT = rs.uniform(-1, 1, (B, U)).astype(np.float32)

    layer = tf.keras.layers.GRU(U, return_sequences=True, return_state=True)
    layer.build((B, T, IN))
    cfg = layer.get_config()
    assert cfg["reset_after"] and cfg["activation"] == "tanh"
    assert cfg["recurrent_activation"] == "sigmoid"
    # the Keras initializers (glorot_uniform, orthogonal), then a random bias:
    # a zero bias would not tell the two rows or the gate order apart
    kernel = layer.cell.kernel.numpy()
    rkernel = layer.cell.recurrent_kernel.numpy()
    bias = rs.uniform(-0.5, 0.5, (2, 3 * U)).astype(np.float32)
    layer.cell.bias.assign(bias)
    assert kernel.shape == (IN, 3 * U) and rkernel.shape == (U, 3 * U)

    T_ = {"x": x, "lengths": lengths.reshape(B, 1), "h0": h0,
          "kernel": kernel, "recurrent_kernel": rkernel, "bias": bias,
          "Rseq": Rseq, "RT": RT}
    for prefix, init in (("h0_", h0), ("zero_", None)):
        res = run(layer, x, mask, init, Rseq, RT)
        for k, v in res.items():
            T_[prefix + k] = v.astype(np.float32)

    # Keras mask semantics, as nmt's packing assumes them
    empty = LENGTHS.index(0)
    checks = {
        "empty_sequence_keeps_h0": bool(np.array_equal(
            T_["h0_final_state"][empty], h0[empty])),
        "empty_sequence_zero_state": bool(not T_["zero_final_state"][empty].any()),
        "padded_x_has_zero_grad": bool(not T_["h0_d_x"][~mask].any()),
    }
    assert all(checks.values()), checks

    meta = {
        "format": "nmt keras gru fixture v1",
        "tensorflow": tf.__version__,
        "config": json.dumps({"B": B, "T": T, "in": IN, "units": U,
                              "seed": SEED, "reset_after": True,
                              "gate_order": "z,r,h"}),
        "keras_checks": json.dumps(checks),
        "tolerance": "abs 1e-5",
    }
    out = os.path.normpath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    size = write_safetensors(out, T_, meta)
    back, bmeta = read_safetensors(out)
    assert set(back) == set(T_) and bmeta == meta
    for n, a in T_.items():
        assert np.array_equal(back[n], a), n
    assert size < 100_000

    print(f"wrote {out} ({size} bytes, {len(T_)} tensors)")
    print(f"tensorflow {tf.__version__}, numpy {np.__version__}")
    print("lengths", LENGTHS, "checks", json.dumps(checks))
    for n in sorted(T_):
        print(f"  {n:28s} {_DTYPES[T_[n].dtype][0]} {list(T_[n].shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
