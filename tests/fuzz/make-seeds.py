#!/usr/bin/python3
"""make-seeds.py - writes the seeds of corpus/npy/ and corpus/cache/ that no test fixture
provides (run with Debian's python3, which has numpy and h5py: /usr/bin/python3 make-seeds.py).

npy: what numpy itself writes, in format versions 1.0, 2.0 and 3.0, for every dtype the reader
takes, plus the kinds it must refuse (Fortran order, big-endian, bool). cache: tiny HDF5 caches in
the layout of csrc/data/dataset.h (2/1/1 samples of 1x2x2 and 1x3x2 images), one multiclass with
fixed-length string attributes as `miles prepare` writes them, one multilabel with
variable-length ASCII ones. corpus/cache/prepare.h5 was written by `miles prepare` itself (from
`tests/fake-smnist DIR 3 2 7`, --train 2 --val 1 --test 2), with its checksum header;
corpus/cache_sealed/ holds copies of these seeds and the prepare.h5 of before checksums (plain
HDF5, which fuzz_cache_sealed seals). This script touches neither prepare.h5.
mmimdb_json: a record and a split.json as tests/mmimdb_fixture.py writes them; mmimdb_meta: its
metadata.npy (numpy.save's pickle), the protocol-2 one, a bare pickle and the refused os.system one.
"""
import os

import json
import pickle
import sys

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def npy_seeds(d):
    os.makedirs(d, exist_ok=True)
    arrays = {
        "f4-2x3": np.arange(6, dtype="<f4").reshape(2, 3) / 7,
        "f8-scalar": np.array(3.25, dtype="<f8"),
        "i4-empty": np.zeros((0, 5), dtype="<i4"),
        "i8-labels": np.array([0, 9, 3], dtype="<i8"),
        "u1-image": np.arange(8, dtype="u1").reshape(2, 1, 2, 2),
        "fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
        "big-endian": np.arange(3, dtype=">f4"),
        "bool": np.array([True, False]),
    }
    for name, a in arrays.items():
        with open(os.path.join(d, name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=(1, 0))
    for v in (2, 3):
        with open(os.path.join(d, "f4-v%d.npy" % v), "wb") as f:
            np.lib.format.write_array(f, arrays["f4-2x3"], version=(v, 0))


def fixed(s):
    return np.bytes_(s.encode())


def cache_seed(path, multilabel, vlen):
    k = 3
    with h5py.File(path, "w") as f:
        # variable-length strings as ASCII: the loader reads them into an ASCII type, and HDF5
        # converts no character sets (h5py's default UTF-8 ones are refused as "read failed")
        vlen_ascii = h5py.string_dtype("ascii")

        def attr(key, s):
            if vlen:
                f.attrs.create(key, s.encode(), dtype=vlen_ascii)
            else:
                f.attrs[key] = fixed(s)

        attr("name", "tiny")
        f.attrs["num_classes"] = np.int32(k)
        f.attrs["multilabel"] = np.int32(multilabel)
        attr("metric", "f1_micro" if multilabel else "accuracy")
        attr("modality_a", "image")
        attr("modality_b", "audio")
        attr("class_names", "a,b,c")
        attr("recipe", "make-seeds.py")
        f.attrs["recipe_version"] = np.int32(1)
        f.attrs["format_version"] = np.int32(1)
        for split, n in (("train", 2), ("val", 1), ("test", 1)):
            g = f.create_group(split)
            if multilabel:
                y = (np.arange(n * k) % 2).astype("<f4").reshape(n, k)
            else:
                y = (np.arange(n) % k).astype("<i8")
            data = {
                "x_a": (np.arange(n * 4) % 256).astype("u1").reshape(n, 1, 2, 2),
                "x_b": np.linspace(-1, 1, n * 6, dtype="<f4").reshape(n, 1, 3, 2),
                "y": y,
            }
            for name, a in data.items():  # no modification times: the same bytes every run
                g.create_dataset(name, data=a, track_times=False)
            for m in ("a", "b"):
                g.attrs["mean_" + m] = np.array([0.5], dtype="<f4")
                g.attrs["std_" + m] = np.array([0.25], dtype="<f4")


npy_seeds(os.path.join(here, "corpus", "npy"))
os.makedirs(os.path.join(here, "corpus", "cache"), exist_ok=True)
cache_seed(os.path.join(here, "corpus", "cache", "tiny-multiclass.h5"), 0, False)
cache_seed(os.path.join(here, "corpus", "cache", "tiny-multilabel-vlen.h5"), 1, True)


def mmimdb_seeds(d_json, d_meta):
    sys.path.insert(0, os.path.join(here, ".."))
    import mmimdb_fixture as fx
    os.makedirs(d_json, exist_ok=True)
    os.makedirs(d_meta, exist_ok=True)
    with open(os.path.join(d_json, "record.json"), "w") as f:
        json.dump({"title": "t", "genres": ["Drama", "Comedy"], "plot": ["a man", "A man loves the city."]}, f)
    with open(os.path.join(d_json, "split.json"), "w") as f:
        json.dump({"train": ["0000008", "0000010"], "dev": ["0000012"], "test": [13]}, f)
    meta = {"ix_to_word": dict(enumerate(fx.FUEL_WORDS[:4])), "vocab_size": 4,
            "lookup": np.arange(4, dtype=np.float32).reshape(2, 2)}
    np.save(os.path.join(d_meta, "metadata.npy"), meta)
    fx.metadata_protocol2(os.path.join(d_meta, "protocol2.npy"))
    fx.metadata_evil(os.path.join(d_meta, "evil.npy"))
    with open(os.path.join(d_meta, "bare.pkl"), "wb") as f:
        pickle.dump({"ix_to_word": ["_UNK_", "a", "b"]}, f, protocol=4)


mmimdb_seeds(os.path.join(here, "corpus", "mmimdb_json"), os.path.join(here, "corpus", "mmimdb_meta"))
