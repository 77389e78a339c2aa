#!/usr/bin/env bash
# `make chapter`: the chapter's three translators trained as the book trains
# them: the basic encoder-decoder (10 epochs), then the bidirectional and the
# attention models (10 epochs each), each started from the basic model's two
# embeddings (--init-from, --init-tensors '*.embedding'); each is evaluated and
# asked the notebook's sentences. NMT_CHAPTER_FRESH=1 also trains both variants
# from fresh initialization. NMT_CHAPTER_BASIC=FILE uses a basic model already
# trained (e.g. the es.nmt of `make run`) instead of training one.
# Corpus as in `make run` (NMT_DATA, or nmt fetch); outputs in $NMT_OUT (runs/):
# es.nmt, bidirectional.nmt, attention.nmt (+ -fresh.nmt), one .jsonl log each.
set -euo pipefail
nmt=${NMT_BIN:-bin/nmt}
out=${NMT_OUT:-runs}
if [ -n "${NMT_DATA:-}" ]; then
    corpus=$NMT_DATA/spa-eng/spa.txt
    [ -f "$corpus" ] || { echo "chapter: NMT_DATA is set but $corpus does not exist" >&2; exit 1; }
else
    corpus=$("$nmt" fetch spa-eng)
fi
mkdir -p "$out"
sentences=("I like soccer" "I like soccer and also going to the beach" "I love cats and dogs")

run() {   # run NAME FLAGS...: train, evaluate, translate
    local name=$1
    shift
    echo "chapter: $name: nmt train $* -> $out/$name.nmt" >&2
    "$nmt" train --data "$corpus" --out "$out/$name.nmt" --log "$out/$name.jsonl" "$@" ${NMT_TRAIN_FLAGS:-}
    "$nmt" eval --model "$out/$name.nmt" --data "$corpus"
    printf '%s\n' "${sentences[@]}" | "$nmt" translate --model "$out/$name.nmt"
}

basic=${NMT_CHAPTER_BASIC:-}
if [ -z "$basic" ]; then
    run es --arch basic
    basic=$out/es.nmt
fi
for arch in bidirectional attention; do
    run "$arch" --arch "$arch" --init-from "$basic" --init-tensors '*.embedding'
done
if [ "${NMT_CHAPTER_FRESH:-0}" = 1 ]; then
    for arch in bidirectional attention; do run "$arch-fresh" --arch "$arch"; done
fi
