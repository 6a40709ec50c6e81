"""mmimdb_fixture.py - tiny MM-IMDb fixtures in both published forms, and the reference values
test_mmimdb.py checks `miles prepare mmimdb` against (imported by it; Debian's python3 with
numpy, h5py and PIL).

raw(dir)  writes DIR/mmimdb/{split.json, dataset/<id>.json, dataset/<id>.jpeg} (JPEGs by PIL,
          i.e. libjpeg-turbo), with one bad input of each kind the loader must leave out;
fuel(dir) writes DIR/multimodal_imdb.hdf5 + DIR/metadata.npy in GMU's Fuel layout (posters as
          make_dataset.py stores them: BGR float32 minus Caffe's mean, truncated into int32).
wordpiece(text, vocab, max_len) is an independent BERT-uncased WordPiece for ASCII text.
"""
import json
import os
import pickle
import string

import h5py
import numpy as np
from PIL import Image

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "man", "woman", "fights", "loves", "the",
         "city", "night", "ghost", "laugh", "##s", "##ing", ".", ",", "dark", "house", "joke", "war",
         "family", "at", "in"]
H, W = 32, 20  # the posters' stored size in these fixtures (--image-size 32x20)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def write_vocab(path):
    with open(path, "w") as f:
        f.write("\n".join(VOCAB) + "\n")


def wordpiece(text, max_len):
    """[CLS] pieces [SEP] [PAD]..., and the mask: BertTokenizer (uncased) on ASCII text."""
    vocab = {w: i for i, w in enumerate(VOCAB)}
    words = []
    for w in text.lower().split():
        cur = ""
        for ch in w:
            if ch in string.punctuation:
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    ids = []
    for w in words:
        start, pieces = 0, []
        while start < len(w):
            end, piece = len(w), None
            while start < end:
                sub = ("##" if start else "") + w[start:end]
                if sub in vocab:
                    piece = sub
                    break
                end -= 1
            if piece is None:
                pieces = None
                break
            pieces.append(piece)
            start = end
        ids += [vocab["[UNK]"]] if pieces is None else [vocab[p] for p in pieces]
    ids = [vocab["[CLS]"]] + ids[: max_len - 2] + [vocab["[SEP]"]]
    mask = [1] * len(ids) + [0] * (max_len - len(ids))
    return ids + [0] * (max_len - len(ids)), mask


