#!/bin/sh
# bench.sh - benchmarks of miles.
#
#   tools/bench.sh shim [config...]
#       Training throughput (samples/s; forward, backward and Adam step, steady state) of the
#       LibTorch shim (build/tools/bench-shim) and of the same network and step in Python
#       PyTorch on the same libtorch (tools/bench_shim.py under $BENCH_PYTHON), run alternately
#       shim, python, shim, python ... $BENCH_REPEATS times each (default 5); prints the median
#       (or, with BENCH_STAT=best, the best) of each side, each side's spread ((largest -
#       smallest) / median of its runs), the range of the per-alternation ratios, and
#       flag=too-wide when a spread exceeds BENCH_MAX_SPREAD (default 0.15): such a ratio says
#       more about the machine's other load than about the two sides:
#           bench gemm_peak gflops=<GFLOP/s of F.linear 512x768 by 3072x768 at these threads>
#           bench <name> shim=<samples/s> python=<samples/s> ratio=<shim/python>
#                 spread_shim=<f> spread_python=<f> ratio_range=<lo>-<hi>[ flag=too-wide]
#       and on stderr each side's thread counts, median CPU seconds, and achieved GFLOP/s
#       (3 x forward FLOPs x samples/s) beside the GEMM peak. BENCH_DEVICE=cuda and
#       BENCH_PRECISION=bf16|fp16 run both sides on the GPU / in mixed precision.
#       Configs: resnet10_w16_28 resnet18_64 (default: both).
#
#   tools/bench.sh train
#       Whole training epochs of `miles train` ($BUILD_DIR/csrc/miles) on the CPU demo config
#       (experiments/smnist-standin-demo.yaml with dataset.cache=$BENCH_CACHE, method vanilla,
#       train.device cpu, train.threads $BENCH_THREADS, train.epochs $BENCH_EPOCHS), each run in
#       a mktemp directory removed afterwards, alternating with tools/bench_train.py (the same
#       training in Python PyTorch, data preloaded as tensors; needs h5py, Debian python3-h5py)
#       $BENCH_REPEATS times each. The first epoch of every run is a warm-up and not counted.
#           bench train_overhead wall=<s> compute=<s> ratio=<wall/compute>
#       from the `timing epoch` lines of miles' log.txt: per run, the median over epochs 2..N of
#       the train pass wall time and of the summed shim compute (mt_train_step +
#       mt_optimizer_step) of its batches, and of their per-epoch ratio; of the runs, the one
#       with the least (best) or the median (BENCH_STAT=median) ratio. Target <= 1.05.
#           bench train_epochs miles=<epochs/s> python=<epochs/s> ratio=<miles/python>
#       epochs/s over epochs 2..N (training plus validation: miles from the `seconds` column of
#       epochs.csv, which does not cover the checkpoint written after each epoch, Python timed
#       the same way); best or median of the runs of each side. Target >= 1.0.
#
#   tools/bench.sh luma
#       The LUMA path (bench_luma). 1. The data path's overhead over pure shim compute for 96x96
#       epochs: the demo's LUMA stand-in (datasets/cache/luma-demo-standin, made by
#       datasets/luma/make-standin as `miles demo` does when missing) prepared at --image-size 96,
#       `miles train` of the demo's model (experiments/luma-standin-demo.yaml, vanilla, 2,100
#       train pairs, BENCH_EPOCHS epochs); from the `timing epoch` lines, the median over epochs
#       2..N of the train pass wall time (batch assembly, the batcher's prefetch waits, the
#       hooks) over the summed shim compute. Target <= 1.05.
#           bench luma_overhead wall=<s> compute=<s> ratio=<wall/compute> wait=<s>
#       2. `miles prepare luma` of the paper's real-size selection (22 classes x 1,500 pairs =
#       33,000, split 25,000/4,000/4,000, images 96x96) on a synthetic tree in LUMA's layout:
#       CIFAR-100 binary records of seeded random pixels and a datalist of 33,000 clips, hard
#       links to the stand-in's espeak-ng WAVs (22,050 Hz, so every clip is resampled); peak RSS
#       and wall time from /usr/bin/time -v. Needs ~110 MB in $TMPDIR.
#           bench luma_prepare pairs=<n> seconds=<s> peak_rss_mb=<MB>
#
#   tools/bench.sh cremad
#       The CREMA-D path (bench_cremad), on stand-in clips in CREMA-D's layout
#       (datasets/cremad/make-standin --actors 3 --sentences 4: 102 clips of 160x120 FLV + 16 kHz
#       WAV, made once into datasets/cache/cremad-bench-standin). 1. Prepare throughput, clips/s
#       (wall time of each whole command, alternating $BENCH_REPEATS times, median or best):
#       `miles prepare cremad --jobs $BENCH_THREADS --frame-size 224` against the OGM-GE-style
#       pipeline a user would otherwise run (tools/bench_cremad.py: frames at 1 fps through the
#       ffmpeg program, the 257x299 spectrogram through python3-scipy, .npy/.jpg per clip, on
#       $BENCH_THREADS worker processes). Goal >= 2.
#           bench cremad_prepare clips=<n> miles=<clips/s> python=<clips/s> ratio=<miles/python>
#       2. The training data path at 224x224 (batch-time resize of the spectrogram, random
#       resized crop + flip of the frame, normalisation, the prefetch thread) over pure shim
#       compute: `miles train` of ResNet-18 (audio 1 channel, video 3; base width
#       $BENCH_CREMAD_WIDTH, default 64 = the paper's) on the 224x224 cache, vanilla, batch 16,
#       dataset.augment crop_flip, BENCH_EPOCHS epochs (default 3, the first a warm-up); medians
#       over epochs 2..N of the `timing epoch` lines, as luma. Goal <= 1.05.
#           bench cremad_overhead width=<w> wall=<s> compute=<s> ratio=<wall/compute> wait=<s>
#
#   tools/bench.sh bert [config...]
#       Training throughput of a BERT text encoder (bert-tiny, bert-base) at sequence length 128,
#       shim (build/tools/bench-bert) vs the PyTorch reference (tools/bench_bert.py), alternated
#       and summed up as shim's are (median or best, spreads, ratio range, flag):
#           bench <name> shim=<samples/s> python=<samples/s> ratio=<shim/python>
#                 spread_shim=<f> spread_python=<f> ratio_range=<lo>-<hi>[ flag=too-wide]
#       Configs: bert_tiny_128 bert_base_128 (default: both).
#
# Environment: BENCH_THREADS (intra-op threads of both sides, default nproc), OMP_WAIT_POLICY
# (both sides, default PASSIVE), BENCH_STEPS_SCALE
# (multiplies the timed steps, default 1), BENCH_WARMUP (default 5), BENCH_REPEATS (default 5),
# BENCH_PYTHON (default /usr/bin/python3: Debian's python3-torch, the libtorch the shim links),
# BENCH_STAT (best or median, default median), BENCH_MAX_SPREAD (default 0.15), BUILD_DIR (default build; configured and built here
# if needed), BENCH_VERBOSE=1 prints each run; for train: BENCH_EPOCHS (epochs per run, the first
# a warm-up, default 4), BENCH_CACHE (default datasets/cache/smnist-standin.h5; made with
# `miles demo smnist` or datasets/ if missing).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
BENCH_REPEATS=${BENCH_REPEATS:-5}
BENCH_STAT=${BENCH_STAT:-median}
BENCH_MAX_SPREAD=${BENCH_MAX_SPREAD:-0.15}
case $BENCH_STAT in best | median) ;; *) echo "bench.sh: BENCH_STAT must be best or median" >&2; exit 2 ;; esac
BENCH_THREADS=${BENCH_THREADS:-$(nproc)}
# Both sides' OpenMP threads sleep at barriers instead of spinning (unless the caller says
# otherwise): on a machine with other load, spinning threads hold the cores the threads they
# wait for need, and one side could run 2x to 100x slower than the other (README, Benchmarks).
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export BENCH_THREADS OMP_WAIT_POLICY

