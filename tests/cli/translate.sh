#!/usr/bin/env bash
# nmt translate end to end, on a tiny model of the synthetic corpus (lib.sh),
# so it needs no downloaded data:
#  - stdin -> stdout: exactly one output line per input line (empty lines,
#    whitespace-only lines, CRLF, a missing final newline, a huge line, a NUL);
#  - a sentence translates the same alone, amid others, from the arguments,
#    from stdin, and with --threads 1 or 2;
#  - --beam and --n-best: the same properties, and their output format;
#  - usage errors exit 2, unreadable or corrupted models exit 1 naming the file,
#    and nothing is written on stdout then.
source "$(dirname "$0")/lib.sh"

M=$TMP/tiny.nmt
tiny_model "$M"

lines() { awk 'END { print NR }' "$1"; }   # counts a last line without newline too

# ---- one line out per line in ------------------------------------------------
# 300 sentences of the corpus, with empty lines at the start, in the middle (two
# in a row) and near the end, a whitespace-only line, and CRLF line ends.
head -n 300 "$TMP/synth.txt" | cut -f1 >"$TMP/sent.txt"
awk 'NR == 1 { print "" }
     { print }
     NR == 100 { print ""; print "" }
     NR == 200 { print "   \t " }
     NR == 299 { print "" }' "$TMP/sent.txt" >"$TMP/in.txt"
run 0 nmt translate --model "$M" --threads 1 <"$TMP/in.txt"
cp "$OUT" "$TMP/out.txt"
check "stdin: $(lines "$TMP/in.txt") lines in, $(lines "$TMP/out.txt") out" \
    test "$(lines "$TMP/in.txt")" -eq "$(lines "$TMP/out.txt")"
check "stdout ends with a newline" test "$(tail -c 1 "$TMP/out.txt" | od -An -c | tr -d ' ')" = '\n'
check "empty input lines give empty output lines, and only those" \
    test "$(grep -n '^[[:space:]]*$' "$TMP/in.txt" | cut -d: -f1 | tr '\n' ' ')" = \
         "$(grep -n '^$' "$TMP/out.txt" | cut -d: -f1 | tr '\n' ' ')"
check "the tiny model translates into Spanish words (line 2: '$(sed -n 2p "$TMP/out.txt")')" \
    grep -qE '^(yo|tú|él|ella|nosotros|ellos|dónde) ' <(sed -n 2p "$TMP/out.txt")
check "nothing on stderr without --stats" test ! -s "$ERR"

# The same sentences without the extra lines: same translations, in order.
awk 'NR == FNR { blank[FNR] = ($0 ~ /^[[:space:]]*$/); next } !blank[FNR]' "$TMP/in.txt" "$TMP/out.txt" \
    >"$TMP/out_nonblank.txt"
run 0 nmt translate --model "$M" <"$TMP/sent.txt"
same_file "$OUT" "$TMP/out_nonblank.txt" "translations change with the empty lines around them"

# Each sentence alone equals its line in the batch: from stdin and from the arguments.
for n in 1 2 57 150 300; do
    s=$(sed -n "${n}p" "$TMP/sent.txt")
    want=$(sed -n "${n}p" "$TMP/out_nonblank.txt")
    got=$(printf '%s\n' "$s" | nmt translate --model "$M")
    check "'$s' alone on stdin gives '$got', amid others '$want'" test "$got" = "$want"
    got=$(nmt translate --model "$M" "$s")
    check "'$s' as an argument gives '$got', on stdin '$want'" test "$got" = "$want"
done

# Arguments mode: one line per argument, in order, as from stdin.
mapfile -t first5 < <(head -n 5 "$TMP/sent.txt")
run 0 nmt translate --model "$M" "${first5[@]}"
same_file "$OUT" <(head -n 5 "$TMP/out_nonblank.txt") "arguments mode differs from stdin mode"
run 0 nmt translate --model "$M" -- "--model" "I see the red cat."
check "'--' ends the options: two arguments, two lines" test "$(lines "$OUT")" -eq 2

# Threads do not change anything; nor does running twice.
run 0 nmt translate --model "$M" --threads 2 <"$TMP/in.txt"
same_file "$OUT" "$TMP/out.txt" "--threads 2 translates differently from --threads 1"
run 0 nmt translate --model "$M" --threads 1 <"$TMP/in.txt"
same_file "$OUT" "$TMP/out.txt" "two runs translate differently"

