#!/usr/bin/env python3
"""PyTorch side of `make bench` (issue 3, part 1), and the data recipe shared with
tools/bench_keras.py. Run by tools/bench.sh; usable by hand:

  bench_torch.py prep      --data spa.txt --out-dir DIR [--n-valid 2000]
  bench_torch.py train     --data spa.txt --batches N [--threads 2] [--arch basic] [--result FILE]
  bench_torch.py translate --model es.nmt --input en.txt --output es.txt [--threads 2]
                           [--max-seconds S] [--result FILE]
  bench_torch.py flops     --model es.nmt --input en.txt --translations es.txt [--result FILE]
  bench_torch.py charrnn   --data input.txt --batches N [--threads 2] [--warmup 3] [--result FILE]

prep      needs only Python: writes DIR/valid_en.txt (the first N validation English
          sentences, for the translation benchmark) and DIR/prep.txt (token counts of the
          training set, from which bench.sh weights the model FLOPs per token, of each
          architecture: flop_per_token for basic, flop_per_token_ARCH for the others).
train     the chapter-16 encoder-decoder in PyTorch with packed sequences: nn.Embedding +
          nn.LSTM (pack_padded_sequence, encoder state at each sentence's last real token
          passed to the decoder) + nn.Linear over the packed decoder tokens only, cross
          entropy averaged over real target tokens, torch.optim.NAdam, batch 32. One
          warm-up batch, then N timed batches. --arch selects the model, as `nmt train
          --arch` does:
            basic          the above (the default);
            bidirectional  the encoder is nn.LSTM(bidirectional=True), 256 units per
                           direction, over the packed source (the backward direction starts
                           at each sentence's last real token); the decoder LSTM(512)
                           starts from [h_fwd; h_bwd], [c_fwd; c_bwd];
            attention      the same encoder, its outputs padded back (pad_packed_sequence);
                           after the decoder LSTM(512), Luong dot-product attention over the
                           source's real positions (bmm, padded positions masked out of the
                           softmax), and nn.Linear over the context vectors of the real
                           target tokens only.
          tokens/s counts real source + decoder-input tokens, whatever the architecture.
translate greedy decoding with the encoder and decoder state carried, one sentence at a
          time (batch 1), with the weights and vocabularies of an nmt model file (so its
          output can be compared with `nmt translate` line by line). With --max-seconds,
          it stops early and reports the rate over the sentences translated.
flops     forward FLOPs of translations already made (nmt's): source tokens and decoder
          steps (output words + 1 for endofseq, at most max_length); needs only Python.
charrnn   the book's Shakespeare char-RNN (chapter 16, `nmt train --arch charrnn`):
          nn.Embedding(39, 16) + nn.GRU(16, 128) + nn.Linear(128, 39), cross entropy
          averaged over all 100 positions of every window, torch.optim.NAdam, batch 32.
          The text is read as UTF-8 and ASCII-lowercased; its characters are the
          vocabulary (Keras 2 TextVectorization(split="character"): by count
          descending, then by the character's bytes descending, ids from 0, i.e.
          Keras's minus 2); the first 1,000,000 characters train; windows of 101
          characters (input 100, target shifted by one) at every start (shift 1),
          shuffled (torch's own permutation: the speed does not depend on which
          windows). --warmup untimed batches, then N timed batches; chars/s counts
          batches x 32 x 100 trained characters. Prints a JSON line on stdout.

Every result is written as `key=value` lines (stdout, and --result FILE); charrnn
prints a JSON line on stdout instead, and `key=value` lines to --result FILE.

The data recipe is the notebook's: spa.txt read as UTF-8, "¡" and "¿" deleted,
splitlines, split on TAB, numpy's legacy shuffle with seed 42 (re-implemented here in
pure Python, MT19937, so that no numpy is needed), the first 100,000 pairs train.
Vectorization follows Keras 2 TextVectorization: ASCII lower-casing, Python's
string.punctuation deleted, split on ASCII whitespace, vocabulary by count descending
then token bytes descending, 1000 tokens with "" and "[UNK]", length 50.
"""
import argparse
import json
import os
import re
import string
import struct
import sys
import time

VOCAB = 1000
MAX_LEN = 50
N_TRAIN = 100_000
BATCH = 32
EMBED = 128
UNITS = 512


# ---------------------------------------------------------------- data recipe

