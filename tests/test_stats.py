#!/usr/bin/env python3
"""test_stats.py - `miles report`'s statistics against an independent numpy computation.

usage: test_stats.py MILES

Writes a hand-made results tree into a temporary directory (Table II, concat, 40 test examples):
  vanilla  a sweep whose trials 0 and 1 tie on validation (trial 0 reported, the tie flagged),
           with reseeds 1 and 2 of trial 0: three seeds
  miles    a sweep, trial 0 selected, reseeds 1 and 2; its epochs.csv files lowered an LR in
           1 + 0 + 2 of 9 epochs; its fused predictions differ from vanilla's in a few examples
           either way, so its interval against vanilla contains zero
  mslr_keep a sweep, trial 1 selected, reseeds 1 and 2 of trial 1 (a reseed of trial 0 is there
           too and must be ignored); clearly better than vanilla: a significant lead
  ogm      one run, one seed: a single-seed cell, paired with vanilla's seed 0 only
Each run's test-predictions.bin is written here in the format core/predictions.h documents, and
its summary.json's test metrics agree with it. The test recomputes each cell's mean and sample
sd with numpy, and each interval with its own splitmix64 stream and the two-stage paired
bootstrap documented in csrc/analysis/stats.h, and compares them with the CSV of
`miles report --table II`, to the printed two decimals.

Then the same for a multi-label dataset (MM-IMDb, F1): a second tree whose runs hold test
predictions of kind 2 (label sets; 40 movies, 5 genres, the fifth never true and rarely
predicted, so some draws meet a label with an empty denominator), vanilla, MILES and MSLR-K with
three seeds each and OGM with one; every interval is recomputed by tests/ref_bootstrap.py (F1 over
each draw's examples) and compared with `miles report --table II --f1 AVG` for all four
averages; MSLR-K's lead is significant, MILES's is not, and the micro and macro cells differ.
"""
import csv, io, math, os, shutil, struct, subprocess, sys, tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_bootstrap  # noqa: E402
import run_fixture  # noqa: E402

MILES = sys.argv[1]
N, K = 40, 10
MASK = (1 << 64) - 1
BOOT_SEED, REPS = 0x4D494C4553, 2000
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


# ---- an independent bootstrap -------------------------------------------------------------

class SplitMix:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        z = (self.s + 0x9E3779B97F4A7C15) & MASK
        self.s = z
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def bootstrap(diffs):
    """diffs: list of S numpy int arrays (correct_A - correct_B per example)."""
    S, n = len(diffs), len(diffs[0])
    point = sum(d.sum() / n for d in diffs) / S
    rng = SplitMix(BOOT_SEED)
    reps = np.empty(REPS)
    for b in range(REPS):
        acc = 0.0
        for _ in range(S):
            d = diffs[rng.next() % S]
            idx = np.array([rng.next() % n for _ in range(n)])
            acc += d[idx].sum() / n
        reps[b] = acc / S
    reps.sort()
    return point, reps[math.floor(0.025 * (REPS - 1))], reps[math.ceil(0.975 * (REPS - 1))]


# ---- the fixture --------------------------------------------------------------------------

rng = np.random.RandomState(14)
LABELS = rng.randint(0, K, size=N).astype(np.int16)


def preds(correct):
    return np.where(correct, LABELS, (LABELS + 1) % K).astype(np.int16)


def write_run(d, method, correct, val, test_ab, lowered=0, trial_json=None):
    fused = float(np.mean(correct))
    metrics = {"test_metric_fused": fused, "test_metric_a": test_ab[0], "test_metric_b": test_ab[1],
               "test_metric_selected": fused}
    run_fixture.write_run(d, dataset="smnist", method=method, val=val, metrics=metrics,
                          predictions=run_fixture.class_predictions(LABELS, preds(correct), K, 3),
                          modalities=("image", "audio"), config_hash="00000000000000aa", lowered=lowered,
                          miles=(0.2, 0.5, "val") if method == "miles" else None, trial_json=trial_json)
    return fused


def correct_at(acc_idx_wrong):
    c = np.ones(N, dtype=bool)
    c[list(acc_idx_wrong)] = False
    return c


