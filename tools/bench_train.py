#!/usr/bin/python3
"""bench_train.py - the Python PyTorch twin of one `miles train` run of the CPU demo config.

Trains what experiments/smnist-standin-demo.yaml trains with method vanilla (the fused loss plus
both auxiliary losses) on the S-MNIST stand-in cache, with the data preloaded as tensors: two
ResNet-10 encoders (BasicBlock [1,1,1,1], base width 16, small stem 3x3/1 conv + BN + ReLU and no
pool, stages 16/32/64/128 with stride 2 from stage 2, 1x1 conv + BN shortcut, global mean pool),
concat fusion Linear(256,10), auxiliary heads Linear(128,10), kaiming-normal fan-out conv init,
BN 1/0, default Linear init; Adam lr 1e-3 with three parameter groups (encoder A, encoder B,
fusion + heads); batch 64; loss CE(fused) + CE(A) + CE(B).

Each epoch, like csrc/train/train.c: shuffle (torch.randperm with a generator), train over every train
sample (uint8 modality A to float and (x/255 - mean)/std per batch, float modality B
(x - mean)/std; gradients reset to None as the shim does; per-head losses and correct counts
reach the host in one transfer per batch and are accumulated), then evaluate the val split in
eval mode under no_grad with batch 256 (per-head losses and correct counts). An epoch's seconds
cover training and validation, like the `seconds` column of miles' epochs.csv (which does not
cover the checkpoint miles writes after it).

Prints, after --epochs epochs of which the first is a warm-up and not timed:

    python=<epochs/s> timed_epochs=<n> seconds=<s> epoch_seconds=<s,...> val_seconds=<s,...> threads=<n> live_threads=<n> val_acc=<fused>,<a>,<b> torch=<version>

(python = timed epochs / their total seconds). Usage:
    /usr/bin/python3 tools/bench_train.py CACHE.h5 [--epochs N] [--threads N] [--seed N]
Environment: BENCH_THREADS (default nproc) and BENCH_EPOCHS (default 4) when the flags are absent.
Reading the HDF5 cache needs h5py (Debian: python3-h5py).
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The encoder and the thread counter are the shim benchmark's: one definition of the network
# that both twins of miles are compared against.
from bench_shim import ResNet, live_threads

NUM_CLASSES = 10
WIDTH = 16
BLOCKS = [1, 1, 1, 1]
BATCH = 64
EVAL_BATCH = 256
LR = 1e-3


class Net(nn.Module):
    def __init__(self, ca, cb):
        super().__init__()
        self.enc_a = ResNet(ca, BLOCKS, WIDTH, "small")
        self.enc_b = ResNet(cb, BLOCKS, WIDTH, "small")
        da, db = self.enc_a.out_dim, self.enc_b.out_dim
        self.fusion = nn.Linear(da + db, NUM_CLASSES)
        self.head_a = nn.Linear(da, NUM_CLASSES)
        self.head_b = nn.Linear(db, NUM_CLASSES)

    def forward(self, xa, xb):
        za, zb = self.enc_a(xa), self.enc_b(xb)
        return self.fusion(torch.cat([za, zb], 1)), self.head_a(za), self.head_b(zb)


def load_split(f, name):
    g = f[name]
    xa = torch.from_numpy(g["x_a"][()])
    xb = torch.from_numpy(g["x_b"][()])
    y = torch.from_numpy(g["y"][()]).to(torch.int64)
    return xa, xb, y


def main():
    ap = argparse.ArgumentParser(description="Python twin of `miles train` on the demo config")
    ap.add_argument("cache")
    ap.add_argument("--epochs", type=int, default=int(os.environ.get("BENCH_EPOCHS", "4") or 4))
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("BENCH_THREADS", "0") or 0) or len(os.sched_getaffinity(0)))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.epochs < 2:
        sys.stderr.write("bench_train.py: --epochs must be >= 2 (one warm-up, then timed epochs)\n")
        return 2
    try:
        import h5py
    except ImportError:
        sys.stderr.write("bench_train.py: needs h5py to read %s (Debian: apt-get install python3-h5py)\n"
                         % args.cache)
        return 1

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with h5py.File(args.cache, "r") as f:
        tr = load_split(f, "train")
        va = load_split(f, "val")
        attrs = f["train"].attrs
        mean_a, std_a = [torch.tensor(attrs[k], dtype=torch.float32).reshape(1, -1, 1, 1)
                         for k in ("mean_a", "std_a")]
        mean_b, std_b = [torch.tensor(attrs[k], dtype=torch.float32).reshape(1, -1, 1, 1)
                         for k in ("mean_b", "std_b")]
    if tr[0].dtype != torch.uint8 or tr[1].dtype != torch.float32:
        sys.stderr.write("bench_train.py: expected x_a uint8 and x_b float32\n")
        return 1

    def inputs(xa, xb, idx):
        a = (xa[idx].to(torch.float32) / 255.0 - mean_a) / std_a
        b = (xb[idx] - mean_b) / std_b
        return a, b

    net = Net(tr[0].shape[1], tr[1].shape[1])
    opt = torch.optim.Adam([
        {"params": net.enc_a.parameters()},
        {"params": net.enc_b.parameters()},
        {"params": list(net.fusion.parameters()) + list(net.head_a.parameters())
         + list(net.head_b.parameters())},
    ], lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    gen = torch.Generator().manual_seed(args.seed)
    n_train, n_val = tr[2].shape[0], va[2].shape[0]

    def epoch():
        net.train()
        order = torch.randperm(n_train, generator=gen)
        tot = [0.0] * 6  # loss x3 (sum over samples), correct x3
        for s in range(0, n_train, BATCH):
            idx = order[s:s + BATCH]
            xa, xb = inputs(tr[0], tr[1], idx)
            y = tr[2][idx]
            opt.zero_grad(set_to_none=True)
            logits = net(xa, xb)
            losses = [F.cross_entropy(lg, y) for lg in logits]
            (losses[0] + losses[1] + losses[2]).backward()
            opt.step()
            with torch.no_grad():
                stats = torch.stack([l.detach() for l in losses]
                                    + [(lg.argmax(1) == y).sum().to(torch.float32) for lg in logits])
            v = stats.tolist()  # one transfer per batch
            k = idx.shape[0]
            for h in range(3):
                tot[h] += v[h] * k
                tot[3 + h] += v[3 + h]
        tv = time.perf_counter()
        net.eval()
        val = [0.0] * 6
        with torch.no_grad():
            for s in range(0, n_val, EVAL_BATCH):
                idx = torch.arange(s, min(s + EVAL_BATCH, n_val))
                xa, xb = inputs(va[0], va[1], idx)
                y = va[2][idx]
                logits = net(xa, xb)
                stats = torch.stack([F.cross_entropy(lg, y) for lg in logits]
                                    + [(lg.argmax(1) == y).sum().to(torch.float32) for lg in logits])
                v = stats.tolist()
                for h in range(3):
                    val[h] += v[h] * idx.shape[0]
                    val[3 + h] += v[3 + h]
        return tot, val, tv

    secs, val_secs = [], []
    for e in range(args.epochs):
        t0 = time.perf_counter()
        tot, val, tv = epoch()
        secs.append(time.perf_counter() - t0)
        val_secs.append(time.perf_counter() - tv)
        if tot[0] != tot[0]:
            sys.stderr.write("bench_train.py: loss is NaN\n")
            return 1
    timed = secs[1:]
    acc = ",".join("%.4f" % (val[3 + h] / n_val) for h in range(3))
    print("python=%.4f timed_epochs=%d seconds=%.3f epoch_seconds=%s val_seconds=%s threads=%d live_threads=%d "
          "val_acc=%s torch=%s"
          % (len(timed) / sum(timed), len(timed), sum(timed), ",".join("%.3f" % s for s in secs),
             ",".join("%.3f" % s for s in val_secs),
             torch.get_num_threads(), live_threads(), acc, torch.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
