#!/usr/bin/env bash
# Golden test of the whole pipeline on the book's corpus: a tiny model trained
# with a fixed seed on the first 3000 pairs of spa.txt must translate eight fixed
# sentences exactly as recorded in tests/golden/tiny_translations.txt.
# Also: training is bit-reproducible (same weights_sha256 and byte-identical
# model files twice, and with --threads 1 and --threads 2), and the --log file holds one JSON object per
# epoch with the documented keys, equal to the history stored in the model and
# to what `nmt eval` recomputes. The same for --precision bf16: byte-identical
# files on 1 and 2 threads, weights unlike fp32's, the precision recorded in
# train_config, `nmt eval --precision bf16` equal to its history, and accuracy
# within 0.02 of fp32's on this small run.
#
# Re-record the golden file (only after a deliberate change of the numerics):
#   NMT_REGEN_GOLDEN=1 bash tests/cli/golden.sh
source "$(dirname "$0")/lib.sh"
need_corpus

GOLDEN=$REPO_ROOT/tests/golden/tiny_translations.txt
EPOCHS=6
FLAGS=(--vocab 200 --embed 32 --units 64 --max-length 12 --n-train 2500 --epochs "$EPOCHS" --lr 0.01
       --batch-size 32 --seed 7 --quiet)
SENTENCES=("I can't swim." "Don't be shy." "Come up here." "She tried." "Tom's ugly." "I love you."
           "He stood up." "You are mad.")

head -n 3000 "$CORPUS" >"$TMP/corpus.txt"

train() {   # train NAME THREADS: $TMP/NAME.nmt and $TMP/NAME.jsonl
    run 0 nmt train --data "$TMP/corpus.txt" --out "$TMP/$1.nmt" --log "$TMP/$1.jsonl" --threads "$2" "${FLAGS[@]}"
    err_has "2500 training and 500 validation pairs" "train's summary line"
}
train a 1
train b 1
train c 2

# ---- bit-reproducible training ----------------------------------------------
sha_a=$(weights_sha "$TMP/a.nmt")
sha_b=$(weights_sha "$TMP/b.nmt")
sha_c=$(weights_sha "$TMP/c.nmt")
check "inspect --json gives a weights_sha256 (got '$sha_a')" test ${#sha_a} -eq 64
check "the same training run twice gives different weights: $sha_a vs $sha_b" test "$sha_a" = "$sha_b"
check "--threads 1 and --threads 2 give different weights: $sha_a vs $sha_c" test "$sha_a" = "$sha_c"
# ... and byte-identical model files (no wall-clock figure is stored in them)
check "the same training run twice gives different model files" cmp -s "$TMP/a.nmt" "$TMP/b.nmt"
check "--threads 1 and --threads 2 give different model files" cmp -s "$TMP/a.nmt" "$TMP/c.nmt"
# The loss history is part of the result too (only the timings may differ).
for n in b c; do
    check "epoch losses of run $n differ from run a" \
        cmp -s <(cut -d, -f1-7 "$TMP/a.jsonl") <(cut -d, -f1-7 "$TMP/$n.jsonl")
done

# ---- the --log file ------------------------------------------------------------
LOG=$TMP/a.jsonl
check "--log has $EPOCHS lines, one per epoch (got $(wc -l <"$LOG"))" test "$(wc -l <"$LOG")" -eq $EPOCHS
if have_python; then
    check "--log: one JSON object per epoch with the documented keys and sane values" python3 - "$LOG" <<'EOF'
import json, math, sys
keys = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "val_accuracy_unmasked",
        "val_tokens", "seconds", "tokens_per_s"]
ok = True
def bad(msg):
    global ok
    ok = False
    print("    " + msg, file=sys.stderr)
recs = []
with open(sys.argv[1], encoding="utf-8") as f:
    for i, line in enumerate(f, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            bad(f"line {i}: not JSON ({e}): {line!r}")
            continue
        if not isinstance(r, dict):
            bad(f"line {i}: not an object")
            continue
        if sorted(r) != sorted(keys):
            bad(f"line {i}: keys {sorted(r)}, expected {sorted(keys)}")
            continue
        recs.append(r)
        if r["epoch"] != i or not isinstance(r["epoch"], int):
            bad(f"line {i}: epoch {r['epoch']!r}, expected {i}")
        if not isinstance(r["val_tokens"], int) or r["val_tokens"] <= 0:
            bad(f"line {i}: val_tokens {r['val_tokens']!r}")
        for k in keys:
            v = r[k]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                bad(f"line {i}: {k} = {v!r} is not a finite non-negative number")
        for k in ("accuracy", "val_accuracy", "val_accuracy_unmasked"):
            if not 0 <= r[k] <= 1:
                bad(f"line {i}: {k} = {r[k]} outside [0, 1]")
        if r["val_accuracy_unmasked"] > r["val_accuracy"]:
            bad(f"line {i}: val_accuracy_unmasked > val_accuracy (padding counted as right?)")
if len({r["val_tokens"] for r in recs}) > 1:
    bad("val_tokens changes between epochs (the validation set is fixed)")
if recs and not recs[-1]["loss"] < recs[0]["loss"]:
    bad(f"training did not lower the loss: {recs[0]['loss']} -> {recs[-1]['loss']}")
sys.exit(0 if ok else 1)
EOF
    # The model's history (inspect --json) is the log, at full precision.
    nmt inspect "$TMP/a.nmt" --json >"$TMP/a.json"
    check "inspect --json history equals the --log file" python3 - "$TMP/a.json" "$LOG" <<'EOF'
import json, sys
hist = json.load(open(sys.argv[1], encoding="utf-8"))["history"]
log = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ok = len(hist) == len(log)
for h, l in zip(hist, log):
    for k, v in l.items():
        if k in ("seconds", "tokens_per_s"):
            continue
        if abs(h[k] - v) > 5e-7 * max(1, abs(v)):
            print(f"    epoch {l['epoch']}: {k}: log {v}, model {h[k]}", file=sys.stderr)
            ok = False
sys.exit(0 if ok else 1)
EOF
else
    echo "note: no python3, the --log file is checked with grep only" >&2
    for k in epoch loss accuracy val_loss val_accuracy val_accuracy_unmasked val_tokens seconds tokens_per_s; do
        check "--log: every line has \"$k\"" test "$(grep -c "\"$k\": *[0-9]" "$LOG")" -eq $EPOCHS
    done
    check "--log: every line is one {...} object" test "$(grep -c '^{.*}$' "$LOG")" -eq $EPOCHS
