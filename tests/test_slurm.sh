#!/usr/bin/env bash
# test_slurm.sh - `miles submit` and `miles status`, first without a cluster (the script
# `--dry-run` prints, errors, fake sbatch/squeue, counts on hand-made trial directories), then on
# a real single-node SLURM brought up by tools/slurm-local (needs root and the Debian packages
# slurmctld slurmd slurm-client munge, which tools/setup installs).
#
# usage: test_slurm.sh BUILD_DIR SOURCE_DIR
# On the cluster: a 4-trial x 2-epoch sweep runs as one array (%2); a 2-trial x 6-epoch sweep
# runs as another, and its task 1 (the one whose job id is the array's) gets USR1 mid-run, like
# before a time limit: its trap requeues it as <array>_<task>, it restarts (cred_expire is 5 s)
# and resumes from its checkpoint: log.txt has a `resume` line and epochs.csv exactly epochs
# 1..6, while task 0 is never restarted. If the daemons do not come up the test fails with their
# logs; it never skips. The daemons are stopped by PID on exit.
set -u
B=${1:?usage: test_slurm.sh BUILD_DIR SOURCE_DIR}
S=${2:?usage: test_slurm.sh BUILD_DIR SOURCE_DIR}
MILES=$B/csrc/miles
LOCAL=$S/tools/slurm-local
T=$(mktemp -d)
chmod 755 "$T"   # munge's socket lives below it: every parent must be o+x
started=0
cleanup() {
  if [ $started = 1 ]; then "$LOCAL" stop "$T/cluster" || echo "WARN: slurm-local stop failed"; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"
t0=$SECONDS
say() { echo "[$((SECONDS - t0))s] $*"; }

tiny_cache

# exp.yaml: 4 trials x 2 epochs; long.yaml: 2 trials x 6 epochs of a wider net (about 1 s an
# epoch), slow enough to be interrupted after epoch 2
tiny_exp 2 vanilla "$T/default-out" > "$T/exp.yaml"
cat >> "$T/exp.yaml" <<YAML
search:
  trials: 4
  seed: 1
  params:
    train.lr: {loguniform: [1e-3, 1e-2]}
YAML
sed -e 's/base_width: 4/base_width: 32/g' -e 's/epochs: 2, batch_size: 25/epochs: 6, batch_size: 10/' \
    -e 's/trials: 4/trials: 2/' "$T/exp.yaml" > "$T/long.yaml"
sed '/^search:/,$d' "$T/exp.yaml" > "$T/nosearch.yaml"

# ---- 1. --dry-run: the script, nothing created ------------------------------------------------
cd "$T"
"$MILES" submit exp.yaml --slurm --dry-run --out sw --array-parallel 2 --time 10 --cpus 1 --mem 500M \
  --partition debug --set train.seed=3 > "$T/dry.txt" 2>"$T/err"; rc=$?
[ $rc = 0 ] || fail "dry-run: exit $rc: $(cat "$T/err")"
[ -e "$T/sw" ] && fail "dry-run created the sweep directory"
[ -e "$T/default-out" ] && fail "dry-run created output.dir"
expect() { grep -qxF -- "$1" "$T/dry.txt" || fail "dry-run: no line '$1'"; }
expect '#!/bin/bash'
expect '#SBATCH --array=0-3%2'
expect "#SBATCH --output=$T/sw/slurm/%A_%a.out"
expect '#SBATCH --requeue'
expect '#SBATCH --signal=B:USR1@60'
expect '#SBATCH --time=10'
expect '#SBATCH --cpus-per-task=1'
expect '#SBATCH --mem=500M'
expect '#SBATCH --partition=debug'
expect '#SBATCH --open-mode=append'
expect 'task="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"'
expect '  scontrol requeue "$task" || echo "miles: scontrol requeue $task failed"'
expect 'trap requeue USR1'
grep -q 'requeue.*SLURM_JOB_ID' "$T/dry.txt" && fail "dry-run: requeues by the bare job id"
mabs=$(realpath "$MILES")
expect "$mabs sweep $T/exp.yaml --trial \"\$SLURM_ARRAY_TASK_ID\" --out $T/sw --set train.seed=3 &"
# the %K default: 8, or N when smaller
"$MILES" submit exp.yaml --slurm --dry-run --out sw | grep -qxF '#SBATCH --array=0-3%4' || fail "default %K for 4 trials"
"$MILES" submit exp.yaml --slurm --dry-run --out sw --set 'output.dir=x' >/dev/null || fail "dry-run with --set"
sed 's/trials: 4/trials: 20/' exp.yaml > exp20.yaml
"$MILES" submit exp20.yaml --slurm --dry-run --out sw | grep -qxF '#SBATCH --array=0-19%8' || fail "default %K for 20 trials"
# --trials and --seed: the array has that many tasks, and each task's sweep gets them too (else
# it would compute another manifest and be refused)
"$MILES" submit exp.yaml --slurm --dry-run --out sw --trials 2 --seed 5 > "$T/dry2.txt" 2>"$T/err" || fail "dry-run --trials 2 --seed 5: $(cat "$T/err")"
grep -qxF '#SBATCH --array=0-1%2' "$T/dry2.txt" || fail "--trials 2: $(grep array "$T/dry2.txt")"
grep -qxF "$mabs sweep $T/exp.yaml --trial \"\$SLURM_ARRAY_TASK_ID\" --out $T/sw --trials 2 --seed 5 &" "$T/dry2.txt" ||
  fail "--trials 2 --seed 5: task line $(grep ' sweep ' "$T/dry2.txt")"
"$MILES" submit exp.yaml --slurm --dry-run --out sw --set search.seed=5 >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'use --seed S' "$T/err" || fail "--set search.seed: exit $rc, $(cat "$T/err")"
# the script is valid bash
bash -n "$T/dry.txt" || fail "dry-run script: bash -n"
[ -e "$T/sw" ] && fail "dry-run created the sweep directory"

# ---- 2. errors --------------------------------------------------------------------------------
"$MILES" submit nosearch.yaml --slurm --out sw 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'search' "$T/err" && [ ! -e "$T/sw" ] || fail "no search block: exit $rc, $(cat "$T/err")"
"$MILES" submit exp.yaml --slurm --out sw --array-parallel 0 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "--array-parallel 0: exit $rc"
"$MILES" submit exp.yaml --slurm --out sw --time soon 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "--time soon: exit $rc"
PATH=/nonexistent "$MILES" submit exp.yaml --slurm --out sw 2>"$T/err"; rc=$?
[ $rc = 4 ] && grep -q 'sbatch not found' "$T/err" && [ ! -e "$T/sw" ] || fail "sbatch missing: exit $rc, $(cat "$T/err")"
mkdir -p "$T/fakebin"
printf '#!/bin/sh\necho "sbatch: error: Invalid partition name specified" >&2\nexit 1\n' > "$T/fakebin/sbatch"
chmod +x "$T/fakebin/sbatch"
PATH=$T/fakebin:$PATH "$MILES" submit exp.yaml --slurm --out sw 2>"$T/err" >"$T/out"; rc=$?
[ $rc = 4 ] && grep -q 'Invalid partition name' "$T/err" && [ ! -s "$T/out" ] || fail "sbatch failing: exit $rc, $(cat "$T/err")"
rm -rf "$T/sw"
# a fake sbatch that accepts: the directories, the script and the job id file
printf '#!/bin/sh\n[ "$1" = --parsable ] && [ -f "$2" ] || exit 9\ncp "$2" "%s/submitted"\necho "4242;ci"\n' "$T" > "$T/fakebin/sbatch"
PATH=$T/fakebin:$PATH "$MILES" submit exp.yaml --slurm --out sw 2>"$T/err" >"$T/out"; rc=$?
[ $rc = 0 ] && [ "$(cat "$T/out")" = 4242 ] || fail "fake sbatch: exit $rc, stdout '$(cat "$T/out")', $(cat "$T/err")"
[ "$(cat "$T/sw/slurm/jobid" 2>/dev/null)" = 4242 ] || fail "slurm/jobid not written"
for d in sw/slurm sw/trial-000 sw/trial-003; do [ -d "$T/$d" ] || fail "$d not created before sbatch"; done
[ -f "$T/sw/sweep.json" ] || fail "sweep.json not written"
cmp -s "$T/submitted" "$T/sw/slurm/sweep.sbatch" || fail "sbatch got another script than slurm/sweep.sbatch"
grep -qxF '#SBATCH --array=0-3%4' "$T/sw/slurm/sweep.sbatch" || fail "sweep.sbatch: array line"
# a sweep submitted with --trials and --seed: its task, run by hand as SLURM would, agrees with
# the manifest and trains its trial
PATH=$T/fakebin:$PATH "$MILES" submit exp.yaml --slurm --out sw2 --trials 2 --seed 5 >/dev/null 2>"$T/err" || fail "submit --trials 2: $(cat "$T/err")"
SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=1 SLURM_JOB_ID=2 bash "$T/sw2/slurm/sweep.sbatch" > "$T/task.out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q '"status": "completed"' "$T/sw2/trial-001/summary.json" 2>/dev/null ||
  { fail "task 1 of the --trials 2 --seed 5 sweep: exit $rc"; cat "$T/task.out"; }

# ---- 3. miles status on hand-made trial directories -------------------------------------------
H=$T/hand
mkdir -p "$H"/trial-00{0,1,2,3,4} "$H/trial-003/ckpt" "$H/slurm"
printf '{\n  "trials": 5,\n  "seed": 0\n}\n' > "$H/sweep.json"
printf '{"status": "completed", "best_epoch": 1}\n' > "$H/trial-000/summary.json"
printf '{"status": "diverged", "best_epoch": 0}\n' > "$H/trial-001/summary.json"
printf 'exit 4\nLibTorch said no\n' > "$H/trial-002/failed"
printf 'epochs_done 1\n' > "$H/trial-003/ckpt/state.txt"
"$MILES" status "$H" > "$T/st" 2>&1; rc=$?
[ $rc = 0 ] || fail "status: exit $rc"
grep -qxF 'done 1  running 1  failed 1  diverged 1  pending 1' "$T/st" || fail "status counts: $(cat "$T/st")"
grep -q 'failed trial-002: exit 4 LibTorch said no' "$T/st" || fail "status: the failed trial's reason"
grep -q 'slurm' "$T/st" && fail "status without slurm/jobid mentions slurm"
echo 77 > "$H/slurm/jobid"
printf '#!/bin/sh\n[ "$4" = 77 ] || exit 1\nprintf "R\\nPD\\nPD\\n"\n' > "$T/fakebin/squeue"
chmod +x "$T/fakebin/squeue"
PATH=$T/fakebin:$PATH "$MILES" status "$H" > "$T/st" 2>&1; rc=$?
[ $rc = 0 ] && grep -qxF 'slurm job 77: running 1  pending 2' "$T/st" || fail "status with squeue: exit $rc, $(cat "$T/st")"
"$MILES" status "$T/nowhere" 2>/dev/null; rc=$?; [ $rc = 2 ] || fail "status of a missing dir: exit $rc"
say "offline checks done ($fails failures)"

# ---- 4. a real cluster ------------------------------------------------------------------------
unset SLURM_CONF
env_line=$("$LOCAL" start "$T/cluster" 2>"$T/start.err")
rc=$?
started=1
if [ $rc != 0 ]; then
  cat "$T/start.err"
  echo "FAIL: tools/slurm-local start (exit $rc): the SLURM daemons did not come up"
  exit 1
fi
eval "$env_line"
[ "${SLURM_CONF:-}" = "$T/cluster/slurm.conf" ] || fail "slurm-local printed '$env_line'"
say "cluster up: $(sinfo -h -o '%P %T %c CPUs')"

# the 6-epoch array first, so that its two tasks start at once
JL=$("$MILES" submit long.yaml --slurm --out "$T/long" 2>"$T/err"); rc=$?
[ $rc = 0 ] && [ -n "$JL" ] || { cat "$T/err"; fail "submit long: exit $rc"; }
JA=$("$MILES" submit exp.yaml --slurm --out "$T/a" --array-parallel 2 2>"$T/err"); rc=$?
[ $rc = 0 ] && [ -n "$JA" ] || { cat "$T/err"; fail "submit a: exit $rc"; }
[ "$(cat "$T/a/slurm/jobid" 2>/dev/null)" = "$JA" ] || fail "a/slurm/jobid"
say "submitted arrays $JL (2 x 6 epochs) and $JA (4 x 2 epochs, %2)"
"$MILES" status "$T/a" > "$T/st" 2>&1
grep -q "^slurm job $JA: running [0-9]*  pending [0-9]*" "$T/st" || fail "status while queued: $(cat "$T/st")"

# USR1 to task 1 of the long array (the batch shell only, like --signal=B:USR1) after epoch 2
state=$T/long/trial-001/ckpt/state.txt
for _ in $(seq 1 500); do   # at most ~100 s
  e=$(sed -n 's/^epochs_done //p' "$state" 2>/dev/null)
  [ "${e:-0}" -ge 2 ] && break
  [ -n "$(squeue -h -j "${JL}_1" 2>/dev/null)" ] || break   # gone (failed?) before epoch 2
  sleep 0.2
done
e=$(sed -n 's/^epochs_done //p' "$state" 2>/dev/null)
if [ "${e:-0}" -ge 2 ] && [ "${e:-0}" -lt 6 ]; then
  scancel --batch --signal=USR1 "${JL}_1" || fail "scancel --signal=USR1 ${JL}_1"
  say "sent USR1 to ${JL}_1 after epoch $e"
else
  fail "trial 1 of the long sweep: epochs_done '${e:-}' when it should be interrupted (not started, or too fast)"
fi

# wait for both arrays (squeue empty and every summary there), at most 150 s
want="$T/a/trial-000 $T/a/trial-001 $T/a/trial-002 $T/a/trial-003 $T/long/trial-000 $T/long/trial-001"
for _ in $(seq 1 750); do
  q=$(squeue -h -r -j "$JA,$JL" -o '%i %t %r' 2>/dev/null)
  all=1
  for d in $want; do [ -f "$d/summary.json" ] || all=0; done
  [ -z "$q" ] && break
  sleep 0.2
done
say "arrays finished (squeue: '${q:-empty}')"
[ -z "$q" ] || fail "still queued after 150 s: $q"

for d in $want; do
  grep -q '"status": "completed"' "$d/summary.json" 2>/dev/null || fail "$d: summary.json missing or not completed"
done
for i in 0 1 2 3; do
  grep -q '"epochs_run": 2,' "$T/a/trial-00$i/summary.json" 2>/dev/null || fail "a/trial-00$i: epochs_run"
  [ "$(grep -c '^miles: task' "$T/a/slurm/${JA}_$i.out" 2>/dev/null)" = 1 ] || fail "a: task $i log $T/a/slurm/${JA}_$i.out"
done
"$MILES" status "$T/a" > "$T/st" 2>&1
grep -qxF 'done 4  running 0  failed 0  diverged 0  pending 0' "$T/st" || fail "status after: $(cat "$T/st")"

# the requeued task resumed from its checkpoint
L1=$T/long/trial-001
grep -q '^resume miles' "$L1/log.txt" || fail "long/trial-001: no resume line in log.txt"
[ "$(grep -c '^start miles' "$L1/log.txt")" = 1 ] || fail "long/trial-001: started from scratch more than once"
[ "$(awk -F, 'NR>1 {printf "%s ", $1}' "$L1/epochs.csv")" = "1 2 3 4 5 6 " ] \
  || fail "long/trial-001: epochs.csv epochs '$(awk -F, 'NR>1 {printf "%s ", $1}' "$L1/epochs.csv")', expected 1..6"
out1=$T/long/slurm/${JL}_1.out
grep -q "^miles: USR1 at .*: requeueing ${JL}_1\$" "$out1" || fail "long task 1: the trap did not requeue ${JL}_1"
grep -q "restart 1)" "$out1" || fail "long task 1: no restart in its log"
# task 0 (another job id) was not requeued with it
grep -q '^resume' "$T/long/trial-000/log.txt" && fail "long/trial-000 was restarted too"
[ "$(grep -c '^miles: task' "$T/long/slurm/${JL}_0.out")" = 1 ] || fail "long task 0 ran more than once"
say "requeue: $(grep -c '^miles: task' "$out1") starts of ${JL}_1 ($(grep -o 'job [0-9]*' "$out1" | head -1)), $(grep '^resume' "$L1/log.txt" | head -1)"

if [ $fails -gt 0 ]; then
  echo "---- slurm logs"; tail -n 20 "$T"/cluster/log/*.log
  for f in "$T"/long/slurm/*.out "$T"/a/slurm/*.out; do echo "---- $f"; tail -n 8 "$f"; done
  echo "test_slurm: $fails check(s) failed"; exit 1
fi
echo "test_slurm: all checks passed"
