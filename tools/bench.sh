#!/usr/bin/env bash
# `make bench` (issue 3, part 1): measures, in one run on this machine,
#   (a) the matrix-product rate of each GEMM backend of nmt (tools/bench_gemm.c)
#       on the model's shapes and on a 2048^3 square, with BENCH_THREADS and 1 thread;
#       and the FMA peak (the arithmetic limit: fused multiply-adds on registers only);
#   (b) nmt training throughput for N batches (fp32, and bf16 when nmt has --precision),
#       with BENCH_THREADS and with 1 thread, and whether both give the same weights;
#   (c) the same model trained in PyTorch with packed sequences (tools/bench_torch.py)
#       and in Keras 2 as the book runs it, padded to 50 (tools/bench_keras.py);
#       then, for each other architecture of BENCH_ARCHS (nmt train --arch
#       bidirectional|attention), (b) in fp32 and (c)'s PyTorch training of the same
#       architecture, "vs PyTorch" against that architecture's PyTorch run, and its time
#       per batch relative to the basic model's (the same N batches);
#   (d) greedy translation of the first validation sentences: nmt and PyTorch
#       (batch 1, state carried), with the same model file;
#   (e) the book's Shakespeare char-RNN (nmt train --arch charrnn) with BENCH_THREADS and
#       with 1 thread (same model file?), and the same model in PyTorch (nn.GRU,
#       tools/bench_torch.py charrnn): characters trained per second;
# then prints a Markdown report and appends it to docs/PERFORMANCE.md.
#
# A part that cannot run (no corpus, no PyTorch, no TensorFlow, a failing command)
# gives a row "skipped (reason)"; no number is ever made up.
#
# Knobs (environment), with their defaults:
#   NMT_DATA=../shared/data     corpus folder: $NMT_DATA/spa-eng/spa.txt, and
#                               $NMT_DATA/tinyshakespeare/input.txt for (e)
#   BENCH_BATCHES=300           N, batches of 32 trained by nmt, PyTorch and Keras
#   BENCH_KERAS_BATCHES=min(N,100)  batches for Keras alone (the slowest by far; its
#                               batches all cost the same, padded to 50)
#   BENCH_CHAR_BATCHES=300      char-RNN batches of 32 windows of 100 characters, nmt and
#                               PyTorch (10 when quick; 0: no char-RNN part)
#   BENCH_TRANSLATE=18964       validation sentences translated (all of them)
#   BENCH_THREADS=2             threads of every framework (the GEMM table adds 1 thread)
#   BENCH_ARCHS="basic bidirectional attention"   architectures trained in (b) and (c)
#                               (basic: the book's model, also by Keras; the others by nmt
#                               --arch and PyTorch); default "basic" when quick
#   BENCH_BACKENDS=naive,cblas,dnnl,pmat,dnnl-bf16   GEMM backends tried (unknown or unsupported ones are skipped;
#                               pmat is the pre-packed kernel of the LSTM steps, B packed once per shape)
#   BENCH_MODEL=                model file translated; default runs/es.nmt if it
#                               exists (what `make run` trains), else the model
#                               trained in (b)
#   BENCH_QUICK=0               1: a smoke run (N=10, 3 Keras batches, 100 sentences,
#                               short GEMM timings); not appended to the report
#   BENCH_APPEND=               1/0: append the report or not (default: not when quick)
#   BENCH_REPORT=docs/PERFORMANCE.md
#   BENCH_PYTHON=/usr/bin/python3      Python with PyTorch (Debian's python3-torch)
#   BENCH_TORCH_1T=1            also train PyTorch with 1 thread (its OpenMP threads can
#                               make it slower at 2 on a small VM); "vs PyTorch" compares
#                               with the faster of its runs
#   BENCH_INSTALL=1             install what is missing: python3-torch (apt-get, as
#                               root) and tensorflow-cpu 2.15 (pip, in the venv)
#   BENCH_TORCH_TRANSLATE_S=90  PyTorch translation stops after this many seconds (its
#                               rate is then over the sentences it translated)
#   NMT_BENCH_VENV=.venv-bench  virtualenv with tensorflow-cpu 2.15 (created if missing)
#   BENCH_STEP_TIMEOUT=1200     seconds after which one step is abandoned
#   BENCH_KEEP=0                1: keep the scratch folder (logs of every step)
#   NMT_BIN=bin/nmt  BENCH_GEMM_BIN=build/tools/bench_gemm   (set by the Makefile)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

nmt=${NMT_BIN:-bin/nmt}
gemm_bin=${BENCH_GEMM_BIN:-build/tools/bench_gemm}
data_dir=${NMT_DATA:-../shared/data}
corpus=$data_dir/spa-eng/spa.txt
char_text=$data_dir/tinyshakespeare/input.txt
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
    batches=${BENCH_BATCHES:-10}
    char_batches=${BENCH_CHAR_BATCHES:-10}
    keras_batches=${BENCH_KERAS_BATCHES:-3}
    ntrans=${BENCH_TRANSLATE:-100}
    append=${BENCH_APPEND:-0}
    archs_default="basic"
else
    batches=${BENCH_BATCHES:-300}
    char_batches=${BENCH_CHAR_BATCHES:-300}
    # Keras pads every batch to 50 steps, so each batch costs the same (1-2 s here):
    # 100 batches give a steady rate without making the run last 10 minutes
    keras_batches=${BENCH_KERAS_BATCHES:-$((batches < 100 ? batches : 100))}
    ntrans=${BENCH_TRANSLATE:-18964}
    append=${BENCH_APPEND:-1}
    archs_default="basic bidirectional attention"
