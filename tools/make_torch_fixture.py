#!/usr/bin/python3
"""Write tests/fixtures/torch_basic_tiny.safetensors: a PyTorch reference for
the basic ch16 encoder-decoder (embedding -> LSTM encoder -> LSTM decoder
started from the encoder's final state -> Dense), at tiny sizes, in float32
AND in float64.

Not part of the build.  Run it by hand, from the repository root, with
Debian's python3-torch (PyTorch 1.13) and Debian's python 3.11.  Use
/usr/bin/python3 explicitly: the `python3` first on PATH may be another
interpreter (e.g. a pyenv one) that has no torch:

    apt-get install -y --no-install-recommends python3-torch python3-numpy
    /usr/bin/python3 tools/make_torch_fixture.py          # --out PATH

It is deterministic: torch.manual_seed, a seeded numpy Generator, one
thread.  The fixture is written with numpy + json only, in the same
safetensors layout as tools/make_keras_fixture.py: 8-byte little-endian
header length, JSON header padded with spaces to a multiple of 8, data ordered
by dtype size then name; "__metadata__" maps str -> str (JSON values).

The model is built from torch.nn parts, not from nmt's equations:
  * nn.Embedding (source, target; default N(0,1) init), ids are random
    (no text vectorization), 0 = padding, ids >= 1 at real positions;
  * encoder: nn.LSTM on nn.utils.rnn.pack_padded_sequence(...,
    enforce_sorted=False); its (h_n, c_n) is the state at each sentence's
    last real token.  pack_padded_sequence rejects length 0, so the rows with
    an empty source are left out of the encoder call and their final state is
    zeros (what Keras' masked LSTM gives);
  * decoder: nn.LSTM on the packed decoder inputs, initial state = the
    encoder's final state;
  * output: nn.Linear; loss: cross-entropy from the logits, averaged over the
    real target tokens (masked mean).

Weights are mapped to nmt's Keras layouts (the gate order i, f, g(=c), o is
the same in PyTorch and Keras):
    kernel           = weight_ih_l0.T              (in, 4U)
    recurrent_kernel = weight_hh_l0.T              (U, 4U)
    bias             = bias_ih_l0 + bias_hh_l0     (4U)
    output.kernel    = linear.weight.T             (U, Vt)
    output.bias      = linear.bias
bias_hh_l0 is kept random (PyTorch's default init), so the two-bias path is
exercised; the stored bias is the float32 sum.  The float64 model uses
bias_hh = float64(bias_hh32) and bias_ih = stored - bias_hh (exact in
double), so its effective bias is exactly the stored float32 value.  The
bias gradient stored is grad(bias_ih); grad(bias_hh) is the same sum
reduced in another order (checked equal up to rounding; the difference is in
"checks").

The float64 run starts from exactly the stored float32 weights (cast), so it
is a reference for nmt's double build at ~1e-15; the float32 run is a
reference for the float build.  A numpy float64 forward pass written from the
Keras layouts checks the mapping (max diff stored in "checks").

bf16/*: the reference for nmt's --precision bf16, from the stored float32
weights, written from the rule in docs/CLI.md ("Precision"), not from nmt's
code: a step loop in torch (masks keep finished rows' state) where every
operand of a matrix product is rounded to bfloat16 with torch's own
conversion (x.to(bfloat16), round to nearest even), with the gradient passed
through unchanged (Q), and the gradient arriving at every product's output
(the gate pre-activations z, the logits) is rounded to bfloat16 (G); sums,
gates, cell state, softmax and parameters stay float32.  The same loop
without rounding must equal the nn.LSTM float32 run (checked, in "checks").
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

# --------------------------------------------------------------------------
# configuration

SEED = 1234
VS = 13          # source vocabulary (id 0 = padding)
VT = 17          # target vocabulary
E = 6            # embedding size
U = 7            # LSTM units
L = 9            # max length
# Source / target lengths per sentence: unsorted, all different orders, one
# empty source (row 2), one source and one target of full length L.
SRC_LEN = [5, 9, 0, 2, 7, 1]
TGT_LEN = [4, 3, 6, 9, 1, 8]
B = len(SRC_LEN)


# --------------------------------------------------------------------------
# safetensors writer / reader (numpy + json only), as in make_keras_fixture.py

# (tools/st_numpy.py, shared with the other fixture script)
from st_numpy import _DTYPES, PARAM_NAMES, read_safetensors, write_safetensors  # noqa: E402


# --------------------------------------------------------------------------
# the model, from torch.nn parts

class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc_emb = nn.Embedding(VS, E)
        self.dec_emb = nn.Embedding(VT, E)
        self.enc_lstm = nn.LSTM(E, U, batch_first=True)
        self.dec_lstm = nn.LSTM(E, U, batch_first=True)
        self.out = nn.Linear(U, VT)

    def encode(self, enc_ids, src_len):
        """Final (h, c) at each sentence's last real token, (B, U) each;
        zeros for empty sources (left out of the packed call)."""
        nb = enc_ids.shape[0]
        dt = self.out.weight.dtype
        h = torch.zeros(nb, U, dtype=dt)
        c = torch.zeros(nb, U, dtype=dt)
        rows = torch.nonzero(src_len > 0).flatten()
        if len(rows):
            x = self.enc_emb(enc_ids[rows])
            packed = nn.utils.rnn.pack_padded_sequence(
                x, src_len[rows], batch_first=True, enforce_sorted=False)
            _, (hn, cn) = self.enc_lstm(packed)   # (1, n, U), input order
            h = h.index_copy(0, rows, hn[0])
            c = c.index_copy(0, rows, cn[0])
        return h, c

    def forward(self, enc_ids, src_len, dec_ids, tgt_len):
        h, c = self.encode(enc_ids, src_len)
        x = self.dec_emb(dec_ids)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, tgt_len, batch_first=True, enforce_sorted=False)
        out, _ = self.dec_lstm(packed, (h[None], c[None]))
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                  total_length=L)
        logits = self.out(out)                    # (B, L, Vt)
        return logits, h, c


def masked_mean_ce(logits, target_ids, tgt_len):
    mask = torch.arange(L)[None, :] < tgt_len[:, None]
    return nn.functional.cross_entropy(logits[mask], target_ids[mask].long(),
                                       reduction="mean"), mask


def keras_params(model):
    """{name: float64 ndarray} in nmt's Keras layouts."""
    def g(t):
        return t.detach().to(torch.float64).numpy().copy()
    p = {"encoder.embedding": g(model.enc_emb.weight),
         "decoder.embedding": g(model.dec_emb.weight),
         "output.kernel": g(model.out.weight).T.copy(),
         "output.bias": g(model.out.bias)}
    for side, lstm in (("encoder", model.enc_lstm), ("decoder", model.dec_lstm)):
        p[side + ".lstm.kernel"] = g(lstm.weight_ih_l0).T.copy()
        p[side + ".lstm.recurrent_kernel"] = g(lstm.weight_hh_l0).T.copy()
        p[side + ".lstm.bias"] = g(lstm.bias_ih_l0 + lstm.bias_hh_l0)
    return p