usage() {
    echo "usage: tools/bench.sh shim [resnet10_w16_28|resnet18_64 ...]" >&2
    echo "       tools/bench.sh train" >&2
    echo "       tools/bench.sh luma" >&2
    echo "       tools/bench.sh cremad" >&2
    echo "       tools/bench.sh bert [bert_tiny_128|bert_base_128 ...]" >&2
    exit 2
}

# field KEY LINE: the value of KEY=value in LINE
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# best (largest) or median of the numbers on stdin, as BENCH_STAT says
summary() {
    sort -g | awk -v stat="$BENCH_STAT" '{ v[NR] = $1 } END { if (NR == 0) exit 1;
        if (stat == "best") print v[NR];
        else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

build_target() { # TARGET: configures BUILD_DIR when it is not yet, then builds TARGET
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        gen=
        command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
        tests=
        [ -f "$ROOT/tests/CMakeLists.txt" ] || tests="-DMILES_BUILD_TESTS=OFF"
        # shellcheck disable=SC2086
        cmake -S "$ROOT" -B "$BUILD_DIR" $gen $tests >&2
    fi
    cmake --build "$BUILD_DIR" --target "$1" >&2
}

# spread of the numbers on stdin: (largest - smallest) / median, as a fraction
spread() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        printf "%.3f\n", (m > 0 ? (v[NR] - v[1]) / m : 0) }'
}

