#!/usr/bin/env bash
# nmt inspect end to end, on a tiny model of the synthetic corpus (lib.sh):
#  - --json is one valid JSON document whose members agree with the flags of
#    the training run, with `nmt version --json`, with the model file itself
#    (weights_sha256 recomputed from the bytes, as docs/FORMAT.md says) and
#    with the human summary;
#  - file names that need JSON escaping stay valid JSON;
#  - bad files exit 1 naming the file, usage errors exit 2, stdout stays empty.
source "$(dirname "$0")/lib.sh"

M=$TMP/tiny.nmt
tiny_model "$M"

run 0 nmt inspect "$M" --json
cp "$OUT" "$TMP/inspect.json"
run 0 nmt inspect --json "$M"
same_file "$OUT" "$TMP/inspect.json" "--json before or after FILE differs"
run 0 nmt version --json
cp "$OUT" "$TMP/version.json"

if have_python; then
    check "inspect --json: members and values" python3 - "$TMP/inspect.json" "$M" "$TMP/version.json" <<'EOF'
import hashlib, json, struct, sys
doc_path, model, version_path = sys.argv[1:4]
ok = True
def want(cond, msg):
    global ok
    if not cond:
        ok = False
        print("    " + msg, file=sys.stderr)
d = json.load(open(doc_path, encoding="utf-8"))
v = json.load(open(version_path, encoding="utf-8"))
for k in ("config", "vocab", "history", "format_version", "nmt_version", "weights_sha256",
          "file", "tensors", "parameters", "train_config", "standardization"):
    want(k in d, f"member {k!r} missing (members: {sorted(d)})")
c = d.get("config", {})
for k, x in (("arch", "basic"), ("src_vocab", 32), ("tgt_vocab", 32), ("embed", 16), ("units", 32),
             ("max_length", 8)):
    want(c.get(k) == x, f"config.{k} = {c.get(k)!r}, expected {x!r}")
voc = d.get("vocab", {})
for side in ("source", "target"):
    t = voc.get(side, [])
    want(len(t) == 32, f"vocab.{side} has {len(t)} tokens, expected 32")
    want(t[:2] == ["", "[UNK]"], f"vocab.{side} starts {t[:2]!r}, expected ['', '[UNK]']")
    want(len(set(t)) == len(t), f"vocab.{side} has duplicates")
