#!/usr/bin/env bash
# test_harden_b_prepare.sh - issue 15 item 6: `miles prepare` (smnist, luma) refuses an --out that
# is one of its inputs (or inside LUMA's input directories), comparing real paths.
#
# usage: test_harden_b_prepare.sh BUILD_DIR
set -u
B=${1:?usage: test_harden_b_prepare.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

tiny_cache
tiny_exp 1 vanilla "$T/default-out" > "$T/exp.yaml"
tiny_search >> "$T/exp.yaml"

# ---- 1. prepare never overwrites its inputs ----------------------------------------------------
cd "$T"
cp -r "$T/src" "$T/src.orig"
mkdir -p "$T/link"
ln -s "$T/src" "$T/link/to-src"
for out in "$T/src/labels_train.npy" "$T/src/../src/data_wr_test.npy" "$T/link/to-src/data_sp_train.npy" \
           "src/./labels_test.npy"; do
  "$MILES" prepare smnist --from "$T/src" --out "$out" --train 200 --val 100 --test 100 > /dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && grep -q 'input' "$T/err" || fail "prepare smnist --out $out: exit $rc, $(head -1 "$T/err")"
done
diff -r "$T/src.orig" "$T/src" > /dev/null || fail "prepare smnist changed its input files"
# a cache next to the inputs under another name is fine
"$MILES" prepare smnist --from "$T/src" --out "$T/src/cache.h5" --train 200 --val 100 --test 100 > /dev/null 2>"$T/err" ||
  fail "prepare smnist into the source directory: $(cat "$T/err")"
py=
for p in $(type -ap python3); do
  if "$p" -c 'import numpy' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  fail "no python3 with numpy on PATH for the LUMA fixture (tools/setup installs python3-numpy)"
else
  PYTHONPATH=$(dirname "$0") "$py" - "$T/luma" <<'PY' || fail "LUMA fixture"
import sys
import luma_fixture as fx
f = fx.Fixture(sys.argv[1], seed=2)
f.add_images("dog", 3)
f.add_clips("dog", 3)
f.write()
PY
  cp -r "$T/luma" "$T/luma.orig"
  for out in "$T/luma/data/audio/datalist.csv" "$T/luma/cifar-10-batches-bin/test_batch.bin" \
             "$T/luma/data/audio/../audio/cv_audio/dog/0.wav" "$T/luma/cifar-100-binary/new.h5"; do
    "$MILES" prepare luma --from "$T/luma" --out "$out" --classes 1 --per-class 3 --split 1,1,1 --quiet \
      > /dev/null 2>"$T/err"; rc=$?
    [ $rc = 2 ] && grep -q 'input' "$T/err" || fail "prepare luma --out $out: exit $rc, $(head -1 "$T/err")"
  done
  diff -r "$T/luma.orig" "$T/luma" > /dev/null || fail "prepare luma changed its input files"
  "$MILES" prepare luma --from "$T/luma" --out "$T/luma/cache.h5" --classes 1 --per-class 3 --split 1,1,1 --quiet \
    > /dev/null 2>"$T/err" || fail "prepare luma into its --from directory: $(cat "$T/err")"
fi


echo "fails=$fails"
[ $fails = 0 ]
