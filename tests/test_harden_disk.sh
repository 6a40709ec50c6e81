#!/usr/bin/env bash
# test_harden_disk.sh - a full disk never aborts `miles train` (issue 15, item 1).
#
# usage: test_harden_disk.sh BUILD_DIR
# For several tmpfs sizes (each run's --out on a fresh tmpfs, so the disk fills at a different
# write: checkpoint, state.txt, epochs.csv, log.txt, summary.json, config.yaml): the run exits 0
# or 4, never anything else (LibTorch's writer used to abort with 134); on 4 the message names a
# file of the run and "No space left on device", and no *.tmp is left; then the tmpfs is made
# big and `--resume` completes the run. Mounting needs root: otherwise the test is skipped
# (exit 77) and says so.
set -u
B=${1:?usage: test_harden_disk.sh BUILD_DIR}
MILES=$B/csrc/miles
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: test_harden_disk mounts a small tmpfs, which needs root (CI runs as root)"
  exit 77
fi
T=$(mktemp -d)
M=$T/mnt
mkdir -p "$M"
cleanup() { mountpoint -q "$M" && umount "$M"; rm -rf "$T"; }
trap cleanup EXIT
if ! mount -t tmpfs -o size=300k tmpfs "$M" 2>"$T/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here: $(cat "$T/mount.err")"
  exit 77
fi
umount "$M"
. "$(dirname "$0")/lib.sh"
tiny_cache

tiny_exp 2 vanilla "$T/unused" > "$T/exp.yaml"

full=0
for size in 8k 40k 120k 200k 300k 420k; do
  mount -t tmpfs -o size=$size tmpfs "$M" || { fail "mount size=$size"; continue; }
  "$MILES" train "$T/exp.yaml" --out "$M/run" --quiet 2>"$T/err"; rc=$?
  if [ $rc = 4 ]; then
    full=$((full + 1))
    grep -q "$M/run/" "$T/err" || fail "size $size: message names no file of the run: $(cat "$T/err")"
    grep -q "No space left on device" "$T/err" || fail "size $size: message names no errno: $(cat "$T/err")"
    left=$(find "$M" -name '*.tmp')
    [ -z "$left" ] || fail "size $size: temporary files left behind: $left"
    echo "size $size: exit 4: $(head -c 200 "$T/err")"
  elif [ $rc != 0 ]; then
    fail "size $size: exit $rc, expected 4 (or 0 if it fit): $(cat "$T/err")"
  fi
  # space freed: the same directory resumes (or a run that never started is started)
  mount -o remount,size=64m "$M" || fail "remount size=$size bigger"
  "$MILES" train "$T/exp.yaml" --out "$M/run" --quiet --resume 2>"$T/err" ||
    fail "size $size: --resume after freeing space exited $?: $(cat "$T/err")"
  grep -q '"status": "completed"' "$M/run/summary.json" 2>/dev/null || fail "size $size: resumed run not completed"
  [ "$(($(wc -l < "$M/run/epochs.csv") - 1))" = 2 ] || fail "size $size: epochs.csv rows after resume"
  umount "$M"
done
[ $full -ge 3 ] || fail "only $full of the sizes filled the disk: the test no longer exercises a full disk"

if [ $fails -gt 0 ]; then echo "test_harden_disk: $fails check(s) failed"; exit 1; fi
echo "test_harden_disk: all checks passed"