# flag SPREAD...: "" when every spread is within BENCH_MAX_SPREAD, else " flag=too-wide"
flag() {
    for v in "$@"; do
        awk -v v="$v" -v m="$BENCH_MAX_SPREAD" 'BEGIN { exit !(v > m) }' && { printf ' flag=too-wide'; return; }
    done
    return 0
}

# side_pair PY_SCRIPT NAME: one timed run of each side of benchmark NAME, $exe (the C side,
# printing shim=...) then tools/PY_SCRIPT (python=...), appended to the lists that pair_line
# sums up; run $i of the alternation.
side_pair() {
    s_line=$("$exe" "$2") || { echo "bench.sh: $(basename "$exe") $2 failed" >&2; exit 1; }
    p_line=$("$BENCH_PYTHON" "$ROOT/tools/$1" "$2") ||
        { echo "bench.sh: $1 $2 failed" >&2; exit 1; }
    if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
        echo "  $2 run $i: $s_line" >&2
        echo "  $2 run $i: $p_line" >&2
    fi
    s1=$(field shim "$s_line") p1=$(field python "$p_line")
    s_vals="$s_vals$s1
" p_vals="$p_vals$p1
" r_vals="$r_vals$(awk -v s="$s1" -v p="$p1" 'BEGIN { printf "%.4f", s / p }')
"
    s_cpu="$s_cpu$(field cpu_seconds "$s_line")
" p_cpu="$p_cpu$(field cpu_seconds "$p_line")
"
}

# pairs PY_SCRIPT NAME: $BENCH_REPEATS alternations of side_pair, into fresh lists.
pairs() {
    s_vals='' p_vals='' r_vals='' s_cpu='' p_cpu=''
    i=0
    while [ "$i" -lt "$BENCH_REPEATS" ]; do
        side_pair "$1" "$2"
        i=$((i + 1))
    done
    s=$(printf '%s' "$s_vals" | summary)
    p=$(printf '%s' "$p_vals" | summary)
}

# pair_line NAME: the bench line of the lists pairs filled (every shim-vs-python benchmark's)
pair_line() {
    r=$(awk -v s="$s" -v p="$p" 'BEGIN { printf "%.3f", s / p }')
    ss=$(printf '%s' "$s_vals" | spread) ps=$(printf '%s' "$p_vals" | spread)
    rlo=$(printf '%s' "$r_vals" | sort -g | head -n 1) rhi=$(printf '%s' "$r_vals" | sort -g | tail -n 1)
    echo "bench $1 shim=$s python=$p ratio=$r spread_shim=$ss spread_python=$ps ratio_range=$rlo-$rhi$(flag "$ss" "$ps")"
}

