#!/usr/bin/env bash
# test_harden_b_gaps.sh - issue 15 item 7, the smaller gaps: range errors, empty and over-long
# --out values (every command), --resume of a run directory that does not exist, what
# `miles status` prints and exits with on damaged sweeps, the --val 0 documentation.
#
# usage: test_harden_b_gaps.sh BUILD_DIR
set -u
B=${1:?usage: test_harden_b_gaps.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

tiny_cache
tiny_exp 1 vanilla "$T/default-out" > "$T/exp.yaml"
tiny_search >> "$T/exp.yaml"

# ---- 1. the smaller gaps ------------------------------------------------------------------------
mkdir -p "$T/run"
# a count past the integer range is a range error, not an allocation
"$MILES" prepare smnist --from "$T/src" --out "$T/big.h5" --train 99999999999999999999 > /dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q -- '--train: expected' "$T/err" && ! grep -q 'memory' "$T/err" ||
  fail "--train 99999999999999999999: exit $rc, $(head -1 "$T/err")"
"$MILES" prepare smnist --from "$T/src" --out "$T/big.h5" --train 9999999999999999 > /dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && ! grep -q 'memory' "$T/err" || fail "--train 9999999999999999: exit $rc, $(head -1 "$T/err")"
# --val 0 is documented
"$MILES" prepare --help | grep -q '0 = every row not drawn for train' || fail "prepare --help: --val 0 undocumented"
# an empty --out, and one longer than PATH_MAX: exit 2, nothing created
long=$T/long
for i in $(seq 21); do long=$long/$(printf 'd%.0s' $(seq 200)); done
for c in "prepare smnist --from $T/src" "prepare luma --from $T/luma" "sweep $T/exp.yaml" \
         "submit $T/exp.yaml --slurm --dry-run" "train $T/exp.yaml"; do
  for out in '' "$long" "$T/long/$(printf 'n%.0s' $(seq 300))/x"; do
    (cd "$T/run" && $MILES $c --out "$out" > /dev/null 2>"$T/err"); rc=$?
    [ $rc = 2 ] && grep -q -- '--out' "$T/err" || fail "$c --out of ${#out} bytes: exit $rc, $(head -1 "$T/err")"
  done
done
[ -e "$T/long" ] && fail "an over-long --out created directories"
[ -n "$(ls -A "$T/run")" ] && fail "an empty --out wrote into the current directory: $(ls -A "$T/run")"

# --resume on a directory that does not exist (or is no directory) starts nothing: exit 2
: > "$T/a-file"
for dir in "$T/nowhere/run" "$T/a-file"; do
  "$MILES" train "$T/exp.yaml" --out "$dir" --resume --quiet > /dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && grep -qF "$dir" "$T/err" && grep -q -- '--resume' "$T/err" ||
    fail "train --resume --out $dir: exit $rc, $(head -1 "$T/err")"
done
[ -e "$T/nowhere" ] && fail "train --resume on a missing directory created $(find "$T/nowhere" | head -3)"
[ -s "$T/a-file" ] && fail "train --resume wrote into a file given as --out"

# miles status: escape bytes escaped, a corrupt summary.json called corrupt, a corrupt sweep.json exit 3
H=$T/hand
mkdir -p "$H"/trial-00{0,1,2}
printf '{\n  "trials": 3,\n  "seed": 0\n}\n' > "$H/sweep.json"
printf 'runtime failure\nbad \033[31mred\033]0;title\007 end\n' > "$H/trial-000/failed"
printf '{"status": "comp' > "$H/trial-001/summary.json"
"$MILES" status "$H" > "$T/st" 2>&1; rc=$?
[ $rc = 0 ] || fail "status: exit $rc, $(cat "$T/st")"
grep -q $'\033' "$T/st" && fail "status printed a raw escape byte: $(od -c "$T/st" | head -5)"
grep -qF 'failed trial-000: runtime failure bad \x1b[31mred\x1b]0;title\x07 end' "$T/st" ||
  fail "status: the failure escaped: $(cat -v "$T/st")"
grep -qxF 'done 0  running 0  failed 1  diverged 0  pending 1  corrupt 1' "$T/st" || fail "status counts: $(cat -v "$T/st")"
grep -qxF 'corrupt trial-001: summary.json cannot be read' "$T/st" || fail "status: no corrupt line: $(cat -v "$T/st")"
for bad in '{"trials": 3,' '[]' '{"trials": "three"}' '{"trials": 0}'; do
  printf '%s' "$bad" > "$H/sweep.json"
  "$MILES" status "$H" > /dev/null 2>"$T/err"; rc=$?
  [ $rc = 3 ] && grep -q 'sweep.json' "$T/err" || fail "status with sweep.json '$bad': exit $rc, $(cat "$T/err")"
done

echo "fails=$fails"
[ $fails = 0 ]
