#!/usr/bin/env bash
# The command line's contract under misuse, and the small commands:
#  - exit 2 for usage errors (missing or malformed flags, unknown command or
#    dataset), with a message naming the flag; nothing is created;
#  - exit 1 for runtime failures (missing or malformed corpus, unwritable
#    output), with a message naming the file (and line);
#  - a failed `nmt train` leaves an existing --out file untouched and no
#    temporary file behind; a successful one replaces it;
#  - `nmt eval` prints one JSON object that agrees with the training history;
#  - `nmt version`, `nmt --help`, `nmt CMD --help`.
# Uses the synthetic corpus of lib.sh: no downloaded data needed.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
C=$TMP/synth.txt
TINY=(--vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --epochs 1 --quiet --threads 1)

# ---- the command itself ----------------------------------------------------------
run 2 nmt
err_has "usage: nmt COMMAND" "nmt without a command"
run 2 nmt bogus
err_has "bogus" "an unknown command"
out_empty "an unknown command"
run 0 nmt --help
cp "$OUT" "$TMP/help.txt"
for cmd in demo train translate eval score inspect plot fetch version; do
    check "nmt --help lists '$cmd'" grep -q "^  $cmd " "$TMP/help.txt"
    run 0 nmt "$cmd" --help
    check "nmt $cmd --help prints a usage line on stdout" grep -q "usage: nmt $cmd" "$OUT"
done

want_version=$(sed -n 's/^#define NMT_VERSION "\(.*\)"/\1/p' "$REPO_ROOT/include/nmt.h")
run 0 nmt version
check "nmt version prints 'nmt $want_version; ...' (got '$(head -c 100 "$OUT")')" grep -q "^nmt $want_version;" "$OUT"
run 0 nmt --version
check "nmt --version prints the version" grep -q "^nmt $want_version;" "$OUT"
run 0 nmt version --json
if have_python; then
    check "nmt version --json: JSON with nmt_version $want_version and an integer format_version" \
        python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (d["nmt_version"] == sys.argv[2] and type(d["format_version"]) is int))' \
        "$OUT" "$want_version"
else
    check "nmt version --json names the version" grep -q "\"nmt_version\": *\"$want_version\"" "$OUT"
fi

# ---- nmt train: usage errors (exit 2, flag named, nothing written) ---------------------
usage_error() {   # usage_error TEXT ARGS...: nmt train ARGS exits 2 naming TEXT
    local text=$1
    shift
    run 2 nmt train "$@"
    err_has "$text" "nmt train $*"
    out_empty "nmt train $*"
    check "nmt train $* created no file" test -z "$(ls -A "$TMP/out")"
}
mkdir "$TMP/out"
O=$TMP/out/m.nmt
usage_error "--data and --out are required"
usage_error "--data and --out are required" --data "$C"
usage_error "--data and --out are required" --out "$O"
usage_error "--epochs" --data "$C" --out "$O" --epochs abc
for bad in "--epochs 0" "--epochs 1.5" "--epochs -3" "--epochs 99999999999999999999" "--batch-size 0" \
           "--seed -1" "--seed 4294967296" "--split-seed x" "--n-train 0" "--valid-max -1" \
           "--max-batches 1e3" "--threads 0" "--lr nan" "--lr inf" "--lr -0.1" "--lr 1e400" "--lr 0x10" \
           "--vocab 4" "--embed 0" "--units 70000" "--max-length 1"; do
    # shellcheck disable=SC2086  # $bad is "FLAG VALUE", split on purpose
    set -- $bad
    # shellcheck disable=SC2086
    usage_error "$1" --data "$C" --out "$O" "${TINY[@]}" $bad
done
usage_error "--epochs" --data "$C" --out "$O" --epochs ""
usage_error "--epochs" --data "$C" --out "$O" --epochs " 3"
usage_error "--nadam" --data "$C" --out "$O" --nadam adam
usage_error "--precision" --data "$C" --out "$O" --precision fp16
usage_error "--precision" --data "$C" --out "$O" --precision BF16
usage_error "--bogus" --data "$C" --out "$O" --bogus 1
usage_error "--epochs" --data "$C" --out "$O" --epochs
usage_error "stray" --data "$C" stray --out "$O"
run 2 nmt train --data "$C" --out "$O" --quiet stray
check "nmt train ... stray: the message calls 'stray' unexpected, not a flag missing its value" \
    grep -q "stray: unexpected argument" "$ERR"
