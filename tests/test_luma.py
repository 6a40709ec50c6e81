#!/usr/bin/env python3
"""test_luma.py - `miles prepare luma` on tiny fixtures written here in LUMA's layout.

usage: test_luma.py MILES LUMA_LOAD   (run by tests/test_luma.sh, which finds a python3 with
numpy and h5py)

Checks:
  1. mel: three known 16 kHz WAVs (one cut, one padded, one exactly 0.98 s) -> their cached
     96x96 log-mels within 1e-4 dB of a reference computed here with numpy from the definition
     in datasets/luma/README.md (vectorised framing, np.fft.rfft, a filterbank built from the
     mel formula), independently of csrc/data/melspec.c;
  2. images: at --image-size 32 every cached image equals its CIFAR record byte for byte and its
     label is its name's class; at 96, one equals a half-pixel bilinear resize computed here;
  3. selection: the top-3 classes by pairs (a tie broken by LUMA's class id), class ids in LUMA
     id order, CIFAR-100's pickup_truck pooled with CIFAR-10's truck, per-class counts of every
     split (stratified), no image and no clip used twice, the cache loads with the training
     path's loader (dataset_load) with the expected shapes, same seed -> same bytes, another
     seed -> another draw; luma42 asks for LUMA's classes;
  4. bad input: exit 3 and its message for a missing datalist, a row naming a missing file, a
     missing clip folder, an empty WAV, an unreadable WAV, a WAV with no frames, a git-lfs
     pointer, too few pairs; exit 2 for a split larger than K*N; --skip-bad leaves a bad clip
     out and --report says why.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import luma_fixture as fx  # noqa: E402

MILES, LOAD = sys.argv[1], sys.argv[2]
fails = 0


def check(cond, msg):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", msg)


def prepare(src, out, *args):
    p = subprocess.run([MILES, "prepare", "luma", "--from", src, "--out", out, "--quiet", *args],
                       capture_output=True, text=True)
    return p.returncode, p.stderr


# ---- reference log-mel (datasets/luma/README.md), numpy -----------------------------------
def ref_logmel(x):
    n_fft, hop, bands, frames, rate = 512, 160, 96, 96, 16000
    need = (frames - 1) * hop + n_fft
    x = np.concatenate([x[:need], np.zeros(max(0, need - len(x)))])
    idx = hop * np.arange(frames)[:, None] + np.arange(n_fft)[None, :]
    window = np.hanning(n_fft + 1)[:-1]  # periodic Hann
    power = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2  # [frames, 257]
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    to_mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    to_hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    pts = to_hz(np.linspace(to_mel(0.0), to_mel(8000.0), bands + 2))
    rise = (freqs[None, :] - pts[:-2, None]) / (pts[1:-1, None] - pts[:-2, None])
    fall = (pts[2:, None] - freqs[None, :]) / (pts[2:, None] - pts[1:-1, None])
    fbank = np.maximum(0.0, np.minimum(rise, fall))  # [bands, 257]
    return 10.0 * np.log10(np.maximum(fbank @ power.T, 1e-10))  # [bands, frames]


def all_rows(h5):
    """(split, x_a, x_b, y) of every cached row."""
    for s in ("train", "val", "test"):
        g = h5[s]
        for i in range(g["y"].shape[0]):
            yield s, g["x_a"][i], g["x_b"][i], int(g["y"][i])


def test_mel(tmp):
    f = fx.Fixture(os.path.join(tmp, "mel"), seed=3)
    f.add_images("bird", 3)
    f.add_images("airplane", 6)
    f.add_images("aquarium_fish", 2)
    for secs in (1.3, 0.41, 0.982):
        f.add_clips("bird", 1, seconds=secs)
    f.write()
    out = os.path.join(tmp, "mel.h5")
    rc, err = prepare(f.root, out, "--classes", "1", "--per-class", "3", "--split", "1,1,1")
    check(rc == 0, "mel fixture: exit %d: %s" % (rc, err))
    if rc:
        return
    refs = {rel: ref_logmel(q.astype(np.float64) / 32768.0) for rel, q in f.clips.items()}
    matched = set()
    with h5py.File(out, "r") as h:
        for s, _, xb, y in all_rows(h):
            check(xb.shape == (1, 96, 96) and xb.dtype == np.float32, "mel shape %s %s" % (xb.shape, xb.dtype))
            diffs = {rel: np.abs(xb[0] - r).max() for rel, r in refs.items()}
            best = min(diffs, key=diffs.get)
            check(diffs[best] <= 1e-4, "%s row: mel differs from the reference by %.3g dB (%s)" % (s, diffs[best], best))
            matched.add(best)
            check(y == 0, "mel fixture label %d" % y)
    check(len(matched) == 3, "each clip once: matched %s" % sorted(matched))


def test_rates(tmp):
    """The same two tones at 16 kHz mono, 44.1 kHz stereo and 22.05 kHz mono: after
    libsndfile + libsamplerate all three log-mels agree with the 16 kHz reference where the
    tones are (bands within 40 dB of the peak, frames inside the 0.9 s of signal)."""
    root = os.path.join(tmp, "rates")
    f = fx.Fixture(root, seed=4)
    f.add_images("dog", 3)
    f.add_images("airplane", 6)
    tone = lambda r: 0.3 * np.sin(2 * np.pi * 1000 * np.arange(int(0.9 * r)) / r) + \
        0.2 * np.sin(2 * np.pi * 2500 * np.arange(int(0.9 * r)) / r)  # noqa: E731
    q16 = fx.write_wav(os.path.join(root, "data/audio/a/dog/16k.wav"), tone(16000))
    fx.write_wav(os.path.join(root, "data/audio/a/dog/44k.wav"), np.stack([tone(44100)] * 2, 1), 44100, 2)
    fx.write_wav(os.path.join(root, "data/audio/a/dog/22k.wav"), tone(22050), 22050)
    for rel in ("a/dog/16k.wav", "a/dog/44k.wav", "a/dog/22k.wav"):
        f.add_row(rel, "dog")
    f.write()
    out = os.path.join(tmp, "rates.h5")
    rc, err = prepare(root, out, "--classes", "1", "--per-class", "3", "--split", "1,1,1")
    check(rc == 0, "rates: exit %d: %s" % (rc, err))
    if rc:
        return
    ref = ref_logmel(q16.astype(np.float64) / 32768.0)
    mask = ref[:, :80] > ref.max() - 40.0
    with h5py.File(out, "r") as h:
        for s, _, xb, _ in all_rows(h):
            d = np.abs(xb[0][:, :80] - ref[:, :80])[mask].max()
            check(d < 0.5, "%s: resampled clip's log-mel differs from the 16 kHz one by %.3g dB" % (s, d))


def main_fixture(root, seed=1):
    f = fx.Fixture(root, seed=seed)
    f.add_images("dog", 12)
    f.add_clips("dog", 14)
    f.add_images("truck", 6)
    f.add_images("pickup_truck", 5)
    f.add_clips("truck", 13)
    f.add_images("horse", 10)
    f.add_clips("horse", 11)
    f.add_images("cat", 12)
    f.add_clips("cat", 10)
    f.add_images("bird", 4)
    f.add_clips("bird", 6)
    f.add_images("aquarium_fish", 6)
    f.add_clips("fish", 3)
    f.add_images("deer", 8)
    f.add_clips("whale", 2)
    f.write()
    return f


def test_selection(tmp):
    f = main_fixture(os.path.join(tmp, "main"))
    name_of = {}
    for lab, px in f.images10:
        name_of[fx.image_id(px)] = fx.CIFAR10[lab]
    for lab, px in f.images100:
        name_of[fx.image_id(px)] = {"pickup_truck": "truck", "aquarium_fish": "fish"}.get(
            fx.CIFAR100[lab], fx.CIFAR100[lab])
    out, report = os.path.join(tmp, "sel.h5"), os.path.join(tmp, "report.tsv")
    args = ["--classes", "3", "--per-class", "10", "--split", "18,6,6", "--image-size", "32", "--seed", "5"]
    rc, err = prepare(f.root, out, *args, "--report", report)
    check(rc == 0, "selection: exit %d: %s" % (rc, err))
    if rc:
        return
    pixels = f.pixels()
    with h5py.File(out, "r") as h:
        names = h.attrs["class_names"].decode().split(",")
        check(names == ["horse", "dog", "truck"], "class_names %s (expected horse,dog,truck)" % names)
        check(int(h.attrs["num_classes"]) == 3 and h.attrs["name"].decode() == "luma", "num_classes/name")
        counts = {s: np.zeros(3, int) for s in ("train", "val", "test")}
        used_img, used_mel = set(), set()
        for s, xa, xb, y in all_rows(h):
            counts[s][y] += 1
            uid = fx.image_id(xa)
            check(uid in pixels and np.array_equal(xa, pixels[uid]), "%s: image %d equals its record" % (s, uid))
            check(name_of.get(uid) == names[y], "%s: image %d (%s) labelled %s" % (s, uid, name_of.get(uid), names[y]))
            check(uid not in used_img, "image %d used twice" % uid)
            used_img.add(uid)
            key = xb.tobytes()
            check(key not in used_mel, "a clip used twice (crosses splits)")
            used_mel.add(key)
        for s, want in (("train", 6), ("val", 2), ("test", 2)):
            check(list(counts[s]) == [want] * 3, "%s per-class counts %s, expected %d each" % (s, list(counts[s]), want))
        check(h["train"].attrs["mean_a"].shape == (3,) and h["train"].attrs["std_b"].shape == (1,), "stats attrs")
    with open(report) as r:
        rep = r.read()
    check("label\tcat\t12 images, 10 usable clips, 10 pairs: not selected" in rep, "report: cat tie lost to horse\n" + rep)
    check("label\tdeer\t8 images, 0 usable clips, 0 pairs: not selected: no usable clips" in rep, "report: deer")
    check("label\twhale\t0 images, 2 usable clips, 0 pairs: not selected: no images" in rep, "report: whale")
    load = subprocess.run([LOAD, out], capture_output=True, text=True)
    check(load.returncode == 0, "dataset_load: " + load.stderr)
    lines = load.stdout.splitlines()
    check(lines[:4] == ["luma 3 image audio", "train 18 3 32 32 uint8 1 96 96 float32",
                        "val 6 3 32 32 uint8 1 96 96 float32", "test 6 3 32 32 uint8 1 96 96 float32"],
          "dataset_load summary: %s" % lines[:4])
    again = os.path.join(tmp, "again.h5")
    prepare(f.root, again, *args)
    check(open(out, "rb").read() == open(again, "rb").read(), "same seed: byte-identical caches")
    other = os.path.join(tmp, "other.h5")
    prepare(f.root, other, *args[:-1], "6")
    with h5py.File(out, "r") as a, h5py.File(other, "r") as b:
        check(not np.array_equal(a["train/x_a"][:], b["train/x_a"][:]), "another seed: another draw")
    return f


def bilinear_ref(src, out):
    """Half-pixel bilinear resize (align_corners=False) by interpolation matrices."""
    n = src.shape[-1]
    pos = np.maximum((np.arange(out) + 0.5) * n / out - 0.5, 0.0)
    i0 = np.minimum(np.floor(pos).astype(int), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    frac = pos - i0
    m = np.zeros((out, n))
    m[np.arange(out), i0] += 1 - frac
    m[np.arange(out), i1] += frac
    return np.floor(np.einsum("yi,cij,xj->cyx", m, src.astype(np.float64), m) + 0.5).astype(np.uint8)


def test_resize(tmp, f):
    out = os.path.join(tmp, "r96.h5")
    rc, err = prepare(f.root, out, "--classes", "3", "--per-class", "10", "--split", "18,6,6", "--seed", "5")
    check(rc == 0, "resize: exit %d: %s" % (rc, err))
    if rc:
        return
    with h5py.File(out, "r") as h:
        xa = h["train/x_a"][0]
    check(xa.shape == (3, 96, 96), "96x96 shape %s" % (xa.shape,))
    # the id pixels are resized too, so find the source by trying every record
    best = min(f.pixels().values(), key=lambda px: np.abs(bilinear_ref(px, 96).astype(int) - xa).max())
    d = np.abs(bilinear_ref(best, 96).astype(int) - xa).max()
    check(d == 0, "96x96 image differs from the numpy bilinear resize by %d" % d)


def test_bad(tmp):
    """Each bad input: exit 3 and a message that says what was found."""
    base = ("--classes", "2", "--per-class", "4", "--split", "4,2,2")
    cases = []

    def case(name, mutate, *want, rc=3, args=base):
        root = os.path.join(tmp, "bad-" + name)
        f = fx.Fixture(root, seed=7)
        f.add_images("dog", 4)
        f.add_clips("dog", 4)
        f.add_images("cat", 4)
        f.add_clips("cat", 4)
        f.write()
        mutate(f)
        cases.append((name, root, want, rc, args))

    audio = lambda f, rel: os.path.join(f.root, "data/audio", rel)  # noqa: E731

    def clobber(content):
        def m(f):
            with open(audio(f, f.rows[1][0]), "wb") as o:
                o.write(content)
        return m

    def extra_row(f):
        with open(os.path.join(f.root, "data/audio/datalist.csv"), "a") as o:
            o.write("cv_audio/dog/none.wav,dog,dog\n")

    case("missing-row-file", extra_row, "datalist.csv:10: path 'cv_audio/dog/none.wav'", "found nothing")
    case("missing-wav", lambda f: os.remove(audio(f, f.rows[1][0])), "datalist.csv:3: path 'cv_audio/dog/1.wav'",
         "found nothing")
    case("missing-folder", lambda f: shutil.rmtree(os.path.join(f.root, "data/audio/cv_audio/cat")),
         "path 'cv_audio/cat/4.wav'", "found nothing")
    case("empty", clobber(b""), "found an empty file (0 bytes)")
    case("garbage", clobber(b"RIFF....not a wave file at all" * 10), "cannot read")
    case("lfs", clobber(b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 +
                        b"\nsize 31337\n"), "git-lfs pointer", "git lfs pull")
    case("no-frames", lambda f: fx.write_wav(audio(f, f.rows[1][0]), np.zeros(0)), "at least one audio frame")
    case("few-pairs", lambda f: None, "class 'dog'", "expected at least 5 pairs", "found 4",
         args=("--classes", "2", "--per-class", "5", "--split", "6,2,2"))
    case("luma42", lambda f: None, "class 'man'", "in-distribution",
         args=("--selection", "luma42", "--per-class", "1", "--split", "40,1,1"))
    case("no-datalist", lambda f: os.remove(os.path.join(f.root, "data/audio/datalist.csv")),
         "datalist.csv", "path,label,tts_label")
    case("split-too-big", lambda f: None, "at most 2 classes x 4 pairs = 8", rc=2,
         args=("--classes", "2", "--per-class", "4", "--split", "7,1,1"))
    for name, root, want, code, args in cases:
        out = os.path.join(tmp, name + ".h5")
        rc, err = prepare(root, out, *args)
        check(rc == code, "%s: exit %d, expected %d: %s" % (name, rc, code, err))
        for w in want:
            check(w in err, "%s: message lacks '%s': %s" % (name, w, err.strip()))
        check(not os.path.exists(out) and not os.path.exists(out + ".tmp"), "%s: a cache was left behind" % name)
    # the report is written when the prepare fails too, and says why each class was not used
    report = os.path.join(tmp, "few.tsv")
    rc, err = prepare(os.path.join(tmp, "bad-few-pairs"), os.path.join(tmp, "few.h5"), "--classes", "2",
                      "--per-class", "5", "--split", "6,2,2", "--report", report)
    rep = open(report).read() if os.path.exists(report) else ""
    check(rc == 3 and "label\tdog\t4 images, 4 usable clips, 4 pairs: not selected: too few pairs" in rep and
          "label\tcat\t4 images, 4 usable clips, 4 pairs: not selected: too few pairs" in rep and
          "2 of the 2 selected classes have too few" in err, "report of a failed prepare:\n" + rep)
    # --skip-bad: the lfs pointer is left out and reported; 3 dog clips remain
    root = os.path.join(tmp, "bad-lfs")
    out, report = os.path.join(tmp, "skip.h5"), os.path.join(tmp, "skip.tsv")
    rc, err = prepare(root, out, "--classes", "2", "--per-class", "3", "--split", "4,1,1", "--skip-bad", "--report", report)
    check(rc == 0, "--skip-bad: exit %d: %s" % (rc, err))
    rep = open(report).read() if os.path.exists(report) else ""
    check("git-lfs pointer" in rep and "\tcv_audio/dog/1.wav\t" in rep, "--report lists the skipped clip:\n" + rep)


def main():
    tmp = tempfile.mkdtemp(prefix="test_luma.")
    try:
        test_mel(tmp)
        test_rates(tmp)
        f = test_selection(tmp)
        if f:
            test_resize(tmp, f)
        test_bad(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_luma: %d failure(s)" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