BIAS_GRAD_IH_VS_HH = {}   # max |grad(bias_ih) - grad(bias_hh)| per run


def keras_grads(model):
    def g(t):
        return t.grad.detach().to(torch.float64).numpy().copy()
    gr = {"encoder.embedding": g(model.enc_emb.weight),
          "decoder.embedding": g(model.dec_emb.weight),
          "output.kernel": g(model.out.weight).T.copy(),
          "output.bias": g(model.out.bias)}
    for side, lstm in (("encoder", model.enc_lstm), ("decoder", model.dec_lstm)):
        gr[side + ".lstm.kernel"] = g(lstm.weight_ih_l0).T.copy()
        gr[side + ".lstm.recurrent_kernel"] = g(lstm.weight_hh_l0).T.copy()
        gi, gh = g(lstm.bias_ih_l0), g(lstm.bias_hh_l0)
        # the same quantity reduced in two orders: equal up to rounding
        tol = 1e-6 if lstm.bias_ih_l0.dtype == torch.float32 else 1e-14
        d = float(np.max(np.abs(gi - gh)))
        assert d <= tol * max(1.0, float(np.max(np.abs(gi)))), (side, d)
        BIAS_GRAD_IH_VS_HH[str(lstm.bias_ih_l0.dtype)[6:] + " " + side] = d
        gr[side + ".lstm.bias"] = gi
    return gr


