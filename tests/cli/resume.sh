#!/usr/bin/env bash
# Checkpoints and exact resume (docs/CLI.md, "Checkpoints and resume"; docs/RELIABILITY.md):
# runs killed with SIGKILL at points drawn by a seeded generator, each resumed
# with --resume (on 1 or 2 threads), end with the weights and the log of an
# uninterrupted run, for every architecture (charrnn also --stateful) and
# both precisions; SIGINT and SIGTERM stop after the batch with a checkpoint,
# a message and exit 130/143; a checkpoint of another run, a corrupted one or
# a model file is refused by name; a NaN loss or gradient stops training
# naming the epoch and batch and keeps the last good model and checkpoint.
# Uses the test hooks NMT_TEST_KILL and NMT_TEST_POISON (src/train/train.h).
# Needs no corpus.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
cut -f1 "$TMP/synth.txt" >"$TMP/text.txt"   # English sentences, one per line
pairs=(--data "$TMP/synth.txt" --vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --lr 0.01
       --batch-size 16 --valid-max 32 --seed 1 --quiet)
chars=(--arch charrnn --data "$TMP/text.txt" --embed 4 --units 16 --max-length 20 --train-chars 20000
       --valid-chars 2000 --batch-size 8 --seed 1 --quiet)
EPOCHS=3 NB=8

# the log without its timings, which differ from run to run
untimed() { sed -E 's/"(seconds|tokens_per_s)":[^,}]*//g' "$1"; }

