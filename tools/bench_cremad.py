#!/usr/bin/python3
"""The other side of `tools/bench.sh cremad`: what a user of OGM-GE runs to prepare CREMA-D,
on the same clips `miles prepare cremad` reads, timed the same way.

    bench_cremad.py FROM_DIR OUT_DIR JOBS

OGM-GE prepares the two modalities with separate scripts and stores files per clip:
frames extracted at 1 fps by a video tool (its data/CREMAD/video_preprocessing.py, with OpenCV,
which Debian 12 does not package for Python; here the ffmpeg program, `-vf fps=1`, JPEG) and
the spectrogram computed with NumPy/SciPy and saved per clip (here scipy.signal.spectrogram
with the paper's 257x299 parameters, the same computation miles does: tiled to 3 s, nperseg
512, noverlap 353, log(S + 1e-7), z-score; saved as .npy). The clips are spread over JOBS
worker processes (OGM-GE's scripts use one; JOBS makes the comparison fair on the cores miles
uses). Prints `python clips=<n> seconds=<s> clips_per_s=<r>`.
"""
import os
import subprocess
import sys
import time
import wave
from multiprocessing import Pool

import numpy as np
from scipy.signal import spectrogram


def audio(src, dst):
    with wave.open(src, "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    x = np.tile(x, 48000 // len(x) + 1)[:48000]
    x = np.clip(x, -1.0, 1.0)
    _, _, s = spectrogram(x, fs=16000, nperseg=512, noverlap=353)
    s = np.log(s + 1e-7)
    np.save(dst, ((s - s.mean()) / (s.std() + 1e-9)).astype(np.float32))


def video(src, dst_dir):
    os.makedirs(dst_dir, exist_ok=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-threads", "1", "-i", src, "-vf", "fps=1",
                    "-q:v", "2", os.path.join(dst_dir, "%05d.jpg")], check=True)


def one(job):
    src, out, cid = job
    audio(os.path.join(src, "AudioWAV", cid + ".wav"), os.path.join(out, "audio", cid + ".npy"))
    video(os.path.join(src, "VideoFlash", cid + ".flv"), os.path.join(out, "frames", cid))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    src, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ids = sorted(f[:-4] for f in os.listdir(os.path.join(src, "AudioWAV")) if f.endswith(".wav"))
    os.makedirs(os.path.join(out, "audio"), exist_ok=True)
    t = time.monotonic()
    with Pool(jobs) as p:
        p.map(one, [(src, out, cid) for cid in ids], chunksize=4)
    s = time.monotonic() - t
    print(f"python clips={len(ids)} seconds={s:.2f} clips_per_s={len(ids) / s:.2f}")


if __name__ == "__main__":
    main()