# The machine's GEMM rate at these threads (F.linear 512x768 by 3072x768, best of 12), once.
gemm_peak() {
    [ -z "${peak:-}" ] || return 0
    peak=$(field gemm_gflops "$("$BENCH_PYTHON" "$ROOT/tools/bench_shim.py" --gemm)")
    echo "  gemm peak: ${peak} GFLOP/s (F.linear 512x768 by 3072x768, $BENCH_THREADS threads, ${BENCH_DEVICE:-cpu}); BLAS: $("$exe" --blas)" >&2
    echo "bench gemm_peak gflops=$peak"
}

bench_shim() {
    build_target bench-shim
    exe=$BUILD_DIR/tools/bench-shim
    [ -x "$exe" ] || { echo "bench.sh: $exe was not built" >&2; exit 1; }
    "$BENCH_PYTHON" -c 'import torch' 2>/dev/null ||
        { echo "bench.sh: $BENCH_PYTHON cannot import torch" >&2; exit 1; }
    [ $# -gt 0 ] || set -- resnet10_w16_28 resnet18_64
    gemm_peak
    for name in "$@"; do
        pairs bench_shim.py "$name"
        # thread counts of the last run of each side, so a mismatch shows, and the median
        # process CPU time of the timed steps (the same work: a side that needs more spins)
        echo "  $name OMP_WAIT_POLICY=$OMP_WAIT_POLICY threads: shim $(field threads "$s_line") (omp $(field omp_threads "$s_line"), live $(field live_threads "$s_line")), python $(field threads "$p_line") (live $(field live_threads "$p_line")); cpu_seconds: shim $(printf '%s' "$s_cpu" | summary_low) python $(printf '%s' "$p_cpu" | summary_low)" >&2
        fps=$(field flops_per_sample "$p_line")
        echo "  $name GFLOP/s (3 x forward FLOPs x samples/s): shim $(awk -v f="$fps" -v s="$s" 'BEGIN { printf "%.2f", 3 * f * s / 1e9 }') python $(awk -v f="$fps" -v s="$p" 'BEGIN { printf "%.2f", 3 * f * s / 1e9 }'), gemm peak $peak" >&2
        pair_line "$name"
    done
}

# least or median of the numbers on stdin (for ratios where less is better)
summary_low() {
    sort -g | awk -v stat="$BENCH_STAT" '{ v[NR] = $1 } END { if (NR == 0) exit 1;
        if (stat == "best") print v[1];
        else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# train_timing LOG: "wall compute ratio wait val" - medians over epochs 2..N of the timing lines
train_timing() {
    awk '/^timing epoch / { e = $3 + 0; if (e < 2) next; n++; w[n] = $5; c[n] = $7; q[n] = $9; v[n] = $11;
            r[n] = $7 > 0 ? $5 / $7 : 0 }
        function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { if (n == 0) exit 1; printf "%.4f %.4f %.4f %.4f %.4f\n", med(w, n), med(c, n), med(r, n), med(q, n), med(v, n) }' "$1"
}

# miles_epochs CSV: epochs per second over epochs 2..N of the seconds column
miles_epochs() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") col = i; next }
        col && $1 >= 2 { n++; s += $col }
        END { if (!col || n == 0 || s <= 0) exit 1; printf "%.4f %d %.3f\n", n / s, n, s }' "$1"
}

