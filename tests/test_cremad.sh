#!/usr/bin/env bash
# test_cremad.sh BUILD_DIR - `miles prepare cremad` on a tiny stand-in generated here
# (datasets/cremad/make-standin: 2 actors x sentence IEO = 32 clips, 160x120 FLVs), then:
#   1. the generator is deterministic: actor 1001's clips again, byte for byte;
#   2. the cache against scipy and the ffmpeg program (tests/test_cremad.py), and its split
#      counts (32 usable clips -> val = test = floor(0.15 * 32) = 4, train 24);
#   3. each bad input is left out with its reason in --report: a missing partner, git-lfs
#      pointers in place of a WAV and of an FLV, a truncated WAV, a truncated FLV, an FLV of
#      garbage after a valid header, an id upstream lists as broken, a name that is no id;
#   4. splits that cannot be formed exit 3: --split actors with 2 actors, too few usable clips,
#      a split list with the wrong emotion (file:line named); OGM-GE lists give their counts;
#   5. a 1-epoch training run on the cache (dataset.input_size, dataset.augment crop_flip);
#   6. a crop_flip run SIGKILLed after an epoch and resumed ends with the uninterrupted run's
#      epochs.csv, summary.json and last checkpoint: the resumed epochs draw the same crops.
set -u
B=${1:?usage: test_cremad.sh BUILD_DIR}
B=$(cd "$B" && pwd) || exit 1
MILES=$B/csrc/miles
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$HERE/../datasets/cremad/make-standin
PY=${MILES_REF_PYTHON:-/usr/bin/python3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/lib.sh"

"$PY" "$GEN" "$T/src" --actors 2 --sentences 1 --jobs 2 2> "$T/gen.err" || { cat "$T/gen.err"; echo "FAIL: make-standin"; exit 1; }
[ "$(ls "$T/src/AudioWAV" | wc -l)" = 32 ] && [ "$(ls "$T/src/VideoFlash" | wc -l)" = 32 ] ||
  fail "make-standin: expected 32 WAVs and 32 FLVs"

# 1. determinism
"$PY" "$GEN" "$T/again" --actors 1 --sentences 1 --jobs 2 2> "$T/gen.err" || fail "make-standin (again)"
for f in "$T"/again/AudioWAV/* "$T"/again/VideoFlash/*; do
  cmp -s "$f" "$T/src/${f#"$T"/again/}" || fail "make-standin is not deterministic: ${f#"$T"/again/} differs"
done

# 2. the cache against the references
"$MILES" prepare cremad --from "$T/src" --out "$T/c.h5" --frame-size 64 --report "$T/ok.tsv" --quiet > "$T/out" 2>&1 ||
  { cat "$T/out"; fail "prepare cremad on the stand-in"; }
"$PY" "$HERE/test_cremad.py" "$T/c.h5" "$T/src" 64 || fail "the cache differs from scipy / ffmpeg (above)"
[ "$(wc -l < "$T/ok.tsv")" = 1 ] || { cat "$T/ok.tsv"; fail "a clean stand-in: expected an empty report"; }
counts=$("$PY" -c 'import h5py,sys; h=h5py.File(sys.argv[1]); print(*[h[s]["y"].shape[0] for s in ("train","val","test")])' "$T/c.h5")
[ "$counts" = "24 4 4" ] || fail "split counts: expected 24 4 4, found $counts"

# 3. bad inputs
cp -r "$T/src" "$T/bad"
A=$T/bad/AudioWAV V=$T/bad/VideoFlash
rm "$V/1001_IEO_ANG_HI.flv"                                                    # missing partner
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n' > "$A/1001_IEO_ANG_LO.wav"   # lfs WAV
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n' > "$V/1001_IEO_ANG_MD.flv"   # lfs FLV
head -c 2000 "$T/src/AudioWAV/1001_IEO_DIS_HI.wav" > "$A/1001_IEO_DIS_HI.wav"  # truncated WAV
f=$V/1001_IEO_DIS_LO.flv; head -c $(($(stat -c %s "$f") / 3)) "$T/src/VideoFlash/1001_IEO_DIS_LO.flv" > "$f"  # truncated FLV
# garbage after the FLV header: seeded, so the decoder's verdict is the same on every run (bytes from
# /dev/urandom once parsed as a video packet and gave another reason)
f=$V/1001_IEO_DIS_MD.flv; { head -c 13 "$T/src/VideoFlash/1001_IEO_DIS_MD.flv"
  "$PY" -c 'import random, sys; r = random.Random(11); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(30000)))'; } > "$f"
"$PY" - "$V/1001_IEO_FEA_LO.flv" <<'PYTHON'  # undecodable: the first video packet's payload scrambled, the tags intact
import random, sys
b = bytearray(open(sys.argv[1], "rb").read()); r = random.Random(5); at = 13
while at + 11 <= len(b):  # FLV tags: type, 24-bit size, timestamps, stream id, data, previous size
    size = int.from_bytes(b[at + 1:at + 4], "big")
    if b[at] == 9:
        for i in range(at + 16, at + 10 + size):
            b[i] = r.randrange(256)
        break
    at += 11 + size + 4
open(sys.argv[1], "wb").write(b)
PYTHON
cp "$T/src/AudioWAV/1001_IEO_FEA_HI.wav" "$A/1040_ITH_SAD_XX.wav"               # broken upstream
cp "$T/src/VideoFlash/1001_IEO_FEA_HI.flv" "$V/1040_ITH_SAD_XX.flv"
cp "$T/src/AudioWAV/1001_IEO_FEA_HI.wav" "$A/1040_ITH_SAD_X.wav"                # not an id
"$MILES" prepare cremad --from "$T/bad" --out "$T/b.h5" --frame-size 32 --report "$T/bad.tsv" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$T/out"; fail "prepare with bad inputs: expected exit 0 (they are left out), found $rc"; }
expect() { # ITEM REGEX
  grep -P "\t\Q$1\E\t" "$T/bad.tsv" | grep -qE "$2" || fail "report: expected '$1' left out with /$2/; report:
$(cat "$T/bad.tsv")"
}
expect 1001_IEO_ANG_HI 'missing partner.*VideoFlash/1001_IEO_ANG_HI.flv does not'
expect 1001_IEO_ANG_LO 'git-lfs pointer'
expect 1001_IEO_ANG_MD 'git-lfs pointer'
expect 1001_IEO_DIS_HI 'truncated WAV'
expect 1001_IEO_DIS_LO 'truncated'
expect 1001_IEO_DIS_MD 'expected a video stream, found none'
expect 1001_IEO_FEA_LO 'expected decodable video, found a packet the flv decoder rejects'
expect 1040_ITH_SAD_XX 'broken upstream'
expect AudioWAV/1040_ITH_SAD_X.wav 'expected an id AAAA_SSS_EEE_LL'
n=$("$PY" -c 'import h5py,sys; h=h5py.File(sys.argv[1]); print(sum(h[s]["y"].shape[0] for s in ("train","val","test")))' "$T/b.h5" 2>&1)
[ "$n" = 25 ] || fail "bad inputs: expected 32 - 7 = 25 clips in the cache, found $n"

# 4. splits that cannot be formed, and OGM-GE lists
"$MILES" prepare cremad --from "$T/src" --out "$T/a.h5" --split actors --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "at least 3 actors" "$T/out" || fail "--split actors with 2 actors: expected exit 3 naming the actors, found $rc: $(cat "$T/out")"
[ ! -e "$T/a.h5" ] || fail "a failed prepare left $T/a.h5"
mkdir -p "$T/few/AudioWAV" "$T/few/VideoFlash"
for id in 1001_IEO_ANG_HI 1001_IEO_SAD_HI 1001_IEO_HAP_HI 1002_IEO_NEU_XX; do
  cp "$T/src/AudioWAV/$id.wav" "$T/few/AudioWAV/"; cp "$T/src/VideoFlash/$id.flv" "$T/few/VideoFlash/"
done
"$MILES" prepare cremad --from "$T/few" --out "$T/f.h5" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "found 4 usable of 4" "$T/out" || fail "4 clips: expected exit 3 (a 70/15/15 split needs 7), found $rc: $(cat "$T/out")"
LC_ALL=C ls "$T/src/AudioWAV" | sed 's/\.wav$//' | awk -F_ '{print $0 "," $3}' > "$T/all.csv"
head -n 20 "$T/all.csv" > "$T/train.csv"; tail -n 12 "$T/all.csv" > "$T/test.csv"
"$MILES" prepare cremad --from "$T/bad" --out "$T/l.h5" --train-list "$T/train.csv" --test-list "$T/test.csv" \
  --frame-size 32 --report "$T/l.tsv" --quiet > "$T/out" 2>&1 || fail "prepare with lists: $(cat "$T/out")"
counts=$("$PY" -c 'import h5py,sys; h=h5py.File(sys.argv[1]); print(*[h[s]["y"].shape[0] for s in ("train","val","test")])' "$T/l.h5" 2>&1)
left=$(grep -c "^listed" "$T/l.tsv")
# the 7 bad clips all sort into the first 20 ids (1001_*): train keeps 13, val = test = 12
[ "$counts" = "13 12 12" ] && [ "$left" = 7 ] || fail "lists: expected 13 12 12 and 7 listed clips left out, found $counts and $left"
sed -i '3s/,[A-Z]*$/,NEU/' "$T/train.csv"  # 1001_IEO_ANG_MD,NEU
"$MILES" prepare cremad --from "$T/src" --out "$T/w.h5" --train-list "$T/train.csv" --test-list "$T/test.csv" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "train.csv:3: expected" "$T/out" || fail "a list line with another emotion: expected exit 3 naming train.csv:3, found $rc: $(cat "$T/out")"

# an --out inside an input directory is refused before anything is read (it could replace an input)
"$MILES" prepare cremad --from "$T/src" --out "$T/src/AudioWAV/x.h5" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "inside an input directory" "$T/out" && [ ! -e "$T/src/AudioWAV/x.h5" ] ||
  fail "--out inside AudioWAV/: expected exit 2, found $rc: $(cat "$T/out")"

# 5. one epoch on the cache
cat > "$T/exp.yaml" <<YAML
dataset: {name: cremad, cache: $T/c.h5, input_size: 32, augment: crop_flip}
model:
  a: {preset: resnet6, base_width: 4, stem: small}
  b: {preset: resnet6, base_width: 4, stem: small}
train: {epochs: 1, batch_size: 8, eval_batch_size: 16, lr: 0.01, device: cpu, threads: 1}
method: {name: vanilla}
YAML
"$MILES" train "$T/exp.yaml" --out "$T/run" > "$T/out" 2>&1 || fail "training 1 epoch on the cremad cache: $(cat "$T/out")"
grep -q '"status": "completed"' "$T/run/summary.json" 2>/dev/null || fail "training: summary.json does not say completed"

# 6. kill and resume with crop_flip. The crops are drawn from (train.seed, epoch, row), never
# from a generator that advances (augment.h), so nothing about them is checkpointed: a resumed
# run that drew from a fresh stream would train epochs 2.. on other crops and end elsewhere.
fails_before=$fails
"$MILES" train "$T/exp.yaml" --out "$T/u" --quiet --set train.epochs=6 || fail "the uninterrupted 6-epoch run exited $?"
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --set train.epochs=6 &
pid=$!
for _ in $(seq 1 3000); do
  grep -qs '^epochs_done [1-9]' "$T/k/ckpt/state.txt" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done_before=$(sed -n 's/^epochs_done //p' "$T/k/ckpt/state.txt" 2>/dev/null)
[ "${done_before:-0}" -ge 1 ] && [ "${done_before:-0}" -lt 6 ] ||
  fail "crop_flip resume: expected the run killed after 1-5 of 6 epochs, found '${done_before:-none}' done"
"$MILES" train "$T/exp.yaml" --out "$T/k" --quiet --resume --set train.epochs=6 || fail "crop_flip resume exited $?"
no_seconds='{ out = ""; for (i = 1; i <= NF; i++) if (i != col("seconds")) out = out (out == "" ? "" : ",") $i; print out }'
csv_awk "$no_seconds" "$T/u/epochs.csv" > "$T/u.csv"; csv_awk "$no_seconds" "$T/k/epochs.csv" > "$T/k.csv"
cmp -s "$T/u.csv" "$T/k.csv" || { fail "crop_flip: resumed epochs.csv differs (killed after epoch $done_before)"; diff "$T/u.csv" "$T/k.csv"; }
cmp -s "$T/u/summary.json" "$T/k/summary.json" || { fail "crop_flip: resumed summary.json differs"; diff "$T/u/summary.json" "$T/k/summary.json"; }
# the checkpoints' tensors (weights, BN statistics, optimizer and RNG state), not their bytes:
# LibTorch's archives order and name their records differently from one save to the next
"$PY" - "$T/u/ckpt/last-0006.pt" "$T/k/ckpt/last-0006.pt" <<'PY' || fail "crop_flip: the resumed run's last checkpoint differs (above)"
import sys, torch
def tensors(path):
    out = {}
    def walk(mod, pre):
        for n, t in list(mod.named_parameters(recurse=False)) + list(mod.named_buffers(recurse=False)):
            out[pre + n] = t
        for n, c in mod.named_children():
            walk(c, pre + n + ".")
    walk(torch.jit.load(path, map_location="cpu"), "")
    return out
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
bad = sorted(k for k in a.keys() | b.keys() if k not in a or k not in b or not torch.equal(a[k], b[k]))
print(f"{len(a)} tensors compared, {len(bad)} differ{': ' + ', '.join(bad[:5]) if bad else ''}")
sys.exit(1 if bad or not a else 0)
PY
[ $fails = "$fails_before" ] &&
  echo "crop_flip resume: killed after epoch $done_before of 6, resumed, identical to the uninterrupted run"

[ $fails = 0 ] && echo "test_cremad: all checks passed"
exit $((fails > 0))
