#!/usr/bin/env bash
# nmt score end to end, on six made-up Spanish translations (an empty one, a
# CJK one, numbers): the two lines sacreBLEU 2.6.0 prints for them (`sacrebleu
# ref.txt -i hyp.txt -m bleu chrf -f text -w 2`, without its signatures);
# --json, parsed, with sacreBLEU's unrounded numbers; stdin = --hyp; CRLF line
# ends and a missing final newline change nothing; empty and identical files;
# line counts that differ, missing files and usage errors. The metrics
# themselves are checked number by number by tests/test_metrics.c.
source "$(dirname "$0")/lib.sh"

printf '%s\n' "Me gusta el fútbol." "¿Dónde está el baño?" "Tom no quiere ir a la escuela mañana." \
    "Cuesta 3.5 euros, no 1,000." "Hola." "我喜欢足球。" >"$TMP/ref.txt"
printf '%s\n' "Me gusta mucho el fútbol." "¿Dónde está el servicio?" "Tom no quiere ir mañana a la escuela." \
    "Cuesta 3,5 euros, no 1.000." "" "我喜欢踢足球。" >"$TMP/hyp.txt"
cat >"$TMP/want.txt" <<'EOF'
BLEU = 29.74 82.1/52.2/31.6/6.7 (BP = 0.965 ratio = 0.966 hyp_len = 28 ref_len = 29)
chrF2 = 68.78
EOF

# ---- sacreBLEU's text, from --hyp and from stdin -------------------------------
run 0 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp.txt"
same_file "$OUT" "$TMP/want.txt" "nmt score prints what sacreBLEU prints"
check "nothing on stderr" test ! -s "$ERR"
run 0 nmt score --ref "$TMP/ref.txt" <"$TMP/hyp.txt"
same_file "$OUT" "$TMP/want.txt" "the translations on stdin score as with --hyp"
run 0 nmt score --hyp="$TMP/hyp.txt" --ref="$TMP/ref.txt"
same_file "$OUT" "$TMP/want.txt" "--flag=VALUE, in any order"

# CRLF line ends, and no newline after the last line, in either file
sed 's/$/\r/' "$TMP/ref.txt" >"$TMP/ref_crlf.txt"
printf '%s' "$(cat "$TMP/hyp.txt")" >"$TMP/hyp_nonl.txt"
sed 's/$/\r/' "$TMP/hyp_nonl.txt" | head -c -1 >"$TMP/hyp_crlf_nonl.txt"   # CRLF, and the last line without its CRLF
check "the test's CRLF file has carriage returns" test "$(tr -cd '\r' <"$TMP/ref_crlf.txt" | wc -c)" -eq 6
run 0 nmt score --ref "$TMP/ref_crlf.txt" --hyp "$TMP/hyp_nonl.txt"
same_file "$OUT" "$TMP/want.txt" "CRLF references or a hypothesis file without a final newline"
run 0 nmt score --ref "$TMP/ref_crlf.txt" <"$TMP/hyp_crlf_nonl.txt"
same_file "$OUT" "$TMP/want.txt" "CRLF on both sides, the last line without it"

# ---- --json ------------------------------------------------------------------
run 0 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp.txt" --json
check "--json: one line" test "$(wc -l <"$OUT")" -eq 1
if have_python; then
    # sacreBLEU 2.6.0's corpus_score for these files, unrounded
    check "--json holds sacreBLEU's numbers: $(cat "$OUT")" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
want = {"bleu": 29.73869344298644, "bleu_precision_1": 82.14285714285714, "bleu_precision_2": 52.17391304347826,
        "bleu_precision_3": 31.57894736842105, "bleu_precision_4": 6.666666666666667, "bleu_bp": 0.9649159443723699,
        "bleu_ratio": 28 / 29, "chrf": 68.78014248450798}