run 2 nmt version --bogus
err_has "--bogus" "nmt version with an unknown argument"
# One flag table for every command (src/cli/flags.c): --flag=VALUE everywhere,
# values checked, a flag without value refused, `--` ends the options.
usage_error "--epochs" --data "$C" --out "$O" --epochs=0
usage_error "--quiet: takes no value" --data "$C" --out "$O" --quiet=1
usage_error "--data: empty value" --data "" --out "$O"
usage_error "--src-lang" --data "$C" --out "$O" --src-lang ""
usage_error "--strip-chars" --data "$C" --out "$O" --strip-chars "$(printf 'a\tb')"
usage_error "--epochs: unexpected argument" --data "$C" --out "$O" -- --epochs 1
usage_error "unknown option '--epoch'" --data "$C" --out "$O" --epoch=3
for cmd in demo train eval translate score inspect plot fetch version; do
    run 0 nmt "$cmd" -h
    check "nmt $cmd -h lists -h, --help" grep -q "^  -h, --help " "$OUT"
done
flat_help() {   # one line per option: the usage's continuation lines joined
    awk '/^  -/ { if (l != "") print l; l = $0; next } /^   / { sub(/^ +/, " "); l = l $0; next }
         { if (l != "") print l; l = ""; print } END { if (l != "") print l }' "$OUT" >"$TMP/help.flat"
}
run 0 nmt train --help
flat_help
for flag in --data --out --epochs --batch-size --split-seed --n-train --src-lang --tgt-lang --strip-chars --quiet; do
    check "nmt train --help lists $flag" grep -q -- "^  $flag " "$TMP/help.flat"
done
cp "$TMP/help.flat" "$TMP/train-help.flat"
run 0 nmt eval --help
flat_help
for opt in "--split-seed N .*(default 42; 0 to 4294967295)" "--batch-size N .*(default 32; 1 to 4096)" \
           "--n-train N .*(default 100000; at least "; do
    check "nmt train --help and nmt eval --help show the recipe's '${opt%% *}' default" \
        grep -q -- "^  $opt" "$TMP/train-help.flat"
    check "nmt eval --help shows the recipe's '${opt%% *}' default" grep -q -- "^  $opt" "$TMP/help.flat"
done

# ---- nmt train: bad corpora (exit 1, file and line named) ------------------------------
corpus_error() {   # corpus_error FILE TEXT WHAT
    run 1 nmt train --data "$1" --out "$O" "${TINY[@]}"
    err_has "$2" "nmt train with $3"
    check "nmt train with $3 created no file" test -z "$(ls -A "$TMP/out")"
}
corpus_error "$TMP/nosuch.txt" "$TMP/nosuch.txt" "a missing corpus"
{ head -n 10 "$C"; echo "no tab on this line"; tail -n +11 "$C"; } >"$TMP/notab.txt"
corpus_error "$TMP/notab.txt" "$TMP/notab.txt:11:" "a line without TAB (line 11)"
{ cat "$C"; echo; } >"$TMP/blankend.txt"
corpus_error "$TMP/blankend.txt" "$TMP/blankend.txt:2001:" "a blank last line (line 2001)"
{ head -n 4 "$C"; printf 'caf\xe9\tcaf\xe9\n'; tail -n +5 "$C"; } >"$TMP/latin1.txt"
corpus_error "$TMP/latin1.txt" "$TMP/latin1.txt:5:" "Latin-1 bytes on line 5"
: >"$TMP/empty.txt"
corpus_error "$TMP/empty.txt" "$TMP/empty.txt" "an empty corpus"
head -n 3 "$C" >"$TMP/few.txt"
corpus_error "$TMP/few.txt" "too few distinct words" "a corpus too small for the vocabulary"
mkdir "$TMP/folder.txt"
corpus_error "$TMP/folder.txt" "$TMP/folder.txt" "a folder as corpus"