def sweep(root, name):
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    # a main sweep declares what it searches (MILES's main sweeps search tau and mu; one that
    # searches neither is an ablation sweep, left out of Tables II/III)
    params = '{"path": "train.lr", "kind": "uniform", "lo": 0, "hi": 1}'
    if name == "miles":
        params += ', {"path": "method.tau", "kind": "uniform", "lo": 0, "hi": 1}'
        params += ', {"path": "method.mu", "kind": "uniform", "lo": 0, "hi": 1}'
    with open(os.path.join(d, "sweep.json"), "w") as f:
        f.write('{"experiment": "fixture.yaml", "trials": 2, "params": [%s]}\n' % params)
    return d


ROOT = tempfile.mkdtemp()
R = os.path.join(ROOT, "results")
# per method: the seeds' correctness vectors (seed 0 = the selected trial), test A/B metrics
SEEDS = {
    "vanilla": [correct_at(range(0, 6)), correct_at(range(3, 8)), correct_at(range(10, 17))],
    "miles": [correct_at([0, 1, 2, 3, 4, 20]), correct_at([3, 4, 5, 6, 21, 22]), correct_at(range(10, 16))],
    "mslr_keep": [correct_at([]), correct_at([5]), correct_at([30])],
    "ogm": [correct_at(range(0, 9))],
}
AB = {"vanilla": [(0.95, 0.60), (0.96, 0.58), (0.93, 0.62)], "miles": [(0.94, 0.70), (0.95, 0.71), (0.97, 0.69)],
      "mslr_keep": [(0.90, 0.50), (0.91, 0.52), (0.92, 0.49)], "ogm": [(0.97, 0.40)]}
LOWERED = [1, 0, 2]

v = sweep(R, "vanilla")
write_run(v + "/trial-000", "vanilla", SEEDS["vanilla"][0], 0.99, AB["vanilla"][0], trial_json={"trial": 0})
write_run(v + "/trial-001", "vanilla", correct_at(range(0, 20)), 0.99, (0.5, 0.5), trial_json={"trial": 1})
m = sweep(R, "miles")
write_run(m + "/trial-000", "miles", SEEDS["miles"][0], 0.995, AB["miles"][0], LOWERED[0], {"trial": 0})
write_run(m + "/trial-001", "miles", correct_at(range(0, 30)), 0.98, (0.5, 0.5), 3, {"trial": 1})
k = sweep(R, "mslr_keep")
write_run(k + "/trial-000", "mslr_keep", correct_at(range(0, 30)), 0.97, (0.5, 0.5), trial_json={"trial": 0})
write_run(k + "/trial-001", "mslr_keep", SEEDS["mslr_keep"][0], 0.999, AB["mslr_keep"][0], trial_json={"trial": 1})
for r in (1, 2):
    write_run(f"{v}/reseed-0{r}", "vanilla", SEEDS["vanilla"][r], 0.5, AB["vanilla"][r],
              trial_json={"trial": 0, "reseed": r})
    write_run(f"{m}/reseed-0{r}", "miles", SEEDS["miles"][r], 0.5, AB["miles"][r], LOWERED[r],
              {"trial": 0, "reseed": r})
    write_run(f"{k}/reseed-0{r}", "mslr_keep", SEEDS["mslr_keep"][r], 0.5, AB["mslr_keep"][r],
              trial_json={"trial": 1, "reseed": r})
# a reseed of the trial that validation did not select: never one of the cell's seeds
write_run(f"{k}/reseed-03", "mslr_keep", correct_at(range(0, 40)), 0.5, (0.1, 0.1), trial_json={"trial": 0})
write_run(os.path.join(R, "ogm"), "ogm", SEEDS["ogm"][0], 0.98, AB["ogm"][0])

# ---- the report against numpy -------------------------------------------------------------

def report(fmt):
    p = subprocess.run([MILES, "report", R, "--table", "II", "--format", fmt], capture_output=True, text=True)
    check(p.returncode == 0, f"report --format {fmt} exited {p.returncode}: {p.stderr[:300]}")
    return p.stdout


rows = {r["model"]: r for r in csv.DictReader(io.StringIO(report("csv")))}
md = report("md")


def pct(x, sign=False):
    return ("%+.2f" if sign else "%.2f") % (100 * x)


