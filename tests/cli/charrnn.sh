#!/usr/bin/env bash
# Character models from the command line (docs/CLI.md, "Character models" and
# "nmt generate"): nmt train --arch charrnn, stateless and --stateful, on any
# text; byte-identical files on 1 and 2 threads; nmt inspect, nmt eval (equal
# to the log), nmt generate (same seed, same bytes; another seed, other
# bytes; the prompt first); each kind of model refused by the other kind's
# command, and the other kind's flags refused by name. Needs no corpus.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
cut -f1 "$TMP/synth.txt" >"$TMP/text.txt"   # English sentences, one per line
small=(--embed 4 --units 16 --max-length 20 --train-chars 20000 --valid-chars 3000 --epochs 2 --max-batches 25)

run 0 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/c.nmt" --log "$TMP/c.jsonl" "${small[@]}" --quiet
check "train says what it trains on" grep -q "charrnn model; 19980 training and 2980 validation windows" "$ERR"
check "two epochs logged" test "$(wc -l <"$TMP/c.jsonl")" -eq 2
run 0 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/c2.nmt" "${small[@]}" --quiet --threads 2
check "--threads 1 and 2 give different model files" cmp -s "$TMP/c.nmt" "$TMP/c2.nmt"

run 0 nmt inspect "$TMP/c.nmt"
check "inspect names the architecture" grep -q "^model: *charrnn: tgt_vocab [0-9]*, embed 4, units 16, max_length 20" "$OUT"
check "inspect shows one character vocabulary" grep -q "target (English, characters)" "$OUT"

# nmt eval re-evaluates the validation windows: the log's last numbers
run 0 nmt eval --model "$TMP/c.nmt" --data "$TMP/text.txt" --train-chars 20000 --valid-chars 3000
for key in val_loss val_accuracy; do
    want=$(tail -n 1 "$TMP/c.jsonl" | sed -n "s/.*\"$key\":\([-0-9.e]*\).*/\1/p")
    got=$(sed -n "s/.*\"$key\": *\([-0-9.e]*\).*/\1/p" "$OUT")
    check "nmt eval $key $got differs from the log's $want" \
        awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 5e-7) }'
done
check "eval counts the validation windows" grep -q '"val_windows": 2980' "$OUT"

# generate: the prompt, then --length characters; the same seed gives the same bytes
run 0 nmt generate --model "$TMP/c.nmt" --prompt "The cat" --length 200 --seed 3
cp "$OUT" "$TMP/g1.txt"
check "the output starts with the prompt" test "$(head -c 7 "$TMP/g1.txt")" = "The cat"
check "prompt + 200 characters + a newline" test "$(wc -m <"$TMP/g1.txt")" -eq 208
run 0 nmt generate --model "$TMP/c.nmt" --prompt "The cat" --length 200 --seed 3 --threads 2
same_file "$TMP/g1.txt" "$OUT" "the same seed (and 2 threads) gives the same bytes"
run 0 nmt generate --model "$TMP/c.nmt" --prompt "The cat" --length 200 --seed 4
check "another seed gives other bytes" bash -c "! cmp -s '$TMP/g1.txt' '$OUT'"
run 0 nmt generate --model "$TMP/c.nmt" --prompt "The cat" --length 40 --temperature 0
cp "$OUT" "$TMP/g0.txt"
run 0 nmt generate --model "$TMP/c.nmt" --prompt "The cat" --length 40 --temperature 0 --seed 99
same_file "$TMP/g0.txt" "$OUT" "temperature 0 does not depend on the seed"

# stateful: streams of --batch-size, the state carried; the file loads and generates like any other
run 0 nmt train --arch charrnn --stateful --batch-size 4 --data "$TMP/text.txt" --out "$TMP/s.nmt" "${small[@]}" --quiet
check "stateful: 4 streams of non-overlapping windows" grep -q "charrnn model (stateful); 996 training and 148 validation windows" "$ERR"
run 0 nmt inspect "$TMP/s.nmt" --json
check "the file records stateful training" grep -q '"stateful": 1' "$OUT"
run 0 nmt generate --model "$TMP/s.nmt" --prompt "a" --length 30
run 0 nmt eval --model "$TMP/s.nmt" --data "$TMP/text.txt" --train-chars 20000 --valid-chars 3000 --stateful --batch-size 4
check "stateful eval" grep -q '"stateful": 1' "$OUT"

# each kind of model refuses the other kind's command and flags
tiny_model "$TMP/t.nmt"
run 1 nmt generate --model "$TMP/t.nmt" --prompt "hi"
err_has "is a translator" "generate refuses a translator"
run 1 nmt translate --model "$TMP/c.nmt" "hello"
err_has "is a language model" "translate refuses a language model"
run 1 nmt generate --model "$TMP/c.nmt" --prompt "the #~"
err_has "character 5 of the text is not in the model's vocabulary" "an unknown prompt character is named"
run 2 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/x.nmt" --vocab 30
err_has "--vocab does not apply to --arch charrnn" "--vocab refused for charrnn"
run 2 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" --stateful
err_has "--stateful does not apply to --arch basic" "--stateful refused for a translator"
run 2 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/x.nmt" --precision bf16
err_has "only fp32 kernels" "bf16 refused for charrnn"
run 2 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/x.nmt" --train-chars 1000
err_has "give --train-chars and --valid-chars together" "--train-chars alone refused"
run 1 nmt train --arch charrnn --data "$TMP/text.txt" --out "$TMP/x.nmt" --train-chars 100000000 --valid-chars 1
err_has "fewer than 100000000 training" "a split longer than the text is refused"
check "no model written by refused runs" test ! -e "$TMP/x.nmt"
run 2 nmt eval --model "$TMP/c.nmt" --data "$TMP/text.txt" --beam 3
err_has "--beam does not apply to a charrnn model" "eval refuses translator flags on a charrnn model"
run 2 nmt generate --model "$TMP/c.nmt"
err_has "--prompt" "generate needs --prompt"
finish
