#!/usr/bin/env bash
# test_e2e.sh - `miles prepare` and `miles train` end to end on tiny fake S-MNIST data.
#
# usage: test_e2e.sh BUILD_DIR
# Checks: the run directory's files and their consistency (epochs.csv header and row count,
# summary.json fields, best epoch = argmax of val_metric_fused); MILES's lr columns follow
# Algorithm 1 given the logged u (recomputed here in awk); a run SIGKILLed after an epoch and
# resumed ends with the same epochs.csv (seconds aside) and summary.json as an uninterrupted
# run; exit codes and "nothing written" for configuration and data errors.
set -u
B=${1:?usage: test_e2e.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

tiny_cache

tiny_exp 2 vanilla "$T/unused" > "$T/exp.yaml"

# 1. vanilla, 2 epochs: files present and consistent
"$MILES" train "$T/exp.yaml" --out "$T/v" --quiet || fail "vanilla run exited $?"
for f in config.yaml epochs.csv summary.json log.txt ckpt/state.txt; do
  [ -s "$T/v/$f" ] || fail "vanilla: $f missing"
done
want='epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,val_metric_a,val_metric_b,val_f1_micro,val_f1_macro,val_f1_weighted,val_f1_samples,u_a,u_b,delta,lr_a,lr_b,lr_fusion,seconds'
[ "$(head -1 "$T/v/epochs.csv")" = "$want" ] || fail "epochs.csv header: $(head -1 "$T/v/epochs.csv")"
[ "$(($(wc -l < "$T/v/epochs.csv") - 1))" = 2 ] || fail "epochs.csv rows: expected 2"
ls "$T/v"/*.tmp "$T/v/ckpt"/*.tmp >/dev/null 2>&1 && fail "temporary files left behind"
[ "$(ls "$T/v/ckpt" | grep -c '^last-')" = 1 ] || fail "expected exactly one last checkpoint"
grep -q '"status": "completed"' "$T/v/summary.json" || fail "summary status"
# best epoch is the first argmax of val_metric_fused; summary's val metric equals that row's
best=$(csv_awk 'NR==2 || $col("val_metric_fused") > b { b = $col("val_metric_fused"); e = $col("epoch") } END { print e }' \
  "$T/v/epochs.csv")
grep -q "\"best_epoch\": $best," "$T/v/summary.json" || fail "best_epoch: expected $best"
bv=$(csv_awk -v e="$best" '$col("epoch") == e { print $col("val_metric_fused") }' "$T/v/epochs.csv")
sv=$(sed -n 's/.*"val_metric_fused": \([^,]*\),/\1/p' "$T/v/summary.json")
awk -v a="$bv" -v b="$sv" 'BEGIN {exit !(a - b < 1e-6 && b - a < 1e-6)}' || fail "val_metric_fused $sv vs csv $bv"
for k in test_metric_fused test_metric_a test_metric_b; do
  v=$(sed -n "s/.*\"$k\": \([^,]*\),/\1/p" "$T/v/summary.json")
  awk -v x="$v" 'BEGIN {exit !(x >= 0 && x <= 1)}' || fail "$k = '$v' not in [0,1]"
done
# metrics in [0,1], vanilla keeps one LR
csv_awk '{ n = split("train_metric_fused train_metric_a train_metric_b val_metric_fused val_metric_a val_metric_b", m, " ")
  for (i = 1; i <= n; i++) if ($col(m[i]) < 0 || $col(m[i]) > 1) exit 1
  if ($col("lr_a") != $col("lr_b") || $col("lr_b") != $col("lr_fusion")) exit 1 }' "$T/v/epochs.csv" \
  || fail "vanilla: metrics outside [0,1] or LRs differ"

# 2. a directory holding a run is not silently overwritten
"$MILES" train "$T/exp.yaml" --out "$T/v" --quiet 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "re-running into a finished run dir without --resume: exit $rc, expected 2"

# 3. MILES: LRs follow Algorithm 1 (reset reading) given the logged u of the previous epoch
"$MILES" train "$T/exp.yaml" --out "$T/m" --quiet --set method.name=miles --set method.tau=0.02 \
  --set train.epochs=4 || fail "miles run exited $?"
csv_awk -v tau=0.02 -v mu=0.5 -v lr=0.01 '
  function near(x, y) { return (x - y < 1e-12 && y - x < 1e-12) }
  { la = $col("lr_a"); lb = $col("lr_b") }
  NR == 2 { if (!near(la, lr) || !near(lb, lr)) { print "epoch 1 lrs " la " " lb; bad = 1 } }
  NR > 2 {
    ea = lr; eb = lr
    if (pua != "nan" && !(pd <= tau) && !(pua < 0 && pub < 0)) {
      if (pua > 0 && pub < 0) ea = mu * lr; else if (pua < 0 && pub > 0) eb = mu * lr;
      else if (pua < pub) eb = mu * lr; else ea = mu * lr
    }
    if (!near(la, ea) || !near(lb, eb)) { print "epoch " $col("epoch") ": lr " la " " lb ", expected " ea " " eb; bad = 1 }
    if (!near($col("lr_fusion"), lr)) { print "fusion lr moved"; bad = 1 }
  }
  { pua = $col("u_a"); pub = $col("u_b"); pd = $col("delta") }
  END { exit bad }' "$T/m/epochs.csv" || fail "miles lr columns do not follow Algorithm 1"
# and u, delta agree with the logged validation metrics (Eq. 4-5)
csv_awk '{ ab = $col("val_metric_fused"); a = $col("val_metric_a"); b = $col("val_metric_b")
  ua = (ab - b) / ab; ub = (ab - a) / ab; d = ua - ub; if (d < 0) d = -d
  if ((ua - $col("u_a"))^2 > 1e-12 || (ub - $col("u_b"))^2 > 1e-12 || (d - $col("delta"))^2 > 1e-12) {
    print "row " $col("epoch"); bad = 1 } }
  END { exit bad }' "$T/m/epochs.csv" || fail "u/delta do not match Eq. 4-5"
# On this data and seed, epoch 1's u (u_a -0.9, u_b 0) reduces B's LR and a later epoch with
# both u negative resets it: the check above saw both an action and no action.
reductions=$(csv_awk '$col("lr_a") < $col("lr_fusion") || $col("lr_b") < $col("lr_fusion")' "$T/m/epochs.csv" | wc -l)
plain=$(csv_awk 'NR > 2 && $col("lr_a") == $col("lr_fusion") && $col("lr_b") == $col("lr_fusion")' "$T/m/epochs.csv" | wc -l)
echo "miles: $reductions of 4 epochs trained with a reduced encoder LR"
[ "$reductions" -ge 1 ] || fail "miles reduced no LR in 4 epochs: Algorithm 1 was checked on the no-action branch only"
[ "$plain" -ge 1 ] || fail "miles reduced an LR after every epoch: the no-action branch was not checked"

# 4. resume: SIGKILL after epoch 2 of 4, resume, compare with the uninterrupted run above
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --set method.name=miles --set method.tau=0.02 \
  --set train.epochs=4 &
pid=$!
for _ in $(seq 1 600); do
  [ -f "$T/k/ckpt/state.txt" ] && grep -q '^epochs_done 2$' "$T/k/ckpt/state.txt" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done_before=$(sed -n 's/^epochs_done //p' "$T/k/ckpt/state.txt")
[ "${done_before:-0}" -lt 4 ] || fail "the run finished before it could be killed (test too fast to interrupt)"
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --resume --set method.name=miles --set method.tau=0.02 \
  --set train.epochs=4 || fail "resume exited $?"
# every column but seconds (wall time)
no_seconds='{ out = ""; for (i = 1; i <= NF; i++) if (i != col("seconds")) out = out (out == "" ? "" : ",") $i; print out }'
csv_awk "$no_seconds" "$T/m/epochs.csv" > "$T/a.csv"; csv_awk "$no_seconds" "$T/k/epochs.csv" > "$T/b.csv"
cmp -s "$T/a.csv" "$T/b.csv" || { fail "resumed epochs.csv differs (killed after epoch $done_before)"; diff "$T/a.csv" "$T/b.csv"; }
cmp -s "$T/m/summary.json" "$T/k/summary.json" || { fail "resumed summary.json differs"; diff "$T/m/summary.json" "$T/k/summary.json"; }
echo "resume: killed after epoch $done_before of 4, resumed, identical to the uninterrupted run"

# 5. resuming with another configuration is refused
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --resume --set method.name=miles --set train.epochs=5 2>/dev/null
rc=$?; [ $rc = 2 ] || fail "resume with a changed config: exit $rc, expected 2"

# 6. every method trains 2 epochs through `miles train` and writes complete outputs; the
#    method's own columns follow the fixed ones; G-Blend's weights sum to 1
"$MILES" train "$T/exp.yaml" --out "$T/uni-a" --quiet --set method.name=unimodal --set method.modality=a \
  --set train.lr=0.004 || fail "unimodal a exited $?"
grep -q '"selection_head": "a"' "$T/uni-a/summary.json" || fail "unimodal: selection_head"
for m in vanilla miles mslr_keep mslr_smooth mslr_dynamic ogm ogm_ge mses gblend unimodal; do
  extra=()
  case $m in
    mslr_keep|mslr_smooth) extra=(--set method.lr_a_from="$T/uni-a" --set method.lr_b=0.002) ;;
    mslr_dynamic) extra=(--set method.lr_a=0.004 --set method.lr_b=0.002) ;;
    gblend) extra=(--set method.super_epoch=1) ;;
    mses) extra=(--set method.patience=1) ;;
    unimodal) extra=(--set method.modality=b) ;;
  esac
  "$MILES" train "$T/exp.yaml" --out "$T/all/$m" --quiet --set method.name=$m "${extra[@]}" || { fail "$m exited $?"; continue; }
  for f in config.yaml epochs.csv summary.json log.txt; do [ -s "$T/all/$m/$f" ] || fail "$m: $f missing"; done
  [ "$(($(wc -l < "$T/all/$m/epochs.csv") - 1))" = 2 ] || fail "$m: epochs.csv rows"
  head -1 "$T/all/$m/epochs.csv" | grep -q "^$want" || fail "$m: fixed columns"
  grep -q "\"method\": \"$m\"" "$T/all/$m/summary.json" || fail "$m: summary method"
done
# MSLR-Keep took A's LR from the unimodal run (0.004) and B's from the config
csv_awk 'NR == 2 && ($col("lr_a") != 0.004 || $col("lr_b") != 0.002 || $col("lr_fusion") != 0.01) { exit 1 }' \
  "$T/all/mslr_keep/epochs.csv" \
  || fail "mslr_keep LRs: $(csv_awk '{ print $col("lr_a"), $col("lr_b"), $col("lr_fusion"); exit }' "$T/all/mslr_keep/epochs.csv")"
# MSLR-Smooth: sqrt(0.004 * 0.01) and sqrt(0.002 * 0.01)
csv_awk 'function near(x, y) { return (x - y)^2 < 1e-18 }
  NR == 2 && !(near($col("lr_a"), sqrt(0.004 * 0.01)) && near($col("lr_b"), sqrt(0.002 * 0.01))) { exit 1 }' \
  "$T/all/mslr_smooth/epochs.csv" || fail "mslr_smooth LRs"
head -1 "$T/all/ogm/epochs.csv" | grep -q ',ogm_k_a,ogm_k_b$' || fail "ogm columns"
head -1 "$T/all/mses/epochs.csv" | grep -q ',mses_stopped_a,mses_stopped_b$' || fail "mses columns"
head -1 "$T/all/gblend/epochs.csv" | grep -q ',gblend_w_fused,gblend_w_a,gblend_w_b$' || fail "gblend columns"
csv_awk '{ f = $col("gblend_w_fused"); a = $col("gblend_w_a"); b = $col("gblend_w_b")
  if ((f + a + b - 1)^2 > 1e-12 || f < 0 || a < 0 || b < 0) exit 1 }' \
  "$T/all/gblend/epochs.csv" || fail "gblend weights do not sum to 1"
grep -q '"extra_epochs": 3,' "$T/all/gblend/summary.json" || fail "gblend: extra epochs not reported"
csv_awk '$col("ogm_k_a") > 1 || $col("ogm_k_b") > 1 { exit 1 }' "$T/all/ogm/epochs.csv" || fail "ogm k above 1"

# 7. errors: configuration (2, nothing written) and data (3)
"$MILES" train "$T/exp.yaml" --out "$T/bad" --set train.lr=0 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'train.lr' "$T/err" && [ ! -e "$T/bad" ] || fail "bad lr: exit $rc, $(cat "$T/err")"
"$MILES" train "$T/exp.yaml" --out "$T/bad" --set dataset.cache="$T/none.h5" 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q 'none.h5' "$T/err" && [ ! -e "$T/bad" ] || fail "missing cache: exit $rc, $(cat "$T/err")"
# a method's init that refuses the configuration is exit 2 with nothing written, like any other
# configuration error: MSLR's LR source is not a run, G-Blend's hold-out share is empty
"$MILES" train "$T/exp.yaml" --out "$T/bad" --set method.name=mslr_keep --set method.lr_a_from="$T/no-such-run" \
  --set method.lr_b=0.002 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'method.lr_a_from' "$T/err" && [ ! -e "$T/bad" ] ||
  fail "mslr_keep, lr_a_from naming no run: exit $rc, $(ls -A "$T/bad" 2>&1 | tr '\n' ' ')$(cat "$T/err")"
"$MILES" train "$T/exp.yaml" --out "$T/bad" --set method.name=gblend --set method.holdout=0.001 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q 'method.holdout' "$T/err" && [ ! -e "$T/bad" ] ||
  fail "gblend, empty hold-out: exit $rc, $(ls -A "$T/bad" 2>&1 | tr '\n' ' ')$(cat "$T/err")"
"$MILES" frobnicate 2>/dev/null; rc=$?; [ $rc = 2 ] || fail "unknown command: exit $rc"
"$MILES" prepare smnist --from "$T/nowhere" --out "$T/x.h5" 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q 'nowhere' "$T/err" && [ ! -e "$T/x.h5" ] || fail "prepare from a missing dir: exit $rc"

if [ $fails -gt 0 ]; then echo "test_e2e: $fails check(s) failed"; exit 1; fi
echo "test_e2e: all checks passed"