# Kill points: NK distinct (epoch, batch) positions in run order, drawn by a
# seeded generator (an LCG here: bash's $RANDOM may be reseeded in subshells).
SEED=20261203
draw() { SEED=$(((SEED * 1103515245 + 12345) % 2147483648)); R=$((SEED / 65536 % $1)); }
kill_points() {
    local nk=$1 total=$((EPOCHS * NB)) picks=" " p
    KILLS=()
    while [ ${#KILLS[@]} -lt "$nk" ]; do
        draw $total
        case $picks in *" $R "*) continue ;; esac
        picks="$picks$R "
        KILLS+=("$R")
    done
    mapfile -t KILLS < <(printf '%s\n' "${KILLS[@]}" | sort -n | while read -r p; do echo "$((p / NB + 1)):$((p % NB + 1))"; done)
}

# exact NAME FLAGS...: an uninterrupted run, then the same run SIGKILLed at 3
# random points and resumed after each; same weights, same log lines.
exact() {
    local name=$1
    shift
    local dir=$TMP/$name
    mkdir -p "$dir"
    run 0 nmt train "$@" --epochs $EPOCHS --max-batches $NB --out "$dir/ref.nmt" --log "$dir/ref.jsonl" --threads 1
    kill_points 3
    local kills="${KILLS[*]}" k attempt=0 threads
    for k in "${KILLS[@]}" ""; do
        attempt=$((attempt + 1))
        threads=$((attempt % 2 + 1))
        local resume=()
        [ -f "$dir/run.nmt.ckpt" ] && resume=(--resume "$dir/run.nmt.ckpt")
        if [ -n "$k" ]; then
            CHECKS=$((CHECKS + 1))
            local rc=0
            NMT_TEST_KILL=$k:9 nmt train "$@" --epochs $EPOCHS --max-batches $NB --checkpoint-every 3 \
                --out "$dir/run.nmt" --log "$dir/run.jsonl" --threads $threads "${resume[@]}" >"$OUT" 2>"$ERR" || rc=$?
            [ $rc = 137 ] || fail "$name: the run to kill at $k exited $rc, expected 137 (SIGKILL)"
            # a partial epoch writes no log line: the log holds the epochs finished before the kill
            local done_epochs=$(($(cut -d: -f1 <<<"$k") - 1))
            check "$name: killed at $k, the log holds $done_epochs epochs" \
                test "$(cat "$dir/run.jsonl" 2>/dev/null | wc -l)" -eq $done_epochs
        else
            run 0 nmt train "$@" --epochs $EPOCHS --max-batches $NB --checkpoint-every 3 \
                --out "$dir/run.nmt" --log "$dir/run.jsonl" --threads $threads "${resume[@]}"
        fi
    done
    check "$name: resumed 3 times ($kills), the weights are those of the uninterrupted run" \
        test "$(weights_sha "$dir/run.nmt")" = "$(weights_sha "$dir/ref.nmt")"
    same_file <(untimed "$dir/ref.jsonl") <(untimed "$dir/run.jsonl") "$name: resumed, the log differs"
    check "$name: the checkpoint is deleted when every epoch is done" test ! -e "$dir/run.nmt.ckpt"
}

exact basic "${pairs[@]}"
exact basic-bf16 "${pairs[@]}" --precision bf16
exact basic-legacy "${pairs[@]}" --nadam legacy
exact bidirectional "${pairs[@]}" --arch bidirectional
exact attention "${pairs[@]}" --arch attention
exact charrnn "${chars[@]}"
exact charrnn-stateful "${chars[@]}" --stateful

# ---- real SIGKILLs at random moments, through the atomic writes ------------
dir=$TMP/async
mkdir -p "$dir"
async=("${pairs[@]}" --epochs 3 --max-batches 40 --checkpoint-every 2)
run 0 nmt train "${async[@]}" --out "$dir/ref.nmt" --log "$dir/ref.jsonl" --threads 1
kills=0
for attempt in $(seq 1 40); do
    resume=()
    [ -f "$dir/run.nmt.ckpt" ] && resume=(--resume "$dir/run.nmt.ckpt")
    "$NMT_BIN" train "${async[@]}" --out "$dir/run.nmt" --log "$dir/run.jsonl" --threads 1 "${resume[@]}" \
        >"$OUT" 2>"$ERR" &
    pid=$!
    if [ $kills -lt 6 ]; then
        sleep "0.0$((RANDOM % 9 + 1))"
        kill -9 $pid 2>/dev/null && kills=$((kills + 1))
    fi
    rc=0
    { wait $pid; } 2>/dev/null || rc=$?
    [ $rc = 0 ] && break
    if [ $rc != 137 ]; then
        fail "async: run $attempt exited $rc"
        sed 's/^/    stderr: /' "$ERR" | head -n 5 >&2
        break
    fi
done
check "async: finished after $kills real SIGKILLs, same weights as the uninterrupted run" \
    test "$(weights_sha "$dir/run.nmt")" = "$(weights_sha "$dir/ref.nmt")"
same_file <(untimed "$dir/ref.jsonl") <(untimed "$dir/run.jsonl") "async: resumed, the log differs"

# ---- SIGINT and SIGTERM: finish the batch, checkpoint, say so, exit 128+N ---
dir=$TMP/sig
mkdir -p "$dir"
run 0 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/ref.nmt" --log "$dir/ref.jsonl"
NMT_TEST_KILL=1:5:2 run 130 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/a.nmt" \
    --log "$dir/a.jsonl"
err_has "stopped by SIGINT in epoch 1 after batch 5 of 8; checkpoint written to $dir/a.nmt.ckpt"
err_has "run the same command with --resume $dir/a.nmt.ckpt"
check "SIGINT: the checkpoint is there" test -f "$dir/a.nmt.ckpt"
check "SIGINT: no temporary file left" test -z "$(ls "$dir" | grep '\.tmp\.')"
NMT_TEST_KILL=2:8:15 run 143 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/a.nmt" \
    --log "$dir/a.jsonl" --resume "$dir/a.nmt.ckpt" --threads 2
err_has "stopped by SIGTERM in epoch 2 after batch 8 of 8"
run 0 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/a.nmt" --log "$dir/a.jsonl" \
    --resume "$dir/a.nmt.ckpt"
check "SIGINT then SIGTERM, resumed: same weights" test "$(weights_sha "$dir/a.nmt")" = "$(weights_sha "$dir/ref.nmt")"
same_file <(untimed "$dir/ref.jsonl") <(untimed "$dir/a.jsonl") "SIGINT then SIGTERM, resumed: the log differs"

# a real SIGTERM from outside, while a long run trains
long=("${pairs[@]}" --epochs 1000 --max-batches $NB --out "$dir/l.nmt" --log "$dir/l.jsonl" --threads 1)
"$NMT_BIN" train "${long[@]}" >"$OUT" 2>"$ERR" &
pid=$!
for i in $(seq 1 200); do [ -s "$dir/l.jsonl" ] && break; sleep 0.05; done
kill -TERM $pid
rc=0
wait $pid || rc=$?
check "a real SIGTERM: exit $rc, expected 143" test $rc = 143
err_has "stopped by SIGTERM "
check "a real SIGTERM: a checkpoint" test -f "$dir/l.nmt.ckpt"
n=$(wc -l <"$dir/l.jsonl")
# resumed and stopped again (SIGINT after batch 2 of the next epoch): no epoch line lost or repeated
NMT_TEST_KILL=$((n + 2)):2:2 run 130 nmt train "${long[@]}" --resume "$dir/l.nmt.ckpt"
check "a real SIGTERM, resumed: the log numbers its epochs 1..$((n + 1))" \
    test "$(sed -E 's/^\{"epoch":([0-9]+),.*/\1/' "$dir/l.jsonl" | tr '\n' ' ')" = "$(seq -s ' ' 1 $((n + 1))) "

# ---- a checkpoint that does not fit the command is refused by name ---------
ck=$dir/a2.ckpt
NMT_TEST_KILL=1:3:2 run 130 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --checkpoint "$ck"
cp "$ck" "$dir/keep.ckpt"
run 1 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$ck" --batch-size 8
err_has "$ck: the checkpoint is of another run: it has batch_size=16, this command batch_size=8"
run 1 nmt train "${pairs[@]}" --epochs 4 --max-batches $NB --out "$dir/b.nmt" --resume "$ck"
err_has "it has epochs=3, this command epochs=4"
run 1 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$ck" --arch attention
err_has "it has arch=basic, this command arch=attention"
sed '1s/^./X/' "$TMP/synth.txt" >"$TMP/synth2.txt"   # one character changed
run 1 nmt train "${pairs[@]}" --data "$TMP/synth2.txt" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$ck"
err_has "it has corpus_sha256="
run 1 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$dir/ref.nmt"
err_has "$dir/ref.nmt: not an nmt checkpoint"
run 1 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$dir/none.ckpt"
err_has "$dir/none.ckpt"
cp "$ck" "$dir/bad.ckpt"
size=$(stat -c %s "$dir/bad.ckpt")
printf '\x55' | dd of="$dir/bad.ckpt" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
run 1 nmt train "${pairs[@]}" --epochs $EPOCHS --max-batches $NB --out "$dir/b.nmt" --resume "$dir/bad.ckpt"
err_has "$dir/bad.ckpt: checkpoint checksum mismatch"
same_file "$ck" "$dir/keep.ckpt" "a refused resume changed the checkpoint"
run 2 nmt train "${pairs[@]}" --out "$dir/b.nmt" --checkpoint "$dir/b.nmt"
err_has "--out $dir/b.nmt and --checkpoint $dir/b.nmt are the same file"
run 2 nmt train "${pairs[@]}" --out "$dir/b.nmt" --checkpoint-every -1
err_has "--checkpoint-every"

# ---- a NaN stops training, keeping the last good model and checkpoint ------
dir=$TMP/nan
mkdir -p "$dir"
nan=("${pairs[@]}" --epochs $EPOCHS --max-batches $NB --checkpoint-every 2)
NMT_TEST_KILL=2:1:9 run 137 nmt train "${nan[@]}" --out "$dir/e1.nmt"   # epoch 1's model, for comparison
rm -f "$dir"/e1.nmt.tmp.*   # the space it had reserved: a SIGKILL leaves it (the next run would name it)
NMT_TEST_POISON=2:5:loss run 1 nmt train "${nan[@]}" --out "$dir/a.nmt" --log "$dir/a.jsonl"
err_has "epoch 2, batch 5 of 8: the loss is NaN; training stopped; $dir/a.nmt keeps epoch 1's weights; the last checkpoint, $dir/a.nmt.ckpt, is before it"
check "NaN loss: the model file keeps epoch 1's weights" test "$(weights_sha "$dir/a.nmt")" = "$(weights_sha "$dir/e1.nmt")"
check "NaN loss: the log keeps epoch 1" test "$(wc -l <"$dir/a.jsonl")" -eq 1
# resumed, a fault again (in a gradient): this run wrote no model file, the checkpoint stays
cp "$dir/a.nmt.ckpt" "$dir/keep.ckpt"
NMT_TEST_POISON=2:6:grad run 1 nmt train "${nan[@]}" --out "$dir/a.nmt" --log "$dir/a.jsonl" --resume "$dir/a.nmt.ckpt"
err_has "epoch 2, batch 6 of 8: a gradient of '"
err_has "is not finite; training stopped; this run did not write $dir/a.nmt"
same_file "$dir/a.nmt.ckpt" "$dir/keep.ckpt" "a fault after a resume changed the checkpoint"
# the checkpoint kept is good: resumed without the fault, the run ends as the uninterrupted one
run 0 nmt train "${nan[@]}" --out "$dir/a.nmt" --log "$dir/a.jsonl" --resume "$dir/a.nmt.ckpt"
check "NaN loss, resumed from the last checkpoint: same weights" \
    test "$(weights_sha "$dir/a.nmt")" = "$(weights_sha "$TMP/sig/ref.nmt")"
NMT_TEST_POISON=1:3:grad run 1 nmt train "${nan[@]}" --out "$dir/g.nmt"
err_has "epoch 1, batch 3 of 8: a gradient of '"
err_has "is not finite; training stopped; no model file was written"
check "NaN gradient in epoch 1: no model file" test ! -e "$dir/g.nmt"
check "no temporary file left" test -z "$(ls "$dir" | grep '\.tmp\.')"

finish
