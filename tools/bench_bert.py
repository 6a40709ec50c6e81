#!/usr/bin/python3
"""bench_bert.py - the Python PyTorch twin of tools/bench_bert.c.

Trains the same network with the same per-step work as bench-bert: a BERT built from PyTorch's
own modules (nn.Embedding word/position/type + nn.LayerNorm + dropout, post-LN
nn.TransformerEncoderLayer with GELU and dropout 0.1, a tanh pooler: the reference of
tests/ref_bert.py) on token ids [n, 128] with every position attended, a ResNet-6 at width 4 on
1x4x4 float input (tools/bench_shim.py's), concat fusion, auxiliary heads, three cross-entropy
losses, backward, Adam with three groups, the losses read back to the host. Prints
    python=<samples/s> mean=<samples/s> threads=<n> steps=<n> batch=<n> seq=<n> seconds=<s>
with python = batch / median step time. Run with Debian's python3-torch (the libtorch the shim
links). Environment: BENCH_THREADS, BENCH_STEPS_SCALE, BENCH_WARMUP (as bench_bert.c).
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_shim import ResNet

# name: BERT sizes (vocab, hidden, layers, heads, intermediate), batch, timed steps
CONFIGS = {
    "bert_tiny_128": dict(bert=(30522, 128, 2, 2, 512), batch=32, steps=20),
    "bert_base_128": dict(bert=(30522, 768, 12, 12, 3072), batch=8, steps=4),
}
SEQ, NUM_CLASSES, NUM_BATCHES = 128, 10, 2


class Bert(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, inter):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden, padding_idx=0)
        self.pos = nn.Embedding(512, hidden)
        self.typ = nn.Embedding(2, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(hidden, heads, inter, dropout=0.1, activation="gelu", layer_norm_eps=1e-12,
                                       batch_first=True, norm_first=False) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, ids):
        pos = torch.arange(ids.shape[1])
        h = self.drop(self.ln(self.word(ids) + self.pos(pos)[None] + self.typ(torch.zeros_like(ids))))
        for layer in self.layers:
            h = layer(h)
        return torch.tanh(self.pooler(h[:, 0]))


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.enc_a = Bert(*cfg["bert"])
        self.enc_b = ResNet(1, [1, 1], 4, "small")
        da, db = cfg["bert"][1], self.enc_b.out_dim
        self.fusion = nn.Linear(da + db, NUM_CLASSES)
        self.head_a = nn.Linear(da, NUM_CLASSES)
        self.head_b = nn.Linear(db, NUM_CLASSES)

    def forward(self, ids, xb):
        za, zb = self.enc_a(ids), self.enc_b(xb)
        return self.fusion(torch.cat([za, zb], 1)), self.head_a(za), self.head_b(zb)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CONFIGS:
        sys.stderr.write("usage: bench_bert.py {%s}\n" % "|".join(CONFIGS))
        return 2
    cfg = CONFIGS[sys.argv[1]]
    threads = int(os.environ.get("BENCH_THREADS", "0") or 0) or len(os.sched_getaffinity(0))
    steps = max(1, int(round(cfg["steps"] * float(os.environ.get("BENCH_STEPS_SCALE", "1") or 1))))
    warmup = int(os.environ.get("BENCH_WARMUP", "3"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = Net(cfg).train()
    opt = torch.optim.Adam([{"params": net.enc_a.parameters()}, {"params": net.enc_b.parameters()},
                            {"params": list(net.fusion.parameters()) + list(net.head_a.parameters())
                             + list(net.head_b.parameters())}], lr=1e-4)
    n = cfg["batch"]
    batches = []
    for _ in range(NUM_BATCHES):
        ids = torch.randint(1000, 30000, (n, SEQ))
        ids[:, 0], ids[:, -1] = 101, 102
        batches.append((ids, torch.rand(n, 1, 4, 4) * 2 - 1, torch.randint(0, NUM_CLASSES, (n,))))

    def step(i):
        ids, xb, y = batches[i % NUM_BATCHES]
        opt.zero_grad()
        losses = [F.cross_entropy(lg, y) for lg in net(ids, xb)]
        total = losses[0] + losses[1] + losses[2]
        total.backward()
        res = [l.item() for l in losses]
        opt.step()
        return res

    for i in range(warmup):
        step(i)
    step_s = []
    t0 = time.perf_counter()
    for i in range(steps):
        ts = time.perf_counter()
        step(i)
        step_s.append(time.perf_counter() - ts)
    dt = time.perf_counter() - t0
    step_s.sort()
    med = step_s[steps // 2] if steps % 2 else 0.5 * (step_s[steps // 2 - 1] + step_s[steps // 2])
    print("python=%.3f mean=%.3f threads=%d steps=%d batch=%d seq=%d seconds=%.3f torch=%s"
          % (n / med, steps * n / dt, torch.get_num_threads(), steps, n, SEQ, dt, torch.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