class MT19937:
    """numpy.random.RandomState's generator: init_genrand seeding, 32-bit draws."""

    def __init__(self, seed):
        mt = [0] * 624
        mt[0] = seed & 0xFFFFFFFF
        for i in range(1, 624):
            mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
        self.mt, self.i = mt, 624

    def _twist(self):
        mt = self.mt
        for k in range(624):
            y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
            v = mt[(k + 397) % 624] ^ (y >> 1)
            if y & 1:
                v ^= 0x9908B0DF
            mt[k] = v
        self.i = 0

    def next32(self):
        if self.i >= 624:
            self._twist()
        y = self.mt[self.i]
        self.i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def interval(self, hi):
        """Uniform integer in [0, hi], by masked rejection (numpy's random_interval)."""
        if hi == 0:
            return 0
        mask = hi
        for s in (1, 2, 4, 8, 16):
            mask |= mask >> s
        while True:
            v = self.next32() & mask
            if v <= hi:
                return v

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = self.interval(i)
            xs[i], xs[j] = xs[j], xs[i]


def load_pairs(path, seed=42):
    """The notebook's pairs, shuffled: a list of (english, spanish)."""
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("¡", "").replace("¿", "")
    pairs = [line.split("\t") for line in text.splitlines()]
    for k, p in enumerate(pairs):
        if len(p) < 2:
            raise ValueError(f"{path}:{k + 1}: expected English<TAB>Spanish")
    MT19937(seed).shuffle(pairs)
    return [(p[0], p[1]) for p in pairs]


_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_STRIP = str.maketrans("", "", string.punctuation)
_WS = re.compile(r"[ \t\n\v\f\r]+")


def words(s):
    return [w for w in _WS.split(s.translate(_LOWER).translate(_STRIP)) if w]


def adapt(sentences, size=VOCAB):
    counts = {}
    for s in sentences:
        for w in words(s):
            counts[w] = counts.get(w, 0) + 1
    counts.pop("", None)
    counts.pop("[UNK]", None)
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8")), reverse=True)
    vocab = ["", "[UNK]"] + [w for w, _ in ranked[: size - 2]]
    return {w: i for i, w in enumerate(vocab)}


def ids(s, vocab, max_len=MAX_LEN):
    return [vocab.get(w, 1) for w in words(s)][:max_len]


def vectorize(pairs, vocab_en, vocab_es):
    """(source ids, decoder-input ids, target ids) per pair, unpadded."""
    out = []
    for en, es in pairs:
        out.append((ids(en, vocab_en), ids("startofseq " + es, vocab_es), ids(es + " endofseq", vocab_es)))
    return out


ARCHS = ("basic", "bidirectional", "attention")


def flops_per_token(embed=EMBED, units=UNITS, vocab=VOCAB):
    """Model FLOPs per real token, forward + backward (backward = 2x forward)."""
    g = 4 * units
    src = 3 * 2 * (embed * g + units * g)
    dec = 3 * 2 * (embed * g + units * g + units * vocab)
    return src, dec


def arch_flops(arch, embed=EMBED, units=UNITS, vocab=VOCAB):
    """(per real source token, per real decoder token, per source x decoder token pair)
    model FLOPs of an architecture, forward + backward (backward = 2x forward). The
    bidirectional encoder runs two LSTMs of units/2; attention adds, per decoder token
    and real source position, a dot product and a weighted sum over units values."""
    src, dec = flops_per_token(embed, units, vocab)
    if arch == "basic":
        return src, dec, 0
    h = units // 2
    src = 3 * 2 * 2 * (embed * 4 * h + h * 4 * h)
    return src, dec, (3 * 2 * 2 * units if arch == "attention" else 0)


def emit(result, path):
    lines = [f"{k}={v}" for k, v in result.items()]
    print("\n".join(lines))
    if path:
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- prep