# CRLF input, and a last line without its newline.
printf 'I see the red cat.\r\nWhere is the big dog?\r\nThey want the old car!' >"$TMP/crlf.txt"
printf 'I see the red cat.\nWhere is the big dog?\nThey want the old car!\n' >"$TMP/lf.txt"
run 0 nmt translate --model "$M" <"$TMP/crlf.txt"
cp "$OUT" "$TMP/crlf.out"
run 0 nmt translate --model "$M" <"$TMP/lf.txt"
same_file "$TMP/crlf.out" "$OUT" "CRLF line ends or the missing final newline change the translations"
check "no carriage return on stdout" test "$(tr -cd '\r' <"$TMP/crlf.out" | wc -c)" -eq 0

# Odd lines still give one line each: 200,000 words on one line, a NUL byte,
# invalid UTF-8, punctuation only.
{
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "the cat "; print "" }'
    printf 'I see\0 the cat.\n'
    printf '\xff\xfe not utf-8\n'
    printf '?!.,;\n'
} >"$TMP/odd.txt"
run 0 nmt translate --model "$M" <"$TMP/odd.txt"
check "odd lines: 4 in, $(lines "$OUT") out" test "$(lines "$OUT")" -eq 4

# Empty stdin: nothing out. --stats: a count on stderr, stdout unchanged.
run 0 nmt translate --model "$M" </dev/null
out_empty "translating empty stdin"
run 0 nmt translate --model "$M" --stats <"$TMP/sent.txt"
same_file "$OUT" "$TMP/out_nonblank.txt" "--stats changes stdout"
err_has "300 sentences" "--stats"

# Sentences are never options: after the first one, after `--`, or starting with
# a single dash; --flag=VALUE works for the options before them.
run 0 nmt translate --model="$M" --threads=1 "I see the cat." "--x=y" "-5 cats"
check "3 sentences (the 2nd and 3rd look like options), 3 lines" test "$(lines "$OUT")" -eq 3
run 0 nmt translate --model "$M" -- --stats
check "after --, '--stats' is a sentence" test "$(lines "$OUT")" -eq 1
check "after --, '--stats' is not the option" test ! -s "$ERR"

# ---- beam search -----------------------------------------------------------------
# --beam 1 is the default; a beam's output is one line per input line too, the
# same in any batch and at any thread count; --n-best K gives K lines
# "NUMBER<TAB>SCORE<TAB>TRANSLATION" per non-blank line, best first, the first
# being --beam's translation.
run 0 nmt translate --model "$M" --beam 1 <"$TMP/in.txt"
same_file "$OUT" "$TMP/out.txt" "--beam 1 differs from greedy decoding"
run 0 nmt translate --model "$M" --beam 4 --threads 2 <"$TMP/in.txt"
cp "$OUT" "$TMP/beam.txt"
check "--beam 4: $(lines "$TMP/in.txt") lines in, $(lines "$TMP/beam.txt") out" \
    test "$(lines "$TMP/in.txt")" -eq "$(lines "$TMP/beam.txt")"
run 0 nmt translate --model "$M" --beam 4 --threads 1 --batch 7 <"$TMP/in.txt"
same_file "$OUT" "$TMP/beam.txt" "--beam 4 translates differently in batches of 7 at 1 thread"
run 0 nmt translate --model "$M" --beam 4 --n-best 3 <"$TMP/in.txt"
cp "$OUT" "$TMP/nbest.txt"
check "--n-best 3: every line is NUMBER<TAB>SCORE<TAB>TRANSLATION" \
    test "$(grep -cvP '^[0-9]+\t-[0-9]+\.[0-9]{6}\t' "$TMP/nbest.txt")" -eq 0
nonblank=$(grep -vnc '^[[:space:]]*$' "$TMP/in.txt")
check "--n-best 3: 3 lines for each of the $nonblank non-blank lines ($(lines "$TMP/nbest.txt"))" \
    test "$(lines "$TMP/nbest.txt")" -eq $((3 * nonblank))
