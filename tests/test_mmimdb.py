#!/usr/bin/python3
"""test_mmimdb.py BUILD_DIR - `miles prepare mmimdb` on tiny fixtures of both published forms
(tests/mmimdb_fixture.py), checked against independent references, then one epoch of `miles
train` on the prepared cache.

Raw form: the split's ids, the genres (the 3 most frequent with --genres 3, in frequency order),
the longest plot's WordPiece ids (a reference tokenizer in Python), the posters (decoded by PIL's
libjpeg-turbo, cut and resized by a NumPy bilinear), and each bad input left out with its reason
in --report (no plot, no genres, a missing JPEG, one cut in its header and one cut in its image
data, an id without files, a genre outside the kept ones); exit 3 when split.json is missing or a split is left empty.
Fuel form: split boundaries from the `split` attribute, genres and target_names, posters with
GMU's Caffe preprocessing undone (against the original pixels in NumPy), plots decoded through
metadata.npy (NumPy's pickle and a protocol-2 one) and tokenized; a pickle naming os.system is
refused unexecuted; a missing dataset, a wrong shape, a missing split attribute and a split given
as an index list (Fuel's `indices` column, not supported) are exit 3 naming what is wrong.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmimdb_fixture as fx  # noqa: E402

B = sys.argv[1]
MILES = os.path.join(B, "csrc", "miles")
T = tempfile.mkdtemp()
L = 12
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL:", msg)


def prepare(src, out, *extra):
    args = [MILES, "prepare", "mmimdb", "--from", src, "--out", out, "--vocab", VOCAB, "--max-len", str(L),
            "--image-size", "%dx%d" % (fx.H, fx.W), "--quiet"] + list(extra)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout + p.stderr


def report_lines(path):
    with open(path) as f:
        lines = f.read().splitlines()
    check(lines and lines[0] == "what\titem\twhy", "%s: header" % path)
    return [ln.split("\t") for ln in lines[1:]]


VOCAB = os.path.join(T, "vocab.txt")
fx.write_vocab(VOCAB)


def check_raw():
    src = os.path.join(T, "raw")
    fx.raw(src)
    rc, out = prepare(src, os.path.join(T, "raw.h5"), "--genres", "3", "--report", os.path.join(T, "raw.tsv"))
    if rc and os.path.exists(os.path.join(T, "raw.tsv")):
        with open(os.path.join(T, "raw.tsv")) as f:
            out += "report:\n" + "".join(f.readlines()[:8])
    check(rc == 0, "raw prepare exited %d: %s" % (rc, out))
    if rc:
        return
    check("peak resident memory" in out, "prepare does not report its peak RSS: " + out)
    rep = {r[1]: r for r in report_lines(os.path.join(T, "raw.tsv"))}
    check(sorted(rep) == sorted(fx.LEFT_OUT), "raw report items: %s" % sorted(rep))
    for mid, why in fx.LEFT_OUT.items():
        check(mid in rep and why in rep[mid][2], "raw report for %s: expected '%s', found %s" % (mid, why, rep.get(mid)))
    f = h5py.File(os.path.join(T, "raw.h5"), "r")
    check(f.attrs["class_names"].decode() == ",".join(fx.GENRES), "genres %s" % f.attrs["class_names"])
    check(f.attrs["multilabel"] == 1 and f.attrs["metric"] == b"f1_micro", "multilabel / metric attributes")
    worst = 0
    for s, key in (("train", "train"), ("val", "dev"), ("test", "test")):
        g = f[s]
        ids = [x.decode() for x in g["ids"][...]]
        check(ids == fx.KEPT[key], "%s ids %s, expected %s" % (s, ids, fx.KEPT[key]))
        check(np.allclose(g.attrs["mean_b"], [0.485, 0.456, 0.406]) and np.allclose(g.attrs["std_b"], [0.229, 0.224, 0.225]),
              "%s: poster normalisation is not ImageNet's" % s)
        for i, mid in enumerate(fx.KEPT[key]):
            genres, plots = fx.MOVIES[mid][1], fx.MOVIES[mid][2]
            y = [1.0 if gname in genres else 0.0 for gname in fx.GENRES]
            check(list(g["y"][i]) == y, "%s y %s, expected %s" % (mid, list(g["y"][i]), y))
            ids_ref, mask_ref = fx.wordpiece(fx.longest(plots), L)
            check(list(g["x_a"][i, 0, 0]) == ids_ref and list(g["x_a"][i, 1, 0]) == mask_ref,
                  "%s tokens %s, expected %s" % (mid, list(g["x_a"][i, 0, 0]), ids_ref))
            diff = np.abs(g["x_b"][i].astype(int) - fx.expected_raw_poster(src, mid).astype(int)).max()
            worst = max(worst, diff)
    check(worst <= 1, "raw posters differ from PIL + NumPy by up to %d levels" % worst)
    print("raw: 10 movies kept, %d left out with their reasons; posters within %d level of the reference"
          % (len(rep), worst))


def check_raw_refusals():
    src = os.path.join(T, "raw")
    # every genre kept by default (23 > 4): t06 comes back, News is the 4th column
    rc, out = prepare(src, os.path.join(T, "raw23.h5"))
    check(rc == 0, "raw prepare, default genres: exit %d: %s" % (rc, out))
    if rc == 0:
        f = h5py.File(os.path.join(T, "raw23.h5"), "r")
        check(f.attrs["class_names"] == b"Drama,Comedy,Horror,News" and f["train/y"].shape == (6, 4),
              "default genres: %s, train %s" % (f.attrs["class_names"], f["train/y"].shape))
    bad = os.path.join(T, "raw-nodev")
    shutil.copytree(src, bad)
    os.remove(os.path.join(bad, "mmimdb/dataset/d01.jpeg"))
    os.remove(os.path.join(bad, "mmimdb/dataset/d02.json"))
    rc, out = prepare(bad, os.path.join(T, "x.h5"), "--report", os.path.join(T, "nodev.tsv"))
    check(rc == 3 and "expected usable movies in the dev list" in out, "empty dev split: exit %d: %s" % (rc, out))
    check(not os.path.exists(os.path.join(T, "x.h5")), "a failed prepare left a cache")
    items = [r[1] for r in report_lines(os.path.join(T, "nodev.tsv"))]
    check("d01" in items and "d02" in items, "the failed prepare's report lacks d01/d02: %s" % items)
    os.remove(os.path.join(bad, "mmimdb/split.json"))
    rc, out = prepare(bad, os.path.join(T, "x.h5"))
    check(rc == 3 and "split.json" in out and "split cannot be formed" in out, "no split.json: exit %d: %s" % (rc, out))


def check_fuel_cache(path, rows, label):
    f = h5py.File(path, "r")
    check(f.attrs["class_names"].decode() == ",".join(fx.FUEL_GENRES), "%s genres %s" % (label, f.attrs["class_names"]))
    exact = 0
    for s, key in (("train", "train"), ("val", "dev"), ("test", "test")):
        a, b = fx.FUEL_SPLIT[key]
        g = f[s]
        check(g["y"].shape[0] == b - a, "%s %s: %d rows, expected [%d, %d)" % (label, s, g["y"].shape[0], a, b))
        if g["y"].shape[0] != b - a:
            continue
        check([x.decode() for x in g["ids"][...]] == [r[3] for r in rows[a:b]], "%s %s ids" % (label, s))
        for i in range(a, b):
            img, gen, ids, _ = rows[i]
            got = g["x_b"][i - a]
            stored = fx.caffe(img)
            check((got == fx.undo_caffe(stored)).all(), "%s row %d: poster is not the documented inverse" % (label, i))
            # against the original pixels: exact wherever the stored value is not 0 (the one
            # ambiguous value, restored as round(mean))
            nz = stored[::-1] != 0
            check((got[nz] == img[nz]).all() and np.abs(got.astype(int) - img).max() <= 1,
                  "%s row %d: undone poster differs from the original pixels" % (label, i))
            exact += int(nz.sum())
            check(list(g["y"][i - a]) == [float(v) for v in gen], "%s row %d: genres" % (label, i))
            ref, mask = fx.wordpiece(fx.fuel_text(ids), L)
            check(list(g["x_a"][i - a, 0, 0]) == ref and list(g["x_a"][i - a, 1, 0]) == mask,
                  "%s row %d: tokens %s, expected %s" % (label, i, list(g["x_a"][i - a, 0, 0]), ref))
    return exact


def check_fuel():
    d = os.path.join(T, "fuel")
    rows = fx.fuel(d)
    h5 = os.path.join(d, "multimodal_imdb.hdf5")
    rc, out = prepare(h5, os.path.join(T, "fuel.h5"), "--report", os.path.join(T, "fuel.tsv"))
    check(rc == 0, "fuel prepare exited %d: %s" % (rc, out))
    if rc == 0:
        n = check_fuel_cache(os.path.join(T, "fuel.h5"), rows, "fuel")
        check(report_lines(os.path.join(T, "fuel.tsv")) == [], "fuel report lists something")
        print("fuel: 5/2/3 rows, %d pixels restored exactly, the rest within 1 level" % n)
    fx.metadata_protocol2(os.path.join(T, "meta2.npy"))
    rc, out = prepare(h5, os.path.join(T, "fuel2.h5"), "--metadata", os.path.join(T, "meta2.npy"))
    check(rc == 0, "fuel prepare, protocol-2 metadata: exit %d: %s" % (rc, out))
    if rc == 0:
        check_fuel_cache(os.path.join(T, "fuel2.h5"), rows, "fuel, protocol 2")
    # posters resized to another stored size: the NumPy bilinear of the undone poster
    rc, out = prepare(h5, os.path.join(T, "fuel16.h5"), "--image-size", "16x10")
    check(rc == 0, "fuel prepare --image-size 16x10 exited %d: %s" % (rc, out))
    if rc == 0:
        got = h5py.File(os.path.join(T, "fuel16.h5"), "r")["train/x_b"][0].astype(int)
        ref = fx.resize_bilinear(fx.undo_caffe(fx.caffe(rows[0][0])).astype(np.float64), 16, 10)
        ref = np.clip(np.floor(ref + 0.5), 0, 255).astype(int)
        check(got.shape == (3, 16, 10) and (got == ref).all(), "resized poster differs from the NumPy bilinear")
    # a split attribute of split, source, start and stop only (no indices column): the same cache
    d = os.path.join(T, "fuel-short")
    fx.fuel(d, split_members=False)
    rc, out = prepare(os.path.join(d, "multimodal_imdb.hdf5"), os.path.join(T, "fuel-short.h5"))
    check(rc == 0, "fuel prepare, split without indices: exit %d: %s" % (rc, out))
    if rc == 0:
        check_fuel_cache(os.path.join(T, "fuel-short.h5"), rows, "fuel, split without indices")


def check_fuel_refusals():
    d = os.path.join(T, "fuel")
    h5 = os.path.join(d, "multimodal_imdb.hdf5")
    fx.metadata_evil(os.path.join(T, "evil.npy"))
    rc, out = prepare(h5, os.path.join(T, "x.h5"), "--metadata", os.path.join(T, "evil.npy"))
    check(rc == 3 and "refused global 'os.system'" in out, "a pickle naming os.system: exit %d: %s" % (rc, out))
    cases = [
        ({"drop": "images"}, "/images: expected a dataset int32 [N, 3, H, W], found none"),
        ({"images_shape": (fx.FUEL_N, 1, fx.H, fx.W)}, "images [10, 1, 32, 20]"),
        ({"split": False}, "the split cannot be formed"),
        ({"indices": True}, "/: attribute split: train/sequences: an index list (indices refers to a dataset)"),
    ]
    for i, (kw, msg) in enumerate(cases):
        bad = os.path.join(T, "fuel-bad%d" % i)
        fx.fuel(bad, **kw)
        rep = os.path.join(T, "bad%d.tsv" % i)
        rc, out = prepare(os.path.join(bad, "multimodal_imdb.hdf5"), os.path.join(T, "x.h5"), "--report", rep)
        check(rc == 3 and msg in out, "fuel %s: expected exit 3 with '%s', found %d: %s" % (kw, msg, rc, out))
        lines = report_lines(rep) if os.path.exists(rep) else []
        check(any(msg in r[2] for r in lines), "fuel %s: the report lacks '%s'" % (kw, msg))
    check(not os.path.exists(os.path.join(T, "x.h5")), "a refused prepare left a cache")


def check_train():
    """One epoch on the raw fixture's cache: the training path reads tokens, posters and genres."""
    exp = os.path.join(T, "exp.yaml")
    with open(exp, "w") as f:
        f.write("""dataset: {name: mmimdb, cache: %s, input_size: 16}
model:
  a: {preset: bert-tiny, vocab_size: %d}
  b: {preset: resnet6, base_width: 4, stem: small}
train: {epochs: 1, batch_size: 4, eval_batch_size: 4, device: cpu, lr: 0.003, threads: 1}
method: {name: vanilla}
output: {dir: %s}
""" % (os.path.join(T, "raw.h5"), len(fx.VOCAB), os.path.join(T, "unused")))
    p = subprocess.run([MILES, "train", exp, "--out", os.path.join(T, "run"), "--quiet"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, "miles train on the mmimdb cache exited %d: %s" % (p.returncode, p.stdout))
    if p.returncode == 0:
        summary = open(os.path.join(T, "run", "summary.json")).read()
        rows = open(os.path.join(T, "run", "epochs.csv")).read().splitlines()
        check('"metric": "f1_micro"' in summary and len(rows) == 2, "run: summary metric / epochs.csv rows")
        print("train: 1 epoch of bert-tiny + resnet6 on the prepared cache")


try:
    check_raw()
    check_raw_refusals()
    check_fuel()
    check_fuel_refusals()
    check_train()
finally:
    shutil.rmtree(T, ignore_errors=True)
print("%d failure(s)" % len(fails))
sys.exit(1 if fails else 0)