def poster(seed, h=H, w=W):
    """A smooth RGB poster (JPEG keeps it nearly exact): gradients plus a flat block."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = rng.integers(40, 200, size=3)
    img = np.stack([base[c] + 2 * y + (c + 1) * x for c in range(3)], axis=-1)
    img[h // 4: h // 2, w // 4: w // 2] = rng.integers(0, 255, size=3)
    return np.clip(img, 0, 255).astype(np.uint8)


# id -> (split, genres, plots); None where the bad input lacks the key
MOVIES = {
    "t01": ("train", ["Drama", "Comedy"], ["short", "A man loves the city.", "tiny"]),
    "t02": ("train", ["Drama"], ["The woman fights at night."]),
    "t03": ("train", ["Comedy"], ["a joke, a laugh."]),
    "t04": ("train", ["Horror", "Drama"], ["the ghost house is dark"]),
    "t05": ("train", ["Drama", "Comedy"], ["Laughing family", "abcdefghijklmno"]),
    "t06": ("train", ["News", "Drama"], ["war in the city"]),      # genre outside the 3 kept
    "t07": ("train", ["Drama"], None),                             # no plot
    "t08": ("train", None, ["a man"]),                             # no genres
    "t09": ("train", ["Drama"], ["a night"]),                      # its JPEG is missing
    "t10": ("train", ["Comedy"], ["a laugh"]),                     # its JPEG is cut in the header
    "t11": ("train", ["Drama"], ["a man"]),                        # its JPEG is cut in the image data
    "d01": ("dev", ["Comedy"], ["laughs at night"]),
    "d02": ("dev", ["Horror"], ["the dark ghost"]),
    "d03": ("dev", ["Drama"], ["never written"]),                  # listed, no files at all
    "s01": ("test", ["Drama", "Horror"], ["a ghost loves a woman"]),
    "s02": ("test", ["Comedy"], ["jokes"]),
    "s03": ("test", ["Drama"], ["war , family"]),                  # a 40x40 poster: cropped, resized
}
KEPT = {"train": ["t01", "t02", "t03", "t04", "t05"], "dev": ["d01", "d02"], "test": ["s01", "s02", "s03"]}
GENRES = ["Drama", "Comedy", "Horror"]  # by count over the usable movies: 7, 5, 3 (News 1)
LEFT_OUT = {  # id -> a piece of the reason the report must give
    "t06": "genre 'News'",
    "t07": "no plot",
    "t08": "no genres",
    "t09": "dataset/t09.jpeg is missing",
    "t10": "dataset/t10.jpeg: not a readable JPEG",
    "t11": "dataset/t11.jpeg: a damaged JPEG: Premature end of JPEG file",
    "d03": "listed in split.json (dev) but dataset/d03.json and .jpeg are missing",
}


def longest(plots):
    return plots[int(np.argmax([len(p) for p in plots]))]


def raw(root):
    d = os.path.join(root, "mmimdb", "dataset")
    os.makedirs(d, exist_ok=True)
    split = {"train": [], "dev": [], "test": []}
    for i, (mid, (sp, genres, plots)) in enumerate(MOVIES.items()):
        split[sp].append(mid)
        if mid == "d03":
            continue
        rec = {"title": "Movie " + mid, "year": 2000 + i}
        if genres is not None:
            rec["genres"] = genres
        if plots is not None:
            rec["plot"] = plots
        with open(os.path.join(d, mid + ".json"), "w") as f:
            json.dump(rec, f)
        if mid == "t09":
            continue
        img = poster(i, 40, 40) if mid == "s03" else poster(i)
        if mid == "t11":  # noise: most of the file is entropy-coded data, cut at 70%
            img = np.random.default_rng(i).integers(0, 256, size=(128, 80, 3)).astype(np.uint8)
        path = os.path.join(d, mid + ".jpeg")
        Image.fromarray(img).save(path, quality=95)
        if mid in ("t10", "t11"):
            data = open(path, "rb").read()
            open(path, "wb").write(data[: len(data) * (5 if mid == "t10" else 7) // 10])
    with open(os.path.join(root, "mmimdb", "split.json"), "w") as f:
        json.dump(split, f)


def resize_bilinear(img, oh, ow):
    """CHW float, half-pixel bilinear without antialiasing (PyTorch align_corners=False)."""
    def taps(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
        return i0, i1, src - i0
    y0, y1, ly = taps(img.shape[1], oh)
    x0, x1, lx = taps(img.shape[2], ow)
    top = img[:, y0][:, :, x0] * (1 - lx) + img[:, y0][:, :, x1] * lx
    bot = img[:, y1][:, :, x0] * (1 - lx) + img[:, y1][:, :, x1] * lx
    return top * (1 - ly)[None, :, None] + bot * ly[None, :, None]


def expected_raw_poster(root, mid):
    """The decoded poster (PIL: libjpeg-turbo, as miles), cut to H:W around the centre and resized."""
    img = np.asarray(Image.open(os.path.join(root, "mmimdb", "dataset", mid + ".jpeg")).convert("RGB"))
    img = img.transpose(2, 0, 1).astype(np.float64)
    h, w = img.shape[1:]
    if (h, w) == (H, W):
        return img.astype(np.uint8)
    wr, hr = w / W, h / H
    y0, y1, x0, x1 = 0, h, 0, w
    if hr > wr:
        y0, y1 = int(np.floor(h / 2 - H * wr / 2)), int(np.floor(h / 2 + H * wr / 2))
    else:
        x0, x1 = int(np.floor(w / 2 - W * hr / 2)), int(np.floor(w / 2 + W * hr / 2))
    out = resize_bilinear(img[:, y0:y1, x0:x1], H, W)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


# ---- the Fuel form -------------------------------------------------------------------------

FUEL_GENRES = ["Drama", "Comedy", "Horror", "Romance"]
FUEL_WORDS = ["_UNK_", "the", "man", "loves", "a", "woman", ".", "ghost", "N", "night", "laughs"]
FUEL_SPLIT = {"train": (0, 5), "dev": (5, 7), "test": (7, 10)}
FUEL_N = 10


def fuel_rows():
    """Per row: RGB poster (uint8 CHW), genre row, word ids, imdb id."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(FUEL_N):
        img = rng.integers(0, 256, size=(3, H, W)).astype(np.uint8)
        g = (rng.random(len(FUEL_GENRES)) < 0.4).astype(np.int32)
        g[i % len(FUEL_GENRES)] = 1
        ids = rng.integers(0, len(FUEL_WORDS), size=3 + i).astype(np.int32)
        rows.append((img, g, ids, "%07d" % (1000 + i)))
    return rows


