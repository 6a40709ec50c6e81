#!/usr/bin/env bash
# test_device_check.sh SOURCE_DIR BUILD_DIR - tools/device-check --cpu --quick on this build:
# every step runs (or says why it skips), the report names each step, and the benchmark lines
# have the form tools/bench.sh prints (`bench <name> ... ratio=<number>`), with the concurrent
# trials' throughput for 1 and 2 trials. BUILD_DIR is the developer's own build directory: it is
# used with --no-build, and a cmake on PATH that notes each call checks that nothing configures
# or builds it (a build there would race the developer's).
set -u
S=${1:?usage: test_device_check.sh SOURCE_DIR BUILD_DIR}
B=${2:?usage: test_device_check.sh SOURCE_DIR BUILD_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S=$(cd "$S" && pwd) && B=$(cd "$B" && pwd) && cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$T/bin"
real_cmake=$(command -v cmake) || { echo "test_device_check: no cmake on PATH"; exit 1; }
printf '#!/bin/sh\necho "$*" >> "%s/cmake-calls"\nexec "%s" "$@"\n' "$T" "$real_cmake" > "$T/bin/cmake"
chmod +x "$T/bin/cmake"
PATH=$T/bin:$PATH DEVICE_CHECK_BUDGET=100000 "$S/tools/device-check" --cpu --quick --build "$B" --no-build "$T/out" \
    > "$T/stdout" 2> "$T/stderr"; rc=$?
[ ! -e "$T/cmake-calls" ] || fail "device-check --no-build ran cmake on the build directory: $(cat "$T/cmake-calls")"
grep -q "^build	skip (--no-build: $B used as it is)	" "$T/out/steps.tsv" ||
    fail "step build: expected 'skip (--no-build: ...)', found $(grep '^build' "$T/out/steps.tsv")"
[ $rc = 0 ] || fail "device-check --cpu exited $rc: $(cat "$T/out/steps.tsv" 2>/dev/null) $(tail -20 "$T/stderr")"
for s in env build ctest compare wordpiece gemm bench epochs concurrent; do
    grep -qE "^$s	(ok|skip \(.+\))	[0-9]+s$" "$T/out/steps.tsv" || fail "step $s: $(grep "^$s" "$T/out/steps.tsv")"
    grep -q "^| $s | " "$T/out/report.md" || fail "report.md has no row for $s"
done
grep -q '^wordpiece	skip (tokenizers' "$T/out/steps.tsv" || python3 -c 'import tokenizers' 2>/dev/null ||
    fail "wordpiece without tokenizers must skip: $(grep ^wordpiece "$T/out/steps.tsv")"
grep -q 'check resnet18_cpu_vs_torchvision .* ok$' "$T/out/compare.txt" || fail "compare: $(cat "$T/out/compare.txt")"
for b in gemm_peak_cpu resnet10_w16_28_fp32_cpu resnet10_w16_28_bf16_cpu epoch_fp32_cpu epoch_bf16_cpu concurrent_1_cpu \
    concurrent_2_cpu; do
    grep -qE "^bench $b .*ratio=[0-9.]+" "$T/stdout" || grep -qE "^bench $b gflops=[0-9.]+$" "$T/stdout" ||
        fail "no bench line for $b: $(grep '^bench' "$T/stdout")"
done
grep -q '^1 tests\? passed\|100% tests passed' "$T/out/ctest.txt" || fail "ctest: $(tail -5 "$T/out/ctest.txt")"
# the shim-vs-python lines carry each side's spread as a number (an awk printf once sent it to
# a file named 0 instead)
for b in resnet10_w16_28_fp32_cpu resnet10_w16_28_bf16_cpu; do
    grep -qE "^bench $b shim=[0-9.]+ python=[0-9.]+ ratio=[0-9.]+ spread_shim=[0-9.]+ spread_python=[0-9.]+$" "$T/stdout" ||
        fail "bench $b: $(grep "^bench $b" "$T/stdout")"
done
[ -e "$T/0" ] && fail "a file named 0 appeared in the working directory"
[ $fails = 0 ] && echo "test_device_check: ok ($(wc -l < "$T/out/bench.txt") bench lines)" ||
    { echo "test_device_check: $fails failure(s)"; cat "$T/stderr"; exit 1; }
