"""luma_fixture.py - tiny directories in LUMA's layout for tests/test_luma.py.

Writes what `miles prepare luma --from DIR` reads: DIR/data/audio/datalist.csv (path,label,
tts_label) and its WAVs (16-bit PCM through the `wave` module), DIR/cifar-10-batches-bin/
(batches.meta.txt, data_batch_1..5.bin, test_batch.bin) and DIR/cifar-100-binary/
(fine_label_names.txt, train.bin, test.bin), in the byte layouts the CIFAR pages describe.
Every image carries its own id in its first two red pixels, so a test can tell which record a
cached row came from; every clip is distinct noise-and-tones, so its mel row is unique.
"""
import os
import wave

import numpy as np

CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# 100 fine names: CIFAR-100's positions of the six names LUMA maps, fillers elsewhere
CIFAR100 = ["n%02d" % i for i in range(100)]
CIFAR100[1] = "aquarium_fish"
CIFAR100[58] = "pickup_truck"
CIFAR100[70] = "rose"


def image(uid, rng):
    """A 3x32x32 uint8 image (CHW) whose R[0, 0], R[0, 1] hold uid (big-endian)."""
    px = rng.integers(0, 256, size=(3, 32, 32), dtype=np.uint8)
    px[0, 0, 0], px[0, 0, 1] = uid >> 8, uid & 255
    return px


def image_id(chw):
    return int(chw[0, 0, 0]) << 8 | int(chw[0, 0, 1])


def write_wav(path, samples, rate=16000, channels=1):
    """samples: float in [-1, 1), shape [n] or [n, channels]; stored as int16."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    q = np.clip(np.round(np.asarray(samples) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(q.tobytes())
    return q


def clip(rng, seconds, rate=16000):
    """Distinct test audio: two random tones, a chirp and some noise."""
    t = np.arange(int(seconds * rate)) / rate
    f1, f2 = rng.uniform(150, 3000, size=2)
    x = 0.3 * np.sin(2 * np.pi * f1 * t) + 0.2 * np.sin(2 * np.pi * (f2 + 800 * t) * t)
    return 0.9 * x + 0.05 * rng.standard_normal(len(t))


class Fixture:
    """Collects images and clips, then writes the directory."""

    def __init__(self, root, seed=1):
        self.root = root
        self.rng = np.random.default_rng(seed)
        self.images10 = []   # (label index, chw)
        self.images100 = []
        self.rows = []       # (path, label)
        self.next_id = 1
        self.clips = {}      # path -> int16 samples as written (mono)

    def add_images(self, name, count):
        """count images of a CIFAR-10 name, or of a CIFAR-100 fine name. Returns their ids."""
        ids = []
        for _ in range(count):
            uid = self.next_id
            self.next_id += 1
            px = image(uid, self.rng)
            if name in CIFAR10:
                self.images10.append((CIFAR10.index(name), px))
            else:
                self.images100.append((CIFAR100.index(name), px))
            ids.append(uid)
        return ids

    def add_clips(self, label, count, seconds=0.6, source="cv_audio"):
        paths = []
        for _ in range(count):
            rel = "%s/%s/%d.wav" % (source, label, len(self.rows))
            q = write_wav(os.path.join(self.root, "data/audio", rel), clip(self.rng, seconds))
            self.clips[rel] = q
            self.rows.append((rel, label))
            paths.append(rel)
        return paths

    def add_row(self, rel, label):
        """A datalist row without writing its file."""
        self.rows.append((rel, label))

    def write(self):
        d10 = os.path.join(self.root, "cifar-10-batches-bin")
        d100 = os.path.join(self.root, "cifar-100-binary")
        os.makedirs(d10, exist_ok=True)
        os.makedirs(d100, exist_ok=True)
        with open(os.path.join(d10, "batches.meta.txt"), "w") as f:
            f.write("\n".join(CIFAR10) + "\n\n")
        with open(os.path.join(d100, "fine_label_names.txt"), "w") as f:
            f.write("\n".join(CIFAR100) + "\n")
        files10 = ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]
        for k, name in enumerate(files10):
            with open(os.path.join(d10, name), "wb") as f:
                for lab, px in self.images10[k::len(files10)]:
                    f.write(bytes([lab]) + px.tobytes())
        for k, name in enumerate(["train.bin", "test.bin"]):
            with open(os.path.join(d100, name), "wb") as f:
                for lab, px in self.images100[k::2]:
                    f.write(bytes([lab // 5, lab]) + px.tobytes())
        with open(os.path.join(self.root, "data/audio/datalist.csv"), "w") as f:
            f.write("path,label,tts_label\n")
            for rel, lab in self.rows:
                f.write("%s,%s,%s\n" % (rel, lab, lab))

    def pixels(self):
        """id -> CHW uint8 of every image written."""
        return {image_id(px): px for _, px in self.images10 + self.images100}