fi

log_last() {   # log_last LOG KEY: KEY's number in the last line of a --log file
    tail -n 1 "$1" | sed -n "s/.*\"$2\": *\([-+0-9.eE]*\).*/\1/p"
}
eval_matches_log() {   # eval_matches_log LOG WHAT KEY...: each KEY of $OUT (nmt eval) equals the log's last epoch
    local log=$1 what=$2 k want got
    shift 2
    for k in "$@"; do
        want=$(log_last "$log" "$k")
        got=$(sed -n "s/.*\"$k\": *\([-+0-9.eE]*\).*/\1/p" "$OUT")
        check "$what $k = '$got', the log's last epoch says '$want'" \
            awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
                                                  exit !(a != "" && b != "" && d <= 1e-6 * (m > 1 ? m : 1)) }'
    done
}

# `nmt eval` with the training split recomputes the last epoch's validation metrics.
run 0 nmt eval --model "$TMP/a.nmt" --data "$TMP/corpus.txt" --n-train 2500 --threads 1
eval_matches_log "$LOG" "nmt eval" val_loss val_accuracy val_accuracy_unmasked val_tokens

# ---- --precision bf16 ---------------------------------------------------------------
train16() {   # train16 NAME THREADS
    run 0 nmt train --data "$TMP/corpus.txt" --out "$TMP/$1.nmt" --log "$TMP/$1.jsonl" --threads "$2" \
        "${FLAGS[@]}" --precision bf16
    err_has "threads; bf16" "train's summary line names the precision"
}
train16 p 1
train16 q 2
sha_p=$(weights_sha "$TMP/p.nmt")
check "bf16: --threads 1 and --threads 2 give different model files" cmp -s "$TMP/p.nmt" "$TMP/q.nmt"
check "bf16 gives the same weights as fp32 ($sha_p): the rounding is not applied" test "$sha_p" != "$sha_a"
nmt inspect "$TMP/p.nmt" --json >"$TMP/p.json"
check "bf16: train_config records \"precision\": \"bf16\"" grep -q '"precision": *"bf16"' "$TMP/p.json"
nmt inspect "$TMP/p.nmt" >"$TMP/p.txt"
check "bf16: nmt inspect's summary says 'in bf16'" grep -q "^training: *$EPOCHS epochs in bf16;" "$TMP/p.txt"
nmt inspect "$TMP/a.nmt" --json >"$TMP/a.json"
check "fp32: train_config records \"precision\": \"fp32\"" grep -q '"precision": *"fp32"' "$TMP/a.json"
run 0 nmt eval --model "$TMP/p.nmt" --data "$TMP/corpus.txt" --n-train 2500 --precision bf16
eval_matches_log "$TMP/p.jsonl" "nmt eval --precision bf16" val_loss val_accuracy
acc32=$(log_last "$TMP/a.jsonl" val_accuracy)
acc16=$(log_last "$TMP/p.jsonl" val_accuracy)
check "bf16 val_accuracy $acc16 is not within 0.02 of fp32's $acc32" \
    awk -v a="$acc16" -v b="$acc32" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.02) }'

# ---- golden translations -------------------------------------------------------------
printf '%s\n' "${SENTENCES[@]}" >"$TMP/in.txt"
run 0 nmt translate --model "$TMP/a.nmt" --threads 1 <"$TMP/in.txt"
cp "$OUT" "$TMP/translations.txt"
check "one translation per sentence" test "$(wc -l <"$TMP/translations.txt")" -eq ${#SENTENCES[@]}
run 0 nmt translate --model "$TMP/c.nmt" --threads 2 <"$TMP/in.txt"
same_file "$TMP/translations.txt" "$OUT" "translations depend on --threads or on the training run"

if [ "${NMT_REGEN_GOLDEN:-0}" = 1 ]; then
    mkdir -p "$(dirname "$GOLDEN")"
    cp "$TMP/translations.txt" "$GOLDEN"
    echo "wrote $GOLDEN:" >&2
    paste "$TMP/in.txt" "$GOLDEN" | sed 's/^/    /' >&2
elif [ ! -f "$GOLDEN" ]; then
    fail "$GOLDEN is missing (record it with NMT_REGEN_GOLDEN=1)"
else
    same_file "$GOLDEN" "$TMP/translations.txt" \
        "translations differ from $GOLDEN (< golden, > now); if the change of numerics is deliberate, re-record with NMT_REGEN_GOLDEN=1"
fi
finish
