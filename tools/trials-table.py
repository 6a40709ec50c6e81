#!/usr/bin/env python3
"""trials-table.py - every trial of the sweeps under a results directory, one CSV row each.

`miles report` shows each sweep's best trial by validation; this lists all of them, so a reader
can see how much the best depends on the draw: the drawn values, status, best epoch, the
validation metric used for selection, the test metrics of the fused and both unimodal heads,
and for MILES the number of epochs in which Algorithm 1 had lowered an encoder's learning rate
(an epochs.csv row whose lr_a or lr_b is below lr_fusion).

    tools/trials-table.py RESULTS_DIR > trials.csv
    tools/trials-table.py --summary RESULTS_DIR > trials-summary.md
--summary prints one markdown row per sweep instead: completed trials, the test metric of the
selected head for the trial chosen by validation (what `miles report` shows), the median and the
highest over all trials (the highest is chosen on test, so it is not a result, only the spread),
and for MILES how many trials lowered a learning rate at least once. Standard library only; reads summary.json, trial.json and epochs.csv."""
import csv
import json
import os
import sys


def lowered_epochs(path):
    n = 0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            fusion = float(row["lr_fusion"])
            if float(row["lr_a"]) < fusion or float(row["lr_b"]) < fusion:
                n += 1
    return n


HEADER = ["sweep", "trial", "method", "fusion", "selection_head", "values", "status",
          "best_epoch", "val_selected", "test_fused", "test_a", "test_b",
          "miles_lowered_epochs"]


def rows_of(root):
    for sweep in sorted(os.listdir(root)):
        sdir = os.path.join(root, sweep)
        if not os.path.isfile(os.path.join(sdir, "sweep.json")):
            continue
        for trial in sorted(t for t in os.listdir(sdir) if t.startswith("trial-")):
            tdir = os.path.join(sdir, trial)
            values = ""
            if os.path.isfile(os.path.join(tdir, "trial.json")):
                with open(os.path.join(tdir, "trial.json")) as f:
                    values = json.load(f)["values"]
            spath = os.path.join(tdir, "summary.json")
            if not os.path.isfile(spath):
                yield [sweep, trial[6:], "", "", "", values, "unfinished"] + [""] * 6
                continue
            with open(spath) as f:
                s = json.load(f)
            lowered = ""
            if s["method"] == "miles":
                lowered = lowered_epochs(os.path.join(tdir, "epochs.csv"))
            def pct(key):
                # a unimodal run trains one head; the others' numbers are those of untrained heads
                head = key.rsplit("_", 1)[1]
                if s["method"] == "unimodal" and head in ("fused", "a", "b") and head != s["selection_head"]:
                    return ""
                v = s.get(key)
                return "" if v is None else "%.2f" % (100 * v)
            yield ([sweep, trial[6:], s["method"], s.get("fusion", ""), s["selection_head"],
                          values, s["status"], s["best_epoch"], pct("val_metric_selected"),
                          pct("test_metric_fused"), pct("test_metric_a"), pct("test_metric_b"),
                          lowered])


def median(v):
    v = sorted(v)
    n = len(v)
    return (v[n // 2] + v[(n - 1) // 2]) / 2


def summary(rows):
    col = {name: i for i, name in enumerate(HEADER)}
    print("| sweep | completed | selected by val: test | median test | highest test | MILES: trials that lowered an LR |")
    print("|---|---|---|---|---|---|")
    sweeps = []
    for r in rows:
        if not sweeps or sweeps[-1][0] != r[0]:
            sweeps.append((r[0], []))
        sweeps[-1][1].append(r)
    for name, trials in sweeps:
        done = [r for r in trials if r[col["status"]] == "completed"]
        if not done:
            print("| %s | 0 | - | - | - | - |" % name)
            continue
        head = {"fused": "test_fused", "a": "test_a", "b": "test_b"}[done[0][col["selection_head"]]]
        test = [float(r[col[head]]) for r in done]
        # the best validation metric, ties to the lowest trial number (miles report's rule)
        best = max(range(len(done)), key=lambda i: (float(done[i][col["val_selected"]]), -i))
        lowered = "-"
        if done[0][col["method"]] == "miles":
            lowered = "%d of %d" % (sum(1 for r in done if int(r[col["miles_lowered_epochs"]]) > 0), len(done))
        print("| %s | %d of %d | %.2f | %.2f | %.2f | %s |" % (name, len(done), len(trials), test[best],
                                                          median(test), max(test), lowered))


def main():
    args = sys.argv[1:]
    want_summary = bool(args) and args[0] == "--summary"
    if want_summary:
        args = args[1:]
    if len(args) != 1 or not os.path.isdir(args[0]):
        sys.exit("usage: trials-table.py [--summary] RESULTS_DIR")
    if want_summary:
        summary(list(rows_of(args[0])))
        return
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    for r in rows_of(args[0]):
        out.writerow(r)


if __name__ == "__main__":
    main()
