#!/usr/bin/env bash
# Inputs that are not regular files, and unusual corpora (docs/RELIABILITY.md, "Inputs"):
#  - a model is read once, so a pipe works: `nmt inspect < model`, `... | nmt
#    inspect`, `... | nmt inspect /dev/stdin`, `--model <(...)` for translate,
#    eval and generate, plot of a model through a pipe;
#  - reads are bounded: a device (/dev/zero) or an endless pipe ends in a message
#    naming the limit, at once (a model stream is read no further than its
#    header says; a text input no further than NMT_MAX_TEXT_BYTES, 2 GiB by
#    default, and a regular file over it is refused unread);
#  - read errors are errors: a folder on standard input exits 1 with a message
#    (translate, inspect, score), it is not an empty input;
#  - translate replaces invalid UTF-8 by U+FFFD, one output line per input line,
#    and names the line in a warning;
#  - train (and eval) repair or skip what is unusual in a corpus and count it on
#    stderr; --strict refuses it, naming FILE:LINE.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
C=$TMP/synth.txt
TINY=(--vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --epochs 1 --quiet --threads 1)
M=$TMP/m.nmt
tiny_model "$M"
S="I see the cat."

# ---- a model read once: pipes work -----------------------------------------------------
run 0 nmt inspect "$M"
sed 1d "$OUT" >"$TMP/inspect.txt"
run 0 nmt inspect <"$M"
check "inspect < model names standard input" grep -qx "file: *standard input" "$OUT"
same_file "$TMP/inspect.txt" <(sed 1d "$OUT") "inspect < model differs from inspect model"
run 0 bash -c 'cat "$1" | nice -n 19 "$NMT_BIN" inspect' _ "$M"
same_file "$TMP/inspect.txt" <(sed 1d "$OUT") "model | inspect differs from inspect model"
run 0 bash -c 'cat "$1" | nice -n 19 "$NMT_BIN" inspect /dev/stdin --json' _ "$M"
check "model | inspect /dev/stdin --json: the weights' checksum" grep -q "\"weights_sha256\": \"$(weights_sha "$M")\"" "$OUT"
run 0 nmt translate --model <(cat "$M") "$S"
want=$(nmt translate --model "$M" "$S")
check "translate --model <(cat model): '$(cat "$OUT")', want '$want'" test "$(cat "$OUT")" = "$want"
run 0 bash -c 'cat "$1" | nice -n 19 "$NMT_BIN" translate --model /dev/stdin "$2"' _ "$M" "$S"
check "model | translate --model /dev/stdin SENTENCE" test "$(cat "$OUT")" = "$want"
run 0 nmt eval --model <(cat "$M") --data <(cat "$C") --n-train 1800 --threads 1
check "eval with both files through pipes: JSON" grep -q '"val_loss"' "$OUT"
run 0 nmt plot --out "$TMP/p.svg" <(cat "$M")
check "plot of a model through a pipe" grep -q '<svg' "$TMP/p.svg"
run 0 nmt train --data "$C" --out "$TMP/plain.nmt" "${TINY[@]}"
check "a usual corpus gets no report" test "$(grep -c 'warning' "$ERR")" -eq 0
run 0 nmt train --data <(cat "$C") --out "$TMP/p.nmt" "${TINY[@]}"
check "train --data <(cat corpus): the weights of the corpus read from its file" \
    test "$(weights_sha "$TMP/p.nmt")" = "$(weights_sha "$TMP/plain.nmt")"
run 1 nmt translate --model "$M" --attention "$TMP/a.svg" "$S"   # basic model: no attention (read once, then refused)
err_has "has no attention"

# ---- bounded reads ------------------------------------------------------------------------
run 1 timeout 60 "$NMT_BIN" inspect /dev/zero
err_has "/dev/zero: safetensors header does not start with a JSON object" "inspect /dev/zero"
run 1 timeout 60 bash -c 'cat "$1" /dev/zero | "$NMT_BIN" inspect' _ "$M"
err_has "standard input: larger than $(stat -c %s "$M") bytes, the size that its safetensors header gives" \
    "a model followed by endless zeros"
