#!/usr/bin/env bash
# Pictures: `nmt plot` (training curves) and `nmt translate --attention` (a heat
# map), on tiny models of the synthetic corpus (lib.sh). Each SVG must be
# well-formed and render: rsvg-convert (Debian's librsvg2-bin) rasterizes it,
# and the PNG must have the SVG's size and not be blank (png_stats.py).
# Errors exit 2 (usage) or 1 (files), naming the file, and write nothing.
source "$(dirname "$0")/lib.sh"

if ! command -v rsvg-convert >/dev/null 2>&1 || ! have_python; then
    fail "rsvg-convert and python3 are needed to render the pictures (apt-get install librsvg2-bin python3)"
    finish
fi

# renders SVG WHAT MIN_COLOURS: rasterized at its own size, with enough ink and colours
renders() {
    local svg=$1 what=$2 png=$1.png
    if ! rsvg-convert -f png -o "$png" "$svg" 2>"$TMP/rsvg.err"; then
        fail "$what: rsvg-convert cannot render $svg: $(head -c 300 "$TMP/rsvg.err")"
        return
    fi
    read -r w h ink colours < <(python3 "$LIB_DIR/png_stats.py" "$png")
    local sw sh
    sw=$(sed -n 's/.*<svg [^>]*width="\([0-9]*\)".*/\1/p' "$svg" | head -n 1)
    sh=$(sed -n 's/.*<svg [^>]*height="\([0-9]*\)".*/\1/p' "$svg" | head -n 1)
    check "$what: the PNG is ${w}x${h}, the SVG says ${sw}x${sh}" test "$w" = "$sw" -a "$h" = "$sh"
    check "$what: not blank ($ink of the pixels are not white, $colours colours)" \
        awk -v i="$ink" -v c="$colours" -v m="$3" 'BEGIN { exit !(i > 0.02 && c >= m) }'
}

# ---- nmt plot ----------------------------------------------------------------------
tiny_model "$TMP/a.nmt" --log "$TMP/a.jsonl"
tiny_model "$TMP/b.nmt" --seed 2
run 0 nmt plot "$TMP/a.jsonl" "$TMP/b.nmt" -o "$TMP/curves.svg"
out_empty "nmt plot"
renders "$TMP/curves.svg" "training curves" 4
for word in a.jsonl b.nmt loss accuracy epoch training validation; do
    check "the curves name '$word'" grep -q ">$word<" "$TMP/curves.svg"
done
# 2 runs x 2 panels x (training, validation), 4 epochs each: 8 lines of 4 points
check "8 curves of 4 points ($(grep -c '<polyline' "$TMP/curves.svg") curves)" \
    test "$(grep -o 'points="[^"]*"' "$TMP/curves.svg" | awk '{ print NF }' | tr '\n' ' ')" = "4 4 4 4 4 4 4 4 "
run 0 nmt plot --out "$TMP/curves.svg" "$TMP/a.nmt"
renders "$TMP/curves.svg" "a model file's history, replacing the picture" 3
check "no temporary file is left" test -z "$(ls "$TMP" | grep -F '.tmp.')"

# a log line that does not parse: the file and line are named; nothing is written
cp "$TMP/a.jsonl" "$TMP/bad.jsonl"
printf '{"epoch": 5, "loss": 1}\n' >>"$TMP/bad.jsonl"
run 1 nmt plot "$TMP/bad.jsonl" -o "$TMP/bad.svg"
err_has "bad.jsonl: line 5" "a log line without its fields"
check "no picture after an error" test ! -e "$TMP/bad.svg"
run 1 nmt plot "$TMP/no-such.jsonl" -o "$TMP/x.svg"
err_has "no-such.jsonl" "a missing log"
run 1 nmt plot "$TMP/synth.txt" -o "$TMP/x.svg"
err_has "synth.txt: neither a training log" "a text file as a run"
run 1 nmt plot "$TMP/a.jsonl" -o "$TMP/no-dir/x.svg"
err_has "no-dir" "an output in a missing folder"
run 2 nmt plot "$TMP/a.jsonl"
err_has "--out" "no --out"
run 2 nmt plot -o "$TMP/x.svg"
err_has "missing training log" "no run"
run 2 nmt plot "$TMP/a.jsonl" -o "$TMP/a.jsonl"
err_has "is the same file as run" "the output is a run"
check "the log is untouched" cmp -s "$TMP/a.jsonl" <(head -n 4 "$TMP/bad.jsonl")

# ---- nmt translate --attention ------------------------------------------------------
tiny_model "$TMP/att.nmt" --arch attention
s="Where is the big dog?"
run 0 nmt translate --model "$TMP/att.nmt" --attention "$TMP/att.svg" "$s"
translation=$(cat "$OUT")
check "--attention prints the translation ('$translation') as without it" \
    test "$translation" = "$(nmt translate --model "$TMP/att.nmt" "$s")"
renders "$TMP/att.svg" "attention heat map" 3
# one cell per (output token, source token): 5 source words; the output's words + endofseq
nout=$(($(wc -w <<<"$translation") + 1))
check "heat map: $((5 * nout)) cells for 5 source and $nout output tokens ($(grep -c '<title>' "$TMP/att.svg"))" \
    test "$(grep -c '<title>' "$TMP/att.svg")" -eq $((5 * nout))
for word in where is the big dog; do   # a word outside the vocabulary is marked
    check "the heat map labels the source word '$word'" grep -qE ">$word( \[UNK\])?<" "$TMP/att.svg"
done
for word in endofseq $translation; do
    check "the heat map labels the output token '$word'" grep -qF ">$word<" "$TMP/att.svg"
done
run 0 nmt translate --model "$TMP/att.nmt" --beam 3 --attention "$TMP/att3.svg" "$s"
renders "$TMP/att3.svg" "attention heat map of a beam search's result" 3

run 1 nmt translate --model "$TMP/a.nmt" --attention "$TMP/x.svg" "$s"
err_has "a.nmt is a basic model, which has no attention" "--attention with a basic model"
out_empty "--attention with a basic model"
run 2 nmt translate --model "$TMP/att.nmt" --attention "$TMP/x.svg" "one" "two"
err_has "exactly one SENTENCE" "--attention with two sentences"
run 2 nmt translate --model "$TMP/att.nmt" --attention "$TMP/x.svg" <<<"$s"
err_has "exactly one SENTENCE" "--attention reading stdin"
run 1 nmt translate --model "$TMP/att.nmt" --attention "$TMP/no-dir/x.svg" "$s"
err_has "no-dir" "--attention into a missing folder"
out_empty "--attention into a missing folder"
check "no picture after the errors" test ! -e "$TMP/x.svg"
finish