def make_f64_model(m32, stored):
    """A float64 copy whose effective weights are exactly the stored float32
    values (bias split as bias_hh = f64(bias_hh32), bias_ih = stored - it)."""
    m64 = Seq2Seq().double()
    with torch.no_grad():
        m64.enc_emb.weight.copy_(torch.from_numpy(stored["encoder.embedding"]))
        m64.dec_emb.weight.copy_(torch.from_numpy(stored["decoder.embedding"]))
        m64.out.weight.copy_(torch.from_numpy(stored["output.kernel"].T))
        m64.out.bias.copy_(torch.from_numpy(stored["output.bias"]))
        for side, l32, l64 in (("encoder", m32.enc_lstm, m64.enc_lstm),
                               ("decoder", m32.dec_lstm, m64.dec_lstm)):
            l64.weight_ih_l0.copy_(torch.from_numpy(stored[side + ".lstm.kernel"].T))
            l64.weight_hh_l0.copy_(torch.from_numpy(
                stored[side + ".lstm.recurrent_kernel"].T))
            bh = l32.bias_hh_l0.detach().double()
            bsum = torch.from_numpy(stored[side + ".lstm.bias"])
            l64.bias_hh_l0.copy_(bh)
            l64.bias_ih_l0.copy_(bsum - bh)
            assert torch.equal(l64.bias_ih_l0 + l64.bias_hh_l0, bsum)
    return m64


# --------------------------------------------------------------------------
# bf16 mixed precision, emulated in torch (the bf16/* tensors)

def to_bf16(t):
    return t.to(torch.bfloat16).to(t.dtype)


class Operand(torch.autograd.Function):
    """Q: a matrix operand read as bf16; its gradient passes unchanged."""
    @staticmethod
    def forward(ctx, x):
        return to_bf16(x)

    @staticmethod
    def backward(ctx, g):
        return g


class ProductGrad(torch.autograd.Function):
    """G: a product's output as computed; the gradient arriving at it is
    rounded to bf16 (it is an operand of the backward products)."""
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return to_bf16(g)


def step_loop_loss(P, enc_ids, src_len, dec_ids, tgt_len, target_ids, bf16):
    """Masked-mean loss of the model from Keras-layout float32 leaves P."""
    q = Operand.apply if bf16 else (lambda x: x)
    gz = ProductGrad.apply if bf16 else (lambda x: x)

    def cell(x, h, c, side):
        z = gz(q(x) @ q(P[side + ".lstm.kernel"])
               + q(h) @ q(P[side + ".lstm.recurrent_kernel"])
               + P[side + ".lstm.bias"])
        i, f = torch.sigmoid(z[:, :U]), torch.sigmoid(z[:, U:2 * U])
        g, o = torch.tanh(z[:, 2 * U:3 * U]), torch.sigmoid(z[:, 3 * U:])
        c2 = f * c + i * g
        return o * torch.tanh(c2), c2

    h = torch.zeros(B, U)
    c = torch.zeros(B, U)
    for t in range(L):
        m = torch.from_numpy(t < src_len)[:, None]
        h2, c2 = cell(P["encoder.embedding"][enc_ids[:, t]], h, c, "encoder")
        h, c = torch.where(m, h2, h), torch.where(m, c2, c)
    logits, targets = [], []
    for t in range(L):
        m = t < tgt_len
        h2, c2 = cell(P["decoder.embedding"][dec_ids[:, t]], h, c, "decoder")
        mt = torch.from_numpy(m)[:, None]
        h, c = torch.where(mt, h2, h), torch.where(mt, c2, c)
        rows = torch.from_numpy(np.nonzero(m)[0])
        logits.append(gz(q(h2[rows]) @ q(P["output.kernel"]) + P["output.bias"]))
        targets.append(torch.from_numpy(target_ids[m, t].astype(np.int64)))
    return nn.functional.cross_entropy(torch.cat(logits), torch.cat(targets), reduction="mean")


def step_loop_pass(stored, enc_ids, src_len, dec_ids, tgt_len, target_ids, bf16):
    P = {n: torch.tensor(stored[n], dtype=torch.float32, requires_grad=True) for n in PARAM_NAMES}
    loss = step_loop_loss(P, torch.from_numpy(enc_ids.astype(np.int64)), src_len,
                          torch.from_numpy(dec_ids.astype(np.int64)), tgt_len, target_ids, bf16)
    loss.backward()
    return float(loss.item()), {n: P[n].grad.detach().double().numpy().copy() for n in PARAM_NAMES}