run 1 timeout 60 bash -c '{ head -c 8 "$1"; cat /dev/zero; } | "$NMT_BIN" inspect' _ "$M"
err_has "safetensors header does not start with a JSON object" "a header of zeros"
run 1 timeout 60 bash -c 'head -c 1000 "$1" | "$NMT_BIN" inspect' _ "$M"
err_has "truncated?" "a truncated model through a pipe"
run 1 timeout 60 env NMT_MAX_TEXT_BYTES=100000 "$NMT_BIN" train --data /dev/zero --out "$TMP/z.nmt" "${TINY[@]}"
err_has "/dev/zero: larger than 100000 bytes, the limit of a text input (NMT_MAX_TEXT_BYTES)" "train --data /dev/zero"
mkfifo "$TMP/fifo"
(yes "$(head -n 1 "$C")" >"$TMP/fifo" 2>/dev/null &)
run 1 timeout 60 env NMT_MAX_TEXT_BYTES=100000 "$NMT_BIN" train --data "$TMP/fifo" --out "$TMP/z.nmt" "${TINY[@]}"
err_has "fifo: larger than 100000 bytes" "train --data an endless FIFO"
run 1 env NMT_MAX_TEXT_BYTES=1000 "$NMT_BIN" train --data "$C" --out "$TMP/z.nmt" "${TINY[@]}"
err_has "synth.txt: larger than 1000 bytes, the limit of a text input (NMT_MAX_TEXT_BYTES) (it has $(stat -c %s "$C"))" \
    "a regular corpus over the limit"
truncate -s 2147483649 "$TMP/huge.txt"   # sparse: no disk used; refused unread
run 1 timeout 60 "$NMT_BIN" train --data "$TMP/huge.txt" --out "$TMP/z.nmt" "${TINY[@]}"
err_has "huge.txt: larger than 2147483648 bytes" "a corpus over the default limit of 2 GiB"
run 1 timeout 60 "$NMT_BIN" eval --model "$M" --data "$TMP/huge.txt"
err_has "huge.txt: larger than 2147483648 bytes" "eval of a corpus over the limit"
run 1 timeout 60 "$NMT_BIN" score --ref "$TMP/huge.txt" --hyp "$C"
err_has "huge.txt: larger than 2147483648 bytes" "score of a file over the limit"
rm -f "$TMP/huge.txt"
run 0 env NMT_MAX_TEXT_BYTES=abc "$NMT_BIN" score --ref "$C" --hyp "$C"
err_has "NMT_MAX_TEXT_BYTES=abc is not a positive number of bytes" "a malformed NMT_MAX_TEXT_BYTES"
check "no model was written by the refused runs" test ! -e "$TMP/z.nmt"

# ---- read errors on standard input are errors ----------------------------------------------
run 1 nmt translate --model "$M" <"$TMP"
err_has "standard input: read error" "translate < folder"
out_empty "translate < folder"
run 1 nmt inspect <"$TMP"
err_has "standard input: is a directory" "inspect < folder"
run 1 nmt score --ref "$C" <"$TMP"
err_has "standard input: is a directory" "score < folder"
run 0 nmt translate --model "$M" </dev/null
out_empty "translate < /dev/null (an empty input is no error)"

# ---- translate: invalid UTF-8 is replaced, line by line -----------------------------------
printf 'I see the cat.\nI see the \xff cat.\n\nyou \xe9at \xc3\n' >"$TMP/bad.txt"
run 0 nmt translate --model "$M" <"$TMP/bad.txt"
check "one output line per input line with invalid UTF-8 (got $(wc -l <"$OUT"))" test "$(wc -l <"$OUT")" -eq 4
err_has "input line 2: 1 byte of invalid UTF-8 replaced by U+FFFD" "a line with an invalid byte"
err_has "input line 4: 2 bytes of invalid UTF-8 replaced by U+FFFD" "a line with two"
check "no warning for the valid lines" test "$(grep -c 'invalid UTF-8' "$ERR")" -eq 2
cp "$OUT" "$TMP/bad.out"
run 0 nmt translate --model "$M" "I see the $(printf '\xef\xbf\xbd') cat."
check "a replaced line translates as the line with U+FFFD" test "$(sed -n 2p "$TMP/bad.out")" = "$(cat "$OUT")"
run 0 nmt translate --model "$M" "$(printf 'I see the \xff cat.')"
err_has "sentence 1: 1 byte of invalid UTF-8 replaced by U+FFFD" "an argument with invalid UTF-8"
check "an argument is repaired the same way" test "$(sed -n 2p "$TMP/bad.out")" = "$(cat "$OUT")"

