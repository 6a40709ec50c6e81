#!/usr/bin/env bash
# test_mlsynth.sh - multi-label text + image through the driver: the ML-Synth stand-in
# (datasets/mlsynth/make-standin) prepared with WordPiece, trained by `miles train` with a
# bert-tiny text encoder, exported, reloaded.
#
# usage: test_mlsynth.sh BUILD_DIR PYTHON
# Checks: epochs.csv has the four F1 columns, the task metric
# column is micro-F1 (or the F1 train.metric names), macro-F1 is at most 4/5 (the stand-in's
# fifth label never occurs: 0/0 counts 0); MILES's lr columns follow Algorithm 1 with u from the
# validation F1s (recomputed in awk); a run SIGKILLed after an epoch and resumed ends with the
# same epochs.csv and summary.json; every method trains; a weights file from an export loads
# into model.a.weights and, frozen, stays bit-identical; a broken one is exit 3 naming every
# bad tensor; an exported ResNet-18 loads into torchvision's resnet18 with only fc.* missing;
# configuration errors are exit 2 with nothing written.
set -u
B=${1:?usage: test_mlsynth.sh BUILD_DIR PYTHON}
PY=${2:-/usr/bin/python3}
MILES=$B/csrc/miles
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/lib.sh"

# the stand-in at its default size (320 / 64 / 64: enough to learn in 4 epochs) for MILES and the
# resume, and at 96 / 32 / 32 for everything else
"$PY" "$HERE/../datasets/mlsynth/make-standin" "$T/src" &&
  "$PY" "$HERE/../datasets/mlsynth/make-standin" "$T/src-small" --train 96 --val 32 --test 32 ||
  { echo "FAIL: make-standin"; exit 1; }
for c in "src d" "src-small small"; do
  set -- $c
  out=$("$MILES" prepare mlsynth --from "$T/$1" --out "$T/$2.h5" --max-length 16 --quiet 2>&1) ||
    { echo "FAIL: prepare mlsynth: $out"; exit 1; }
done

exp() {
  cat <<YAML
dataset: {name: mlsynth, cache: $T/d.h5}
model:
  a: {preset: bert-tiny, vocab_size: 40}
  b: {preset: resnet6, base_width: 4, stem: small}
train: {epochs: $1, batch_size: 16, eval_batch_size: 48, device: cpu, lr: 0.003, threads: 1}
method: {name: $2}
output: {dir: $T/unused}
YAML
}
exp 4 miles > "$T/exp.yaml"
small=(--set dataset.cache="$T/small.h5")

# 1. MILES, 4 epochs: the F1 columns, micro-F1 as the task metric, Algorithm 1 with it
miles_set=(--set method.tau=0.02)
"$MILES" train "$T/exp.yaml" --out "$T/m" --quiet "${miles_set[@]}" || fail "miles run exited $?"
grep -q '"metric": "f1_micro"' "$T/m/summary.json" || fail "summary metric: expected f1_micro"
csv_awk '{ if ($col("val_metric_fused") != $col("val_f1_micro")) { print "epoch " $col("epoch") ": metric != micro"; bad = 1 }
  if ($col("val_f1_macro") > 0.8 + 1e-12) { print "macro " $col("val_f1_macro") " > 4/5"; bad = 1 }
  n = split("val_f1_micro val_f1_macro val_f1_weighted val_f1_samples val_metric_a val_metric_b", m, " ")
  for (i = 1; i <= n; i++) if (!($col(m[i]) >= 0 && $col(m[i]) <= 1)) { print m[i] " = " $col(m[i]); bad = 1 } }
  END { exit bad }' "$T/m/epochs.csv" || fail "F1 columns"
csv_awk -v tau=0.02 -v mu=0.5 -v lr=0.003 '
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
  }
  { pua = $col("u_a"); pub = $col("u_b"); pd = $col("delta") }
  END { exit bad }' "$T/m/epochs.csv" || fail "miles lr columns do not follow Algorithm 1 with F1"
csv_awk '{ ab = $col("val_f1_micro"); a = $col("val_metric_a"); b = $col("val_metric_b")
  ua = (ab - b) / ab; ub = (ab - a) / ab; d = ua - ub; if (d < 0) d = -d
  if ((ua - $col("u_a"))^2 > 1e-12 || (ub - $col("u_b"))^2 > 1e-12 || (d - $col("delta"))^2 > 1e-12) {
    print "row " $col("epoch"); bad = 1 } }
  END { exit bad }' "$T/m/epochs.csv" || fail "u/delta do not match Eq. 4-5 on the micro-F1s"