bench_train() {
    [ $# -eq 0 ] || usage
    epochs=${BENCH_EPOCHS:-4}
    case $epochs in '' | *[!0-9]*) echo "bench.sh: BENCH_EPOCHS must be a number >= 2" >&2; exit 2 ;; esac
    [ "$epochs" -ge 2 ] || { echo "bench.sh: BENCH_EPOCHS must be >= 2 (one warm-up epoch)" >&2; exit 2; }
    cache=${BENCH_CACHE:-$ROOT/datasets/cache/smnist-standin.h5}
    [ -f "$cache" ] || { echo "bench.sh: $cache is missing (make it with miles demo)" >&2; exit 1; }
    build_target miles
    exe=$BUILD_DIR/csrc/miles
    [ -x "$exe" ] || { echo "bench.sh: $exe was not built" >&2; exit 1; }
    "$BENCH_PYTHON" -c 'import torch' 2>/dev/null ||
        { echo "bench.sh: $BENCH_PYTHON cannot import torch" >&2; exit 1; }
    "$BENCH_PYTHON" -c 'import h5py' 2>/dev/null ||
        { echo "bench.sh: $BENCH_PYTHON cannot import h5py (Debian: apt-get install python3-h5py)" >&2; exit 1; }
    m_vals='' p_vals='' o_lines=''
    i=0
    while [ "$i" -lt "$BENCH_REPEATS" ]; do
        out=$(mktemp -d "${TMPDIR:-/tmp}/bench-train.XXXXXX")
        if ! "$exe" train "$ROOT/experiments/smnist-standin-demo.yaml" --out "$out/run" --quiet \
            --set "dataset.cache=$cache" --set method.name=vanilla --set train.device=cpu \
            --set "train.threads=$BENCH_THREADS" --set "train.epochs=$epochs" >"$out/stdout" 2>&1; then
            cat "$out/stdout" >&2
            rm -rf "$out"
            echo "bench.sh: miles train failed" >&2
            exit 1
        fi
        if ! m=$(miles_epochs "$out/run/epochs.csv") || ! t=$(train_timing "$out/run/log.txt"); then
            rm -rf "$out"
            echo "bench.sh: no epochs or timing lines in the miles run" >&2
            exit 1
        fi
        rm -rf "$out"
        p_line=$("$BENCH_PYTHON" "$ROOT/tools/bench_train.py" "$cache" --epochs "$epochs" --threads "$BENCH_THREADS") ||
            { echo "bench.sh: bench_train.py failed" >&2; exit 1; }
        if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
            echo "  train run $i: miles epochs/s timed seconds: $m; median wall compute ratio batch_wait val_wall: $t" >&2
            echo "  train run $i: $p_line" >&2
        fi
        m_vals="$m_vals${m%% *}
"
        p_vals="$p_vals$(field python "$p_line")
"
        o_lines="$o_lines$t
"
        i=$((i + 1))
    done
    echo "  train threads: miles $BENCH_THREADS (train.threads), python $(field threads "$p_line") (live $(field live_threads "$p_line")); epochs per run $epochs (first not timed)" >&2
    # the run whose median per-epoch ratio is the summary's
    r=$(printf '%s' "$o_lines" | awk '{ print $3 }' | summary_low)
    o=$(printf '%s' "$o_lines" | awk -v r="$r" '$3 == r { print; exit }')
    [ -n "$o" ] || o=$(printf '%s' "$o_lines" | head -n 1)
    echo "  train_overhead: median batch_wait=$(echo "$o" | cut -d' ' -f4) val_wall=$(echo "$o" | cut -d' ' -f5) of that run" >&2
    echo "bench train_overhead wall=$(echo "$o" | cut -d' ' -f1) compute=$(echo "$o" | cut -d' ' -f2) ratio=$r"
    m=$(printf '%s' "$m_vals" | summary)
    p=$(printf '%s' "$p_vals" | summary)
    r=$(awk -v s="$m" -v p="$p" 'BEGIN { printf "%.3f", s / p }')
    echo "bench train_epochs miles=$m python=$p ratio=$r"
}

