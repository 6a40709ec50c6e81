"""ref_bootstrap.py - an independent numpy reference for the paired bootstrap of a difference in
multi-label F1 that `miles report` computes (csrc/analysis/stats.h): the splitmix64 stream, the
four F1 averages (scikit-learn's definitions, 0/0 = 0) and the two-stage resampling, written
from the header's description, not from the C code. Used by tests/test_stats.py and
tests/report-f1/make-fixtures.py.
"""
import math

import numpy as np

BOOT_SEED, REPS = 0x4D494C4553, 2000
AVERAGES = ("micro", "macro", "weighted", "samples")
_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix_stream(seed, count):
    """The first COUNT outputs of splitmix64 from SEED (state i = seed + i gamma, mod 2^64)."""
    with np.errstate(over="ignore"):
        z = np.arange(1, count + 1, dtype=np.uint64) * _GAMMA + np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _f1(tp, fp, fn):
    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)


def f1_averages(y, p):
    """The four F1 averages of predicted sets P against true sets Y (bool arrays [n, k])."""
    tp, fp, fn = (p & y).sum(0), (p & ~y).sum(0), (~p & y).sum(0)
    per, sup = _f1(tp, fp, fn), tp + fn
    return {"micro": float(_f1(tp.sum(), fp.sum(), fn.sum())), "macro": float(per.mean()),
            "weighted": float((per * sup).sum() / sup.sum()) if sup.sum() else 0.0,
            "samples": float(_f1((p & y).sum(1), (p & ~y).sum(1), (~p & y).sum(1)).mean())}


def f1_bootstrap(seeds, reps=REPS, seed=BOOT_SEED):
    """SEEDS: list of S (y, pa, pb) bool arrays [n, k], one per paired seed. Per average: the mean
    over seeds of F1(A) - F1(B), and the 2.5% / 97.5% percentiles of REPS replicates, each the
    mean over S draws of a seed (x mod S) and then n of its examples (x mod n) of F1(A) - F1(B) on
    the drawn examples. Returns {average: (point, lo, hi)}."""
    S, n = len(seeds), len(seeds[0][0])
    diff = lambda y, a, b: {k: f1_averages(y, a)[k] - f1_averages(y, b)[k] for k in AVERAGES}
    point = {k: sum(diff(*s)[k] for s in seeds) / S for k in AVERAGES}
    z = splitmix_stream(seed, reps * S * (n + 1))
    r = {k: np.empty(reps) for k in AVERAGES}
    at = 0
    for b in range(reps):
        acc = dict.fromkeys(AVERAGES, 0.0)
        for _ in range(S):
            y, pa, pb = seeds[int(z[at] % np.uint64(S))]
            idx = (z[at + 1:at + 1 + n] % np.uint64(n)).astype(np.int64)
            at += n + 1
            d = diff(y[idx], pa[idx], pb[idx])
            for k in AVERAGES:
                acc[k] += d[k]
        for k in AVERAGES:
            r[k][b] = acc[k] / S
    out = {}
    for k in AVERAGES:
        x = np.sort(r[k])
        out[k] = (point[k], x[math.floor(0.025 * (reps - 1))], x[math.ceil(0.975 * (reps - 1))])
    return out


def pack_sets(bits):
    """Bool [n, k] label sets as test-predictions.bin's kind 2 stores them: ceil(k/8) bytes a row,
    label j at bit j % 8 of byte j / 8."""
    return np.packbits(np.asarray(bits, dtype=np.uint8), axis=1, bitorder="little").tobytes()