def cmd_prep(a):
    pairs = load_pairs(a.data)
    vocab_en = adapt(en for en, _ in pairs)
    vocab_es = adapt(f"startofseq {es} endofseq" for _, es in pairs)
    train = vectorize(pairs[:N_TRAIN], vocab_en, vocab_es)
    valid = pairs[N_TRAIN:N_TRAIN + a.n_valid]
    os.makedirs(a.out_dir, exist_ok=True)
    with open(os.path.join(a.out_dir, "valid_en.txt"), "w", encoding="utf-8") as f:
        for en, _ in valid:
            f.write(en + "\n")
    src_f, dec_f = flops_per_token()
    enc = sum(len(s) for s, _, _ in train)
    dec = sum(len(d) for _, d, _ in train)
    cross = sum(len(s) * len(d) for s, d, _ in train)
    per_arch = {}
    for arch in ARCHS[1:]:
        sf, df, xf = arch_flops(arch)
        per_arch["flop_per_token_" + arch] = round((enc * sf + dec * df + cross * xf) / (enc + dec))
    emit({
        "pairs": len(pairs),
        "first_pairs": json.dumps([p[0] for p in pairs[:3]]),
        "train_src_tokens": enc,
        "train_dec_tokens": dec,
        "flop_per_src_token": src_f,
        "flop_per_dec_token": dec_f,
        "flop_per_token": round((enc * src_f + dec * dec_f) / (enc + dec)),
        **per_arch,
        "valid_sentences": len(valid),
        "valid_src_tokens": sum(len(ids(en, vocab_en)) for en, _ in valid),
    }, os.path.join(a.out_dir, "prep.txt"))


# ---------------------------------------------------------------- train