# ---- unusual corpora: repaired or skipped and counted; refused with --strict ---------------
{
    printf '\xef\xbb\xbf'
    head -n 5 "$C"                               # lines 1-5 (a byte-order mark before line 1)
    printf 'Go.\t\n'                              # 6: a blank Spanish side
    printf '\t\n'                                 # 7: both blank
    head -n 10 "$C" | tail -n 4 | sed 's/$/\tCC-BY 2.0 (France)/'   # 8-11: a third column
    printf 'I see the cat.\tYo veo el gato.\r'    # 12: a CR alone
    tail -n +11 "$C"
} >"$TMP/odd.txt"
run 0 nmt train --data "$TMP/odd.txt" --out "$TMP/odd.nmt" "${TINY[@]}"
err_has "warning: $TMP/odd.txt: removed the byte-order mark at the start" "a BOM"
err_has "skipped 2 lines whose English or Spanish side is blank (first: line 6)" "blank sides"
err_has "ignored the columns after the second on 4 lines (first: line 8)" "a third column"
err_has "1 line break other than LF or CR LF ended lines (line 12)" "a CR alone"
err_has "(--strict refuses such lines)" "the default's report"
check "the skipped lines do not count: 1800 training and 200 validation pairs of 2002 lines" \
    grep -q "1800 training and 200 validation pairs" "$ERR"
run 0 nmt eval --model "$TMP/odd.nmt" --data "$TMP/odd.txt" --n-train 1800
err_has "warning: $TMP/odd.txt: removed the byte-order mark" "eval reports as train does"
strict() {   # strict TEXT_FILE LINE WHAT
    run 1 nmt train --data "$1" --out "$TMP/strict.nmt" "${TINY[@]}" --strict
    err_has "$1:$2: $3" "--strict: $3"
}
strict "$TMP/odd.txt" 1 "starts with a byte-order mark (U+FEFF) (--strict)"
tail -c +4 "$TMP/odd.txt" >"$TMP/odd2.txt"
strict "$TMP/odd2.txt" 6 "the Spanish side is blank (--strict)"
{ head -n 5 "$C"; printf '  \tHola.\n'; } >"$TMP/odd3.txt"
strict "$TMP/odd3.txt" 6 "the English side is blank (--strict)"
{ head -n 7 "$C"; sed -n 8p "$TMP/odd.txt"; } >"$TMP/odd4.txt"
strict "$TMP/odd4.txt" 8 "more than two columns; expected English<TAB>Spanish (--strict)"
{ head -n 11 "$C"; printf 'I see the cat.\tYo veo el gato.\rHi.\tHola.\n'; } >"$TMP/odd5.txt"
strict "$TMP/odd5.txt" 12 "ends with a CR alone, a line break other than LF or CR LF (--strict)"
{ head -n 2 "$C"; printf 'I see the cat.\tYo veo el gato.\fHi.\tHola.\n'; } >"$TMP/odd6.txt"
strict "$TMP/odd6.txt" 3 "ends with U+000C, a line break other than LF or CR LF (--strict)"
check "--strict wrote no model" test ! -e "$TMP/strict.nmt"
run 0 nmt train --data "$C" --out "$TMP/strict.nmt" "${TINY[@]}" --strict
check "--strict accepts a usual corpus, with the same weights" \
    test "$(weights_sha "$TMP/strict.nmt")" = "$(weights_sha "$TMP/plain.nmt")"
run 1 nmt eval --model "$TMP/odd.nmt" --data "$TMP/odd2.txt" --n-train 1800 --strict
err_has "odd2.txt:6: the Spanish side is blank (--strict)" "eval --strict"
run 2 nmt train --arch charrnn --data "$C" --out "$TMP/c.nmt" --strict
err_has "--strict does not apply to --arch charrnn" "--strict with a character model"
finish