# --------------------------------------------------------------------------
# numpy float64 forward from the Keras layouts (checks the mapping)

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _lstm_step(x, h, c, W, Uk, b):
    z = x @ W + h @ Uk + b
    i, f = _sigmoid(z[:, :U]), _sigmoid(z[:, U:2 * U])
    g, o = np.tanh(z[:, 2 * U:3 * U]), _sigmoid(z[:, 3 * U:])
    c = f * c + i * g
    return o * np.tanh(c), c


def numpy_forward(p, enc_ids, src_len, dec_ids, tgt_len):
    h = np.zeros((B, U))
    c = np.zeros((B, U))
    for t in range(L):
        m = (t < src_len)[:, None]
        h2, c2 = _lstm_step(p["encoder.embedding"][enc_ids[:, t]], h, c,
                            p["encoder.lstm.kernel"],
                            p["encoder.lstm.recurrent_kernel"],
                            p["encoder.lstm.bias"])
        h, c = np.where(m, h2, h), np.where(m, c2, c)
    hT, cT = h.copy(), c.copy()
    logits = np.zeros((B, L, VT))
    for t in range(L):
        m = (t < tgt_len)[:, None]
        h2, c2 = _lstm_step(p["decoder.embedding"][dec_ids[:, t]], h, c,
                            p["decoder.lstm.kernel"],
                            p["decoder.lstm.recurrent_kernel"],
                            p["decoder.lstm.bias"])
        h, c = np.where(m, h2, h), np.where(m, c2, c)
        logits[:, t] = np.where(m, h2 @ p["output.kernel"] + p["output.bias"],
                                0.0)
    return logits, hT, cT


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="tests/fixtures/torch_basic_tiny.safetensors")
    args = ap.parse_args()
    t0 = time.time()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)

    src_len = np.array(SRC_LEN, np.int64)
    tgt_len = np.array(TGT_LEN, np.int64)
    assert max(SRC_LEN) == L and max(TGT_LEN) == L and 0 in SRC_LEN
    assert min(TGT_LEN) >= 1
    enc_ids = np.zeros((B, L), np.int32)
    dec_ids = np.zeros((B, L), np.int32)
    target_ids = np.zeros((B, L), np.int32)
    for b in range(B):
        enc_ids[b, :SRC_LEN[b]] = rng.integers(1, VS, SRC_LEN[b])
        dec_ids[b, :TGT_LEN[b]] = rng.integers(1, VT, TGT_LEN[b])
        target_ids[b, :TGT_LEN[b]] = rng.integers(1, VT, TGT_LEN[b])

    m32 = Seq2Seq()   # PyTorch default initialisation, float32
    stored = keras_params(m32)
    for n in PARAM_NAMES:   # what the fixture holds (float32 values)
        stored[n] = stored[n].astype(np.float32).astype(np.float64)
    m64 = make_f64_model(m32, stored)

    t_enc = torch.from_numpy(enc_ids.astype(np.int64))
    t_dec = torch.from_numpy(dec_ids.astype(np.int64))
    t_tgt = torch.from_numpy(target_ids.astype(np.int64))
    t_sl = torch.from_numpy(src_len)
    t_tl = torch.from_numpy(tgt_len)

    res = {}
    for tag, model in (("f32", m32), ("f64", m64)):
        model.zero_grad()
        logits, h, c = model(t_enc, t_sl, t_dec, t_tl)
        loss, mask = masked_mean_ce(logits, t_tgt, t_tl)
        loss.backward()
        lg = logits.detach().to(torch.float64).numpy().copy()
        mk = mask.numpy()
        lg[~mk] = 0.0   # padded positions: stored as zeros
        res[tag] = {"logits": lg, "loss": float(loss.item()),
                    "h": h.detach().double().numpy(),
                    "c": c.detach().double().numpy(),
                    "grads": keras_grads(model),
                    "params": keras_params(model)}

    # the float64 model's Keras-layout weights are the stored ones
    for n in PARAM_NAMES:
        assert np.array_equal(res["f64"]["params"][n], stored[n]), n

    # ---- bf16, and the same step loop without rounding against nn.LSTM
    loop32_loss, loop32_grads = step_loop_pass(stored, enc_ids, src_len, dec_ids, tgt_len, target_ids, False)
    bf16_loss, bf16_grads = step_loop_pass(stored, enc_ids, src_len, dec_ids, tgt_len, target_ids, True)

    def rel_l2(a, b):
        return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))

    # ---- checks
    np_logits, np_h, np_c = numpy_forward(stored, enc_ids, src_len, dec_ids,
                                          tgt_len)
    mask = np.arange(L)[None, :] < tgt_len[:, None]
    z = np_logits[mask]
    zmax = z.max(-1, keepdims=True)
    lse = np.log(np.exp(z - zmax).sum(-1)) + zmax[:, 0]
    np_loss = float(np.mean(lse - z[np.arange(len(z)), target_ids[mask]]))

    def maxdiff(a, b):
        return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))

    checks = {
        "numpy_f64_vs_torch_f64": {
            "logits": maxdiff(np_logits, res["f64"]["logits"]),
            "enc_final_h": maxdiff(np_h, res["f64"]["h"]),
            "enc_final_c": maxdiff(np_c, res["f64"]["c"]),
            "loss": abs(np_loss - res["f64"]["loss"])},
        "torch_f32_vs_torch_f64": {
            "logits": maxdiff(res["f32"]["logits"], res["f64"]["logits"]),
            "enc_final_h": maxdiff(res["f32"]["h"], res["f64"]["h"]),
            "enc_final_c": maxdiff(res["f32"]["c"], res["f64"]["c"]),
            "loss": abs(res["f32"]["loss"] - res["f64"]["loss"]),
            "grads": max(maxdiff(res["f32"]["grads"][n], res["f64"]["grads"][n])
                         for n in PARAM_NAMES)},
        "step_loop_f32_vs_torch_f32": {
            "loss": abs(loop32_loss - res["f32"]["loss"]),
            "grads": max(maxdiff(loop32_grads[n], res["f32"]["grads"][n]) for n in PARAM_NAMES)},
        "bf16_vs_f32_rel_l2": {
            "loss": abs(bf16_loss - res["f32"]["loss"]) / res["f32"]["loss"],
            "grads": {n: rel_l2(bf16_grads[n], res["f32"]["grads"][n]) for n in PARAM_NAMES}},
        "bias_grad_ih_vs_hh_max_abs": BIAS_GRAD_IH_VS_HH,
        "empty_source_rows": [b for b in range(B) if SRC_LEN[b] == 0],
        "empty_source_state_is_zero": bool(
            all(not res[t][k][b].any() for t in ("f32", "f64")
                for k in ("h", "c") for b in range(B) if SRC_LEN[b] == 0)),
        "pad_embedding_rows_grad_zero": bool(
            not res["f64"]["grads"]["encoder.embedding"][0].any()
            and not res["f64"]["grads"]["decoder.embedding"][0].any()),
    }
    assert checks["numpy_f64_vs_torch_f64"]["logits"] < 1e-12, checks
    assert checks["numpy_f64_vs_torch_f64"]["loss"] < 1e-12, checks
    assert checks["step_loop_f32_vs_torch_f32"]["loss"] < 1e-6, checks
    assert checks["step_loop_f32_vs_torch_f32"]["grads"] < 1e-5, checks
    assert checks["empty_source_state_is_zero"]
    assert checks["pad_embedding_rows_grad_zero"]

    # ---- tensors
    T = {"enc_ids": enc_ids, "dec_ids": dec_ids, "target_ids": target_ids}
    for tag, pre, dt in (("f32", "", np.float32), ("f64", "f64/", np.float64)):
        r = res[tag]
        T[pre + "logits"] = r["logits"].astype(dt)
        T[pre + "loss"] = np.array(r["loss"], np.float64)
        T[pre + "enc_final_h"] = r["h"].astype(dt)
        T[pre + "enc_final_c"] = r["c"].astype(dt)
        for n in PARAM_NAMES:
            T[pre + "grad/" + n] = r["grads"][n].astype(dt)
    T["bf16/loss"] = np.array(bf16_loss, np.float64)
    for n in PARAM_NAMES:
        T["bf16/grad/" + n] = bf16_grads[n].astype(np.float32)
    for n in PARAM_NAMES:
        T["param/" + n] = stored[n].astype(np.float32)
    assert np.array_equal(T["loss"], np.float64(np.float32(T["loss"])))

    def js(v):
        return json.dumps(v, ensure_ascii=False)

    meta = {
        "generator": "tools/make_torch_fixture.py",
        "versions": js({"torch": torch.__version__, "numpy": np.__version__,
                        "python": sys.version.split()[0]}),
        "config": js({"src_vocab": VS, "tgt_vocab": VT, "embed": E,
                      "units": U, "max_length": L, "batch": B,
                      "seed": SEED}),
        "src_len": js(SRC_LEN),
        "tgt_len": js(TGT_LEN),
        "param_names": js(PARAM_NAMES),
        "layouts": js({
            "encoder.embedding": "(Vs,E) = nn.Embedding.weight",
            "decoder.embedding": "(Vt,E) = nn.Embedding.weight",
            "*.lstm.kernel": "(E,4U) = weight_ih_l0.T, gates i,f,c(g),o",
            "*.lstm.recurrent_kernel": "(U,4U) = weight_hh_l0.T",
            "*.lstm.bias": "(4U) = float32(bias_ih_l0 + bias_hh_l0); "
                           "bias_hh_l0 random (PyTorch default init); "
                           "grad = grad(bias_ih_l0) (= grad(bias_hh_l0) up to "
                           "rounding, see checks)",
            "output.kernel": "(U,Vt) = nn.Linear.weight.T",
            "output.bias": "(Vt) = nn.Linear.bias"}),
        "init": "PyTorch defaults after torch.manual_seed(%d): Embedding "
                "N(0,1), LSTM U(-1/sqrt(U), 1/sqrt(U)), Linear "
                "kaiming-uniform; ids from numpy default_rng(%d)"
                % (SEED, SEED),
        "precisions": js({
            "f32": "logits, loss, enc_final_h/c, grad/<name>: the float32 "
                   "PyTorch model (loss stored as F64 of the float32 value)",
            "f64": "f64/logits, f64/loss, f64/enc_final_h/c, "
                   "f64/grad/<name>: the same model in float64, from exactly "
                   "the stored float32 weights (param/<name> cast)",
            "bf16": "bf16/loss, bf16/grad/<name>: bf16 mixed precision "
                    "emulated in a torch step loop from the stored weights: "
                    "matrix operands rounded to bfloat16 (gradient passed "
                    "through), gradients at product outputs (z, logits) "
                    "rounded to bfloat16, everything else float32"}),
        "loss": "nn.functional.cross_entropy(logits[mask], target[mask]), "
                "mean over the %d real target tokens" % int(mask.sum()),
        "logits": "(B,L,Vt); zero at padded positions (t >= tgt_len)",
        "encoder": "pack_padded_sequence(enforce_sorted=False) over the rows "
                   "with a non-empty source; empty sources (rows %s) keep "
                   "the zero state" % checks["empty_source_rows"],
        "checks": js(checks),
        "tolerances": js({
            "f64_vs_double_build": "abs 1e-12 x max(1, max|ref| of the tensor)",
            "f32_vs_float_build": "abs 1e-6",
            "bf16_vs_float_build_bf16": "see tests/test_torch_parity.c"}),
    }

    out = os.path.normpath(args.out)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    size = write_safetensors(out, T, meta)

    back, bmeta = read_safetensors(out)
    assert set(back) == set(T) and bmeta == meta
    for n, a in T.items():
        assert np.array_equal(back[n], a), n
    assert size < 100_000

    print(f"wrote {out} ({size} bytes, {len(T)} tensors) in "
          f"{time.time() - t0:.2f} s")
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    print("source lengths", SRC_LEN, "target lengths", TGT_LEN)
    print("enc_ids:\n%s\ndec_ids:\n%s\ntarget_ids:\n%s"
          % (enc_ids, dec_ids, target_ids))
    print(f"loss f32 {res['f32']['loss']:.9f}  f64 {res['f64']['loss']:.17g}"
          f"  numpy f64 {np_loss:.17g}")
    for k, v in checks.items():
        print(f"  {k}: {v}")
    print("tensors:")
    for n in sorted(T):
        print(f"  {n:44s} {_DTYPES[T[n].dtype][0]} {list(T[n].shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