def cmd_train(a):
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)

    pairs = load_pairs(a.data)
    vocab_en = adapt(en for en, _ in pairs)
    vocab_es = adapt(f"startofseq {es} endofseq" for _, es in pairs)
    need = (a.batches + 1) * BATCH
    if need > N_TRAIN:
        sys.exit(f"bench_torch: --batches {a.batches} needs more than the {N_TRAIN} training pairs")
    data = vectorize(pairs[:need], vocab_en, vocab_es)

    def pad(seqs):
        t = torch.zeros(len(seqs), max(1, max(len(s) for s in seqs)), dtype=torch.long)
        for i, s in enumerate(seqs):
            if s:
                t[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        return t

    batches = []
    for b in range(a.batches + 1):
        chunk = data[b * BATCH:(b + 1) * BATCH]
        src_len = [len(s) for s, _, _ in chunk]
        dec_len = [len(d) for _, d, _ in chunk]
        batches.append((
            pad([s for s, _, _ in chunk]),
            # pack_padded_sequence refuses empty sequences: a source with no token
            # runs one padding step (rare; nmt keeps the zero state instead)
            torch.tensor([max(1, n) for n in src_len]),
            pad([d for _, d, _ in chunk]),
            pad([t for _, _, t in chunk]),
            torch.tensor(dec_len),
            sum(src_len), sum(dec_len),
            sum(s * d for s, d in zip(src_len, dec_len)),
        ))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc_emb = nn.Embedding(VOCAB, EMBED)
            self.dec_emb = nn.Embedding(VOCAB, EMBED)
            self.enc = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.dec = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, VOCAB)

        def forward(self, src, src_len, dec, dec_len):
            packed = pack_padded_sequence(self.enc_emb(src), src_len, batch_first=True, enforce_sorted=False)
            _, state = self.enc(packed)   # (h, c) at each sentence's last real token, batch order
            packed = pack_padded_sequence(self.dec_emb(dec), dec_len, batch_first=True, enforce_sorted=False)
            out, _ = self.dec(packed, state)
            return self.out(out.data)     # logits of the real decoder tokens only

        def targets(self, tgt, dec_len):  # in the order of the logits
            return pack_padded_sequence(tgt, dec_len, batch_first=True, enforce_sorted=False).data

    class Bidirectional(Model):
        def __init__(self):
            super().__init__()
            self.enc = nn.LSTM(EMBED, UNITS // 2, batch_first=True, bidirectional=True)

        def encode(self, src, src_len):
            packed = pack_padded_sequence(self.enc_emb(src), src_len, batch_first=True, enforce_sorted=False)
            out, (h, c) = self.enc(packed)  # h, c: (2 directions, batch, UNITS/2), batch order
            # [fwd at the last real token; bwd at the first], as the decoder's initial state
            return out, (torch.cat((h[0], h[1]), 1).unsqueeze(0), torch.cat((c[0], c[1]), 1).unsqueeze(0))

        def forward(self, src, src_len, dec, dec_len):
            _, state = self.encode(src, src_len)
            packed = pack_padded_sequence(self.dec_emb(dec), dec_len, batch_first=True, enforce_sorted=False)
            out, _ = self.dec(packed, state)
            return self.out(out.data)

    class Attention(Bidirectional):
        def forward(self, src, src_len, dec, dec_len):
            enc_out, state = self.encode(src, src_len)
            enc_out, _ = pad_packed_sequence(enc_out, batch_first=True)   # (B, S, UNITS), batch order
            packed = pack_padded_sequence(self.dec_emb(dec), dec_len, batch_first=True, enforce_sorted=False)
            out, _ = self.dec(packed, state)
            q, _ = pad_packed_sequence(out, batch_first=True)             # (B, T, UNITS)
            scores = torch.bmm(q, enc_out.transpose(1, 2))                # (B, T, S)
            pad_src = torch.arange(enc_out.shape[1]) >= src_len[:, None]  # (B, S): padded positions
            weights = torch.softmax(scores.masked_fill(pad_src[:, None, :], float("-inf")), dim=2)
            context = torch.bmm(weights, enc_out)                         # (B, T, UNITS)
            real = torch.arange(q.shape[1]) < dec_len[:, None]            # (B, T): real target tokens
            return self.out(context[real])  # logits of the real target tokens only, row-major

        def targets(self, tgt, dec_len):
            return tgt[:, : int(dec_len.max())][torch.arange(int(dec_len.max())) < dec_len[:, None]]

    model = {"basic": Model, "bidirectional": Bidirectional, "attention": Attention}[a.arch]()
    opt = torch.optim.NAdam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()       # mean over the real target tokens

    def step(b):
        src, src_len, dec, tgt, dec_len = b[:5]
        opt.zero_grad(set_to_none=True)
        logits = model(src, src_len, dec, dec_len)
        target = model.targets(tgt, dec_len)
        loss = loss_fn(logits, target)
        loss.backward()
        opt.step()
        return loss.item()

    step(batches[0])                      # warm-up (allocator, first-call set-up), not timed
    t0 = time.perf_counter()
    loss = 0.0
    for b in batches[1:]:
        loss = step(b)
    sec = time.perf_counter() - t0
    enc = sum(b[5] for b in batches[1:])
    dec = sum(b[6] for b in batches[1:])
    cross = sum(b[7] for b in batches[1:])
    src_f, dec_f, cross_f = arch_flops(a.arch)
    emit({
        "torch_version": torch.__version__,
        "arch": a.arch,
        "threads": torch.get_num_threads(),
        "batches": a.batches,
        "src_tokens": enc,
        "dec_tokens": dec,
        "seconds": f"{sec:.3f}",
        "ms_per_batch": f"{sec / a.batches * 1e3:.2f}",
        "tokens_per_s": f"{(enc + dec) / sec:.1f}",
        "gflop_per_s": f"{(enc * src_f + dec * dec_f + cross * cross_f) / sec * 1e-9:.2f}",
        "last_loss": f"{loss:.4f}",
    }, a.result)


# ---------------------------------------------------------------- translate

def read_nmt_header(path):
    """(safetensors header without __metadata__, model document, data offset) of an nmt file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    doc = json.loads(header.pop("__metadata__")["nmt"])
    if doc["config"].get("arch", "basic") != "basic":
        sys.exit(f"bench_torch: {path}: architecture {doc['config'].get('arch')} is not the basic encoder-decoder")
    return header, doc, 8 + n


def read_nmt_model(path):
    """Tensors (as torch tensors) and the model document of an nmt safetensors file."""
    import torch
    header, doc, base = read_nmt_header(path)
    with open(path, "rb") as f:
        blob = f.read()
    tensors = {}
    for name, d in header.items():
        if d["dtype"] != "F32":
            raise ValueError(f"{path}: {name}: dtype {d['dtype']}, expected F32")
        lo, hi = d["data_offsets"]
        t = torch.frombuffer(bytearray(blob[base + lo:base + hi]), dtype=torch.float32)
        tensors[name] = t.reshape(d["shape"])
    return tensors, doc


def forward_flops(cfg, src_tokens, dec_steps):
    """Forward FLOPs of greedy decoding: encoder per source token, decoder per step."""
    E, U, V = cfg["embed"], cfg["units"], cfg["tgt_vocab"]
    g = 4 * U
    return src_tokens * 2 * (E * g + U * g) + dec_steps * 2 * (E * g + U * g + U * V)


def cmd_flops(a):
    """FLOPs of translations already made (by nmt): no PyTorch needed."""
    _, doc, _ = read_nmt_header(a.model)
    cfg = doc["config"]
    L = cfg["max_length"]
    src_vocab = {t: i for i, t in enumerate(doc["vocab"]["source"])}
    with open(a.input, encoding="utf-8") as f:
        src = [ln.rstrip("\r\n") for ln in f]
    with open(a.translations, encoding="utf-8") as f:
        out = [ln.rstrip("\r\n") for ln in f]
    src_tokens = dec_steps = 0
    for s, t in zip(src, out):
        if not s.strip():
            continue   # a blank line is not translated
        src_tokens += len(ids(s.replace("¡", "").replace("¿", ""), src_vocab, L))
        n = len(t.split(" ")) if t else 0
        dec_steps += n if n >= L else n + 1   # + the step that produced endofseq
    emit({"sentences": min(len(src), len(out)), "src_tokens": src_tokens, "dec_steps": dec_steps,
          "flop": forward_flops(cfg, src_tokens, dec_steps)}, a.result)


def cmd_translate(a):
    import torch
    from torch import nn

    torch.set_num_threads(a.threads)
    w, doc = read_nmt_model(a.model)
    cfg = doc["config"]
    E, U, L = cfg["embed"], cfg["units"], cfg["max_length"]
    src_vocab = {t: i for i, t in enumerate(doc["vocab"]["source"])}
    tgt_words = doc["vocab"]["target"]
    start, end = tgt_words.index("startofseq"), tgt_words.index("endofseq")

    enc_emb = nn.Embedding.from_pretrained(w["encoder.embedding"])
    dec_emb = nn.Embedding.from_pretrained(w["decoder.embedding"])
    enc = nn.LSTM(E, U, batch_first=True)
    dec = nn.LSTMCell(E, U)
    out = nn.Linear(U, len(tgt_words))
    with torch.no_grad():   # Keras layout -> PyTorch (docs/FORMAT.md): same gate order, transposed
        for cell, pre, ih, hh, bih, bhh in ((enc, "encoder", "weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                             "bias_hh_l0"),
                                            (dec, "decoder", "weight_ih", "weight_hh", "bias_ih", "bias_hh")):
            getattr(cell, ih).copy_(w[pre + ".lstm.kernel"].t())
            getattr(cell, hh).copy_(w[pre + ".lstm.recurrent_kernel"].t())
            getattr(cell, bih).copy_(w[pre + ".lstm.bias"])
            getattr(cell, bhh).zero_()
        out.weight.copy_(w["output.kernel"].t())
        out.bias.copy_(w["output.bias"])

    with open(a.input, encoding="utf-8") as f:
        lines = [ln.rstrip("\r\n") for ln in f]

    def translate(sentence):
        src = ids(sentence.replace("¡", "").replace("¿", ""), src_vocab, L)
        if src:
            _, (h, c) = enc(enc_emb(torch.tensor([src])))
            h, c = h[0], c[0]
        else:
            h = c = torch.zeros(1, U)
        tok, result, steps = start, [], 0
        for _ in range(L):
            h, c = dec(dec_emb(torch.tensor([tok])), (h, c))
            tok = int(out(h).argmax(dim=1))
            steps += 1
            if tok == end:
                break
            result.append(tgt_words[tok])
        return " ".join(result), len(src), steps

    results, src_tokens, dec_steps = [], 0, 0
    with torch.inference_mode():
        translate("warm up")
        t0 = time.perf_counter()
        for s in lines:
            if a.max_seconds and time.perf_counter() - t0 > a.max_seconds:
                break   # time cap: the rate is over the sentences translated so far
            if s.strip():
                r, ns, nd = translate(s)
                src_tokens += ns
                dec_steps += nd
            else:
                r = ""
            results.append(r)
        sec = time.perf_counter() - t0
    with open(a.output, "w", encoding="utf-8") as f:
        f.write("".join(r + "\n" for r in results))
    flop = forward_flops(cfg, src_tokens, dec_steps)
    emit({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "sentences": len(results),
        "of_sentences": len(lines),
        "src_tokens": src_tokens,
        "dec_steps": dec_steps,
        "seconds": f"{sec:.3f}",
        "sentences_per_s": f"{len(results) / sec:.1f}",
        "gflop_per_s": f"{flop / sec * 1e-9:.2f}",
        "flop": flop,
    }, a.result)


# ---------------------------------------------------------------- charrnn

CHAR_TRAIN = 1_000_000   # the book's training split: the first 1,000,000 characters
CHAR_WINDOW = 100        # input length; windows hold 101 characters
CHAR_EMBED = 16
CHAR_UNITS = 128


def char_vocab(text):
    """Keras 2 TextVectorization(split="character", standardize="lower") adapted on the
    whole text, ids minus 2 (no "" and "[UNK]"): {character: id}."""
    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8")), reverse=True)
    return {ch: i for i, (ch, _) in enumerate(ranked)}


def char_flops(vocab, embed=CHAR_EMBED, units=CHAR_UNITS):
    """Model FLOPs per trained character, forward + backward (backward = 2x forward):
    the GRU's three gates over [x; h] and the output layer."""
    return 3 * 2 * (3 * units * (embed + units) + units * vocab)


def cmd_charrnn(a):
    import torch
    from torch import nn

    if a.batches < 1 or a.warmup < 0 or a.threads < 1:
        sys.exit("bench_torch: charrnn: --batches and --threads must be >= 1, --warmup >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)

    with open(a.data, encoding="utf-8") as f:
        text = f.read().translate(_LOWER)
    vocab = char_vocab(text)
    V = len(vocab)
    data = torch.tensor([vocab[ch] for ch in text[:CHAR_TRAIN]], dtype=torch.long)
    n_windows = len(data) - CHAR_WINDOW
    need = (a.warmup + a.batches) * BATCH
    if need > n_windows:
        sys.exit(f"bench_torch: charrnn: {a.warmup} + {a.batches} batches need {need} windows, "
                 f"the text has {max(0, n_windows)}")
    starts = torch.randperm(n_windows, generator=torch.Generator().manual_seed(42))[:need]
    offsets = torch.arange(CHAR_WINDOW + 1)
    batches = []
    for b in range(a.warmup + a.batches):
        w = data[starts[b * BATCH:(b + 1) * BATCH, None] + offsets]   # (32, 101)
        batches.append((w[:, :-1].contiguous(), w[:, 1:].contiguous()))

    # nn.GRU computes Keras's GRU(reset_after=True): the reset gate multiplies the
    # recurrent product after its bias, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
    # Its gates are stacked r, z, n where Keras stacks z, r, h: the same arithmetic in
    # another layout (and other initial weights), which only the speed needs here.
    class CharRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, CHAR_EMBED)
            self.gru = nn.GRU(CHAR_EMBED, CHAR_UNITS, batch_first=True)
            self.out = nn.Linear(CHAR_UNITS, V)

        def forward(self, x):
            h, _ = self.gru(self.emb(x))
            return self.out(h)

    model = CharRNN()
    opt = torch.optim.NAdam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)   # Keras's defaults
    loss_fn = nn.CrossEntropyLoss()   # mean over all 32 x 100 positions

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    for x, y in batches[:a.warmup]:   # warm-up (allocator, first-call set-up), not timed
        step(x, y)
    t0 = time.perf_counter()
    loss = 0.0
    for x, y in batches[a.warmup:]:
        loss = step(x, y)
    sec = time.perf_counter() - t0
    chars = a.batches * BATCH * CHAR_WINDOW
    f = char_flops(V)
    result = {
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batches": a.batches,
        "warmup_batches": a.warmup,
        "vocab": V,
        "chars": chars,
        "seconds": round(sec, 3),
        "ms_per_batch": round(sec / a.batches * 1e3, 2),
        "chars_per_s": round(chars / sec, 1),
        "flop_per_char": f,
        "gflop_per_s": round(chars * f / sec * 1e-9, 2),
        "loss": round(loss, 4),
    }
    print(json.dumps(result))
    if a.result:
        with open(a.result, "w") as out:
            out.write("".join(f"{k}={v}\n" for k, v in result.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("prep")
    s.add_argument("--data", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--n-valid", type=int, default=2000)
    s = sub.add_parser("train")
    s.add_argument("--data", required=True)
    s.add_argument("--batches", type=int, default=300)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--arch", choices=ARCHS, default="basic")
    s.add_argument("--result")
    s = sub.add_parser("translate")
    s.add_argument("--model", required=True)
    s.add_argument("--input", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--max-seconds", type=float, default=0, help="stop after this long (0: no limit)")
    s.add_argument("--result")
    s = sub.add_parser("flops")
    s.add_argument("--model", required=True)
    s.add_argument("--input", required=True)
    s.add_argument("--translations", required=True)
    s.add_argument("--result")
    s = sub.add_parser("charrnn")
    s.add_argument("--data", required=True, help="tiny Shakespeare's input.txt")
    s.add_argument("--batches", type=int, default=300)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--warmup", type=int, default=3, help="untimed batches first")
    s.add_argument("--result")
    a = p.parse_args()
    {"prep": cmd_prep, "train": cmd_train, "translate": cmd_translate, "flops": cmd_flops,
     "charrnn": cmd_charrnn}[a.cmd](a)


if __name__ == "__main__":
    main()