for meth, seeds in SEEDS.items():
    row = rows.get(meth)
    check(row is not None, f"{meth}: no row in the CSV")
    if row is None:
        continue
    fused = np.array([c.mean() for c in seeds])
    a = np.array([x[0] for x in AB[meth]])
    b = np.array([x[1] for x in AB[meth]])
    n = len(seeds)
    check(row["smnist_n"] == str(n), f"{meth}: n {row['smnist_n']}, expected {n}")
    for col, x in (("fused", fused), ("image", a), ("audio", b)):
        if n == 1:  # a single seed: the value as the paper prints it, no sd
            check(row[f"smnist_{col}"] == "%.1f" % (100 * x[0]), f"{meth} {col}: {row[f'smnist_{col}']}")
            check(row[f"smnist_{col}_sd"] == "-", f"{meth} {col}_sd: {row[f'smnist_{col}_sd']}, expected -")
        else:
            check(row[f"smnist_{col}"] == pct(x.mean()), f"{meth} {col}: {row[f'smnist_{col}']} vs {pct(x.mean())}")
            sd = x.std(ddof=1)
            check(row[f"smnist_{col}_sd"] == pct(sd), f"{meth} {col}_sd: {row[f'smnist_{col}_sd']} vs {pct(sd)}")
    if n > 1:
        dl = a - b
        check(row["smnist_delta"] == pct(dl.mean(), True), f"{meth} delta: {row['smnist_delta']}")
        check(row["smnist_delta_sd"] == pct(dl.std(ddof=1)), f"{meth} delta_sd: {row['smnist_delta_sd']}")
    for ref in ("vanilla", "miles"):
        col = f"smnist_vs_{ref}"
        if ref == meth:
            check(row[col] == "-", f"{meth} vs itself: {row[col]}")
            continue
        S = min(n, len(SEEDS[ref]))  # paired by seed number: 0 the selected trial, k reseed k
        diffs = [seeds[j].astype(int) - SEEDS[ref][j].astype(int) for j in range(S)]
        point, lo, hi = bootstrap(diffs)
        got = (row[col], row[col + "_lo"], row[col + "_hi"], row[col + "_significant"])
        want = (pct(point, True), pct(lo, True), pct(hi, True), "yes" if lo > 0 or hi < 0 else "no")
        check(got == want, f"{meth} vs {ref}: report {got}, numpy {want}")

# the cases the fixture was built for, stated outright
check(rows["miles"]["smnist_vs_vanilla_significant"] == "no", "miles vs vanilla: the interval should contain zero")
check(rows["mslr_keep"]["smnist_vs_vanilla_significant"] == "yes", "mslr_keep vs vanilla: a significant lead")
check(rows["vanilla"]["smnist_n_tied"] == "1", f"vanilla: one tied trial, found {rows['vanilla']['smnist_n_tied']}")
check(rows["miles"]["smnist_miles_lr_lowered"] == "3/9", f"miles LR lowered: {rows['miles']['smnist_miles_lr_lowered']}")
check("| 3‡ |" in md, "md: vanilla's n marked ‡ (a tie on validation)")
check("tied on validation with trial 1" in md, "md: the tied trial listed")
check("| 77.5† |" in md, "md: the single-seed OGM cell marked †")
check("Ties on validation" in md, "md: the tie rule in the caption")

# ---- a multi-label dataset: intervals of an F1 difference ------------------------------------

KL = 5  # genres; the fifth is never true
ml_rng = np.random.RandomState(15)
Y = ml_rng.rand(N, KL) < np.array([0.5, 0.35, 0.25, 0.15, 0.0])
Y[np.arange(N), ml_rng.randint(0, 4, size=N)] |= ml_rng.rand(N) < 0.3


def flipped(rate, seed, spurious=0):
    """Y with each of the four real genres flipped at RATE; SPURIOUS examples predict genre 5."""
    r = np.random.RandomState(seed)
    p = Y ^ (r.rand(N, KL) < rate)
    p[:, 4] = False
    p[r.choice(N, spurious, replace=False), 4] = True
    return p


