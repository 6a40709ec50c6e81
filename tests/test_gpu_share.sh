#!/usr/bin/env bash
# test_gpu_share.sh - several trials on one GPU, checked without one: how `miles sweep` hands
# devices and memory shares to its workers, `--trial I --trial-count K`, and the SLURM script of
# `miles submit --trials-per-task K`; plus `train.precision: bf16` end to end (a run trains, its
# log names the BLAS, and it resumes after a kill between epochs).
#
# usage: test_gpu_share.sh BUILD_DIR
# Checks:
#   1. --trials-per-task 2 over 5 trials: an array of 3 tasks (0-2), task i running
#      `--trial $((SLURM_ARRAY_TASK_ID * 2)) --trial-count 2 --jobs 2` and saying so in its log
#      ("trials 2-3"; the last, "trial 4"); without it, one per trial ("trial 3");
#   2. with CUDA_VISIBLE_DEVICES=3,5, `--trial 1 --trial-count 2 --jobs 2` runs trials 1 and 2
#      only, one on device 3 and one on device 5, each with the whole of its device's memory
#      (one worker per device); with 4 trials on 2 devices at --jobs 4, each share is 1/2;
#      --trial-count without --trial is a usage error (exit 2);
#   3. a bf16 run completes and its log.txt has a `blas` line (with the reference BLAS forced
#      by LD_LIBRARY_PATH: named, and warned about; with the alternatives' OpenBLAS: named); a bf16 run SIGKILLed after a
#      checkpoint resumes to the end with every epoch once.
set -u
B=${1:?usage: test_gpu_share.sh BUILD_DIR}
B=$(cd "$B" && pwd) || exit 1
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
tiny_cache
tiny_exp 1 vanilla "$T/out" > exp.yaml
cat >> exp.yaml <<YAML
search:
  trials: 5
  seed: 1
  params:
    train.lr: {loguniform: [1e-3, 1e-2]}
YAML

# ---- 1. the SLURM script ------------------------------------------------------------------------
"$MILES" submit exp.yaml --slurm --dry-run --out sw --trials-per-task 2 --gpus 1 > dry.txt 2> err ||
  fail "submit --trials-per-task: exit $?: $(cat err)"
grep -qxF '#SBATCH --array=0-2%3' dry.txt || fail "5 trials, 2 a task: expected --array=0-2%3: $(grep array dry.txt)"
grep -qF -- '--trial "$((SLURM_ARRAY_TASK_ID * 2))" --trial-count 2 --jobs 2 --out' dry.txt ||
  fail "task line: $(grep ' sweep ' dry.txt)"
# the task's log lines name what it runs: trials 2*i to 2*i+1, the last task the last trial
# alone (the script run with the miles call stubbed)
slurm_log() { # SCRIPT TASK: the script's output as task TASK, miles stubbed by `true`
  sed "s|^$(realpath "$MILES") sweep |true |" "$1" > stub.sh
  grep -q '^true ' stub.sh || fail "$1: no miles call to stub: $(grep ' sweep ' "$1")"
  SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=$2 SLURM_JOB_ID=9 bash stub.sh 2>&1
}
slurm_log dry.txt 1 > log1.txt
grep -q '^miles: task 7_1 (job 9, trials 2-3, restart 0) on ' log1.txt || fail "task 1 of 2-trial tasks: $(cat log1.txt)"
grep -q '^miles: trials 2-3 exited 0 at ' log1.txt || fail "task 1 of 2-trial tasks: $(cat log1.txt)"
slurm_log dry.txt 2 > log2.txt
grep -q '^miles: task 7_2 (job 9, trial 4, restart 0) on ' log2.txt || fail "task 2 (trial 4 alone): $(cat log2.txt)"
grep -q '^miles: trial 4 exited 0 at ' log2.txt || fail "task 2 (trial 4 alone): $(cat log2.txt)"
"$MILES" submit exp.yaml --slurm --dry-run --out sw > dry1.txt 2> err || fail "submit: exit $?"
slurm_log dry1.txt 3 > log3.txt
grep -q '^miles: task 7_3 (job 9, trial 3, restart 0) on ' log3.txt || fail "one trial a task: $(cat log3.txt)"
grep -q '^miles: trial 3 exited 0 at ' log3.txt || fail "one trial a task: $(cat log3.txt)"
grep -qxF '#SBATCH --array=0-4%5' dry1.txt || fail "one trial a task: $(grep array dry1.txt)"
grep -qF -- '--trial "$SLURM_ARRAY_TASK_ID" --out' dry1.txt || fail "one trial a task: $(grep ' sweep ' dry1.txt)"

# ---- 2. workers, devices and memory shares ----------------------------------------------------------
CUDA_VISIBLE_DEVICES=3,5 "$MILES" sweep exp.yaml --out sw --trial 1 --trial-count 2 --jobs 2 > sweep.txt 2>&1 ||
  fail "sweep --trial 1 --trial-count 2: exit $?: $(cat sweep.txt)"