# bench_luma: the LUMA data path at 96x96 and the memory of a real-size prepare (see the top).
# Self-contained: its own temporary directory, removed on return; the stand-in it reuses or
# makes is the demo's (datasets/cache/luma-demo-standin).
bench_luma() {
    [ $# -eq 0 ] || usage
    epochs=${BENCH_EPOCHS:-3}
    build_target miles
    build_target luma-standin
    exe=$BUILD_DIR/csrc/miles
    standin=$ROOT/datasets/cache/luma-demo-standin
    if [ ! -f "$standin/README" ]; then
        MILES_BUILD_DIR=$BUILD_DIR "$ROOT/datasets/luma/make-standin" "$standin" --per-class 300 >&2 ||
            { echo "bench.sh: make-standin failed" >&2; exit 1; }
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-luma.XXXXXX")
    # 1. overhead of the data path at 96x96
    "$exe" prepare luma --from "$standin" --out "$tmp/luma96.h5" --classes 10 --per-class 300 \
        --split 2100,450,450 --image-size 96 --quiet >"$tmp/prepare.log" 2>&1 ||
        { cat "$tmp/prepare.log" >&2; rm -rf "$tmp"; echo "bench.sh: prepare luma failed" >&2; exit 1; }
    if ! "$exe" train "$ROOT/experiments/luma-standin-demo.yaml" --out "$tmp/run" --quiet \
        --set "dataset.cache=$tmp/luma96.h5" --set method.name=vanilla --set train.device=cpu \
        --set "train.threads=$BENCH_THREADS" --set "train.epochs=$epochs" >"$tmp/train.log" 2>&1 ||
        ! t=$(train_timing "$tmp/run/log.txt"); then
        cat "$tmp/train.log" >&2
        rm -rf "$tmp"
        echo "bench.sh: miles train on the 96x96 LUMA cache failed" >&2
        exit 1
    fi
    set -- $t
    echo "bench luma_overhead wall=$1 compute=$2 ratio=$3 wait=$4"
    # 2. prepare of 33,000 pairs: 22 classes x 1,500, every clip a hard link to a stand-in WAV
    mkdir -p "$tmp/big/data/audio/clips" "$tmp/big/cifar-100-binary"
    "$BENCH_PYTHON" - "$tmp/big" "$standin/data/audio" <<'PY' || { rm -rf "$tmp"; echo "bench.sh: tree failed" >&2; exit 1; }
import os, sys, numpy as np
out, src = sys.argv[1], sys.argv[2]
wavs = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(src, "es_audio")) for f in fs if f.endswith(".wav"))[:200]
names = [f"class{i:02d}" for i in range(100)]
with open(os.path.join(out, "cifar-100-binary", "fine_label_names.txt"), "w") as f:
    f.write("\n".join(names) + "\n")
rng = np.random.default_rng(0)
for name, per in (("train.bin", 1500), ("test.bin", 1)):
    with open(os.path.join(out, "cifar-100-binary", name), "wb") as f:
        for c in range(22):
            rec = np.empty((per, 3074), np.uint8)
            rec[:, 0], rec[:, 1] = 0, c
            rec[:, 2:] = rng.integers(0, 256, (per, 3072), dtype=np.uint8)
            f.write(rec.tobytes())
rows = ["path,label,tts_label"]
for c in range(22):
    for k in range(1500):
        rel = f"clips/{c:02d}-{k:04d}.wav"
        os.link(wavs[(c * 1500 + k) % len(wavs)], os.path.join(out, "data", "audio", rel))
        rows.append(f"{rel},{names[c]},0")
with open(os.path.join(out, "data", "audio", "datalist.csv"), "w") as f:
    f.write("\n".join(rows) + "\n")
PY
    if ! /usr/bin/time -v "$exe" prepare luma --from "$tmp/big" --out "$tmp/big.h5" --quiet \
        >"$tmp/big.log" 2>"$tmp/big.time"; then
        cat "$tmp/big.log" "$tmp/big.time" >&2
        rm -rf "$tmp"
        echo "bench.sh: prepare luma of 33,000 pairs failed" >&2
        exit 1
    fi
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/big.time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$tmp/big.time")
    secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
    echo "bench luma_prepare pairs=33000 seconds=$secs peak_rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
    rm -rf "$tmp"
}

# seconds since the epoch, with nanoseconds (GNU date)
now() { date +%s.%N; }

