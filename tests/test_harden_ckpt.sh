#!/usr/bin/env bash
# test_harden_ckpt.sh - checkpoints are integrity-checked on resume (issue 15, item 2).
#
# usage: test_harden_ckpt.sh BUILD_DIR
# A finished 2-epoch run records a CRC-32C of each checkpoint in ckpt/state.txt. Copies of it:
# one bit flipped inside a tensor of ckpt/last-0002.pt, then --resume exits 4 naming the file
# (it used to continue silently from the wrong weights, exit 0); the same in best-NNNN.pt
# (loaded for the test metrics); a state.txt without checksum lines (an older miles) still
# resumes, and log.txt says the checkpoint was loaded unverified.
set -u
B=${1:?usage: test_harden_ckpt.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
tiny_cache

tiny_exp 2 vanilla "$T/unused" > "$T/exp.yaml"

# flip_bit FILE: one bit in the middle of the largest tensor record (data/N) of a checkpoint (a
# zip archive whose records are stored uncompressed)
flip_bit() {
  python3 - "$1" <<'PY'
import sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    info = max((i for i in z.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
raw = bytearray(open(path, "rb").read())
name_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
start = info.header_offset + 30 + name_len + extra_len
raw[start + info.file_size // 2] ^= 0x10
open(path, "wb").write(raw)
PY
}

"$MILES" train "$T/exp.yaml" --out "$T/run" --quiet || { echo "FAIL: the run exited $?"; exit 1; }
grep -q '^last_crc32c [0-9a-f]\{8\}$' "$T/run/ckpt/state.txt" || fail "state.txt has no last_crc32c line"
grep -q '^best_crc32c [0-9a-f]\{8\}$' "$T/run/ckpt/state.txt" || fail "state.txt has no best_crc32c line"
last=$(sed -n 's/^last //p' "$T/run/ckpt/state.txt")
best=$(sed -n 's/^best //p' "$T/run/ckpt/state.txt")

# 1. a flipped bit in the last checkpoint: refused, exit 4, the file named
cp -a "$T/run" "$T/l"
flip_bit "$T/l/ckpt/$last" || fail "could not flip a bit in $last"
"$MILES" train "$T/exp.yaml" --out "$T/l" --quiet --resume 2>"$T/err"; rc=$?
[ $rc = 4 ] || fail "resume from a damaged $last: exit $rc, expected 4 ($(cat "$T/err"))"
grep -q "$T/l/ckpt/$last" "$T/err" && grep -q "damaged checkpoint" "$T/err" ||
  fail "the message names no damaged $last: $(cat "$T/err")"
echo "damaged last: $(cat "$T/err")"

# 2. the same in the best checkpoint, which the end of the run loads for the test metrics
if [ "$best" != "$last" ]; then
  cp -a "$T/run" "$T/b"
  flip_bit "$T/b/ckpt/$best" || fail "could not flip a bit in $best"
  "$MILES" train "$T/exp.yaml" --out "$T/b" --quiet --resume 2>"$T/err"; rc=$?
  [ $rc = 4 ] && grep -q "$T/b/ckpt/$best" "$T/err" || fail "resume with a damaged $best: exit $rc: $(cat "$T/err")"
fi

# 3. a state.txt of an older miles (no checksums) still resumes, and the log says unverified
cp -a "$T/run" "$T/o"
grep -v '_crc32c ' "$T/o/ckpt/state.txt" > "$T/state" && cp "$T/state" "$T/o/ckpt/state.txt"
"$MILES" train "$T/exp.yaml" --out "$T/o" --quiet --resume 2>"$T/err" ||
  fail "resume from a state.txt without checksums exited $?: $(cat "$T/err")"
grep -q "no checksum in ckpt/state.txt.*loaded unverified" "$T/o/log.txt" ||
  fail "log.txt does not say the checkpoint was loaded unverified"
cmp -s "$T/run/summary.json" "$T/o/summary.json" || fail "summary.json differs after resuming an old state.txt"

if [ $fails -gt 0 ]; then echo "test_harden_ckpt: $fails check(s) failed"; exit 1; fi
echo "test_harden_ckpt: all checks passed"