for t in 000 003 004; do [ -e "sw/trial-$t/summary.json" ] && fail "trial $t ran"; done
for t in 001 002; do [ -e "sw/trial-$t/summary.json" ] || fail "trial $t did not run: $(cat sweep.txt)"; done
grep -q '^trial 001 start: .*\[CUDA_VISIBLE_DEVICES=3, GPU memory share 1\]$' sweep.txt ||
  fail "trial 1 on device 3: $(cat sweep.txt)"
grep -q '^trial 002 start: .*\[CUDA_VISIBLE_DEVICES=5, GPU memory share 1\]$' sweep.txt ||
  fail "trial 2 on device 5: $(cat sweep.txt)"
grep -q '^sweep: 2 done, 0 diverged, 0 failed$' sweep.txt || fail "summary line: $(tail -1 sweep.txt)"
CUDA_VISIBLE_DEVICES=3,5 "$MILES" sweep exp.yaml --out sw --jobs 4 > sweep4.txt 2>&1 || fail "sweep --jobs 4: exit $?"
n=$(grep -c 'GPU memory share 0.5\]$' sweep4.txt)
[ "$n" = 3 ] || fail "3 trials left at --jobs 4 on 2 devices, each share 1/2: $n lines: $(cat sweep4.txt)"
"$MILES" sweep exp.yaml --out sw --trial-count 2 > /dev/null 2> err; rc=$?
[ $rc = 2 ] || fail "--trial-count without --trial: exit $rc"
grep -q -- '--trial-count: needs --trial' err || fail "--trial-count without --trial: $(cat err)"

# ---- 3. bf16 end to end -----------------------------------------------------------------------------
tiny_exp 2 vanilla "$T/bf" ", threads: 1, precision: bf16" > bf.yaml
"$MILES" train bf.yaml --out bf > bf.txt 2>&1 || fail "bf16 run: exit $?: $(tail -5 bf.txt)"
grep -q '"status": "completed"' bf/summary.json || fail "bf16 run: $(cat bf/summary.json)"
grep -q '^blas ' bf/log.txt || fail "log.txt names no BLAS: $(head -3 bf/log.txt)"
# the BLAS line names what sgemm_ binds to: the reference BLAS first on the library path gets a
# warning (even with OpenBLAS loaded beside it through LAPACK), the alternatives' OpenBLAS none
ref=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/blas
if [ -f "$ref/libblas.so.3" ]; then
  LD_LIBRARY_PATH=$ref "$MILES" train bf.yaml --out bfref --set train.epochs=1 > ref.txt 2>&1 || fail "reference BLAS run: exit $?"
  grep -q '^blas reference BLAS' bfref/log.txt || fail "reference BLAS not named: $(grep '^blas' bfref/log.txt)"
  grep -q '^warning: LibTorch calls the reference BLAS' ref.txt || fail "no warning on the reference BLAS: $(head -5 ref.txt)"
  case $(readlink -f "$ref/../libblas.so.3") in
    *openblas*) grep -q '^blas OpenBLAS' bf/log.txt || fail "OpenBLAS not named: $(grep '^blas' bf/log.txt)"
      grep -q 'reference BLAS' bf.txt && fail "a warning with OpenBLAS" ;;
  esac
else
  echo "note: no $ref/libblas.so.3: the reference-BLAS warning is not checked here"
fi
grep -qx 'precision *bf16' bf.txt || grep -q 'train.precision *bf16' bf.txt || fail "settings table: no bf16"
# killed after its first checkpoint, resumed: epochs.csv ends with epochs 1..4 and no gap
tiny_exp 4 vanilla "$T/bf" ", threads: 1, precision: bf16" > bf4.yaml
"$MILES" train bf4.yaml --out bf1 --quiet &
pid=$!
for _ in $(seq 1 600); do
  [ -f bf1/ckpt/state.txt ] && grep -q '^epochs_done [1-3]$' bf1/ckpt/state.txt && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done_before=$(sed -n 's/^epochs_done //p' bf1/ckpt/state.txt)
[ "${done_before:-0}" -lt 4 ] || fail "the bf16 run finished before it could be killed"
"$MILES" train bf4.yaml --out bf1 --quiet --resume > res.txt 2>&1 || fail "bf16 resume: exit $?: $(tail -5 res.txt)"
grep -q '^resume ' bf1/log.txt || fail "no resume line in log.txt: $(cat bf1/log.txt)"
[ "$(cut -d, -f1 bf1/epochs.csv | tr '\n' ' ')" = "epoch 1 2 3 4 " ] || fail "resumed bf16 run: $(cat bf1/epochs.csv)"

[ $fails = 0 ] && echo "test_gpu_share: ok" || { echo "test_gpu_share: $fails failure(s)"; exit 1; }