# bench_cremad: prepare throughput against the OGM-GE-style Python pipeline, and the 224x224
# data path's overhead over shim compute (the usage comment at the top)
bench_cremad() {
    [ $# -eq 0 ] || usage
    build_target miles
    exe=$BUILD_DIR/csrc/miles
    clips=$ROOT/datasets/cache/cremad-bench-standin
    if [ ! -f "$clips/standin.json" ]; then
        rm -rf "$clips"
        "$BENCH_PYTHON" "$ROOT/datasets/cremad/make-standin" "$clips" --actors 3 --sentences 4 \
            --jobs "$BENCH_THREADS" >&2 || { echo "bench.sh: make-standin failed" >&2; exit 1; }
    fi
    n=$(ls "$clips/AudioWAV" | wc -l)
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cremad.XXXXXX")
    m_vals='' p_vals='' i=0
    while [ "$i" -lt "$BENCH_REPEATS" ]; do
        rm -rf "$tmp/c.h5" "$tmp/py"
        t0=$(now)
        "$exe" prepare cremad --from "$clips" --out "$tmp/c.h5" --frame-size 224 --jobs "$BENCH_THREADS" \
            --quiet >"$tmp/prepare.log" 2>&1 ||
            { cat "$tmp/prepare.log" >&2; rm -rf "$tmp"; echo "bench.sh: prepare cremad failed" >&2; exit 1; }
        t1=$(now)
        "$BENCH_PYTHON" "$ROOT/tools/bench_cremad.py" "$clips" "$tmp/py" "$BENCH_THREADS" >"$tmp/py.log" 2>&1 ||
            { cat "$tmp/py.log" >&2; rm -rf "$tmp"; echo "bench.sh: bench_cremad.py failed" >&2; exit 1; }
        t2=$(now)
        m=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }')
        p=$(awk -v n="$n" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", n / (b - a) }')
        [ "${BENCH_VERBOSE:-0}" = 1 ] && echo "  prepare run $i: miles $m clips/s, python $p clips/s" >&2
        m_vals="$m_vals$m
"
        p_vals="$p_vals$p
"
        i=$((i + 1))
    done
    m=$(printf '%s' "$m_vals" | summary)
    p=$(printf '%s' "$p_vals" | summary)
    echo "bench cremad_prepare clips=$n miles=$m python=$p ratio=$(awk -v m="$m" -v p="$p" 'BEGIN { printf "%.2f", m / p }')"
    # 2. the data path at 224x224 on the cache the last prepare wrote
    width=${BENCH_CREMAD_WIDTH:-64}
    cat >"$tmp/exp.yaml" <<YAML
dataset: {name: cremad, cache: $tmp/c.h5, input_size: 224, augment: crop_flip}
model:
  a: {preset: resnet18, base_width: $width}
  b: {preset: resnet18, base_width: $width}
train: {epochs: ${BENCH_EPOCHS:-3}, batch_size: 16, device: cpu, threads: $BENCH_THREADS}
method: {name: vanilla}
YAML
    if ! "$exe" train "$tmp/exp.yaml" --out "$tmp/run" --quiet >"$tmp/train.log" 2>&1 ||
        ! t=$(train_timing "$tmp/run/log.txt"); then
        cat "$tmp/train.log" >&2
        rm -rf "$tmp"
        echo "bench.sh: miles train on the 224x224 CREMA-D cache failed" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # five numbers
    set -- $t
    echo "bench cremad_overhead width=$width wall=$1 compute=$2 ratio=$3 wait=$4"
    rm -rf "$tmp"
}

# bench_bert [config...]: BERT training throughput, shim (bench-bert) vs PyTorch (bench_bert.py)
# at sequence length 128, alternately $BENCH_REPEATS times each; configs bert_tiny_128
# bert_base_128 (default: both). Prints the line bench_shim prints (pair_line):
#     bench <name> shim=<samples/s> python=<samples/s> ratio=<shim/python>
#           spread_shim=<f> spread_python=<f> ratio_range=<lo>-<hi>[ flag=too-wide]
bench_bert() {
    build_target bench-bert
    exe=$BUILD_DIR/tools/bench-bert
    [ -x "$exe" ] || { echo "bench.sh: $exe was not built" >&2; exit 1; }
    [ $# -gt 0 ] || set -- bert_tiny_128 bert_base_128
    for name in "$@"; do
        pairs bench_bert.py "$name"
        pair_line "$name"
    done
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
    shim) bench_shim "$@" ;;
    train) bench_train "$@" ;;
    luma) bench_luma "$@" ;;
    cremad) bench_cremad "$@" ;;
    bert) bench_bert "$@" ;;
    *) usage ;;
esac
