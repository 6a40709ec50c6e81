#!/usr/bin/env bash
# test_harden_cache.sh - dataset caches are integrity-checked (issue 15, item 3), through the
# binary: one flipped byte of a cache written by `miles prepare smnist` (dataset_save) or
# `miles prepare luma` (h5stream) is found before training, with exit 3 naming the cache and
# the damaged dataset (or the HDF5 metadata); a truncated cache and a cache without checksums
# (made before they existed) are refused the same way; the intact cache still trains.
#
# Where a dataset's bytes lie is asked of h5py (Dataset.id.get_offset), independently of the
# checksum header miles writes, so the test finds the pixels whatever that header says.
#
# usage: test_harden_cache.sh BUILD_DIR
set -u
B=${1:?usage: test_harden_cache.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

py=
for p in $(type -ap python3); do
  if "$p" -c 'import numpy, h5py' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "FAIL: no python3 with numpy and h5py on PATH (tools/setup installs python3-h5py)"; exit 1; }

# offset FILE DATASET: the file offset of the dataset's first byte (contiguous storage)
offset() { "$py" -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r")[sys.argv[2]].id.get_offset())' "$1" "$2"; }
# flip FILE OFFSET: inverts the bits of one byte in place
flip() {
  "$py" - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)
    f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0xFF]))
PY
}
# train_refused CACHE WHAT...: `miles train` on CACHE exits 3 and its message names CACHE and WHAT
train_refused() {
  local cache=$1 rc
  shift
  rm -rf "$T/run-refused"
  tiny_exp 1 vanilla "$T/run-refused" | sed "s|cache: $T/d.h5|cache: $cache|" > "$T/bad.yaml"
  "$MILES" train "$T/bad.yaml" --quiet > /dev/null 2>"$T/err"; rc=$?
  [ $rc = 3 ] || { fail "$cache ($*): exit $rc, expected 3: $(head -c 300 "$T/err")"; return; }
  grep -qF "$cache" "$T/err" || fail "$cache: message names no cache file: $(cat "$T/err")"
  for w in "$@"; do grep -qF -- "$w" "$T/err" || fail "$cache: message lacks '$w': $(cat "$T/err")"; done
  [ -e "$T/run-refused" ] && fail "$cache: a refused run wrote $T/run-refused"
  echo "refused: $(head -c 200 "$T/err")"
}

tiny_cache
tiny_exp 1 vanilla "$T/run" > "$T/exp.yaml"

# 1. one pixel byte of each image/audio dataset, and one label byte
for ds in /train/x_a /val/x_b /test/x_a /train/y; do
  cp "$T/d.h5" "$T/flip.h5"
  off=$(offset "$T/flip.h5" "$ds") || { fail "h5py: no offset of $ds"; continue; }
  flip "$T/flip.h5" $((off + 17))
  train_refused "$T/flip.h5" "$ds" "re-run \`miles prepare\`"
done

# 2. a byte of the HDF5 metadata: the recipe attribute's text, which HDF5 itself never checks
cp "$T/d.h5" "$T/meta.h5"
at=$(grep -boa 'smnist' "$T/meta.h5" | tail -1 | cut -d: -f1)
[ -n "$at" ] || fail "no attribute text found in the cache"
flip "$T/meta.h5" "$at"
train_refused "$T/meta.h5" "metadata"

# 3. truncated by one byte
head -c $(($(stat -c %s "$T/d.h5") - 1)) "$T/d.h5" > "$T/short.h5"
train_refused "$T/short.h5" "bytes"

# 4. a cache without checksums (as every cache before them): the same data rewritten by h5py
"$py" - "$T/d.h5" "$T/old.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as src, h5py.File(sys.argv[2], "w") as dst:
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    for g in src:
        src.copy(src[g], dst, g)
PY
train_refused "$T/old.h5" "re-run \`miles prepare\`"

# 5. the intact cache trains
"$MILES" train "$T/exp.yaml" --quiet > /dev/null 2>"$T/err" || fail "intact cache: exit $?: $(cat "$T/err")"

# 6. the sample-by-sample writer (prepare luma) seals its caches too
"$py" - "$T/luma" <<PY || fail "luma fixture"
import sys
sys.path.insert(0, "$(dirname "$0")")
import luma_fixture as fx
f = fx.Fixture(sys.argv[1], seed=7)
for name in ("dog", "cat"):
    f.add_images(name, 4)
    f.add_clips(name, 4)
f.write()
PY
if "$MILES" prepare luma --from "$T/luma" --out "$T/l.h5" --classes 2 --per-class 4 --split 4,2,2 --quiet \
     > /dev/null 2>"$T/err"; then
  "$B/tests/luma-load" "$T/l.h5" > /dev/null 2>"$T/err" || fail "luma cache does not load: $(cat "$T/err")"
  off=$(offset "$T/l.h5" /val/x_b)
  flip "$T/l.h5" $((off + 5))
  "$B/tests/luma-load" "$T/l.h5" > /dev/null 2>"$T/err" && fail "luma cache with a flipped /val/x_b byte loads"
  grep -qF "/val/x_b" "$T/err" || fail "luma: message names no dataset: $(cat "$T/err")"
else
  fail "prepare luma: $(cat "$T/err")"
fi

if [ $fails -gt 0 ]; then echo "test_harden_cache: $fails check(s) failed"; exit 1; fi
echo "test_harden_cache: all checks passed"