check "--n-best 3: the numbers are the input's non-blank line numbers, each 3 times" \
    test "$(cut -f1 "$TMP/nbest.txt" | uniq -c | awk '$1 != 3' | wc -l)" -eq 0 -a \
         "$(cut -f1 "$TMP/nbest.txt" | uniq | tr '\n' ' ')" = "$(grep -vn '^[[:space:]]*$' "$TMP/in.txt" | cut -d: -f1 | tr '\n' ' ')"
check "--n-best 3: each line's first is its --beam 4 translation" \
    test "$(awk -F'\t' '$1 != prev { print $3 } { prev = $1 }' "$TMP/nbest.txt" | md5sum)" = \
         "$(grep -v '^[[:space:]]*$' "$TMP/beam.txt" | md5sum)"
check "--n-best 3: scores fall within each sentence" \
    test "$(awk -F'\t' '$1 == prev && $2 > last { bad++ } { prev = $1; last = $2 } END { print bad + 0 }' "$TMP/nbest.txt")" -eq 0
run 0 nmt translate --model "$M" --beam 4 --n-best 2 --length-penalty 1 "I see the red cat."
check "--length-penalty 1 --n-best 2: 2 lines" test "$(lines "$OUT")" -eq 2
run 2 nmt translate --model "$M" --beam 3 --n-best 4 "x"
err_has "--n-best" "--n-best above --beam"
out_empty
run 2 nmt translate --model "$M" --beam 0 "x"
err_has "--beam" "--beam 0"
run 2 nmt translate --model "$M" --length-penalty -1 "x"
err_has "--length-penalty" "a negative --length-penalty"

# ---- errors -------------------------------------------------------------------
run 2 nmt translate "I see the cat."
err_has "--model" "translate without --model"
out_empty
run 2 nmt translate --model
err_has "--model" "translate --model without a value"
run 2 nmt translate --model "$M" --threads abc "x"
err_has "--threads" "--threads abc"
run 2 nmt translate --model "$M" --bogus
err_has "--bogus" "an unknown option"

bad_model() {   # bad_model FILE WHAT: exit 1, FILE named on stderr, empty stdout
    run 1 nmt translate --model "$1" "I see the cat."
    err_has "$1" "translate with $2"
    out_empty "translate with $2"
    run 1 nmt translate --model "$1" <"$TMP/sent.txt"
    err_has "$1" "translate (stdin) with $2"
    out_empty "translate (stdin) with $2"
}
bad_model "$TMP/no such dir/model.nmt" "a missing model file"
size=$(wc -c <"$M")
head -c $((size / 2)) "$M" >"$TMP/half.nmt"
bad_model "$TMP/half.nmt" "a model cut in half"
head -c $((size - 1)) "$M" >"$TMP/short.nmt"
bad_model "$TMP/short.nmt" "a model one byte short"
head -c 5 "$M" >"$TMP/five.nmt"
bad_model "$TMP/five.nmt" "a 5-byte model"
: >"$TMP/empty.nmt"
bad_model "$TMP/empty.nmt" "an empty model file"
cp "$M" "$TMP/flipped.nmt"
printf '\x5a' | dd of="$TMP/flipped.nmt" bs=1 seek=$((size - 7)) conv=notrunc 2>/dev/null
bad_model "$TMP/flipped.nmt" "a model with one weight byte changed"
cp "$M" "$TMP/extra.nmt"
printf 'junk' >>"$TMP/extra.nmt"
bad_model "$TMP/extra.nmt" "a model with bytes appended"
bad_model "$TMP/synth.txt" "a text file as model"
mkdir "$TMP/dir.nmt"
bad_model "$TMP/dir.nmt" "a folder as model"

# A write error on stdout is a failure, and says so.
rc=0
nmt translate --model "$M" <"$TMP/sent.txt" >/dev/full 2>"$ERR" || rc=$?
check "stdout to /dev/full: exit $rc, expected 1" test "$rc" -eq 1
check "translate >/dev/full explains the failure on stderr" grep -q "standard output" "$ERR"

# An empty (or blank) argument gives an empty line, as an empty stdin line does.
check "translate '' (argument) gives an empty line, as an empty stdin line does" \
    test -z "$(nmt translate --model "$M" "")"
finish
