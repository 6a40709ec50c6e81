#!/usr/bin/env bash
# test_predictions_ml.sh - test-predictions.bin of a multi-label run (core/predictions.h, kind 2):
# a tiny ML-Synth run (datasets/mlsynth/make-standin at 96 / 32 / 32, bert-tiny + resnet6, three
# epochs) writes one, and the four F1 averages recomputed here from its packed label sets, in
# numpy, equal the test F1s of every head in the run's summary.json (the selected epoch's, whose
# number the file also holds); padding bits are 0 and the file's size is the documented one.
#
# usage: test_predictions_ml.sh BUILD_DIR PYTHON
set -u
B=${1:?usage: test_predictions_ml.sh BUILD_DIR PYTHON}
PY=${2:-/usr/bin/python3}
MILES=$B/csrc/miles
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/lib.sh"

"$PY" "$HERE/../datasets/mlsynth/make-standin" "$T/src" --train 96 --val 32 --test 32 >/dev/null ||
  { echo "FAIL: make-standin"; exit 1; }
out=$("$MILES" prepare mlsynth --from "$T/src" --out "$T/d.h5" --max-length 16 --quiet 2>&1) ||
  { echo "FAIL: prepare mlsynth: $out"; exit 1; }
cat >"$T/exp.yaml" <<YAML
dataset: {name: mlsynth, cache: $T/d.h5}
model:
  a: {preset: bert-tiny, vocab_size: 40}
  b: {preset: resnet6, base_width: 4, stem: small}
train: {epochs: 3, batch_size: 16, eval_batch_size: 12, device: cpu, lr: 0.003, threads: 1}
method: {name: vanilla}
output: {dir: $T/unused}
YAML
"$MILES" train "$T/exp.yaml" --out "$T/r" --quiet || fail "train exited $?"
[ -f "$T/r/test-predictions.bin" ] || fail "a multi-label run wrote no test-predictions.bin"

[ "$fails" = 0 ] && { "$PY" - "$T/r" <<'PY' || fail "test-predictions.bin does not match summary.json"
import json, struct, sys
import numpy as np

d = sys.argv[1]
b = open(d + "/test-predictions.bin", "rb").read()
s = json.load(open(d + "/summary.json"))
bad = []
magic, (version, kind, n, heads, k, epoch) = b[:8], struct.unpack("<6I", b[8:32])
w = (k + 7) // 8
if (magic, version, kind, heads) != (b"MILESPRD", 1, 2, 3):
    sys.exit(f"header: {magic} version {version} kind {kind} heads {heads}")
if len(b) != 32 + 4 * n * w:
    sys.exit(f"size {len(b)}, expected {32 + 4 * n * w}")
if epoch != s["best_epoch"]:
    bad.append(f"epoch {epoch}, summary best_epoch {s['best_epoch']}")
raw = np.frombuffer(b[32:], dtype=np.uint8).reshape(4, n, w)
bits = np.unpackbits(raw, axis=2, bitorder="little")  # [4, n, 8 w]: label j at bit j
if bits[:, :, k:].any():
    bad.append("a padding bit is set")
y, preds = bits[0, :, :k].astype(bool), bits[1:, :, :k].astype(bool)


def f1(tp, fp, fn):
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def averages(p):
    tp, fp, fn = (p & y).sum(0), (p & ~y).sum(0), (~p & y).sum(0)
    per, sup = f1(tp, fp, fn), tp + fn
    return {"micro": float(f1(tp.sum(), fp.sum(), fn.sum())), "macro": float(per.mean()),
            "weighted": float((per * sup).sum() / sup.sum()) if sup.sum() else 0.0,
            "samples": float(f1((p & y).sum(1), (p & ~y).sum(1), (~p & y).sum(1)).mean())}


for h, name in enumerate(("fused", "a", "b")):
    got = averages(preds[h])
    for avg, v in got.items():
        want = s[f"test_f1_{avg}_{name}"]
        if abs(v - want) > 1e-12:
            bad.append(f"{name} {avg}: {v!r} from the file, {want!r} in summary.json")
    print(name, {a: round(100 * v, 2) for a, v in got.items()})
if y.sum() == 0 or preds.sum() == 0:
    bad.append("no positive label or prediction: the comparison proves little")
for x in bad:
    print("FAIL:", x)
sys.exit(1 if bad else 0)
PY
}
[ "$fails" = 0 ] && echo "test_predictions_ml: all passed"
[ "$fails" = 0 ]
