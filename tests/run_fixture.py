"""run_fixture.py - hand-made run directories for the report tests (tests/test_stats.py,
tests/test_seed_sweep.py): config.yaml, epochs.csv, summary.json, trial.json and
test-predictions.bin written the way `miles train` and `miles sweep` lay them out
(core/summary.h, core/columns.h, core/predictions.h), with the test metrics the caller chose.
"""
import json, os, struct

import numpy as np

HEADER = ("epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,"
          "val_metric_a,val_metric_b,u_a,u_b,delta,lr_a,lr_b,lr_fusion,seconds")


def class_predictions(labels, fused_pred, k, epoch):
    """A kind-1 test-predictions.bin: the fused head predicts FUSED_PRED, heads A and B the labels."""
    n = len(labels)
    lab = np.asarray(labels).astype("<i2").tobytes()
    return (b"MILESPRD" + struct.pack("<6I", 1, 1, n, 3, k, epoch) + lab
            + np.asarray(fused_pred).astype("<i2").tobytes() + lab + lab)


def write_run(d, *, dataset, method, val, metrics, predictions, modalities, config_hash, metric="accuracy",
              epochs=3, best_epoch=3, lowered=0, miles=None, trial_json=None):
    """A completed run in D. METRICS: the summary's test_* keys; PREDICTIONS: the file's bytes;
    MILES: (tau, mu, metrics_from) of a MILES run; LOWERED: the first epochs whose lr_a is halved."""
    os.makedirs(d, exist_ok=True)
    extra = "  tau: %g\n  mu: %g\n  metrics_from: %s\n" % miles if miles else ""
    with open(os.path.join(d, "config.yaml"), "w") as f:
        f.write(f"dataset:\n  name: {dataset}\n  cache: fixture.h5\nmodel:\n  fusion: concat\ntrain:\n  seed: 0\n"
                f"method:\n  name: {method}\n" + extra)
    with open(os.path.join(d, "epochs.csv"), "w") as f:
        f.write(HEADER + "\n" + "".join(f"{e},0.1,0.9,0.9,0.9,0.1,0.9,0.9,0.9,0.1,0.1,0.1,"
                                        f"{0.0005 if e <= lowered else 0.001},0.001,0.001,1.0\n"
                                        for e in range(1, epochs + 1)))
    s = {"status": "completed", "dataset": dataset, "metric": metric, "method": method, "fusion": "concat",
         "epochs": epochs, "epochs_run": epochs, "extra_epochs": 0, "best_epoch": best_epoch,
         "selection_head": "fused", "val_metric_fused": val, "val_metric_a": 0.9, "val_metric_b": 0.8,
         "val_metric_selected": val, "test_loss": 0.1, "lr": 0.001, "modality_a": modalities[0],
         "modality_b": modalities[1], "config_hash": config_hash, "dataset_recipe": "fixture", "device": "cpu",
         "torch_version": "1.13.0", "miles_version": "0.1.0", "commit": "0123abc", **metrics}
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(s, f, indent=2)
    if trial_json is not None:
        with open(os.path.join(d, "trial.json"), "w") as f:
            json.dump(trial_json, f)
    with open(os.path.join(d, "test-predictions.bin"), "wb") as f:
        f.write(predictions)
