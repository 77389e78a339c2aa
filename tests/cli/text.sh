#!/usr/bin/env bash
# The text recipe a model records (docs/FORMAT.md "languages" and
# standardization.strip_chars_before), end to end on the synthetic corpus of
# lib.sh turned around (Spanish<TAB>English, so the source side has ¿ and ¡):
#  - --src-lang/--tgt-lang are recorded and shown by nmt inspect (summary and
#    --json); without them the book's English and Spanish, recorded too;
#  - --strip-chars '' keeps ¿ and ¡ (tokens such as "¿dónde"), the default
#    deletes them; nmt eval and nmt translate apply what the file records;
#  - bad names and lists are usage errors naming the flag.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
awk -F'\t' '{ print $2 "\t" $1 }' "$TMP/synth.txt" >"$TMP/es-en.txt"
C=$TMP/es-en.txt
T=(--vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --epochs 2 --lr 0.01 --seed 1 --quiet --threads 1)

json_get() {   # json_get FILE EXPR: a Python expression over the document d
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# ---- recorded and shown -----------------------------------------------------------
run 0 nmt train --data "$C" --out "$TMP/keep.nmt" --log "$TMP/keep.jsonl" "${T[@]}" \
    --src-lang Spanish --tgt-lang English --strip-chars ''
# recorded MODEL SRC TGT STRIP: inspect shows the languages, --json (saved as
# MODEL.json) has them and strip_chars_before = STRIP (a Python list)
recorded() {
    run 0 nmt inspect "$1"
    check "inspect $1: 'vocabulary: 32 source ($2) and 32 target ($3) tokens'" \
        grep -q "^vocabulary: *32 source ($2) and 32 target ($3) tokens$" "$OUT"
    run 0 nmt inspect "$1" --json
    cp "$OUT" "$1.json"
    if have_python; then
        check "inspect --json $1: languages $2 -> $3" \
            test "$(json_get "$1.json" 'd["languages"]')" = "{'source': '$2', 'target': '$3'}"
        check "inspect --json $1: strip_chars_before $4" \
            test "$(json_get "$1.json" 'd["standardization"]["strip_chars_before"]')" = "$4"
    fi
}
recorded "$TMP/keep.nmt" Spanish English "[]"
if have_python; then
    check "--strip-chars '': ¿ and ¡ stay in the source tokens" \
        test "$(json_get "$TMP/keep.nmt.json" 'sum(t.startswith(("¿", "¡")) for t in d["vocab"]["source"]) > 0')" = True
fi

run 0 nmt train --data "$C" --out "$TMP/book.nmt" "${T[@]}"
recorded "$TMP/book.nmt" English Spanish "['¡', '¿']"
check "the default recipe records English and Spanish in the file" \
    grep -qaF '\"languages\":{\"source\":\"English\",\"target\":\"Spanish\"}' "$TMP/book.nmt"
if have_python; then
    check "the default deletes ¡ and ¿: no source token has them" \
        test "$(json_get "$TMP/book.nmt.json" 'sum(("¿" in t or "¡" in t) for t in d["vocab"]["source"])')" = 0
fi

# ---- applied from the file ------------------------------------------------------------
# eval reads the corpus as the training did: the same validation metrics as the last epoch
run 0 nmt eval --model "$TMP/keep.nmt" --data "$C" --n-train 1800
if have_python; then
    check "nmt eval of the --strip-chars '' model recomputes its last epoch" python3 - "$OUT" "$TMP/keep.nmt.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
h = json.load(open(sys.argv[2], encoding="utf-8"))["history"][-1]
sys.exit(not (e["val_tokens"] == h["val_tokens"] and e["val_loss"] == h["val_loss"]))
EOF
fi
# translate deletes what the file says: with the default, "¿Dónde ...?" is "Dónde ...?"
run 0 nmt translate --model "$TMP/book.nmt" "¿Dónde está el gato rojo?" "Dónde está el gato rojo?" "¡Yo veo el perro!"  "Yo veo el perro!"
check "the book's model translates '¿Dónde ...' as 'Dónde ...' (got: $(tr '\n' '|' <"$OUT"))" \
    test "$(sed -n 1p "$OUT")" = "$(sed -n 2p "$OUT")" -a "$(sed -n 3p "$OUT")" = "$(sed -n 4p "$OUT")"
run 0 nmt translate --model "$TMP/keep.nmt" "¿Dónde está el gato rojo?"
check "the --strip-chars '' model translates '¿Dónde ...'" test "$(wc -l <"$OUT")" -eq 1

# ---- usage errors ------------------------------------------------------------------
mkdir "$TMP/out"
for bad in "--src-lang|" "--tgt-lang|a$(printf '\t')b" "--strip-chars|$(printf '\t')" "--strip-chars|¿¿" \
           "--strip-chars|$(printf '\xff')"; do
    flag=${bad%%|*}
    run 2 nmt train --data "$C" --out "$TMP/out/m.nmt" "${T[@]}" "$flag" "${bad#*|}"
    err_has "nmt train: $flag: " "nmt train $flag '${bad#*|}'"
    check "nmt train $flag '${bad#*|}' created no file" test -z "$(ls -A "$TMP/out")"
done
finish
