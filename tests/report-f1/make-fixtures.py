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
"""
import json
import os
import shutil

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


def run(path, method, val, fusion="concat", head="fused", metric="f1_micro", four=True, scale=1.0):
    """A run whose test heads score SCALE x the hand-computed F1s above (scale 1: exactly them)."""
    d = os.path.join(ROOT, path)
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
if __name__ == "__main__":
    for h in PRED:
        print(h, {a: round(100 * v, 1) for a, v in scores(PRED[h]).items()})
