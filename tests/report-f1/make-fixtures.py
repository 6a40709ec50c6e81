#!/usr/bin/env python3
"""make-fixtures.py - writes tests/report-f1/results/ (committed): MM-IMDb-like runs scored by F1
for tests/test_report_f1.sh. Run it only to change the fixtures.

The test F1s are computed here, by hand-checkable formulas, from one tiny test set: 4 movies,
3 genres, and each head's predictions at threshold 0.5 (rows: movies; columns: genres):

  truth         fused head     text head      image head
  1 1 0         1 0 0          1 1 0          1 0 0
  1 0 1         1 0 1          1 0 1          1 0 0
  0 1 0         1 1 0          0 1 0          1 0 0
  1 0 0         0 0 0          0 0 0          1 0 0

fused: per genre (TP, FP, FN) = (2,1,1) (1,0,1) (1,0,0): F1 2/3, 2/3, 1. micro = 2*4/(2*4+1+2) = 8/11
  = 72.7%; macro = (2/3+2/3+1)/3 = 7/9 = 77.8%; weighted by support 3,2,1 = (2+4/3+1)/6 = 13/18 =
  72.2%; samples = (2/3 + 1 + 2/3 + 0)/4 = 7/12 = 58.3%.
text:  (2,0,1) (2,0,0) (1,0,0): micro 10/11 = 90.9%, macro (4/5+1+1)/3 = 14/15 = 93.3%, weighted
  (12/5+2+1)/6 = 9/10 = 90.0%, samples (1+1+1+0)/4 = 75.0%.
image: (3,1,0) (0,0,2) (0,0,1): micro 6/10 = 60.0%, macro (6/7)/3 = 2/7 = 28.6%, weighted
  (18/7)/6 = 3/7 = 42.9%, samples (2/3+2/3+0+1)/4 = 7/12 = 58.3%.

paired/ (for the paired intervals of Tables II and III): 30 movies, 4 genres (the fourth never
true), runs whose test-predictions.bin (kind 2, label sets) their summary.json's F1s are computed
from: in concat, Vanilla and MILES as sweeps with one reseed each (two paired seeds), in sum one
run each. Each interval is computed here by tests/ref_bootstrap.py (numpy), printed, and written
into test_report_f1.sh by hand.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ref_bootstrap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "results")
TRUTH = [[1, 1, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0]]
PRED = {
    "fused": [[1, 0, 0], [1, 0, 1], [1, 1, 0], [0, 0, 0]],
    "a": [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]],
    "b": [[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]],
}
AVERAGES = ["micro", "macro", "weighted", "samples"]


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0


def scores(pred):
    k = len(TRUTH[0])
    c = [[sum(1 for t, p in zip(TRUTH, pred) if t[j] == a and p[j] == b) for a, b in ((1, 1), (0, 1), (1, 0))]
         for j in range(k)]
    per = [f1(*x) for x in c]
    sup = [x[0] + x[2] for x in c]
    micro = f1(sum(x[0] for x in c), sum(x[1] for x in c), sum(x[2] for x in c))
    samples = [f1(sum(t[j] and p[j] for j in range(k)), sum((not t[j]) and p[j] for j in range(k)),
                  sum(t[j] and not p[j] for j in range(k))) for t, p in zip(TRUTH, pred)]
    return {"micro": micro, "macro": sum(per) / k, "weighted": sum(f * s for f, s in zip(per, sup)) / sum(sup),
            "samples": sum(samples) / len(samples)}


CONFIG = """dataset:
  name: mmimdb
  cache: "/nonexistent/mmimdb.h5"
model:
  a:
    preset: bert-tiny
  b:
    preset: resnet6
  fusion: {fusion}
train:
  epochs: 3
  lr: 0.001
method:
{method}output:
  dir: "results/run"