assert all(abs(d[k] - v) < 1e-9 for k, v in want.items()), d
assert (d["bleu_hyp_len"], d["bleu_ref_len"], d["sentences"]) == (28, 29, 6), d
assert d["bleu_signature"] == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp", d
assert d["chrf_signature"] == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no", d
' "$OUT"
else
    check "--json has bleu and chrf" grep -q '"bleu": 29.7386934429864.*"chrf": 68.780142484507' "$OUT"
fi
run 0 nmt score --ref "$TMP/ref.txt" --json <"$TMP/hyp.txt"
cp "$OUT" "$TMP/stdin.json"
run 0 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp.txt" --json
same_file "$OUT" "$TMP/stdin.json" "--json: stdin and --hyp differ"

# ---- empty and identical files -------------------------------------------------
: >"$TMP/empty.txt"
run 0 nmt score --ref "$TMP/empty.txt" --hyp "$TMP/empty.txt"
check "empty files: $(head -c 200 "$OUT" | tr '\n' '|')" test "$(cat "$OUT")" = \
    "$(printf 'BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)\nchrF2 = 0.00')"
run 0 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/ref_crlf.txt"
check "a file against itself: $(head -c 200 "$OUT" | tr '\n' '|')" test "$(cat "$OUT")" = \
    "$(printf 'BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 29 ref_len = 29)\nchrF2 = 100.00')"
# an empty line is a sentence: a file of one empty line is not an empty file
printf '\n' >"$TMP/one_empty_line.txt"
run 1 nmt score --ref "$TMP/one_empty_line.txt" --hyp "$TMP/empty.txt"
err_has "has 0 lines" "one empty line against an empty file"

# ---- errors --------------------------------------------------------------------
{ cat "$TMP/hyp.txt"; echo "one more"; } >"$TMP/hyp7.txt"
run 1 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp7.txt"
err_has "$TMP/hyp7.txt has 7 lines" "a hypothesis file with a line more"
err_has "$TMP/ref.txt has 6" "a hypothesis file with a line more"
out_empty "line counts that differ"
run 1 nmt score --ref "$TMP/hyp7.txt" <"$TMP/hyp.txt"
err_has "standard input has 6 lines" "stdin with a line less"
err_has "$TMP/hyp7.txt has 7" "stdin with a line less"
run 1 nmt score --ref "$TMP/no such file.txt" --hyp "$TMP/hyp.txt"
err_has "$TMP/no such file.txt" "a missing --ref"
out_empty "a missing --ref"
run 1 nmt score --ref "$TMP/ref.txt" --hyp "$TMP/missing.txt"
err_has "$TMP/missing.txt" "a missing --hyp"
out_empty "a missing --hyp"
run 1 nmt score --ref "$TMP" --hyp "$TMP/hyp.txt"
err_has "is a directory" "a folder as --ref"
rc=0
nmt score --ref "$TMP/ref.txt" --hyp "$TMP/hyp.txt" >/dev/full 2>"$ERR" || rc=$?
check "stdout to /dev/full: exit $rc, expected 1" test "$rc" -eq 1
err_has "standard output" "a full stdout"

run 2 nmt score --hyp "$TMP/hyp.txt"
err_has "--ref" "no --ref"
out_empty "no --ref"
run 2 nmt score --ref
err_has "--ref" "--ref without a value"
run 2 nmt score --ref ""
err_has "--ref" "an empty --ref"
run 2 nmt score --ref "$TMP/ref.txt" --bogus
err_has "--bogus" "an unknown option"
run 2 nmt score --ref "$TMP/ref.txt" --json=yes
err_has "--json" "a value for --json"
run 2 nmt score --ref "$TMP/ref.txt" "$TMP/hyp.txt"
err_has "unexpected argument" "a file without --hyp"

run 0 nmt score --help
check "nmt score --help prints a usage line" grep -q "^usage: nmt score --ref FILE \[options\]" "$OUT"
check "nmt score --help lists --hyp and --json" grep -q -- "--json" "$OUT"
run 0 nmt --help
check "nmt --help lists score" grep -q "^  score " "$OUT"
finish