fi
archs=$(echo ${BENCH_ARCHS:-$archs_default})   # one space between names
threads=${BENCH_THREADS:-2}
backends=${BENCH_BACKENDS:-naive,cblas,dnnl,pmat,dnnl-bf16}
report=${BENCH_REPORT:-docs/PERFORMANCE.md}
py=${BENCH_PYTHON:-/usr/bin/python3}
install=${BENCH_INSTALL:-1}
venv=${NMT_BENCH_VENV:-.venv-bench}
step_timeout=${BENCH_STEP_TIMEOUT:-1200}
torch_tr_max=${BENCH_TORCH_TRANSLATE_S:-90}

for v in batches keras_batches ntrans threads; do
    case ${!v} in '' | *[!0-9]* | 0) echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2 ;; esac
done
case $char_batches in '' | *[!0-9]*) echo "bench: BENCH_CHAR_BATCHES must be a non-negative integer, got '$char_batches'" >&2; exit 2 ;; esac
[ -n "$archs" ] || { echo "bench: BENCH_ARCHS names no architecture" >&2; exit 2; }
for a in $archs; do
    case $a in basic | bidirectional | attention) ;;
        *) echo "bench: BENCH_ARCHS: unknown architecture '$a' (basic, bidirectional, attention)" >&2; exit 2 ;;
    esac