"""
HEADER = ("epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,val_metric_a,"
          "val_metric_b,val_f1_micro,val_f1_macro,val_f1_weighted,val_f1_samples,u_a,u_b,delta,lr_a,lr_b,lr_fusion,"
          "seconds")


def run(path, method, val, fusion="concat", head="fused", metric="f1_micro", four=True, scale=1.0, preds=None,
        root=ROOT, trial=None):
    """A run whose test heads score SCALE x the hand-computed F1s above (scale 1: exactly them), or,
    given PREDS (truth, fused, a, b: bool [n, k]), the F1s of those sets, which it also writes as
    test-predictions.bin; TRIAL: its trial.json."""
    d = os.path.join(root, path)
    os.makedirs(d, exist_ok=True)
    mblock = "  name: miles\n  tau: 0.2\n  mu: 0.5\n  metrics_from: val\n" if method == "miles" else \
        "  name: unimodal\n  modality: %s\n" % head if method == "unimodal" else "  name: %s\n" % method
    with open(os.path.join(d, "config.yaml"), "w") as f:
        f.write(CONFIG.format(fusion=fusion, method=mblock))
    with open(os.path.join(d, "epochs.csv"), "w") as f:
        f.write(HEADER + "\n")
        for e in (1, 2, 3):
            lr_a = 0.0005 if method == "miles" and e == 3 else 0.001
            f.write(f"{e},0.5,0.5,0.5,0.5,0.6,{val[0]},{val[1]},{val[2]},0.5,0.4,0.5,0.45,0.3,0.1,0.2,{lr_a},0.001,"
                    "0.001,1.0\n")
    sc = {h: {a: v * scale for a, v in scores(PRED[h]).items()} for h in PRED}
    if preds is not None:
        sc = {h: ref_bootstrap.f1_averages(preds[0], p) for h, p in zip(("fused", "a", "b"), preds[1:])}
        n, k = preds[0].shape
        with open(os.path.join(d, "test-predictions.bin"), "wb") as f:
            f.write(b"MILESPRD" + struct.pack("<6I", 1, 2, n, 3, k, 3))
            for p in preds:
                f.write(ref_bootstrap.pack_sets(p))
    if trial is not None:
        with open(os.path.join(d, "trial.json"), "w") as f:
            json.dump(trial, f)
    task = metric[3:]
    sel = {"fused": 0, "a": 1, "b": 2}[head]
    heads = ("fused", "a", "b")
    s = {"status": "completed", "dataset": "mmimdb", "metric": metric, "method": method, "fusion": fusion,
         "epochs": 3, "epochs_run": 3, "extra_epochs": 0, "best_epoch": 3, "selection_head": head,
         "val_metric_fused": val[0], "val_metric_a": val[1], "val_metric_b": val[2], "val_metric_selected": val[sel],
         "test_loss": 0.3}
    for i, h in enumerate(heads):
        s["test_metric_" + h] = sc[h][task]
    s["test_metric_selected"] = sc[heads[sel]][task]
    if four:
        for a in AVERAGES:
            for h in heads:
                s[f"test_f1_{a}_{h}"] = sc[h][a]
    s.update({"lr": 0.001, "modality_a": "text", "modality_b": "image", "config_hash": "f1f1f1f1f1f1f1f1",
              "dataset_recipe": "fixture", "device": "cpu", "torch_version": "1.13.0", "miles_version": "0.1.0",
              "commit": "0123abc"})
    with open(os.path.join(d, "summary.json"), "w") as f:
        f.write(json.dumps(s, indent=2) + "\n")


shutil.rmtree(ROOT, ignore_errors=True)
# Table I: text alone and image alone (exactly the hand-computed heads)
run("unimodal/text", "unimodal", (0.1, 0.6, 0.1), head="a")
run("unimodal/image", "unimodal", (0.1, 0.1, 0.4), head="b")
# Table II: vanilla (the hand-computed F1s) and MILES (half of them, so the cells tell them apart)
run("concat/vanilla", "vanilla", (0.7, 0.6, 0.4))
run("concat/miles", "miles", (0.75, 0.6, 0.4), scale=0.5)
# A run written before the four averages were recorded, its task metric macro-F1
run("legacy/vanilla", "vanilla", (0.7, 0.6, 0.4), metric="f1_macro", four=False)

# ---- paired/: test predictions and their intervals ----
PAIRED = os.path.join(HERE, "paired")
shutil.rmtree(PAIRED, ignore_errors=True)
rng = np.random.RandomState(13)
N, K = 30, 4
Y = rng.rand(N, K) < np.array([0.55, 0.4, 0.3, 0.0])


def flipped(rate):
    p = Y ^ (rng.rand(N, K) < rate)
    p[:, 3] = False
    return p


TEXT, IMAGE = flipped(0.1), flipped(0.35)
SETS = {("concat", "vanilla"): [flipped(0.3), flipped(0.3)], ("concat", "miles"): [flipped(0.1), flipped(0.12)],
        ("sum", "vanilla"): [flipped(0.25)], ("sum", "miles"): [flipped(0.2)]}
SWEEP = '{"experiment": "fixture.yaml", "trials": 1, "params": [{"path": "train.lr", "kind": "uniform", "lo": 0, ' \
    '"hi": 1}%s]}\n'
MILES_PARAMS = ', {"path": "method.tau", "kind": "uniform", "lo": 0, "hi": 1}, ' \
    '{"path": "method.mu", "kind": "uniform", "lo": 0, "hi": 1}'
for (fusion, method), seeds in SETS.items():
    if len(seeds) == 1:
        run(f"{fusion}/{method}", method, (0.7, 0.6, 0.4), fusion=fusion, preds=(Y, seeds[0], TEXT, IMAGE),
            root=PAIRED)
        continue
    os.makedirs(os.path.join(PAIRED, fusion, method))
    with open(os.path.join(PAIRED, fusion, method, "sweep.json"), "w") as f:
        f.write(SWEEP % (MILES_PARAMS if method == "miles" else ""))
    for r, p in enumerate(seeds):
        name = f"{fusion}/{method}/" + ("trial-000" if r == 0 else f"reseed-{r:02d}")
        run(name, method, (0.7, 0.6, 0.4), fusion=fusion, preds=(Y, p, TEXT, IMAGE), root=PAIRED,
            trial={"trial": 0, "reseed": r} if r else {"trial": 0})

if __name__ == "__main__":
    for fusion in ("concat", "sum"):
        v, m = SETS[(fusion, "vanilla")], SETS[(fusion, "miles")]
        iv = ref_bootstrap.f1_bootstrap([(Y, m[j], v[j]) for j in range(min(len(v), len(m)))])
        for a, (point, lo, hi) in iv.items():
            sig = "*" if lo > 0 or hi < 0 else ""
            print(f"{fusion} MILES vs Vanilla, {a}: {100 * point:+.2f} [{100 * lo:+.2f}, {100 * hi:+.2f}]{sig}")
    for h in PRED:
        print(h, {a: round(100 * v, 1) for a, v in scores(PRED[h]).items()})