reductions=$(csv_awk '$col("lr_a") < $col("lr_fusion") || $col("lr_b") < $col("lr_fusion")' "$T/m/epochs.csv" | wc -l)
echo "miles: $reductions of 4 epochs trained with a reduced encoder LR"
[ "$reductions" -ge 1 ] || fail "miles reduced no LR: Algorithm 1 was checked on the no-action branch only"

# 2. resume: SIGKILL after epoch 2 of 4, resume, compare with the uninterrupted run
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet "${miles_set[@]}" &
pid=$!
for _ in $(seq 1 1200); do
  [ -f "$T/k/ckpt/state.txt" ] && grep -q '^epochs_done 2$' "$T/k/ckpt/state.txt" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done_before=$(sed -n 's/^epochs_done //p' "$T/k/ckpt/state.txt")
[ "${done_before:-0}" -lt 4 ] || fail "the run finished before it could be killed"
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --resume "${miles_set[@]}" || fail "resume exited $?"
no_seconds='{ out = ""; for (i = 1; i <= NF; i++) if (i != col("seconds")) out = out (out == "" ? "" : ",") $i; print out }'
csv_awk "$no_seconds" "$T/m/epochs.csv" > "$T/a.csv"; csv_awk "$no_seconds" "$T/k/epochs.csv" > "$T/b.csv"
cmp -s "$T/a.csv" "$T/b.csv" || { fail "resumed epochs.csv differs (killed after epoch $done_before)"; diff "$T/a.csv" "$T/b.csv"; }
cmp -s "$T/m/summary.json" "$T/k/summary.json" || { fail "resumed summary.json differs"; diff "$T/m/summary.json" "$T/k/summary.json"; }
echo "resume: killed after epoch $done_before of 4, resumed, identical to the uninterrupted run"

# 3. another F1 as the task metric
"$MILES" train "$T/exp.yaml" --out "$T/macro" --quiet "${small[@]}" --set train.epochs=1 --set train.metric=f1_macro ||
  fail "f1_macro run exited $?"
grep -q '"metric": "f1_macro"' "$T/macro/summary.json" || fail "summary metric: expected f1_macro"
csv_awk '$col("val_metric_fused") != $col("val_f1_macro") { exit 1 }' "$T/macro/epochs.csv" ||
  fail "train.metric f1_macro: val_metric_fused is not val_f1_macro"
# summary.json holds the four test averages of every head; the task metric is the macro one
# (`miles report --f1` and a run's report read them)
field() { sed -n "s/^ *\"$2\": \([^,]*\),\{0,1\}\$/\1/p" "$1/summary.json"; }
for h in fused a b; do
  [ "$(field "$T/macro" test_f1_macro_$h)" = "$(field "$T/macro" test_metric_$h)" ] ||
    fail "summary.json: test_f1_macro_$h is not test_metric_$h ($(field "$T/macro" test_f1_macro_$h))"
  for avg in micro weighted samples; do
    v=$(field "$T/macro" test_f1_${avg}_$h)
    awk -v v="$v" 'BEGIN { exit !(v ~ /^[0-9.e-]+$/ && v >= 0 && v <= 1) }' || fail "summary.json: test_f1_${avg}_$h = '$v'"
  done
done

# 4. every method trains on multilabel targets (OGM's scores: mean sigmoid of the true labels)
for m in vanilla mslr_dynamic ogm ogm_ge mses gblend unimodal; do
  extra=()
  case $m in
    mslr_dynamic) extra=(--set method.lr_a=0.003 --set method.lr_b=0.002) ;;
    ogm|ogm_ge) extra=(--set method.params=all) ;;
    gblend) extra=(--set method.super_epoch=1) ;;
    unimodal) extra=(--set method.modality=a) ;;
  esac
  "$MILES" train "$T/exp.yaml" --out "$T/all/$m" --quiet "${small[@]}" --set train.epochs=1 --set method.name=$m "${extra[@]}" ||
    { fail "$m exited $?"; continue; }
  [ "$(($(wc -l < "$T/all/$m/epochs.csv") - 1))" = 1 ] || fail "$m: epochs.csv rows"
  grep -q '"test_metric_fused": [0-9]' "$T/all/$m/summary.json" || fail "$m: no test metric"
