#!/usr/bin/python3
"""test_mmimdb_standin.py - datasets/mmimdb/make-standin at a tiny size: both published forms
(spec datasets.md 2.5) with the shapes, dtypes and split attribute of the real HDF5 file, the two
forms agreeing movie by movie, the BGR / Caffe-mean encoding of the posters undone to the JPEG's
pixels, bad options refused, and determinism (the same options give the same bytes whatever
--jobs; another seed gives other bytes).

usage: test_mmimdb_standin.py   (Debian's python3-numpy, python3-h5py, python3-pil)
"""
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "datasets", "mmimdb", "make-standin")
GENRES = ["Drama", "Comedy", "Romance", "Thriller", "Crime", "Action", "Adventure", "Horror", "Documentary",
          "Mystery", "Sci-Fi", "Fantasy", "Family", "Biography", "War", "History", "Music", "Animation",
          "Musical", "Western", "Sport", "Short", "Film-Noir"]
EXTRA = {"News", "Adult", "Talk-Show", "Reality-TV"}
N = 40
# 40 movies in the paper's proportions 15,552 / 2,608 / 7,799 of 25,959, rounded: 23.96 -> 24,
# 4.02 -> 4, the rest 12.
SIZES = (24, 4, 12)
fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL: " + what)


def run(out, *opts):
    return subprocess.run([sys.executable, GEN, out, "--movies", str(N), *opts], capture_output=True, text=True)


