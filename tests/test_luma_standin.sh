#!/usr/bin/env bash
# test_luma_standin.sh BUILD_DIR - datasets/luma/make-standin at a tiny size (6 pairs per class).
#
# Checks: LUMA's layout (datalist.csv header and 60 rows, 60 WAVs, the CIFAR-10 folder); every
# clip is a distinct file (no utterance written twice); the same options give byte-identical
# trees; the plan never gives two utterances of a word the same voice, pitch and speed (at the
# default 1,500 per class); without degradation each image's 28x28 centre is a real
# Fashion-MNIST image of its class; `miles prepare luma` reads the stand-in and no clip appears
# twice in the cache, so no utterance crosses train/val/test; the README names espeak-ng's version.
set -u
B=${1:?usage: test_luma_standin.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
gen=$here/../datasets/luma/make-standin
export MILES_BUILD_DIR=$B
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
py=
for p in $(type -ap python3); do
  if "$p" -c 'import numpy, h5py' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "FAIL: no python3 with numpy and h5py on PATH"; exit 1; }

"$gen" "$T/a" --per-class 6 --jobs 2 --wavs "$T/wavs" 2>"$T/log" || { rc=$?; cat "$T/log"; fail "make-standin exited $rc"; exit 1; }
[ "$(head -1 "$T/a/data/audio/datalist.csv")" = "path,label,tts_label" ] || fail "datalist header"
[ "$(($(wc -l <"$T/a/data/audio/datalist.csv") - 1))" = 60 ] || fail "datalist rows: expected 60"
[ "$(find "$T/a/data/audio/es_audio" -name '*.wav' | wc -l)" = 60 ] || fail "expected 60 WAVs"
for f in batches.meta.txt data_batch_{1,2,3,4,5}.bin test_batch.bin; do
  [ -f "$T/a/cifar-10-batches-bin/$f" ] || fail "cifar-10-batches-bin/$f missing"
done
# the README names the espeak-ng version it was made with (its number, e.g. 1.51), not "NG"
want=$(espeak-ng --version | sed -n 's/.*text-to-speech: *\([^ ]*\).*/\1/p')
grep -q "(espeak-ng $want, sox)" "$T/a/README" ||
  fail "README: expected '(espeak-ng $want, sox)', found: $(grep -o '(espeak-ng [^)]*)' "$T/a/README")"
dups=$(find "$T/a/data/audio" -name '*.wav' -exec md5sum {} + | cut -d' ' -f1 | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups WAV contents appear more than once"

"$gen" "$T/b" --per-class 6 --jobs 1 2>"$T/log" || fail "second make-standin exited $?"
diff -r "$T/a" "$T/b" >/dev/null || fail "same options, different trees"

"$B/datasets/luma/luma-standin" plan --seed 1 --per-class 1500 |
  awk '{k=$2" "$3" "$4" "$5" "$6; if (seen[k]++) d++} END {exit d > 0}' ||
  fail "the plan gives two utterances of a word the same voice, pitch and speed"

# undegraded images are real Fashion-MNIST images of their class (clips reused from --wavs)
"$gen" "$T/c" --per-class 6 --wavs "$T/wavs" --image-noise 0 --image-contrast 1 2>"$T/log" ||
  fail "undegraded make-standin exited $?"
"$MILES_BUILD_DIR/csrc/miles" prepare luma --from "$T/a" --out "$T/a.h5" --classes 10 --per-class 6 \
  --split 40,10,10 --quiet >/dev/null 2>"$T/log" || { cat "$T/log"; fail "prepare luma on the stand-in"; }

"$py" - "$T" <<'PY' || fails=$((fails + 1))
import gzip, os, sys
import h5py, numpy as np
T = sys.argv[1]
bad = 0
fm = "/usr/share/datasets/fashion-mnist"
imgs = [np.frombuffer(gzip.open(os.path.join(fm, n)).read()[16:], np.uint8).reshape(-1, 784)
        for n in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")]
labs = [np.frombuffer(gzip.open(os.path.join(fm, n)).read()[8:], np.uint8)
        for n in ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
imgs, labs = np.concatenate(imgs), np.concatenate(labs)
index = {row.tobytes(): int(l) for row, l in zip(imgs, labs)}
d = os.path.join(T, "c/cifar-10-batches-bin")
seen = 0
for f in sorted(os.listdir(d)):
    if not f.endswith(".bin"):
        continue
    recs = np.frombuffer(open(os.path.join(d, f), "rb").read(), np.uint8).reshape(-1, 3073)
    for r in recs:
        planes = r[1:].reshape(3, 32, 32)
        centre = planes[0, 2:30, 2:30].copy()
        if index.get(centre.tobytes()) != r[0] or not (planes == planes[0]).all():
            bad += 1
        seen += 1
if seen != 60 or bad:
    print("FAIL: %d of %d undegraded records are not a Fashion-MNIST image of their class" % (bad, seen))
with h5py.File(os.path.join(T, "a.h5"), "r") as h:
    rows = [x.tobytes() for s in ("train", "val", "test") for x in h[s]["x_b"][:]]
    if len(set(rows)) != len(rows) or len(rows) != 60:
        print("FAIL: %d audio rows, %d distinct: a clip crosses splits" % (len(rows), len(set(rows))))
        bad += 1
sys.exit(1 if bad else 0)
PY
[ $fails = 0 ] || exit 1
echo "test_luma_standin: ok"
