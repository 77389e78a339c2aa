#!/usr/bin/env bash
# Outputs never destroy anything (docs/RELIABILITY.md, "Outputs"):
#  - every output of every command (train --out and --log, demo --out, plot
#    --out, translate --attention, fetch's files) must be a regular file or a
#    new name: a device (/dev/null), a FIFO, a folder, a name ending in '/', a
#    symbolic link to any of these or to nothing is refused before any work,
#    exit 1, and stays what it was. The refusal comes before any write, so it
#    is the same for root, whom rename(2) would let replace /dev/null;
#  - an output that is an input (also through another name: a hard link, a
#    symbolic link, ./x) or another output is refused, exit 2;
#  - a symbolic link to a regular file is followed: the target is replaced, the
#    link stays;
#  - the disk space of the model is reserved before training: a full disk (here
#    a file size limit) fails before the first epoch;
#  - temporary files: none left by a finished or failed run; those of a killed
#    run (its process gone) are named in a warning by the next run that writes
#    the same file.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
C=$TMP/synth.txt
TINY=(--vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --epochs 1 --quiet --threads 1)
tiny_model "$TMP/m.nmt" --log "$TMP/m.jsonl"
cp "$TMP/m.nmt" "$TMP/m.orig"
no_temp() {   # no_temp WHAT: no temporary file anywhere under $TMP
    check "$1: no temporary file is left ($(find "$TMP" -name '*.tmp.*' | head -n 3 | tr '\n' ' '))" \
        test -z "$(find "$TMP" -name '*.tmp.*' | head -n 1)"
}

# ---- what cannot be an output -------------------------------------------------------
mkfifo "$TMP/fifo"
mkdir "$TMP/folder"
ln -s /dev/null "$TMP/to-null"
ln -s "$TMP/folder" "$TMP/to-folder"
ln -s "$TMP/fifo" "$TMP/to-fifo"
ln -s "$TMP/nowhere/x" "$TMP/to-nothing"
state() {   # what the special files are, to compare before and after
    stat -c '%F' /dev/null "$TMP/fifo" "$TMP/folder"
    readlink "$TMP/to-null" "$TMP/to-folder" "$TMP/to-fifo" "$TMP/to-nothing"
    ls -A "$TMP/folder"
}
state >"$TMP/state.before"
refused() {   # refused WHAT OUT FLAG CMD...: exit 1, the flag and the file named, no work done
    local what=$1 out=$2 flag=$3
    shift 3
    run 1 "$@"
    err_has "$flag: $out: " "$what"
    err_has "an output must be a regular file or a new name" "$what"
    check "$what: refused before any work (no epoch, nothing on stdout)" \
        test ! -s "$OUT" -a "$(grep -c '^epoch ' "$ERR")" -eq 0
}
for out in /dev/null "$TMP/fifo" "$TMP/folder" "$TMP/new-folder/" "$TMP/to-null" "$TMP/to-folder" \
           "$TMP/to-fifo" "$TMP/to-nothing"; do
    refused "train --out $out" "$out" --out nmt train --data "$C" --out "$out" "${TINY[@]}"
    refused "train --log $out" "$out" --log nmt train --data "$C" --out "$TMP/x.nmt" --log "$out" "${TINY[@]}"
    refused "demo --out $out" "$out" --out nmt demo --out "$out" --epochs 1 --n-train 32 --n-valid 1 --quiet
    refused "plot --out $out" "$out" --out nmt plot --out "$out" "$TMP/m.jsonl"
    refused "translate --attention $out" "$out" --attention \
        nmt translate --model "$TMP/m.nmt" --attention "$out" "I see the cat."
    case $out in */) err_has "names a folder" "a name ending in '/'";; esac
done
state >"$TMP/state.after"
same_file "$TMP/state.before" "$TMP/state.after" "a refused output changed a device, FIFO, folder or link"
check "nothing was created by the refusals" test ! -e "$TMP/x.nmt" -a ! -e "$TMP/new-folder"
run 1 nmt train --data "$C" --out /dev/null "${TINY[@]}"
err_has "/dev/null: is a character device" "--out /dev/null"
run 1 nmt train --data "$C" --out "$TMP/fifo" "${TINY[@]}"
err_has "is a FIFO" "--out FIFO"
run 1 nmt train --data "$C" --out "$TMP/to-folder" "${TINY[@]}"
err_has "is a symbolic link to a folder" "--out a link to a folder"
run 1 nmt train --data "$C" --out "$TMP/to-nothing" "${TINY[@]}"
err_has "is a symbolic link to a missing file" "--out a dangling link"

# fetch: its files are outputs too; a FIFO there is neither read (it would wait
# forever) nor replaced
mkdir -p "$TMP/data/spa-eng"
mkfifo "$TMP/data/spa-eng/spa.txt"
run 1 timeout 60 "$NMT_BIN" fetch spa-eng --dir "$TMP/data" --url "file://$TMP/nowhere.zip"
err_has "spa.txt: is a FIFO" "fetch into a FIFO"
check "fetch left the FIFO a FIFO" test -p "$TMP/data/spa-eng/spa.txt"