ML_SEEDS = {
    "vanilla": [flipped(0.25, 1, 1), flipped(0.25, 2), flipped(0.25, 3, 2)],
    "miles": [flipped(0.24, 4), flipped(0.25, 5, 1), flipped(0.26, 6)],
    "mslr_keep": [flipped(0.03, 7), flipped(0.04, 8), flipped(0.02, 9)],
    "ogm": [flipped(0.3, 10, 3)],
}


def write_ml_run(d, method, fused, val, trial_json=None):
    heads = {"fused": fused, "a": Y, "b": flipped(0.4, 99)}  # the text head perfect, the image head poor
    sc = {h: ref_bootstrap.f1_averages(Y, p) for h, p in heads.items()}
    metrics = {"test_metric_selected": sc["fused"]["micro"]}
    for h in heads:
        metrics["test_metric_" + h] = sc[h]["micro"]
        for a in ref_bootstrap.AVERAGES:
            metrics[f"test_f1_{a}_{h}"] = sc[h][a]
    predictions = b"MILESPRD" + struct.pack("<6I", 1, 2, N, 3, KL, 3)
    predictions += b"".join(ref_bootstrap.pack_sets(p) for p in (Y, fused, heads["a"], heads["b"]))
    run_fixture.write_run(d, dataset="mmimdb", method=method, val=val, metrics=metrics, predictions=predictions,
                          modalities=("text", "image"), config_hash="00000000000000bb", metric="f1_micro",
                          miles=(0.2, 0.5, "val") if method == "miles" else None, trial_json=trial_json)


MR = os.path.join(ROOT, "ml-results")
for meth, seeds in ML_SEEDS.items():
    if len(seeds) == 1:
        write_ml_run(os.path.join(MR, meth), meth, seeds[0], 0.9)
        continue
    d = sweep(MR, meth)
    write_ml_run(d + "/trial-000", meth, seeds[0], 0.9, {"trial": 0})
    for r in (1, 2):
        write_ml_run(f"{d}/reseed-0{r}", meth, seeds[r], 0.5, {"trial": 0, "reseed": r})

ml_cells = {}
for avg in ref_bootstrap.AVERAGES:
    p = subprocess.run([MILES, "report", MR, "--table", "II", "--format", "csv", "--f1", avg], capture_output=True,
                       text=True)
    check(p.returncode == 0, f"multi-label report --f1 {avg} exited {p.returncode}: {p.stderr[:300]}")
    ml_cells[avg] = {r["model"]: r for r in csv.DictReader(io.StringIO(p.stdout))}
for meth, seeds in ML_SEEDS.items():
    for ref in ("vanilla", "miles"):
        col = f"mmimdb_vs_{ref}"
        if ref == meth:
            continue
        S = min(len(seeds), len(ML_SEEDS[ref]))
        want_all = ref_bootstrap.f1_bootstrap([(Y, seeds[j], ML_SEEDS[ref][j]) for j in range(S)])
        for avg, (point, lo, hi) in want_all.items():
            row = ml_cells[avg].get(meth)
            if row is None:
                check(False, f"multi-label --f1 {avg}: no row {meth}")
                continue
            got = (row[col], row[col + "_lo"], row[col + "_hi"], row[col + "_significant"])
            want = (pct(point, True), pct(lo, True), pct(hi, True), "yes" if lo > 0 or hi < 0 else "no")
            check(got == want, f"multi-label {meth} vs {ref}, {avg}: report {got}, numpy {want}")
        if meth == "mslr_keep" and ref == "vanilla":
            print("mslr_keep vs vanilla (numpy):", {a: tuple(round(100 * x, 2) for x in v) for a, v in want_all.items()})
check(ml_cells["micro"]["mslr_keep"]["mmimdb_vs_vanilla_significant"] == "yes", "multi-label mslr_keep: a significant lead")
check(ml_cells["micro"]["miles"]["mmimdb_vs_vanilla_significant"] == "no", "multi-label miles: the interval should contain 0")
check(ml_cells["micro"]["miles"]["mmimdb_vs_vanilla"] != ml_cells["macro"]["miles"]["mmimdb_vs_vanilla"],
      "multi-label: the micro and macro cells should differ")

shutil.rmtree(ROOT)
if FAILS:
    print(f"{len(FAILS)} check(s) failed")
    sys.exit(1)
print("test_stats: all checks passed")
