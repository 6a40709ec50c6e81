#!/usr/bin/python3
"""test_cremad.py CACHE FROM_DIR FRAME_SIZE - a `miles prepare cremad` cache against independent
references, clip by clip (found by /SPLIT/ids):
  - audio: scipy.signal.spectrogram (nperseg 512, noverlap 353, scipy's defaults) of the WAV
    read with Python's wave module, tiled to 48,000 samples and clipped, then log(S + 1e-7) and
    the per-clip z-score: shape 257x299 and max abs error <= 1e-4;
  - video: the middle frame (packet count // 2, counted by ffprobe) that the ffmpeg program
    extracts and scales to FRAME_SIZE (bilinear) as RGB: mean abs pixel difference <= 1;
  - labels are OGM-GE's ids of the emotion in the id; the frames' normalisation is ImageNet's.
Prints one line per check; exit 1 on any failure."""
import subprocess
import sys
import wave

import h5py
import numpy as np
from scipy.signal import spectrogram

ORDER = ["NEU", "HAP", "SAD", "FEA", "DIS", "ANG"]
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += 0 if ok else 1


def reference_spectrogram(path):
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    x = np.tile(x, 48000 // len(x) + 1)[:48000]
    x = np.clip(x, -1, 1)
    _, _, s = spectrogram(x, fs=16000, nperseg=512, noverlap=353)
    s = np.log(s + 1e-7)
    return (s - s.mean()) / (s.std() + 1e-9)


def packets(path):
    return int(subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                            "stream=nb_read_packets", "-of", "csv=p=0", path], check=True,
                           capture_output=True).stdout.decode().strip().strip(","))


def reference_frame(path, side, index):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf",
                          f"select=eq(n\\,{index}),scale={side}:{side}:flags=bilinear", "-vsync", "0",
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(side, side, 3).transpose(2, 0, 1).astype(np.float64)


def main():
    cache, src, side = sys.argv[1], sys.argv[2], int(sys.argv[3])
    h = h5py.File(cache, "r")
    check(h.attrs["name"] == b"cremad" or h.attrs["name"] == "cremad", "cache name is cremad")
    worst, frames, worst_px, told = 0.0, 0, 0.0, 0
    for split in ("train", "val", "test"):
        g = h[split]
        ids = [i.decode() if isinstance(i, bytes) else i for i in g["ids"][:]]
        check(len(ids) == g["x_a"].shape[0] == g["y"].shape[0], f"{split}: {len(ids)} ids, one per row")
        check(g["x_a"].shape[1:] == (1, 257, 299), f"{split}: spectrograms are 1x257x299: {g['x_a'].shape}")
        check(np.allclose(g.attrs["mean_b"], [0.485, 0.456, 0.406]) and
              np.allclose(g.attrs["std_b"], [0.229, 0.224, 0.225]), f"{split}: frames carry ImageNet's mean/std")
        for r, cid in enumerate(ids):
            ref = reference_spectrogram(f"{src}/AudioWAV/{cid}.wav")
            worst = max(worst, float(np.abs(g["x_a"][r, 0].astype(np.float64) - ref).max()))
            if g["y"][r] != ORDER.index(cid.split("_")[2]):
                check(False, f"{cid}: label {g['y'][r]}, expected {ORDER.index(cid.split('_')[2])}")
            if frames < 4:  # the ffmpeg program per clip is slow on a loaded machine: four clips
                flv = f"{src}/VideoFlash/{cid}.flv"
                mid, first = reference_frame(flv, side, packets(flv) // 2), reference_frame(flv, side, 0)
                mine = g["x_b"][r].astype(np.float64)
                worst_px = max(worst_px, float(np.abs(mine - mid).mean()))
                if np.abs(mid - first).max() > 20:  # the mouth moved: the middle frame is told apart
                    told += 1
                    check(np.abs(mine - mid).mean() < np.abs(mine - first).mean(),
                          f"{cid}: the stored frame is the middle one, not the first")
                frames += 1
    check(worst <= 1e-4, f"spectrogram vs scipy: max abs error {worst:.3g} <= 1e-4")
    check(frames == 4 and worst_px <= 1.0, f"frame vs ffmpeg (4 clips): worst mean abs pixel difference "
          f"{worst_px:.3g} <= 1")
    check(told > 0, f"{told} of the 4 clips' middle frames differ from their first")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