done
has_arch() { [[ " $archs " == *" $1 "* ]]; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmt-bench.XXXXXX") || exit 1
if [ "${BENCH_KEEP:-0}" = 1 ]; then
    trap 'echo "bench: scratch files kept in $tmp" >&2' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi

say() { echo "bench: $*" >&2; }

# Runs a command with a time limit, under /usr/bin/time -v when there is one.
#   timed NAME CMD...   -> $tmp/NAME.out, NAME.err, NAME.time; returns its status
have_time=0
[ -x /usr/bin/time ] && have_time=1
timed() {
    local name=$1
    shift
    if [ $have_time = 1 ]; then
        timeout "$step_timeout" /usr/bin/time -v -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    else
        timeout "$step_timeout" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    fi
    local rc=$?
    [ $rc = 124 ] && echo "timed out after ${step_timeout}s" >>"$tmp/$name.err"
    return $rc
}
# Peak resident memory of a timed step, in MiB (or "n/a").
rss() {
    local kb
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$tmp/$1.time" 2>/dev/null)
    if [ -n "$kb" ]; then awk -v k="$kb" 'BEGIN { printf "%.0f MiB", k / 1024 }'; else echo "n/a"; fi
}
# The last meaningful line of a failed step's stderr, safe inside a table cell.
reason() {
    local r
    r=$(grep -v '^[[:space:]]*$' "$tmp/$1.err" 2>/dev/null | grep -v -i 'warning' | tail -n 1)
    [ -n "$r" ] || r=$(grep -v '^[[:space:]]*$' "$tmp/$1.err" 2>/dev/null | tail -n 1)
    [ -n "$r" ] || r="exit status $2"
    printf '%s' "$r" | tr '|\t' '/ ' | cut -c1-160
}
# weights_sha256 of a model file (empty if it cannot be read).
sha() { "$nmt" inspect --json "$1" 2>/dev/null | sed -n 's/.*"weights_sha256": *"\([0-9a-f]*\)".*/\1/p'; }
# key=value results written by the Python scripts.
get() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }
# 1234567.8 -> 1,234,568
commas() { awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
thr() { if [ "$1" = 1 ]; then echo "1 thread"; else echo "$1 threads"; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f×", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.0f%%", 100 * a / b }'; }
gf() { awk -v x="$1" 'BEGIN { if (x == "") print "—"; else printf "%.1f", x }'; }

start_epoch=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
stat_start=$(grep '^cpu ' /proc/stat 2>/dev/null)
rows=()   # Markdown rows of the main table

# ---------------------------------------------------------------- (a) GEMM
gemm_thr=$threads
[ "$threads" != 1 ] && gemm_thr="$threads,1"
gemm_md="(not measured)"
best_mm=""
best_mm_name=""
peak=""   # the FMA peak at $threads threads (bench_gemm): the arithmetic limit
say "(a) matrix products: backends $backends, threads $gemm_thr"
if [ ! -x "$gemm_bin" ]; then
    gemm_md="skipped ($gemm_bin is not built: run \`make bench\`)"
else
    qflag=()
    [ "$quick" = 1 ] && qflag=(--quick)
    if timed gemm "$gemm_bin" --backends "$backends" --threads "$gemm_thr" --tsv "$tmp/gemm.tsv" "${qflag[@]}"; then
        gemm_md=$(cat "$tmp/gemm.out")
        # the best fp32 rate on the large square at $threads threads, over the real fp32 backends
        read -r best_mm best_mm_name < <(awk -F'\t' -v t="$threads" \
            '$1 != "naive" && $1 != "dnnl-bf16" && $2 == t && $3 == "square" && $10 == "ok" && $9 + 0 > b { b = $9; n = $1 }
             END { if (b) print b, n }' "$tmp/gemm.tsv")
        # the same backend with 1 thread: do the threads scale (are the CPUs really free)?
        mm_1t=$(awk -F'\t' -v n="$best_mm_name" '$1 == n && $2 == 1 && $3 == "square" && $10 == "ok" { print $9 }' "$tmp/gemm.tsv")
        peak=$(awk -F'\t' -v t="$threads" '$1 == "fma-peak" && $2 == t && $10 == "ok" { print $9 }' "$tmp/gemm.tsv")
    else
        gemm_md="skipped (bench_gemm failed: $(reason gemm $?))"
    fi
fi

# ---------------------------------------------------------------- data
have_corpus=0
[ -f "$corpus" ] && have_corpus=1
have_prep=0
flop_tok=""
prep_py=$py   # plain Python is enough to prepare the data
command -v "$prep_py" >/dev/null 2>&1 || prep_py=python3
if [ $have_corpus = 0 ]; then
    say "no corpus at $corpus (set NMT_DATA): training and translation are skipped"
elif timed prep "$prep_py" tools/bench_torch.py prep --data "$corpus" --out-dir "$tmp" --n-valid "$ntrans"; then
    have_prep=1
    flop_tok=$(get "$tmp/prep.txt" flop_per_token)
else
    say "data preparation failed: $(reason prep $?)"
fi
if [ -z "$flop_tok" ]; then
    # the book's split: 631,393 source and 708,866 decoder-input tokens in training
    flop_tok=$(awk 'BEGIN { g = 2048; s = 6 * (128 * g + 512 * g); d = s + 6 * 512 * 1000;
                            printf "%.0f", (631393 * s + 708866 * d) / (631393 + 708866) }')
fi
# model FLOPs per token of each architecture (bench_torch.py prep; none without it)
declare -A flop_of=([basic]=$flop_tok)
for a in bidirectional attention; do flop_of[$a]=$(get "$tmp/prep.txt" "flop_per_token_$a"); done

# ---------------------------------------------------------------- (b) nmt training
nmt_ok=0
[ -x "$nmt" ] && nmt_ok=1
# the usage read whole first: `grep -q` leaving early would kill nmt with SIGPIPE
# mid-usage, and pipefail would turn that into "no such flag"
train_help=""
[ $nmt_ok = 1 ] && train_help=$("$nmt" train --help 2>&1)
has_precision=0
grep -q -- '--precision' <<<"$train_help" && has_precision=1
has_arch_flag=0
grep -q -- '--arch' <<<"$train_help" && has_arch_flag=1
declare -A nmt_sec   # seconds of the fp32 run at $threads threads, by architecture
# nmt training of one architecture in one precision, with $threads threads and with 1
# thread: appends its rows. basic runs without --arch (as before nmt had it).
#   nmt_train ARCH PREC
nmt_train() {
    local arch=$1 prec=$2 label label1 name f tps tps1 sec g g1 s1 s2 same
    local aflag=() pflag=()
    label="nmt train $prec"
    # nmt's bf16 rounds the operands and multiplies with the fp32 kernels (docs/CLI.md, Precision)
    [ $prec = bf16 ] && label="nmt train bf16 (emulated)"
    name=$prec   # scratch files: train-NAME.*, nmt-NAME.nmt, nmt-NAME.jsonl
    if [ "$arch" != basic ]; then
        label="$label, $arch"
        name=$arch-$prec
        aflag=(--arch "$arch")
    fi
    f=${flop_of[$arch]}
    if [ $nmt_ok = 0 ]; then rows+=("| $label | skipped ($nmt is not built) | | | | | | |"); return; fi
    if [ $prec != fp32 ] && [ $has_precision = 0 ]; then
        rows+=("| $label | skipped (this nmt has no --precision) | | | | | | |")
        return
    fi
    if [ "$arch" != basic ] && [ $has_arch_flag = 0 ]; then
        rows+=("| $label | skipped (this nmt has no --arch) | | | | | | |")
        return
    fi
    if [ $have_corpus = 0 ]; then rows+=("| $label | skipped (no corpus at $corpus) | | | | | | |"); return; fi
    say "(b) $label: $batches batches"
    [ "$prec" != fp32 ] && pflag=(--precision "$prec")
    if timed "train-$name" "$nmt" train "${aflag[@]}" --data "$corpus" --out "$tmp/nmt-$name.nmt" --epochs 1 \
        --max-batches "$batches" --valid-max 32 --quiet --threads "$threads" "${pflag[@]}" \
        --log "$tmp/nmt-$name.jsonl"; then
        tps=$(sed -n 's/.*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-$name.jsonl" | tail -n 1)
        sec=$(sed -n 's/.*"seconds":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-$name.jsonl" | tail -n 1)
        if [ -z "$tps" ]; then
            rows+=("| $label | skipped (no tokens_per_s in the log) | | | | | | |")
            return
        fi
        [ $prec = fp32 ] && nmt_sec[$arch]=$sec
        g=""
        [ -n "$f" ] && g=$(awk -v t="$tps" -v f="$f" 'BEGIN { printf "%.2f", t * f * 1e-9 }')
        rows+=("| $label | $(commas "$tps") tok/s | @TORCH:$arch:$tps@ | $(gf "$g") | $(pct "$g" "$best_mm") | $(pct "$g" "$peak") | $(rss "train-$name") | $batches batches in $(printf '%.1f' "$sec") s |")
        # the same batches with 1 thread: its rate, and whether the weights are the same bits
        if [ "$threads" != 1 ]; then
            say "(b) $label, 1 thread: $batches batches"
            label1="$label, 1 thread"
            if timed "train-$name-1t" "$nmt" train "${aflag[@]}" --data "$corpus" --out "$tmp/nmt-$name-1t.nmt" --epochs 1 \
                --max-batches "$batches" --valid-max 32 --quiet --threads 1 "${pflag[@]}" \
                --log "$tmp/nmt-$name-1t.jsonl"; then
                tps1=$(sed -n 's/.*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-$name-1t.jsonl" | tail -n 1)
                s2=$(sha "$tmp/nmt-$name.nmt")
                s1=$(sha "$tmp/nmt-$name-1t.nmt")
                if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then same="weights bit-identical to the $(thr "$threads") run (weights_sha256 ${s1:0:16}…)"
                else same="weights DIFFER from the $(thr "$threads") run (${s1:0:16} vs ${s2:0:16})"; fi
                if cmp -s "$tmp/nmt-$name.nmt" "$tmp/nmt-$name-1t.nmt"; then same="$same; model files byte-identical"
                else same="$same; model files differ"; fi
                g1=""
                [ -n "$f" ] && g1=$(awk -v t="$tps1" -v f="$f" 'BEGIN { printf "%.2f", t * f * 1e-9 }')
                rows+=("| $label1 | $(commas "$tps1") tok/s | @TORCH:$arch:$tps1@ | $(gf "$g1") | | | $(rss "train-$name-1t") | $same |")
            else
                rows+=("| $label1 | skipped ($(reason "train-$name-1t" $?)) | | | | | | |")
            fi
        fi
    else
        rows+=("| $label | skipped ($(reason "train-$name" $?)) | | | | | | |")
    fi
}
if has_arch basic; then
    for prec in fp32 bf16; do nmt_train basic $prec; done
fi

# ---------------------------------------------------------------- (c) PyTorch and Keras
# Is there a PyTorch (installed if missing and allowed)? Sets torch_ok, or torch_why.
# Asked once, by the first part that has data for PyTorch to train on.
torch_ok=0
torch_why=""
torch_checked=0
torch_check() {
    [ $torch_checked = 1 ] && return
    torch_checked=1
    if ! command -v "$py" >/dev/null 2>&1; then
        torch_why="no $py"
        return
    fi
    if ! "$py" -c 'import torch' 2>/dev/null && [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "PyTorch missing: apt-get install python3-torch"
        for try in $(seq 1 20); do   # another engineer may hold the dpkg lock: wait for it
            if DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch >"$tmp/apt.log" 2>&1; then break; fi
            grep -q -i 'lock' "$tmp/apt.log" || break
            say "dpkg is locked (try $try/20), waiting 30 s"
            sleep 30
        done
    fi
    if "$py" -c 'import torch' 2>"$tmp/torch-import.err"; then torch_ok=1; else torch_why="no PyTorch in $py: $(tail -n 1 "$tmp/torch-import.err" | cut -c1-100)"; fi
}
[ $have_corpus = 1 ] && torch_check
# the reference of the "vs PyTorch" column, by architecture: the faster PyTorch training run
declare -A torch_best torch_ref_of torch_sec
# PyTorch training of one architecture (bench_torch.py train; basic without --arch), at
# $threads threads, as specified, and at 1 thread, because its OpenMP threads can slow it
# down on small VMs: the faster of the two is the reference. Appends its rows.
#   torch_train ARCH
torch_train() {
    local arch=$1 what="train, packed" name="" t r tps g
    local aflag=() tlist=("$threads")
    if [ "$arch" != basic ]; then
        what="train $arch, packed"
        name=$arch-   # scratch files: torch-train-NAMET.*
        aflag=(--arch "$arch")
    fi
    if [ $have_corpus = 0 ]; then rows+=("| PyTorch $what | skipped (no corpus at $corpus) | | | | | | |"); return; fi
    if [ $torch_ok = 0 ]; then rows+=("| PyTorch $what | skipped ($torch_why) | | | | | | |"); return; fi
    [ "$threads" != 1 ] && [ "${BENCH_TORCH_1T:-1}" = 1 ] && tlist+=(1)
    for t in "${tlist[@]}"; do
        say "(c) PyTorch $what: $batches batches, $(thr "$t")"
        if timed "torch-train-$name$t" "$py" tools/bench_torch.py train "${aflag[@]}" --data "$corpus" --batches "$batches" \
            --threads "$t" --result "$tmp/torch-train-$name$t.txt"; then
            r=$tmp/torch-train-$name$t.txt
            tps=$(get "$r" tokens_per_s)
            g=$(get "$r" gflop_per_s)
            if [ -n "$tps" ] && awk -v a="$tps" -v b="${torch_best[$arch]:-0}" 'BEGIN { exit !(a > b) }'; then
                torch_best[$arch]=$tps
                torch_ref_of[$arch]="PyTorch at $(thr "$t")"
            fi
            [ "$t" = "$threads" ] && torch_sec[$arch]=$(get "$r" seconds)
            rows+=("| PyTorch $(get "$r" torch_version) $what, $(thr "$t") | $(commas "$tps") tok/s | @TORCH:$arch:$tps@ | $(gf "$g") | $(pct "$g" "$best_mm") | $(pct "$g" "$peak") | $(rss "torch-train-$name$t") | $batches batches in $(get "$r" seconds) s after 1 warm-up batch |")
        else
            rows+=("| PyTorch $what, $(thr "$t") | skipped ($(reason "torch-train-$name$t" $?)) | | | | | | |")
        fi
    done
}
has_arch basic && torch_train basic

keras_why=""
keras_py=$venv/bin/python
if ! has_arch basic; then
    keras_why="-"   # the basic model only: no row
elif [ $have_corpus = 0 ]; then
    keras_why="no corpus at $corpus"
else
    if ! "$keras_py" -c 'import tensorflow' 2>/dev/null && [ "$install" = 1 ]; then
        say "no TensorFlow in $venv: creating it (pip install 'tensorflow-cpu==2.15.*', a few minutes)"
        { [ -x "$keras_py" ] || /usr/bin/python3 -m venv "$venv"; } >"$tmp/venv.log" 2>&1 &&
            "$venv/bin/pip" install -q 'tensorflow-cpu==2.15.*' >>"$tmp/venv.log" 2>&1 ||
            say "could not install TensorFlow in $venv: $(tail -n 1 "$tmp/venv.log")"
    fi
    tfv=$("$keras_py" -c 'import os; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"; import tensorflow as tf; print(tf.__version__)' 2>/dev/null)
    if [ -z "$tfv" ]; then
        keras_why="no TensorFlow in $venv (NMT_BENCH_VENV)"
    elif [[ $tfv != 2.15* ]]; then
        keras_why="TensorFlow $tfv in $venv, the book's Keras 2 needs 2.15"
    fi
fi
if [ -z "$keras_why" ]; then
    say "(c) Keras 2 training: $keras_batches batches"
    if timed keras-train "$keras_py" tools/bench_keras.py --data "$corpus" --batches "$keras_batches" \
        --threads "$threads" --result "$tmp/keras-train.txt"; then
        r=$tmp/keras-train.txt
        tps=$(get "$r" tokens_per_s)
        g=$(get "$r" gflop_per_s)
        rows+=("| Keras $(get "$r" keras_version) (TF $(get "$r" tf_version)) train, padded to 50 | $(commas "$tps") tok/s | @TORCH:basic:$tps@ | $(gf "$g") | $(pct "$g" "$best_mm") | $(pct "$g" "$peak") | $(rss keras-train) | $keras_batches batches in $(get "$r" seconds) s ($(get "$r" ms_per_step) ms/step) after the tracing batch |")
    else
        rows+=("| Keras 2 train, padded to 50 | skipped ($(reason keras-train $?)) | | | | | | |")
    fi
elif [ "$keras_why" != - ]; then
    rows+=("| Keras 2 train, padded to 50 | skipped ($keras_why) | | | | | | |")
fi

# ---------------------------------------------------------------- (b, c) other architectures
# nmt (fp32) and PyTorch; then the time per batch relative to the basic model's: nmt
# trains the same batches (its shuffle does not depend on the architecture), and so
# does PyTorch (the first N pairs)
for arch in $archs; do
    [ "$arch" = basic ] && continue
    nmt_train "$arch" fp32
    torch_train "$arch"
    label="nmt $arch vs basic, time per batch"
    target=""
    [ "$arch" = attention ] && target="target ≤ 1.50× (the issue's, per epoch); "
    if [ -n "${nmt_sec[$arch]:-}" ] && [ -n "${nmt_sec[basic]:-}" ]; then
        rel=$(ratio "${torch_sec[$arch]:-}" "${torch_sec[basic]:-}")
        rows+=("| $label | $(ratio "${nmt_sec[$arch]}" "${nmt_sec[basic]}") basic's | | | | | | $target$batches batches of each in $(printf '%.1f' "${nmt_sec[$arch]}") s and $(printf '%.1f' "${nmt_sec[basic]}") s, fp32, $(thr "$threads"); PyTorch at $(thr "$threads"): $rel |")
    else
        if [ $nmt_ok = 0 ]; then why="$nmt is not built"
        elif [ $have_corpus = 0 ]; then why="no corpus at $corpus"
        elif ! has_arch basic; then why="basic not in BENCH_ARCHS"
        elif [ -z "${nmt_sec[$arch]:-}" ]; then why="nmt train $arch fp32 not measured"
        else why="nmt train basic fp32 not measured"; fi
        rows+=("| $label | skipped ($why) | | | | | | |")
    fi
done

# ---------------------------------------------------------------- (d) translation
model=${BENCH_MODEL:-}
model_note=""
if [ -z "$model" ]; then
    if [ -f runs/es.nmt ]; then
        model=runs/es.nmt
        model_note="runs/es.nmt (from \`make run\`)"
    elif [ -f "$tmp/nmt-fp32.nmt" ]; then
        model=$tmp/nmt-fp32.nmt
        model_note="the model of (b), trained $batches batches only (its output lengths are not those of a trained model)"
    fi
else
    model_note=$model
fi
nmt_sps=""
nmt_tr_sec=""
trans_why=""
if [ $nmt_ok = 0 ]; then trans_why="$nmt is not built"
elif [ $have_corpus = 0 ]; then trans_why="no corpus at $corpus"
elif [ $have_prep = 0 ]; then trans_why="no validation sentences: data preparation failed"
elif [ -z "$model" ] || [ ! -f "$model" ]; then trans_why="no model to translate with (set BENCH_MODEL)"
fi
if [ -z "$trans_why" ]; then
    say "(d) nmt translate: $ntrans sentences with $model"
    if timed nmt-translate "$nmt" translate --model "$model" --threads "$threads" --stats <"$tmp/valid_en.txt"; then
        stats=$(grep 'sentences in' "$tmp/nmt-translate.err" | tail -n 1)
        n=$(sed -n 's/.*: \([0-9]*\) sentences in \([0-9.]*\)s.*/\1/p' <<<"$stats")
        nmt_tr_sec=$(sed -n 's/.*: \([0-9]*\) sentences in \([0-9.]*\)s.*/\2/p' <<<"$stats")
        nmt_sps=$(sed -n 's/.*(\([0-9.]*\) sentences\/s).*/\1/p' <<<"$stats")
        cp "$tmp/nmt-translate.out" "$tmp/nmt_es.txt"
        nmt_tr_gf="—"
        steps_note=""
        if timed nmt-flops "$prep_py" tools/bench_torch.py flops --model "$model" --input "$tmp/valid_en.txt" \
            --translations "$tmp/nmt_es.txt" --result "$tmp/nmt-flops.txt"; then
            f=$(get "$tmp/nmt-flops.txt" flop)
            nmt_tr_gf=$(awk -v f="$f" -v s="$nmt_tr_sec" 'BEGIN { if (s > 0) printf "%.1f", f / s * 1e-9; else print "—" }')
            steps_note="; $(awk -v a="$(get "$tmp/nmt-flops.txt" dec_steps)" -v b="$n" 'BEGIN { if (b > 0) printf "%.1f", a / b }') decoder steps per sentence"
        fi
        rows+=("| nmt translate | $(commas "$nmt_sps") sentences/s | @TORCHTR@ | $nmt_tr_gf | | | $(rss nmt-translate) | $n sentences in $nmt_tr_sec s$steps_note |")
    else
        rows+=("| nmt translate | skipped ($(reason nmt-translate $?)) | | | | | | |")
    fi
else
    rows+=("| nmt translate | skipped ($trans_why) | | | | | | |")
fi
torch_sps=""
if [ -n "$trans_why" ]; then
    rows+=("| PyTorch translate, batch 1 | skipped ($trans_why) | | | | | | |")
elif [ $torch_ok = 0 ]; then
    rows+=("| PyTorch translate, batch 1 | skipped ($torch_why) | | | | | | |")
else
    say "(d) PyTorch translate: $ntrans sentences (at most ${torch_tr_max}s)"
    if timed torch-translate "$py" tools/bench_torch.py translate --model "$model" --input "$tmp/valid_en.txt" \
        --output "$tmp/torch_es.txt" --threads "$threads" --max-seconds "$torch_tr_max" \
        --result "$tmp/torch-translate.txt"; then
        r=$tmp/torch-translate.txt
        torch_sps=$(get "$r" sentences_per_s)
        sents=$(get "$r" sentences)
        agree="—"
        if [ -f "$tmp/nmt_es.txt" ]; then   # over the sentences PyTorch translated
            agree=$(head -n "$sents" "$tmp/nmt_es.txt" | paste -d '\t' - "$tmp/torch_es.txt" |
                    awk -F'\t' '$1 == $2 { n++ } END { printf "%d/%d", n, NR }')
        fi
        capped=""
        [ "$sents" != "$(get "$r" of_sentences)" ] && capped=" (stopped after ${torch_tr_max}s)"
        rows+=("| PyTorch $(get "$r" torch_version) translate, batch 1, state carried | $(commas "$torch_sps") sentences/s | 1.00× | $(gf "$(get "$r" gflop_per_s)") | | | $(rss torch-translate) | $sents sentences in $(get "$r" seconds) s$capped; $(awk -v a="$(get "$r" dec_steps)" -v b="$sents" 'BEGIN { if (b > 0) printf "%.1f", a / b }') decoder steps per sentence; outputs equal to nmt's on $agree |")
    else
        rows+=("| PyTorch translate, batch 1 | skipped ($(reason torch-translate $?)) | | | | | | |")
    fi
fi
for i in "${!rows[@]}"; do
    rows[$i]=${rows[$i]/@TORCHTR@/$(ratio "$nmt_sps" "$torch_sps")}
done

# ---------------------------------------------------------------- (e) char-RNN
# The book's Shakespeare model (nmt train --arch charrnn) against the same model in
# PyTorch (bench_torch.py charrnn): characters trained per second, batches x 32 x 100
char_rows() { rows+=("| $1 | skipped ($2) | | | | | | |"); }
# model FLOPs per character, forward + backward: GRU(128) over 16 inputs, Dense(39)
# (bench_torch.py char_flops)
char_flop=$(awk 'BEGIN { print 3 * 2 * (3 * 128 * (16 + 128) + 128 * 39) }')
char_gf() { awk -v t="$1" -v f="$char_flop" 'BEGIN { if (t == "") print ""; else printf "%.2f", t * f * 1e-9 }'; }
if [ "$char_batches" != 0 ]; then
    label="nmt train charrnn"
    why=""
    if [ $nmt_ok = 0 ]; then why="$nmt is not built"
    elif [ ! -f "$char_text" ]; then why="no text at $char_text"
    elif ! grep -q charrnn <<<"$train_help"; then why="this nmt has no --arch charrnn"
    fi
    if [ -n "$why" ]; then
        char_rows "$label" "$why"
    else
        say "(e) $label: $char_batches batches"
        if timed train-charrnn "$nmt" train --arch charrnn --data "$char_text" --out "$tmp/nmt-charrnn.nmt" --epochs 1 \
            --max-batches "$char_batches" --batch-size 32 --valid-max 32 --quiet --threads "$threads" \
            --log "$tmp/nmt-charrnn.jsonl"; then
            tps=$(sed -n 's/.*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-charrnn.jsonl" | tail -n 1)
            sec=$(sed -n 's/.*"seconds":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-charrnn.jsonl" | tail -n 1)
            if [ -z "$tps" ]; then
                char_rows "$label" "no tokens_per_s in the log"
            else
                g=$(char_gf "$tps")
                rows+=("| $label | $(commas "$tps") chars/s | @TORCH:charrnn:$tps@ | $(gf "$g") | $(pct "$g" "$best_mm") | $(pct "$g" "$peak") | $(rss train-charrnn) | $char_batches batches in $(printf '%.1f' "$sec") s |")
                if [ "$threads" != 1 ]; then
                    say "(e) $label, 1 thread: $char_batches batches"
                    if timed train-charrnn-1t "$nmt" train --arch charrnn --data "$char_text" --out "$tmp/nmt-charrnn-1t.nmt" \
                        --epochs 1 --max-batches "$char_batches" --batch-size 32 --valid-max 32 --quiet --threads 1 \
                        --log "$tmp/nmt-charrnn-1t.jsonl"; then
                        tps1=$(sed -n 's/.*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p' "$tmp/nmt-charrnn-1t.jsonl" | tail -n 1)
                        if cmp -s "$tmp/nmt-charrnn.nmt" "$tmp/nmt-charrnn-1t.nmt"; then
                            same="model file byte-identical to the $(thr "$threads") run"
                        else
                            s2=$(sha "$tmp/nmt-charrnn.nmt")
                            s1=$(sha "$tmp/nmt-charrnn-1t.nmt")
                            if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then same="model files differ, weights bit-identical (weights_sha256 ${s1:0:16}…)"
                            else same="model file DIFFERS from the $(thr "$threads") run"; fi
                        fi
                        g1=$(char_gf "$tps1")
                        rows+=("| $label, 1 thread | $(commas "$tps1") chars/s | @TORCH:charrnn:$tps1@ | $(gf "$g1") | | | $(rss train-charrnn-1t) | $same |")
                    else
                        char_rows "$label, 1 thread" "$(reason train-charrnn-1t $?)"
                    fi
                fi
            fi
        else
            char_rows "$label" "$(reason train-charrnn $?)"
        fi
    fi

    label="PyTorch charrnn (nn.GRU)"
    [ -f "$char_text" ] && torch_check
    if [ ! -f "$char_text" ]; then char_rows "$label" "no text at $char_text"
    elif [ $torch_ok = 0 ]; then char_rows "$label" "$torch_why"
    else
        tlist=("$threads")
        [ "$threads" != 1 ] && [ "${BENCH_TORCH_1T:-1}" = 1 ] && tlist+=(1)
        for t in "${tlist[@]}"; do
            say "(e) $label: $char_batches batches, $(thr "$t")"
            if timed "torch-charrnn-$t" "$py" tools/bench_torch.py charrnn --data "$char_text" --batches "$char_batches" \
                --threads "$t" --result "$tmp/torch-charrnn-$t.txt"; then
                r=$tmp/torch-charrnn-$t.txt
                tps=$(get "$r" chars_per_s)
                g=$(get "$r" gflop_per_s)
                if [ -n "$tps" ] && awk -v a="$tps" -v b="${torch_best[charrnn]:-0}" 'BEGIN { exit !(a > b) }'; then
                    torch_best[charrnn]=$tps
                    torch_ref_of[charrnn]="PyTorch at $(thr "$t")"
                fi
                rows+=("| PyTorch $(get "$r" torch_version) charrnn (nn.GRU), $(thr "$t") | $(commas "$tps") chars/s | @TORCH:charrnn:$tps@ | $(gf "$g") | $(pct "$g" "$best_mm") | $(pct "$g" "$peak") | $(rss "torch-charrnn-$t") | $char_batches batches in $(get "$r" seconds) s after $(get "$r" warmup_batches) warm-up batches; last loss $(get "$r" loss) |")
            else
                char_rows "$label, $(thr "$t")" "$(reason "torch-charrnn-$t" $?)"
            fi
        done
    fi
fi

# PyTorch's rates are known now: fill in the training rows' ratio (against PyTorch's
# faster run of the same architecture, or of the char-RNN)
for i in "${!rows[@]}"; do
    if [[ ${rows[$i]} =~ @TORCH:([a-z]+):([0-9.eE+-]*)@ ]]; then
        rows[$i]=${rows[$i]/"${BASH_REMATCH[0]}"/$(ratio "${BASH_REMATCH[2]}" "${torch_best[${BASH_REMATCH[1]}]:-}")}
    fi
done
torch_tps=${torch_best[basic]:-}
torch_ref=${torch_ref_of[basic]:-}

# ---------------------------------------------------------------- report
cmd="NMT_DATA=$data_dir BENCH_BATCHES=$batches BENCH_KERAS_BATCHES=$keras_batches BENCH_CHAR_BATCHES=$char_batches BENCH_TRANSLATE=$ntrans BENCH_THREADS=$threads"
[ "$quick" = 1 ] && cmd="BENCH_QUICK=1 $cmd"
[ -n "${BENCH_MODEL:-}" ] && cmd="$cmd BENCH_MODEL=$BENCH_MODEL"
[ "$backends" != naive,cblas,dnnl,pmat,dnnl-bf16 ] && cmd="$cmd BENCH_BACKENDS=$backends"
[ "$archs" != "$archs_default" ] && cmd="$cmd BENCH_ARCHS=\"$archs\""
cmd="$cmd make bench"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit + uncommitted changes"; fi
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
fam=$(lscpu 2>/dev/null | sed -n 's/^CPU family:[[:space:]]*//p' | head -n 1)
mdl=$(lscpu 2>/dev/null | sed -n 's/^Model:[[:space:]]*//p' | head -n 1)
hyp=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n 1)
simd=$(lscpu 2>/dev/null | sed -n 's/^Flags:[[:space:]]*//p' | tr ' ' '\n' |
       grep -x -E 'avx2|fma|avx512f|avx512_bf16|avx512_vnni|amx_bf16|amx_tile|amx_int8' | tr '\n' ' ' | sed 's/ *$//')
mem=$(free -g 2>/dev/null | awk '/^Mem:/ { print $2 " GiB" }')
os=$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release 2>/dev/null)
ccv=$(${CC:-cc} --version 2>/dev/null | head -n 1)
blas=$(dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null)
dnnl=$(dpkg-query -W -f='${Version}' libdnnl2 2>/dev/null)
nmtv=$([ $nmt_ok = 1 ] && "$nmt" version 2>/dev/null | head -n 1)
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
# share of CPU time the hypervisor gave to other guests during the run (/proc/stat "steal")
steal=$(printf '%s\n%s\n' "$stat_start" "$(grep '^cpu ' /proc/stat 2>/dev/null)" |
        awk 'NF >= 9 { t = 0; for (i = 2; i <= 9; i++) t += $i; T[NR] = t; S[NR] = $9 }
             END { if (NR == 2 && T[2] > T[1]) printf "%.1f%%", 100 * (S[2] - S[1]) / (T[2] - T[1]) }')
elapsed=$(( $(date +%s) - start_epoch ))

{
    echo
    echo "### $(date -u '+%Y-%m-%d %H:%M UTC'): commit $commit$([ "$quick" = 1 ] && echo ', quick smoke run (not a measurement)')"
    echo
    echo "**Command**: \`$cmd\` (the run took $elapsed s)"
    echo
    echo "**Machine**: $cpu (family $fam, model $mdl${hyp:+, $hyp guest}), $(nproc) CPUs (nproc), SIMD: ${simd:-none listed};" \
        "$mem memory (free); $os, kernel $(uname -r); $ccv; OpenBLAS ${blas:-?}, oneDNN ${dnnl:-not installed}." \
        "Load average (1, 5, 15 min) at the start: $load_start; at the end: $load_end; CPU time stolen by the hypervisor during the run: ${steal:-n/a}."
    if awk -v l="${load_start%% *}" 'BEGIN { exit !(l >= 0.5) }'; then
        echo
        echo "**Warning**: the machine was not idle at the start (1-minute load average ${load_start%% *}):" \
            "other work competed for the $(nproc) CPUs, so these numbers are low and noisy."
    fi
    if [ -n "${mm_1t:-}" ] && [ "$threads" -gt 1 ] &&
        awk -v a="$best_mm" -v b="$mm_1t" -v t="$threads" 'BEGIN { exit !(a < 0.65 * t * b) }'; then
        echo
        echo "**Warning**: with $threads threads the 2048³ product ran only $(ratio "$best_mm" "$mm_1t") as fast as with 1" \
            "($best_mm_name): the CPUs were not all free (other guests on the host?), so the multi-threaded numbers are low and noisy."
    fi
    if [ -n "$peak" ] && [ -n "$best_mm" ] && awk -v p="$peak" -v m="$best_mm" 'BEGIN { exit !(p < m) }'; then
        echo
        echo "**Warning**: the FMA peak ($(gf "$peak") GFLOP/s) came out below the 2048³ product ($(gf "$best_mm")): the CPUs were busy" \
            "whenever it was measured, so the \"of FMA peak\" column is too high."
    fi
    echo
    echo "**Build**: ${nmtv:-nmt not built}"
    echo
    echo "**(a) Matrix products**, GFLOP/s (2·M·N·K per call), best of several repetitions; \"op\" is transA/transB; nT = n threads:"
    echo
    echo "$gemm_md"
    echo
    archs_note=""
    [ "$archs" != basic ] && archs_note="architectures ${archs// /, } (nmt train --arch; nmt in fp32 only except basic); "
    if [ "$archs" = basic ]; then
        vs="training against ${torch_ref:-PyTorch (not measured)}"
        mflop="$(awk -v f="$flop_tok" 'BEGIN { printf "%.2f", f * 1e-6 }') MFLOP per token for nmt"
    else
        vs="training against PyTorch's faster run of the same architecture ("
        mflop="MFLOP per token:"
        for a in $archs; do
            vs="$vs$a: ${torch_ref_of[$a]:-not measured}; "
            mflop="$mflop $a $(awk -v f="${flop_of[$a]}" 'BEGIN { if (f == "") print "?"; else printf "%.2f", f * 1e-6 }'),"
        done
        vs="${vs%; }; the issue's targets: every architecture ≥ 4×, attention within 1.5× of basic's time per epoch)"
        mflop="${mflop%,}"
    fi
    echo "**(b–d) Training and translation**, $threads threads. Training: $batches batches of 32 (Keras: $keras_batches)," \
        "${archs_note}tokens/s = real source + decoder-input tokens per second; vs PyTorch: $vs, translation against PyTorch's translation; model GFLOP/s = model FLOPs per second" \
        "($mflop, forward + backward; see the method above);" \
        "matmul rate = the best fp32 rate on the 2048³ square at $threads threads${best_mm:+: $(gf "$best_mm") GFLOP/s ($best_mm_name)};" \
        "FMA peak = the arithmetic limit at $threads threads (fused multiply-adds on registers, under the table above)${peak:+: $(gf "$peak") GFLOP/s}." \
        "Translation: the first $ntrans validation sentences, greedy, with ${model_note:-no model}; its GFLOP/s counts forward FLOPs."
    if [ "$char_batches" != 0 ]; then
        echo
        echo "**(e) Char-RNN**: the book's Shakespeare model, Embedding(39,16), GRU(128), Dense(39), Nadam;" \
            "$char_batches batches of 32 shuffled windows of 100 characters (input; target shifted by one) of the first 1,000,000;" \
            "chars/s = trained characters (batches × 32 × 100) per second; vs PyTorch: against ${torch_ref_of[charrnn]:-PyTorch (not measured)}" \
            "(the issue's target: ≥ 4×); model GFLOP/s with $(awk -v f="$char_flop" 'BEGIN { printf "%.3f", f * 1e-6 }') MFLOP per character, forward + backward."
    fi
    echo
    echo "| benchmark | throughput | vs PyTorch | model GFLOP/s | of matmul rate | of FMA peak | peak RSS | notes |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${rows[@]}"
} >"$tmp/report.md"

cat "$tmp/report.md"
if [ "$append" = 1 ]; then
    if cat "$tmp/report.md" >>"$report"; then say "appended to $report"; else say "could not append to $report"; fi
else
    say "not appended to $report (quick run; BENCH_APPEND=1 appends)"
fi