done
csv_awk '$col("ogm_k_a") > 1 || $col("ogm_k_b") > 1 || ($col("ogm_k_a") == 1 && $col("ogm_k_b") == 1) { exit 1 }' \
  "$T/all/ogm/epochs.csv" || fail "ogm: no modulation on multilabel scores"

# 5. export; the text encoder's tensors as a weights file load strictly and, frozen, stay as
#    they were; a broken file names every bad tensor (exit 3, nothing written)
"$MILES" export "$T/m" --out "$T/m.safetensors" > /dev/null || fail "export exited $?"
"$PY" "$HERE/mlsynth_weights.py" encoder "$T/m.safetensors" a. "$T/a.safetensors" || fail "encoder file"
"$MILES" train "$T/exp.yaml" --out "$T/w" --quiet "${small[@]}" --set train.epochs=2 --set method.name=vanilla \
  --set model.a.weights="$T/a.safetensors" --set model.a.freeze_epochs=2 || fail "weights run exited $?"
"$MILES" export "$T/w" --out "$T/w.safetensors" > /dev/null || fail "export of the weights run exited $?"
"$PY" "$HERE/mlsynth_weights.py" same "$T/w.safetensors" a. "$T/a.safetensors" ||
  fail "loaded and frozen encoder A differs from the weights file"
"$PY" "$HERE/mlsynth_weights.py" encoder "$T/m.safetensors" a. "$T/bad.safetensors" --break || fail "broken file"
"$MILES" train "$T/exp.yaml" --out "$T/bad" "${small[@]}" --set model.a.weights="$T/bad.safetensors" 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q 'pooler.dense.bias' "$T/err" && grep -q 'extra.weight' "$T/err" &&
  grep -q 'embeddings.LayerNorm.weight' "$T/err" && grep -q 'model.a.weights' "$T/err" && [ ! -e "$T/bad" ] ||
  fail "broken weights: exit $rc, $(cat "$T/err")"

# 6. an exported ResNet-18 (modality B, 3 channels) loads into torchvision with only fc.* missing
"$PY" "$HERE/../datasets/mlsynth/make-standin" "$T/src3" --train 16 --val 8 --test 8 --channels 3 &&
  "$MILES" prepare mlsynth --from "$T/src3" --out "$T/d3.h5" --max-length 16 --quiet > /dev/null ||
  fail "3-channel stand-in"
"$MILES" train "$T/exp.yaml" --out "$T/r18" --quiet --set dataset.cache="$T/d3.h5" --set train.epochs=1 \
  --set method.name=vanilla --set model.b.preset=resnet18 --set model.b.base_width=0 --set model.b.stem=preset ||
  fail "resnet18 run exited $?"
"$MILES" export "$T/r18" --format safetensors --out "$T/r18.safetensors" > /dev/null || fail "resnet18 export"
"$PY" "$HERE/mlsynth_weights.py" torchvision "$T/r18.safetensors" b. || fail "torchvision resnet18 load"

# 7. configuration errors: exit 2, nothing written
for bad in "train.metric=accuracy" "model.a.preset=resnet6" "model.a.vocab_size=20" \
  "model.b.preset=bert-tiny" "model.a.freeze_epochs=1 method.name=mses"; do
  sets=(); for kv in $bad; do sets+=(--set "$kv"); done
  "$MILES" train "$T/exp.yaml" --out "$T/bad" "${small[@]}" "${sets[@]}" 2>"$T/err"; rc=$?
  key=${bad%%=*}
  [ $rc = 2 ] && grep -q "$key" "$T/err" && [ ! -e "$T/bad" ] || fail "$bad: exit $rc, $(cat "$T/err")"
done
"$MILES" export "$T/nothing" --out "$T/x.safetensors" 2>/dev/null; rc=$?
[ $rc = 2 ] && [ ! -e "$T/x.safetensors" ] || fail "export of no run: exit $rc, expected 2"

if [ $fails -gt 0 ]; then echo "test_mlsynth: $fails check(s) failed"; exit 1; fi
echo "test_mlsynth: all checks passed"