# ---- an output that is an input, or another output: exit 2 ---------------------------
cp "$C" "$TMP/keep.txt"
ln "$TMP/synth.txt" "$TMP/hardlink.txt"
ln -s "$TMP/synth.txt" "$TMP/symlink.txt"
conflict() {   # conflict WHAT TEXT CMD...
    local what=$1 text=$2
    shift 2
    run 2 "$@"
    err_has "$text" "$what"
    check "$what: refused before any work" test "$(grep -c '^epoch ' "$ERR")" -eq 0
}
conflict "--out = --data" "is the same file as --data" nmt train --data "$C" --out "$C" "${TINY[@]}"
conflict "--out = --data by another path" "is the same file as --data" \
    nmt train --data "$C" --out "$TMP/../$(basename "$TMP")/synth.txt" "${TINY[@]}"
conflict "--out a hard link of --data" "is the same file as --data" \
    nmt train --data "$C" --out "$TMP/hardlink.txt" "${TINY[@]}"
conflict "--out a symbolic link to --data" "is the same file as --data" \
    nmt train --data "$C" --out "$TMP/symlink.txt" "${TINY[@]}"
conflict "--log = --data" "--log $C is the same file as --data" \
    nmt train --data "$C" --out "$TMP/x.nmt" --log "$C" "${TINY[@]}"
conflict "--out = --init-from" "is the same file as --init-from" \
    nmt train --data "$C" --out "$TMP/m.nmt" --init-from "$TMP/m.nmt" "${TINY[@]}"
conflict "--log = --out" "are the same file" nmt train --data "$C" --out "$TMP/x.nmt" --log "$TMP/x.nmt" "${TINY[@]}"
conflict "--log = --out, a new file by two names" "are the same file" \
    nmt train --data "$C" --out "$TMP/x.nmt" --log "$TMP/./x.nmt" "${TINY[@]}"
conflict "--log = --out, an existing file" "are the same file" \
    nmt train --data "$C" --out "$TMP/m.nmt" --log "$TMP/m.nmt" "${TINY[@]}"
conflict "plot: the picture is a run" "is the same file as run" nmt plot --out "$TMP/m.jsonl" "$TMP/m.jsonl"
conflict "translate: the picture is the model" "is the same file as --model" \
    nmt translate --model "$TMP/m.nmt" --attention "$TMP/m.nmt" "I see the cat."
same_file "$TMP/keep.txt" "$C" "a refused nmt train changed the corpus"
same_file "$TMP/m.orig" "$TMP/m.nmt" "a refused nmt train changed the model"
check "the log survives --log = --out" test "$(wc -l <"$TMP/m.jsonl")" -eq 4
check "nothing was written for the conflicts" test ! -e "$TMP/x.nmt"
no_temp "the refusals"

# ---- a link to a regular file: the target is replaced, the link stays -----------------
cp "$TMP/m.nmt" "$TMP/target.nmt"
ln -s target.nmt "$TMP/link.nmt"
run 0 nmt train --data "$C" --out "$TMP/link.nmt" "${TINY[@]}" --epochs 2
check "--out a link: still a link" test -L "$TMP/link.nmt"
check "--out a link: its target holds the new model (2 epochs)" \
    grep -q "training:    2 epochs" <(nmt inspect "$TMP/target.nmt")
no_temp "a finished run"

# ---- the model's disk space is reserved before training ---------------------------------
# A file size limit stands for a full disk: the model's reservation fails at
# once, before the first epoch; the old file is untouched. (SIGXFSZ ignored, so
# the write fails instead of killing the process.)
run 1 bash -c "trap '' XFSZ; ulimit -f 40; exec nice -n 19 \"\$NMT_BIN\" train --data \"$C\" --out \"$TMP/m.nmt\" ${TINY[*]}"
err_has "cannot reserve the" "a model larger than the disk allows"
err_has "$TMP/m.nmt" "a model larger than the disk allows"
check "a full disk fails before the first epoch" test "$(grep -c '^epoch ' "$ERR")" -eq 0
same_file "$TMP/m.orig" "$TMP/m.nmt" "a failed reservation changed the model"
no_temp "a failed reservation"

# ---- temporary files of a killed run are named ---------------------------------------------
sleep 0 &
dead=$!
wait "$dead"
: >"$TMP/m.nmt.tmp.$dead"
run 0 nmt train --data "$C" --out "$TMP/m.nmt" "${TINY[@]}"
err_has "m.nmt.tmp.$dead is left over from an interrupted run (process $dead no longer runs)" "a stale temporary file"
check "a stale temporary file is named, not removed" test -e "$TMP/m.nmt.tmp.$dead"
rm -f "$TMP/m.nmt.tmp.$dead"
# a training killed with SIGKILL (no handler can run) leaves its reserved temporary file
nice -n 19 "$NMT_BIN" train --data "$C" --out "$TMP/k.nmt" "${TINY[@]}" --epochs 100000 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e "$TMP/k.nmt.tmp.$pid" ] && break; sleep 0.1; done
check "a training holds its reserved temporary file" test -e "$TMP/k.nmt.tmp.$pid"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
run 0 nmt train --data "$C" --out "$TMP/k.nmt" "${TINY[@]}"
err_has "k.nmt.tmp.$pid is left over from an interrupted run" "the temporary file of a killed training"
rm -f "$TMP/k.nmt.tmp.$pid"
no_temp "the run after a killed one"
finish