def sums(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def load_generator():
    loader = importlib.machinery.SourceFileLoader("make_standin", GEN)
    spec = importlib.util.spec_from_loader("make_standin", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def check_h5(path):
    with h5py.File(path, "r") as f:
        im, seq, g, ids, feat = f["images"], f["sequences"], f["genres"], f["imdb_ids"], f["features"]
        check(im.shape == (N, 3, 256, 160) and im.dtype == np.int32, "images: (N,3,256,160) int32, found %s %s"
              % (im.shape, im.dtype))
        check(seq.shape == (N,) and h5py.check_vlen_dtype(seq.dtype) == np.dtype(np.int32),
              "sequences: (N,) vlen int32, found %s %s" % (seq.shape, seq.dtype))
        check(g.shape == (N, 23) and g.dtype == np.int32, "genres: (N,23) int32, found %s %s" % (g.shape, g.dtype))
        check(json.loads(g.attrs["target_names"]) == GENRES, "genres.attrs['target_names']: the 23 in frequency order")
        check(ids.shape == (N,) and ids.dtype == np.dtype("S7"), "imdb_ids: (N,) S7, found %s %s"
              % (ids.shape, ids.dtype))
        check(feat.shape == (N, 300) and feat.dtype == np.float32, "features: (N,300) float32")
        check(bool((g[...].sum(axis=1) >= 1).all()), "every movie has at least one of the 23 genres")
        sp = f.attrs["split"]
        names = set(sp.dtype.names)
        check({"split", "source", "start", "stop", "indices", "available", "comment"} <= names,
              "split attribute: Fuel's fields, found %s" % sorted(names))
        bounds = {}
        for row in sp:
            bounds.setdefault(row["split"].decode(), set()).add((int(row["start"]), int(row["stop"])))
        want = {"train": {(0, 24)}, "dev": {(24, 28)}, "test": {(28, 40)}}
        check(bounds == want, "split rows: expected %s, found %s" % (want, bounds))
        return im[...], [np.asarray(s) for s in seq], g[...], [x.decode() for x in ids[...]]


def check_raw(root, images, seqs, genres, ids):
    with open(os.path.join(root, "mmimdb", "split.json")) as f:
        split = json.load(f)
    check([len(split[k]) for k in ("train", "dev", "test")] == list(SIZES), "split.json sizes %s" % (SIZES,))
    check(split["train"] + split["dev"] + split["test"] == ids, "split.json lists the HDF5 rows' ids in order")
    meta = np.load(os.path.join(root, "metadata.npy"), allow_pickle=True).item()
    ix_to_word = meta["ix_to_word"]
    check(ix_to_word[0] == "_UNK_" and meta["vocab_size"] == len(ix_to_word), "metadata.npy: id 0 = _UNK_")
    with open(os.path.join(root, "vocab.txt")) as f:
        wordpiece = set(f.read().split("\n"))
    mean = np.array([103.939, 116.779, 123.68])[:, None, None]
    extras = 0
    for i, mid in enumerate(ids):
        with open(os.path.join(root, "mmimdb", "dataset", mid + ".json")) as f:
            doc = json.load(f)
        plot = max(doc["plot"], key=len)
        decoded = [ix_to_word[int(t)] for t in seqs[i]]
        check(decoded == plot.split(), "%s: sequences decode to the longest plot" % mid)
        check(all(w in wordpiece for w in plot.split()), "%s: every plot word is in vocab.txt" % mid)
        known = [x for x in doc["genres"] if x in GENRES]
        extras += len([x for x in doc["genres"] if x in EXTRA])
        check(set(doc["genres"]) <= set(GENRES) | EXTRA, "%s: genres among the 23 and the 4 extras" % mid)
        check([GENRES[k] for k in np.flatnonzero(genres[i])] == sorted(known, key=GENRES.index),
              "%s: JSON genres = the HDF5 row" % mid)
        rgb = np.asarray(Image.open(os.path.join(root, "mmimdb", "dataset", mid + ".jpeg")).convert("RGB"))
        check(rgb.shape == (256, 160, 3), "%s: poster 160x256" % mid)
        # stored = trunc(pixel - mean): v > 0 came from v + ceil(mean), v < 0 from v + floor(mean);
        # v = 0 from either (checked within one level)
        v = images[i].astype(np.float64)
        back = np.where(v > 0, np.ceil(v + mean), np.where(v < 0, np.floor(v + mean), np.rint(v + mean)))
        back = back.astype(np.int64)[::-1].transpose(1, 2, 0)  # BGR CHW -> RGB HWC
        zero = (v == 0)[::-1].transpose(1, 2, 0)
        check(np.array_equal(back[~zero], rgb[~zero]), "%s: images + Caffe mean, BGR -> RGB = the JPEG's pixels" % mid)
        check(np.abs(back[zero] - rgb[zero]).max(initial=0) <= 1, "%s: stored 0 within one level" % mid)
    check(extras >= 1, "some movie lists a genre outside the 23 (--extra-genre-rate 0.3)")


def check_options(tmp):
    exists = os.path.join(tmp, "exists")
    os.makedirs(exists)
    for opts, msg in (([exists], "exists"), ([os.path.join(tmp, "x"), "--movies", "2"], "--movies: expected"),
                      ([os.path.join(tmp, "x"), "--poster-signal", "1.5"], "--poster-signal: expected a probability")):
        r = subprocess.run([sys.executable, GEN, *opts], capture_output=True, text=True)
        check(r.returncode == 2 and msg in r.stderr, "%s: exit 2 and '%s', found %d %s" % (opts, msg, r.returncode,
                                                                                            r.stderr[-200:]))
    check(not os.path.exists(os.path.join(tmp, "x")), "a refused run writes nothing")


def check_loader(miles, tmp):
    """Both forms through `miles prepare mmimdb`: the same movies, tokens and genres (the raw
    form orders genres by this sample's counts, the Fuel form by target_names: compared by name),
    posters within one level (a stored 0 is the one ambiguous value of the truncated encoding).
    400 movies and no genres outside the 23, so that the raw form finds all 23 (Film-Noir is 1%)
    and leaves no movie out."""
    root = os.path.join(tmp, "loader")
    r = subprocess.run([sys.executable, GEN, root, "--movies", "400", "--extra-genre-rate", "0", "--jobs", "2"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "make-standin --movies 400 exited %d: %s" % (r.returncode, r.stderr[-300:]))
    caches = {}
    for form, src in (("raw", root), ("fuel", os.path.join(root, "multimodal_imdb.hdf5"))):
        out = os.path.join(tmp, form + ".h5")
        r = subprocess.run([miles, "prepare", "mmimdb", "--from", src, "--out", out, "--vocab",
                            os.path.join(root, "vocab.txt"), "--max-len", "32", "--quiet"], capture_output=True, text=True)
        check(r.returncode == 0, "prepare mmimdb (%s form) exited %d: %s" % (form, r.returncode, r.stderr[-300:]))
        caches[form] = out
    if fails:
        return
    with h5py.File(caches["raw"], "r") as a, h5py.File(caches["fuel"], "r") as b:
        na = a.attrs["class_names"].decode().split(",") if isinstance(a.attrs["class_names"], bytes) else a.attrs["class_names"].split(",")
        nb = b.attrs["class_names"].decode().split(",") if isinstance(b.attrs["class_names"], bytes) else b.attrs["class_names"].split(",")
        check(sorted(na) == sorted(nb), "both forms: the same 23 genre names")
        perm = [nb.index(x) for x in na]
        for part in ("train", "val", "test"):
            check(np.array_equal(a[part + "/ids"][()], b[part + "/ids"][()]), "%s: the same movies in both forms" % part)
            check(np.array_equal(a[part + "/x_a"][()], b[part + "/x_a"][()]), "%s: the same tokens in both forms" % part)
            check(np.array_equal(a[part + "/y"][()], b[part + "/y"][()][:, perm]), "%s: the same genres in both forms" % part)
            d = np.abs(a[part + "/x_b"][()].astype(np.int64) - b[part + "/x_b"][()].astype(np.int64))
            check(d.max() <= 1 and (d > 0).mean() < 0.02, "%s: posters within one level in both forms (max %d, %.3f differ)"
                  % (part, d.max(), (d > 0).mean()))


def main():
    gen = load_generator()
    check(gen.split_sizes(25959) == (15552, 2608, 7799), "split_sizes(25959): the paper's split")
    check(gen.split_sizes(N) == SIZES, "split_sizes(%d) = %s" % (N, SIZES))
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = (os.path.join(tmp, k) for k in "abc")
        for out, opts in ((a, ["--jobs", "1"]), (b, ["--jobs", "2"]), (c, ["--jobs", "2", "--seed", "1"])):
            r = run(out, "--extra-genre-rate", "0.3", *opts)
            check(r.returncode == 0, "make-standin %s exited %d: %s" % (opts, r.returncode, r.stderr[-500:]))
        if fails:
            return
        sa, sb, sc = sums(a), sums(b), sums(c)
        check(len(sa) == 2 * N + 5, "files: 2 per movie + split.json, hdf5, metadata.npy, vocab.txt, README")
        check(sa == sb, "the same options with --jobs 1 and 2 give the same bytes: %s differ"
              % [k for k in sa if sa[k] != sb.get(k)][:5])
        check(sa["multimodal_imdb.hdf5"] != sc["multimodal_imdb.hdf5"], "another seed gives another HDF5 file")
        check(not os.path.exists(a + ".partial"), "no .partial tree left")
        check_raw(a, *check_h5(os.path.join(a, "multimodal_imdb.hdf5")))
        check_options(tmp)
        if len(sys.argv) > 1:
            check_loader(sys.argv[1], tmp)
    print("test_mmimdb_standin: all passed" if not fails else "test_mmimdb_standin: %d failed" % fails)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