# ---- nmt train: outputs are replaced atomically ---------------------------------------------
echo "precious" >"$TMP/keep.nmt"
cp "$TMP/keep.nmt" "$TMP/keep.orig"
for data in "$TMP/notab.txt" "$TMP/nosuch.txt"; do
    run 1 nmt train --data "$data" --out "$TMP/keep.nmt" "${TINY[@]}"
    same_file "$TMP/keep.orig" "$TMP/keep.nmt" "a failed nmt train ($data) changed the existing --out file"
done
# Fails after the first epoch, when the log cannot be written: the model of that
# epoch is not saved either.
run 1 nmt train --data "$C" --out "$TMP/keep.nmt" --log "$TMP/no such dir/log.jsonl" "${TINY[@]}"
err_has "$TMP/no such dir/log.jsonl" "an unwritable --log"
same_file "$TMP/keep.orig" "$TMP/keep.nmt" "a failed nmt train (unwritable --log) changed the existing --out file"
run 1 nmt train --data "$C" --out "$TMP/no such dir/m.nmt" "${TINY[@]}"
err_has "$TMP/no such dir/m.nmt" "an --out in a missing folder"
check "nmt train checks that --out can be written before training (it fails only after epoch 1)" \
    test "$(grep -c '^epoch 1:' "$ERR")" -eq 0
mkdir "$TMP/outdir.nmt"
run 1 nmt train --data "$C" --out "$TMP/outdir.nmt" "${TINY[@]}"
err_has "$TMP/outdir.nmt" "a folder as --out"
check "a failed nmt train leaves no temporary file" test -z "$(find "$TMP" -name '*.tmp.*' | head -n 1)"
# A successful run replaces the file, and writes the log the same way.
echo "old log" >"$TMP/keep.jsonl"
run 0 nmt train --data "$C" --out "$TMP/keep.nmt" --log "$TMP/keep.jsonl" "${TINY[@]}" --epochs 2
check "a successful nmt train replaces --out with a model" nmt inspect "$TMP/keep.nmt" >/dev/null 2>&1
check "the --log file is rewritten, not appended to (2 lines)" test "$(wc -l <"$TMP/keep.jsonl")" -eq 2
check "no temporary file after a successful nmt train" test -z "$(find "$TMP" -name '*.tmp.*' | head -n 1)"
check "--quiet: no progress line on stderr" test "$(grep -c 'ETA' "$ERR")" -eq 0

# ---- nmt eval -------------------------------------------------------------------------------
M=$TMP/keep.nmt
run 0 nmt eval --model "$M" --data "$C" --n-train 1800 --threads 1
cp "$OUT" "$TMP/eval.json"
check "nmt eval prints one line" test "$(wc -l <"$TMP/eval.json")" -eq 1
nmt inspect "$M" --json >"$TMP/inspect.json"
if have_python; then
    check "nmt eval: JSON with val_accuracy & co., equal to the last epoch of the history" \
        python3 - "$TMP/eval.json" "$TMP/inspect.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
h = json.load(open(sys.argv[2]))["history"][-1]
ok = True
for k in ("val_loss", "val_accuracy", "val_accuracy_unmasked", "val_tokens"):
    if k not in e or abs(e[k] - h[k]) > 1e-6 * max(1, abs(h[k])):
        print(f"    {k}: eval {e.get(k)!r}, history {h[k]!r}", file=sys.stderr)
        ok = False
if e.get("val_sentences") != 200:
    print(f"    val_sentences {e.get('val_sentences')!r}, expected 200", file=sys.stderr)
    ok = False
sys.exit(0 if ok else 1)
EOF
else
    check "nmt eval prints val_accuracy" grep -q '"val_accuracy": *0\.[0-9]' "$TMP/eval.json"
fi
# BLEU and chrF: those of `nmt score` on the same translations, both sides
# standardized (ASCII lower case, no punctuation, no ¡¿, single spaces). With
# --n-train 0 every pair validates; corpus scores do not depend on the order.
std() { tr 'A-Z' 'a-z' | tr -d '!"#$%&'"'"'()*+,-./:;<=>?@[\\]^_`{|}~' | sed 's/¡//g; s/¿//g' | tr -s ' ' |
        sed 's/^ //; s/ $//'; }