def caffe(img_rgb):
    """GMU's vgg.py on an RGB uint8 CHW poster: BGR float32 minus the mean, stored as int32."""
    bgr = img_rgb[::-1].astype(np.float32)
    for c in range(3):
        bgr[c] -= np.float32(CAFFE_MEAN_BGR[c])
    return bgr.astype(np.int32)  # truncation toward zero, as h5py's float -> int32 write


def undo_caffe(stored):
    """The loader's documented inverse: v > 0 -> v + ceil(m), v < 0 -> v + floor(m), 0 -> round(m)."""
    out = np.empty(stored.shape, np.int64)
    for c in range(3):
        m = CAFFE_MEAN_BGR[c]
        v = stored[c].astype(np.int64)
        out[c] = np.where(v > 0, v + int(np.ceil(m)), np.where(v < 0, v + int(np.floor(m)), int(np.floor(m + 0.5))))
    return np.clip(out[::-1], 0, 255).astype(np.uint8)


def fuel_text(ids):
    return " ".join(FUEL_WORDS[i] for i in ids if i > 0)


def split_array(sources):
    dt = np.dtype([("split", "S5"), ("source", "S15"), ("start", np.int64), ("stop", np.int64),
                   ("indices", h5py.ref_dtype), ("available", bool), ("comment", "S1")])
    rows = [(sp.encode(), src.encode(), a, b, None, True, b".")
            for sp, (a, b) in FUEL_SPLIT.items() for src in sources]
    arr = np.empty(len(rows), dtype=dt)
    for i, r in enumerate(rows):
        arr[i] = (r[0], r[1], r[2], r[3], h5py.Reference(), r[5], r[6])
    return arr


def fuel(root, name="multimodal_imdb.hdf5", drop=None, images_shape=None, split=True):
    os.makedirs(root, exist_ok=True)
    rows = fuel_rows()
    with h5py.File(os.path.join(root, name), "w") as f:
        if drop != "images":
            shape = images_shape or (FUEL_N, 3, H, W)
            d = f.create_dataset("images", shape, dtype="int32", chunks=(1,) + tuple(shape[1:]))
            if shape == (FUEL_N, 3, H, W):
                for i, r in enumerate(rows):
                    d[i] = caffe(r[0])
        seqs = f.create_dataset("sequences", (FUEL_N,), dtype=h5py.vlen_dtype(np.int32))
        for i, r in enumerate(rows):
            seqs[i] = r[2]
        g = f.create_dataset("genres", data=np.stack([r[1] for r in rows]))
        g.attrs["target_names"] = json.dumps(FUEL_GENRES)
        f.create_dataset("imdb_ids", data=np.array([r[3] for r in rows], dtype="S7"))
        f.create_dataset("features", data=np.zeros((FUEL_N, 3), np.float32))  # not read
        if split:
            f.attrs["split"] = split_array(["features", "sequences", "images", "imdb_ids", "genres"])
    meta = {"ix_to_word": dict(enumerate(FUEL_WORDS)), "word_to_ix": {w: i for i, w in enumerate(FUEL_WORDS)},
            "vocab_size": len(FUEL_WORDS), "lookup": np.arange(6, dtype=np.float32).reshape(2, 3)}
    np.save(os.path.join(root, "metadata.npy"), meta)
    return rows


def metadata_protocol2(path):
    """metadata.npy as Python 2 wrote it: an NPY header and a protocol-2 pickle of the 0-d array."""
    meta = {"ix_to_word": dict(enumerate(FUEL_WORDS)), "vocab_size": len(FUEL_WORDS)}
    arr = np.empty((), dtype=object)
    arr[()] = meta
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "|O", "fortran_order": False, "shape": ()})
        f.write(pickle.dumps(arr, protocol=2))


def metadata_evil(path):
    """A pickle that would run a shell command if it were executed: must be refused, unread."""
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "|O", "fortran_order": False, "shape": ()})
        f.write(b"\x80\x02cos\nsystem\nX\x05\x00\x00\x00touch\x85R.")
