#!/usr/bin/env python3
"""make-fixtures.py - writes the hand-made result tree tests/report/results/ (committed).

Run it only to change the fixtures (then regenerate the expected outputs, check them by hand):
    python3 tests/report/make-fixtures.py && tests/test_report.sh BUILD_DIR --update
Every run directory has config.yaml (the demo's resolved config with the method block and
fusion changed), epochs.csv (the real header, three epochs) and summary.json (the fields
write_summary() in csrc/train/train.c writes). The numbers are chosen to exercise the report rules:
best trial by val_metric_selected, ties to the lowest trial, diverged trials skipped, ablation
units with fixed tau/mu, u from training vs validation, bold ties and Delta closest to zero.
"""
import json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "results")

CONFIG = """dataset:
  name: smnist
  cache: "/nonexistent/smnist-standin.h5"
model:
  a:
    preset: resnet10
    block: preset
    blocks: []
    base_width: 16
    stem: small
  b:
    preset: resnet10
    block: preset
    blocks: []
    base_width: 16
    stem: small
  fusion: {fusion}
  aux_heads: true
train:
  epochs: 3
  batch_size: 64
  eval_batch_size: 256
  optimizer: adam
  lr: {lr}
  beta1: 0.9
  beta2: 0.999
  eps: 1e-08
  momentum: 0.9
  weight_decay: 0
  seed: 0
  device: auto
  threads: 0
method:
{method}output:
  dir: "results/run"
"""

HEADER = ("epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,"
          "val_metric_a,val_metric_b,u_a,u_b,delta,lr_a,lr_b,lr_fusion,seconds")


def method_block(name, tau=0.2, mu=0.5, metrics_from="val", modality="a"):
    if name == "miles":
        return (f"  name: miles\n  tau: {tau}\n  mu: {mu}\n  metrics_from: {metrics_from}\n"
                "  reading: reset\n  lr_follows: encoder\n")
    if name == "unimodal":
        return f"  name: unimodal\n  modality: {modality}\n"
    if name == "ogm":
        return ("  name: ogm\n  aux_loss: true\n  alpha: 0.3\n  modulation_start: 0\n  modulation_end: 50\n"
                "  scores: slice\n  rho_one: paper\n  params: conv\n")
    return f"  name: {name}\n  aux_loss: true\n"


def run(path, method="vanilla", fusion="concat", status="completed", val=(0.99, 0.97, 0.90), test=(0.99, 0.97, 0.90),
        best=2, lr=0.001, head="fused", commit="0123abc", **mkw):
    d = os.path.join(ROOT, path)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.yaml"), "w") as f:
        f.write(CONFIG.format(fusion=fusion, lr=lr, method=method_block(method, **mkw)))
    lr_a = lr_b = lr
    rows = []
    for e in range(1, 4):
        k = 0.85 + 0.04 * e if e != best else 1.0
        vf, va, vb = (min(1, v * k) for v in val)
        if e == best:
            vf, va, vb = val
        ua = (vf - vb) / vf
        ub = (vf - va) / vf
        if method == "unimodal":
            ua = ub = delta = float("nan")
        delta = abs(ua - ub)
        if method == "miles" and e > 1 and delta > mkw.get("tau", 0.2):
            lr_a = lr * mkw.get("mu", 0.5)
        rows.append(f"{e},{0.5 / e:.4f},{min(1, vf + 0.005):.4f},{min(1, va + 0.01):.4f},{min(1, vb + 0.02):.4f},"
                    f"{0.6 / e:.4f},{vf:.4f},{va:.4f},{vb:.4f},{ua:.6g},{ub:.6g},{delta:.6g},{lr_a:g},{lr_b:g},"
                    f"{lr:g},1.0")
    with open(os.path.join(d, "epochs.csv"), "w") as f:
        f.write(HEADER + "\n" + "\n".join(r.replace("nan", "nan") for r in rows) + "\n")
    sel = {"fused": 0, "a": 1, "b": 2}[head]
    done = status == "completed"
    s = {
        "status": status, "dataset": "smnist", "metric": "accuracy", "method": method, "fusion": fusion,
        "epochs": 3, "epochs_run": 3, "extra_epochs": 0, "best_epoch": best if done else -1,
        "selection_head": head,
        "val_metric_fused": val[0] if done else None, "val_metric_a": val[1] if done else None,
        "val_metric_b": val[2] if done else None, "val_metric_selected": val[sel] if done else None,
        "test_loss": 0.05, "test_metric_fused": test[0], "test_metric_a": test[1], "test_metric_b": test[2],
        "test_metric_selected": test[sel], "lr": lr, "modality_a": "image", "modality_b": "audio",
        "config_hash": ("%016x" % (abs(hash(path)) % (1 << 64)))[:16] if False else
                       "%016x" % (sum(ord(c) * 131 ** i for i, c in enumerate(path)) % (1 << 64)),
        "dataset_recipe": "fixture", "device": "cpu", "torch_version": "1.13.0", "miles_version": "0.1.0",
        "commit": commit,
    }
    with open(os.path.join(d, "summary.json"), "w") as f:
        f.write(json.dumps(s, indent=2).replace("NaN", "null") + "\n")


def sweep(path, params=()):
    """A sweep's manifest; PARAMS: the key paths its space searches (sweep.json "params"), which
    declare its role: a MILES sweep searching neither method.tau nor method.mu is an ablation."""
    d = os.path.join(ROOT, path)
    os.makedirs(d, exist_ok=True)
    space = ",\n".join(f'    {{"path": "{p}", "kind": "uniform", "lo": 0, "hi": 1}}' for p in params)
    with open(os.path.join(d, "sweep.json"), "w") as f:
        f.write('{\n  "experiment": "fixture.yaml",\n  "trials": 3,\n  "params": [' +
                (f"\n{space}\n  " if params else "") + ']\n}\n')


