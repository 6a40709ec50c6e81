#!/usr/bin/env bash
# test_harden_b_submit.sh - issue 15 item 5: `miles submit` writes scripts that hostile option
# values (newline, $(), backticks, quotes, blanks) cannot inject into: shell words are quoted, and
# what goes into #SBATCH lines is refused unless it is safe there.
#
# usage: test_harden_b_submit.sh BUILD_DIR
set -u
B=${1:?usage: test_harden_b_submit.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

tiny_cache
tiny_exp 1 vanilla "$T/default-out" > "$T/exp.yaml"
tiny_search >> "$T/exp.yaml"

# ---- 1. submit: hostile values never become commands --------------------------------------------
cd "$T"
mkdir -p "$T/fakebin"
# the task's miles call and scontrol, stubbed: they record their arguments and touch nothing else
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done > "%s/args"\n' "$T" > "$T/fakebin/miles"
printf '#!/bin/sh\nexit 0\n' > "$T/fakebin/scontrol"
chmod +x "$T/fakebin/miles" "$T/fakebin/scontrol"
mabs=$(realpath "$MILES")
# Runs the dry-run script of `submit exp.yaml ARGS...` with the miles call stubbed; PWNED files
# are what an injection would create.
run_script() {
  "$MILES" submit exp.yaml --slurm --dry-run "$@" > "$T/script" 2>"$T/err" || return 1
  sed "s|^$mabs |$T/fakebin/miles |" "$T/script" > "$T/script.stub"
  grep -q "^$T/fakebin/miles sweep " "$T/script.stub" || { fail "no task line to stub: $(cat "$T/script")"; return 0; }
  (cd "$T/run" && SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=0 SLURM_JOB_ID=2 PATH=$T/fakebin:$PATH \
    bash "$T/script.stub" > "$T/script.out" 2>&1)
}
mkdir -p "$T/run"
hostile_set='output.dir=x $(touch PWNED1) `touch PWNED2` '\''; touch PWNED3; '\'' "x" 
touch PWNED4'
hostile_out='o$(touch${IFS}PWNED5)`touch${IFS}PWNED6`;touch${IFS}PWNED7' # no blanks: refused there
run_script --out "$hostile_out" --set "$hostile_set" || fail "hostile --out/--set: exit $?: $(cat "$T/err")"
left=$(ls "$T/run" "$T" | grep PWNED)
[ -z "$left" ] || fail "the script ran an injected command: $left"
[ -e "$T/$hostile_out" ] && fail "dry-run created the hostile sweep directory"
# the task got every value back as one word, unchanged
printf '%s\n' sweep "$T/exp.yaml" --trial 0 --out "$T/$hostile_out" --set "$hostile_set" > "$T/args.expected"
cmp -s "$T/args" "$T/args.expected" || fail "the task's arguments differ: $(diff "$T/args.expected" "$T/args")"
# values that go into #SBATCH lines: refused, nothing printed, nothing created
nl='
'
for bad in "debug${nl}touch PWNEDa" 'debug $(touch PWNED8)' 'de`x`bug' "de'bug" 'de bug' ''; do
  "$MILES" submit exp.yaml --slurm --dry-run --out sw --partition "$bad" > "$T/out" 2>"$T/err"; rc=$?
  [ $rc = 2 ] && grep -q 'partition' "$T/err" && [ ! -s "$T/out" ] ||
    fail "--partition '$bad': exit $rc, stdout $(wc -c < "$T/out") bytes, $(head -1 "$T/err")"
done
"$MILES" submit exp.yaml --slurm --dry-run --out sw --partition 'gpu_a-1.x,cpu' > "$T/out" 2>"$T/err" &&
  grep -qxF '#SBATCH --partition=gpu_a-1.x,cpu' "$T/out" || fail "a partition list: $(cat "$T/err")"
for bad in "sw${nl}touch PWNED9" 'sw x' 'sw"x' 'sw#x' 'sw%x' 'sw\x' "sw'x"; do
  "$MILES" submit exp.yaml --slurm --dry-run --out "$bad" > "$T/out" 2>"$T/err"; rc=$?
  [ $rc = 2 ] && grep -q '#SBATCH' "$T/err" && [ ! -s "$T/out" ] ||
    fail "--out '$bad': exit $rc, stdout $(wc -c < "$T/out") bytes, $(head -1 "$T/err")"
done
mkdir -p "$T/cwd x"
(cd "$T/cwd x" && "$MILES" submit ../exp.yaml --slurm --dry-run --out "$T/sw" > "$T/out" 2>"$T/err"); rc=$?
[ $rc = 2 ] && grep -q 'current directory' "$T/err" || fail "a cwd with a blank: exit $rc, $(cat "$T/err")"
ls "$T" | grep -q PWNED && fail "an injected command ran: $(ls "$T" | grep PWNED)"


echo "fails=$fails"
[ $fails = 0 ]