run 0 nmt eval --model "$M" --data "$C" --n-train 0 --beam 2
cp "$OUT" "$TMP/eval-all.json"
cut -f1 "$C" | nmt translate --model "$M" --beam 2 | std >"$TMP/hyp.txt"
cut -f2 "$C" | std >"$TMP/ref.txt"
run 0 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp.txt" --json
cp "$OUT" "$TMP/score.json"
if have_python; then
    check "nmt eval --beam 2: bleu and chrf equal nmt score's on the standardized translations" \
        python3 - "$TMP/eval-all.json" "$TMP/score.json" <<'EOF'
import json, sys
e, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ok = e["beam"] == 2 and e["val_sentences"] == 2000
for k in ("bleu", "chrf"):
    print(f"    {k}: eval {e[k]!r}, score {s[k]!r}", file=sys.stderr)
    ok &= abs(e[k] - s[k]) < 1e-9 and 0 < e[k] <= 100
sys.exit(0 if ok else 1)
EOF
fi
# --valid-max and --batch-size: counted sentences follow --valid-max.
run 0 nmt eval --model "$M" --data "$C" --n-train 1800 --valid-max 50 --batch-size 7
check "nmt eval --valid-max 50 evaluates 50 sentences" grep -q '"val_sentences": *50' "$OUT"
run 0 nmt eval --model="$M" --data="$C" --n-train=1800
same_file "$TMP/eval.json" "$OUT" "nmt eval --flag=VALUE differs from --flag VALUE"
run 2 nmt eval --model "$M"
err_has "--data" "nmt eval without --data"
run 2 nmt eval --data "$C"
err_has "--model" "nmt eval without --model"
run 2 nmt eval --model "$M" --data "$C" --batch-size 0
err_has "--batch-size" "nmt eval --batch-size 0"
run 2 nmt eval --model "$M" --data "$C" --bogus 1
err_has "--bogus" "nmt eval --bogus"
run 2 nmt eval --model "$M" --data "$C" --precision half
err_has "--precision" "nmt eval --precision half"
run 1 nmt eval --model "$TMP/nosuch.nmt" --data "$C"
err_has "$TMP/nosuch.nmt" "nmt eval with a missing model"
run 1 nmt eval --model "$M" --data "$TMP/nosuch.txt"
err_has "$TMP/nosuch.txt" "nmt eval with a missing corpus"
run 1 nmt eval --model "$M" --data "$TMP/notab.txt"
err_has "$TMP/notab.txt:11:" "nmt eval with a malformed corpus"
out_empty "nmt eval with a malformed corpus"
# The result is never lost silently when stdout cannot be written.
rc=0
nmt eval --model "$M" --data "$C" --n-train 1800 >/dev/full 2>"$ERR" || rc=$?
check "nmt eval >/dev/full fails (exit $rc)" test "$rc" -eq 1
check "nmt eval >/dev/full says why" grep -q "standard output" "$ERR"
# No validation pair (--n-train >= corpus size) is an error, not metrics of 0.
run 1 nmt eval --model "$M" --data "$C" --n-train 5000
err_has "no validation pairs" "nmt eval with no validation pair"
out_empty "nmt eval with no validation pair"

# ---- nmt fetch (usage only; fetch.sh downloads) ---------------------------------------------
run 2 nmt fetch nosuch --dir "$TMP/fetch"
err_has "nosuch" "nmt fetch nosuch"
out_empty "nmt fetch nosuch"
check "nmt fetch nosuch created nothing" test ! -e "$TMP/fetch"
run 2 nmt fetch
err_has "missing dataset name" "nmt fetch without a name"
run 2 nmt fetch spa-eng --bogus
err_has "--bogus" "nmt fetch --bogus"
run 2 nmt fetch spa-eng tinyshakespeare
err_has "tinyshakespeare" "nmt fetch with two names"
run 2 nmt fetch spa-eng --url ""
err_has "--url" "nmt fetch --url ''"
run 2 nmt fetch spa-eng --dir
err_has "--dir" "nmt fetch --dir without a value"
finish