shutil.rmtree(ROOT, ignore_errors=True)
# Table I: a unimodal sweep for modality a (trial 1 wins; trial 2 diverged) and a single run for b
sweep("unimodal/image")
run("unimodal/image/trial-000", "unimodal", head="a", val=(0.1, 0.97, 0.1), test=(0.1, 0.975, 0.1), modality="a")
run("unimodal/image/trial-001", "unimodal", head="a", val=(0.1, 0.985, 0.1), test=(0.1, 0.990, 0.1), modality="a")
run("unimodal/image/trial-002", "unimodal", head="a", status="diverged", test=(0.1, 0.999, 0.1), modality="a")
run("unimodal/audio-lr3e-4", "unimodal", head="b", val=(0.1, 0.1, 0.90), test=(0.1, 0.1, 0.889), modality="b", lr=0.0003)
# Table II: vanilla sweep with a tie on validation (trial 0 wins), a single OGM run, a MILES sweep
# whose tau was searched (not an ablation unit)
sweep("concat/vanilla")
run("concat/vanilla/trial-000", val=(0.99, 0.98, 0.55), test=(0.984, 0.985, 0.539))
run("concat/vanilla/trial-001", val=(0.99, 0.97, 0.60), test=(0.990, 0.980, 0.600))
run("concat/ogm", "ogm", val=(0.985, 0.98, 0.65), test=(0.989, 0.988, 0.645))
sweep("concat/miles", ("train.lr", "method.tau", "method.mu"))
run("concat/miles/trial-000", "miles", val=(0.997, 0.96, 0.85), test=(0.998, 0.988, 0.849), tau=0.2, mu=0.5, best=3)
run("concat/miles/trial-001", "miles", val=(0.995, 0.96, 0.80), test=(0.996, 0.990, 0.800), tau=0.35, mu=0.5)
# A main MILES sweep (it searches tau and mu) with one completed trial: not an ablation unit, so
# its tau 0.45 is no row of Table IV (before the fix one completed trial read as "tau fixed")
sweep("concat/miles-one", ("method.tau", "method.mu"))
run("concat/miles-one/trial-000", "miles", val=(0.96, 0.95, 0.80), test=(0.961, 0.950, 0.800), tau=0.45, mu=0.5)
run("concat/miles-one/trial-001", "miles", status="failed", tau=0.3, mu=0.2)
# An ablation sweep (seeds only; tau and mu fixed by its configuration) that beats every main
# MILES unit on validation: a row of Table IV, never the MILES cell of Table II; a seed sweep, so
# the row is the mean over both trials (core/results.h)
sweep("ablation-sweep/tau-0.1", ("train.seed",))
run("ablation-sweep/tau-0.1/trial-000", "miles", val=(0.9975, 0.97, 0.70), test=(0.990, 0.940, 0.751), tau=0.1, mu=0.5,
    lr=0.0005)
run("ablation-sweep/tau-0.1/trial-001", "miles", val=(0.990, 0.97, 0.70), test=(0.990, 0.980, 0.600), tau=0.1, mu=0.5,
    lr=0.0005)
# Table III: sum fusion
run("sum/vanilla", fusion="sum", val=(0.98, 0.97, 0.56), test=(0.983, 0.980, 0.558))
run("sum/miles", "miles", fusion="sum", val=(0.998, 0.96, 0.85), test=(0.998, 0.988, 0.850), tau=0.2, mu=0.5,
    commit="4567def")
# Tables IV and V: one unit per ablation value, learning rate fixed (concat)
for tau, v in ((0.5, (0.989, 0.974, 0.576)), (0.0, (0.987, 0.917, 0.775)), (0.2, (0.997, 0.951, 0.751))):
    run(f"ablation/tau-{tau}", "miles", val=v, test=v, tau=tau, mu=0.5, lr=0.0005)
for mu, v in ((1.0, (0.987, 0.975, 0.577)), (0.05, (0.903, 0.893, 0.777))):
    run(f"ablation/mu-{mu}", "miles", val=v, test=v, tau=0.2, mu=mu, lr=0.0005)
# Table VI: u from training metrics (a seed sweep: best epochs 3 and 2, the row their mean)
sweep("u-train", ("train.seed",))
run("u-train/trial-000", "miles", val=(0.996, 0.95, 0.70), test=(0.998, 0.956, 0.736), metrics_from="train", best=3)
run("u-train/trial-001", "miles", val=(0.990, 0.95, 0.70), test=(0.999, 0.990, 0.700), metrics_from="train")
# error cases (outside results/): a corrupt summary.json, a directory without runs
bad = os.path.join(HERE, "corrupt", "run")
os.makedirs(bad, exist_ok=True)
shutil.copy(os.path.join(ROOT, "sum/vanilla/config.yaml"), bad)
with open(os.path.join(bad, "summary.json"), "w") as f:
    f.write('{\n  "status": "completed",\n  "dataset": "smnist",\n  "method": "vanilla"\n  "fusion": "concat"\n}\n')
os.makedirs(os.path.join(HERE, "empty", "nothing-here"), exist_ok=True)
with open(os.path.join(HERE, "empty", "nothing-here", "README"), "w") as f:
    f.write("A directory without runs: miles report must exit 2.\n")