want({"startofseq", "endofseq"} <= set(voc.get("target", [])), "vocab.target lacks startofseq/endofseq")
want("the" in voc.get("source", []) and "el" in voc.get("target", []), "the corpus' commonest words are missing")
h = d.get("history", [])
want([r.get("epoch") for r in h] == [1, 2, 3, 4], f"history epochs {[r.get('epoch') for r in h]}")
for r in h:
    want(sorted(r) == sorted(["epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                              "val_accuracy_unmasked", "val_tokens", "seconds", "tokens_per_s"]),
         f"history record keys {sorted(r)}")
tc = d.get("train_config") or {}
for k, x in (("epochs", 4), ("batch_size", 32), ("seed", 1), ("split_seed", 42), ("n_train", 1800),
             ("n_valid", 200), ("nadam", "new"), ("lr", 0.01)):
    want(tc.get(k) == x, f"train_config.{k} = {tc.get(k)!r}, expected {x!r}")
want(d.get("format_version") == v.get("format_version") and isinstance(d.get("format_version"), int),
     f"format_version {d.get('format_version')!r}, nmt version --json says {v.get('format_version')!r}")
want(d.get("nmt_version") == v.get("nmt_version"),
     f"nmt_version {d.get('nmt_version')!r}, nmt version --json says {v.get('nmt_version')!r}")
want(d.get("file") == model, f"file {d.get('file')!r}, expected {model!r}")
# weights_sha256: SHA-256 of the data section (docs/FORMAT.md, "Checksum")
b = open(model, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
sha = hashlib.sha256(b[8 + n:]).hexdigest()
want(d.get("weights_sha256") == sha, f"weights_sha256 {d.get('weights_sha256')}, data section hashes to {sha}")
# sha256 (format 4): metadata values format, format_version, nmt_version, nmt, each
# length-prefixed (8 bytes, little-endian), then the data section (docs/FORMAT.md)
meta = json.loads(b[8:8 + n])["__metadata__"]
h = hashlib.sha256()
for k in ("format", "format_version", "nmt_version", "nmt"):
    v = meta[k].encode()
    h.update(struct.pack("<Q", len(v)) + v)
h.update(b[8 + n:])
want(d.get("sha256") == h.hexdigest() == meta.get("sha256"),
     f"sha256 {d.get('sha256')}, metadata {meta.get('sha256')}, recomputed {h.hexdigest()}")
# the tensors: those of docs/FORMAT.md for E=16, u=32, V=32; parameters = their sum
E, u, V = 16, 32, 32
shapes = {"encoder.embedding": [V, E], "decoder.embedding": [V, E],
          "encoder.lstm.kernel": [E, 4 * u], "encoder.lstm.recurrent_kernel": [u, 4 * u],
          "encoder.lstm.bias": [4 * u], "decoder.lstm.kernel": [E, 4 * u],
          "decoder.lstm.recurrent_kernel": [u, 4 * u], "decoder.lstm.bias": [4 * u],
          "output.kernel": [u, V], "output.bias": [V]}
got = {t.get("name"): t.get("shape") for t in d.get("tensors", [])}
want(got == shapes, f"tensors {got}")
total = sum(eval("*".join(map(str, s))) for s in shapes.values())
want(d.get("parameters") == total, f"parameters {d.get('parameters')}, expected {total}")
want(len(b) - 8 - n == 4 * total, f"data section {len(b) - 8 - n} bytes, expected {4 * total}")
sys.exit(0 if ok else 1)
EOF
elif command -v jq >/dev/null 2>&1; then
    check "inspect --json is valid JSON with the expected members" jq -e \
        'has("config") and has("vocab") and has("history") and has("format_version") and has("nmt_version")
         and (.weights_sha256 | test("^[0-9a-f]{64}$")) and .config.units == 32 and (.history | length) == 4' \
        "$TMP/inspect.json"
else
    echo "note: neither python3 nor jq, inspect --json is checked with grep only" >&2
    for k in config vocab history format_version nmt_version weights_sha256; do
        check "inspect --json has \"$k\"" grep -q "\"$k\":" "$TMP/inspect.json"
    done
fi

# ---- human mode ------------------------------------------------------------------
run 0 nmt inspect "$M"
cp "$OUT" "$TMP/summary.txt"
for k in file format model parameters vocabulary training weights; do
    check "summary has a '$k:' line" grep -q "^$k: " "$TMP/summary.txt"
done
sha=$(weights_sha "$M")
check "summary's sha256 is the JSON's weights_sha256 ($sha)" grep -q "^weights: *sha256 $sha\$" "$TMP/summary.txt"
check "summary shows the file's checksum" grep -qE "^checksum: *sha256 [0-9a-f]{64} \(metadata and weights; checked\)\$" "$TMP/summary.txt"
check "summary: 14,624 parameters in 10 tensors" grep -q "14,624 in 10 tensors" "$TMP/summary.txt"
check "summary: 4 epochs, fp32" grep -q "^training: *4 epochs in fp32; last (epoch 4)" "$TMP/summary.txt"
check "summary: config" grep -q "src_vocab 32, tgt_vocab 32, embed 16, units 32, max_length 8" "$TMP/summary.txt"
check "summary: format version" grep -qE "format version [0-9]+, written by nmt [0-9]+\.[0-9]+\.[0-9]+" "$TMP/summary.txt"
run 0 nmt inspect -- "$M"
same_file "$OUT" "$TMP/summary.txt" "inspect -- FILE differs from inspect FILE"

# The legacy optimizer is recorded as such, and the weights differ from "new".
tiny_model "$TMP/legacy.nmt" --nadam legacy --epochs 1
run 0 nmt inspect "$TMP/legacy.nmt" --json
check "train_config records --nadam legacy" grep -q '"nadam": *"legacy"' "$OUT"
check "--nadam legacy trains other weights than new" test "$(weights_sha "$TMP/legacy.nmt")" != "$sha"

# File names that need escaping in JSON.
weird=$TMP/$'we"ird\\na\tme \xc3\xb1 \x01.nmt'
cp "$M" "$weird"
run 0 nmt inspect "$weird" --json
if have_python; then
    check "inspect --json of a file named with quote, backslash, TAB, ñ and ^A is valid JSON naming it" \
        python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); sys.exit(d["file"] != sys.argv[2])' \
        "$OUT" "$weird"
fi
run 0 nmt inspect "$weird"
check "the summary names the file" grep -qF "$weird" "$OUT"

# ---- bad files: exit 1, file named, nothing on stdout ----------------------------------
bad_file() {   # bad_file FILE WHAT [TEXT]: both modes
    local mode
    for mode in "" --json; do
        run 1 nmt inspect "$1" $mode
        err_has "$1" "inspect $mode of $2"
        [ -z "${3:-}" ] || err_has "$3" "inspect $mode of $2"
        out_empty "inspect $mode of $2"
    done
}
bad_file "$TMP/nosuch.nmt" "a missing file"
size=$(wc -c <"$M")
head -c $((size - 100)) "$M" >"$TMP/trunc.nmt"
bad_file "$TMP/trunc.nmt" "a truncated file"
head -c 3 "$M" >"$TMP/three.nmt"
bad_file "$TMP/three.nmt" "a 3-byte file"
: >"$TMP/empty.nmt"
bad_file "$TMP/empty.nmt" "an empty file"
cp "$M" "$TMP/flip.nmt"
printf '\x01' | dd of="$TMP/flip.nmt" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
bad_file "$TMP/flip.nmt" "a file with a changed weight" "checksum"
bad_file "$TMP/synth.txt" "a text file"
mkdir "$TMP/folder.nmt"
bad_file "$TMP/folder.nmt" "a folder"
head -c 4096 /dev/urandom >"$TMP/random.nmt"
bad_file "$TMP/random.nmt" "random bytes"
if have_python; then
    # A format version newer than this nmt: refused, naming both versions.
    python3 - "$M" "$TMP/future.nmt" <<'EOF'
import re, sys
b = open(sys.argv[1], "rb").read()
m = re.search(rb'"format_version": ?"([0-9]+)"', b)
assert m and 0 < m.start() < 8 + int.from_bytes(b[:8], "little"), "format_version not found in the header"
open(sys.argv[2], "wb").write(b[:m.start(1)] + b"9" + b[m.end(1):])
EOF
    bad_file "$TMP/future.nmt" "a file of format version 9" "9"
    err_has "upgrade" "a file of format version 9"
fi

# ---- usage errors ---------------------------------------------------------------
run 1 nmt inspect </dev/null   # without FILE: standard input (docs/CLI.md; a terminal there is a usage error)
err_has "standard input: too short to be a safetensors file (0 bytes" "inspect without FILE, nothing on stdin"
if command -v script >/dev/null 2>&1; then
    run 2 script -qec "$NMT_BIN inspect" /dev/null
    check "inspect without FILE, a terminal on stdin: a usage error naming FILE" grep -q "missing FILE" "$OUT"
fi
run 2 nmt inspect "$M" "$M"
err_has "one FILE" "inspect with two files"
run 2 nmt inspect "$M" --bogus
err_has "--bogus" "inspect --bogus"
out_empty "inspect --bogus"
run 0 nmt inspect --help
check "inspect --help shows the usage" grep -q "usage: nmt inspect" "$OUT"

# A write error on stdout is reported.
rc=0
nmt inspect "$M" --json >/dev/full 2>"$ERR" || rc=$?
check "inspect --json >/dev/full: exit $rc, expected 1" test "$rc" -eq 1
err_has "standard output" "inspect >/dev/full"
finish
