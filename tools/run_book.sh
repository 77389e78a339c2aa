#!/usr/bin/env bash
# `make run`: the book's recipe end to end. Uses $NMT_DATA/spa-eng/spa.txt when
# NMT_DATA is set, else downloads and verifies the corpus (nmt fetch spa-eng);
# trains the basic encoder-decoder for 10 epochs; evaluates; translates the
# notebook's sentences. Outputs go to $NMT_OUT (default: runs/).
set -euo pipefail
nmt=${NMT_BIN:-bin/nmt}
out=${NMT_OUT:-runs}
if [ -n "${NMT_DATA:-}" ]; then
    corpus=$NMT_DATA/spa-eng/spa.txt
    [ -f "$corpus" ] || { echo "run: NMT_DATA is set but $corpus does not exist" >&2; exit 1; }
else
    corpus=$("$nmt" fetch spa-eng)
fi
mkdir -p "$out"
echo "run: training on $corpus -> $out/es.nmt (log: $out/train.jsonl)" >&2
"$nmt" train --data "$corpus" --out "$out/es.nmt" --log "$out/train.jsonl" ${NMT_TRAIN_FLAGS:-}
"$nmt" eval --model "$out/es.nmt" --data "$corpus"
printf '%s\n' "I like soccer" "I like soccer and also going to the beach" "I love cats and dogs" |
    "$nmt" translate --model "$out/es.nmt"
