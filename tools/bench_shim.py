#!/usr/bin/python3
"""bench_shim.py - the Python PyTorch twin of tools/bench_shim.c.

Trains the same two-encoder joint-fusion network the shim builds (torchvision-style ResNet
encoders, concat fusion, auxiliary heads, Adam with one group per encoder plus one for fusion and
heads) with the same per-step work the shim does in mt_train_step + mt_optimizer_step (uint8 ->
float normalisation on the device, three cross-entropy losses, backward, Adam step, and reading
losses, correct counts and true-class softmax sums of the heads and of the fusion-layer slices
back to the host), and prints its throughput (python = batch / median step time, mean = timed
samples / total time of the timed steps):

    python=<samples/s> mean=<samples/s> threads=<n> live_threads=<n> steps=<n> batch=<n> seconds=<s> cpu_seconds=<s>
    torch=<version> device=<cpu|cuda> flops_per_sample=<forward FLOPs of one sample>

(flops_per_sample counts 2 x multiply-adds of every convolution and linear layer in one forward;
a training step is about 3 times that). `bench_shim.py --gemm` prints instead the achieved
GFLOP/s of F.linear of a 512x768 input by a 3072x768 weight (the BLAS's, or the device's, GEMM
rate at these threads), best of 10: gemm_gflops=<GFLOP/s>.

Run with Debian's python3-torch (the libtorch the shim links): /usr/bin/python3 tools/bench_shim.py
resnet10_w16_28. Environment: BENCH_THREADS (default nproc), BENCH_STEPS_SCALE (default 1),
BENCH_WARMUP (default 5), BENCH_DEVICE (cpu or cuda, default cpu), BENCH_PRECISION (fp32, bf16
or fp16 as train.precision: autocast, and a GradScaler for fp16; default fp32). Configurations must stay in step with CONFIGS in bench_shim.c.
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name: (preset blocks, base width, stem, (C_A, C_B), H, W, batch, timed steps)
CONFIGS = {
    "resnet10_w16_28": dict(blocks=[1, 1, 1, 1], width=16, stem="small", channels=(1, 1),
                            hw=(28, 28), batch=64, steps=30),
    "resnet18_64": dict(blocks=[2, 2, 2, 2], width=64, stem="imagenet", channels=(3, 1),
                        hw=(64, 64), batch=32, steps=10),
}
NUM_CLASSES = 10
NUM_BATCHES = 4  # pre-made batches cycled over
# Normalisation, as given to the shim: A is uint8 with scale 1/255, B float32 with scale 1.
MEAN_A, STD_A = 0.5, 0.25
MEAN_B, STD_B = 0.1, 0.9


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return F.relu(out, inplace=True)


class ResNet(nn.Module):
    def __init__(self, in_ch, blocks, width, stem):
        super().__init__()
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_ch, width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(in_ch, width, 3, 1, 1, bias=False)
            self.maxpool = None
        self.bn1 = nn.BatchNorm2d(width)
        layers, cin = [], width
        for i, n in enumerate(blocks):
            cout = width * (2 ** i)
            for j in range(n):
                layers.append(BasicBlock(cin, cout, 2 if (i > 0 and j == 0) else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.out_dim = cin
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)), inplace=True)
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layers(x)
        return x.mean((2, 3))  # global average pool (adaptive_avg_pool2d(1) lowers to this)


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ca, cb = cfg["channels"]
        self.enc_a = ResNet(ca, cfg["blocks"], cfg["width"], cfg["stem"])
        self.enc_b = ResNet(cb, cfg["blocks"], cfg["width"], cfg["stem"])
        da, db = self.enc_a.out_dim, self.enc_b.out_dim
        self.da = da
        self.fusion = nn.Linear(da + db, NUM_CLASSES)
        self.head_a = nn.Linear(da, NUM_CLASSES)
        self.head_b = nn.Linear(db, NUM_CLASSES)

    def forward(self, xa, xb):
        za, zb = self.enc_a(xa), self.enc_b(xb)
        return za, zb, self.fusion(torch.cat([za, zb], 1)), self.head_a(za), self.head_b(zb)


def true_class_prob_sum(logits, y):
    return torch.log_softmax(logits, 1).gather(1, y.unsqueeze(1)).exp().sum()


def live_threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def forward_flops(net, xa, xb):
    """2 x multiply-adds of the convolutions and linear layers of one forward of the batch."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total[0] += 2 * out.numel() * k
        elif isinstance(m, nn.Linear):
            total[0] += 2 * out.numel() * m.in_features

    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net(xa, xb)
    for h in hs:
        h.remove()
    return total[0] // xa.shape[0]


def gemm(dev, threads):
    torch.set_num_threads(threads)
    x = torch.randn(512, 768, device=dev)
    w = torch.randn(3072, 768, device=dev)
    best = float("inf")
    for _ in range(12):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        F.linear(x, w)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    print("gemm_gflops=%.1f seconds=%.5f threads=%d device=%s" % (2 * 512 * 768 * 3072 / best / 1e9, best,
                                                                  torch.get_num_threads(), dev.type))
    return 0


def main():
    dev = torch.device(os.environ.get("BENCH_DEVICE", "cpu") or "cpu")
    threads = int(os.environ.get("BENCH_THREADS", "0") or 0) or len(os.sched_getaffinity(0))
    if sys.argv[1:] == ["--gemm"]:
        return gemm(dev, threads)
    precision = os.environ.get("BENCH_PRECISION", "fp32") or "fp32"
    low = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    if len(sys.argv) != 2 or sys.argv[1] not in CONFIGS:
        sys.stderr.write("usage: bench_shim.py {%s}\n" % "|".join(CONFIGS))
        return 2
    name = sys.argv[1]
    cfg = CONFIGS[name]
    scale = float(os.environ.get("BENCH_STEPS_SCALE", "1") or 1)
    warmup = int(os.environ.get("BENCH_WARMUP", "5"))
    steps = max(1, int(round(cfg["steps"] * scale)))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = Net(cfg).to(dev)
    net.train()
    opt = torch.optim.Adam([
        {"params": net.enc_a.parameters()},
        {"params": net.enc_b.parameters()},
        {"params": list(net.fusion.parameters()) + list(net.head_a.parameters())
         + list(net.head_b.parameters())},
    ], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)

    n = cfg["batch"]
    ca, cb = cfg["channels"]
    h, w = cfg["hw"]
    # host batches, made once: A uint8, B float32, labels int64
    batches = [(torch.randint(0, 256, (n, ca, h, w), dtype=torch.uint8),
                torch.randn(n, cb, h, w, dtype=torch.float32),
                torch.randint(0, NUM_CLASSES, (n,), dtype=torch.int64))
               for _ in range(NUM_BATCHES)]
    mean_a = torch.full((1, ca, 1, 1), MEAN_A, device=dev)
    std_a = torch.full((1, ca, 1, 1), STD_A, device=dev)
    mean_b = torch.full((1, cb, 1, 1), MEAN_B, device=dev)
    std_b = torch.full((1, cb, 1, 1), STD_B, device=dev)
    da = net.da
    # enabled only for fp16; a disabled scaler passes everything through
    # torch.amp.GradScaler("cuda") from 2.3 on (the old name warns there); Debian's 1.13 has only the old one
    amp_scaler = getattr(getattr(torch, "amp", None), "GradScaler", None)
    use_scaler = precision == "fp16" and dev.type == "cuda"
    scaler = amp_scaler("cuda", enabled=use_scaler) if amp_scaler else torch.cuda.amp.GradScaler(enabled=use_scaler)
    xa0 = (batches[0][0].to(dev).float() / 255.0 - mean_a) / std_a
    flops = forward_flops(net, xa0, batches[0][1].to(dev))

    def step(i):
        ua, fb, lab = batches[i % NUM_BATCHES]
        xa = (ua.to(dev).to(torch.float32) * (1.0 / 255.0) - mean_a) / std_a
        xb = (fb.to(dev) * 1.0 - mean_b) / std_b
        y = lab.to(dev)
        opt.zero_grad()
        # fp16 on the CPU runs in float32 with the scaler, as the shim does (LibTorch 1.13)
        with torch.autocast(dev.type, dtype=low, enabled=low is not None and (dev.type == "cuda" or low == torch.bfloat16)):
            za, zb, lf, la, lb = net(xa, xb)
        za, zb, lf, la, lb = (t.float() for t in (za, zb, lf, la, lb))
        losses = [F.cross_entropy(lf, y), F.cross_entropy(la, y), F.cross_entropy(lb, y)]
        total = losses[0] + losses[1] + losses[2]
        scaler.scale(total).backward()
        scaler.unscale_(opt)
        with torch.no_grad():
            res = [l.item() for l in losses] + [total.item()]
            res += [int((lg.argmax(1) == y).sum().item()) for lg in (lf, la, lb)]
            res += [true_class_prob_sum(la, y).item(), true_class_prob_sum(lb, y).item()]
            wf, bf = net.fusion.weight, net.fusion.bias
            sa = F.linear(za.detach(), wf[:, :da], bf * 0.5)
            sb = F.linear(zb.detach(), wf[:, da:], bf * 0.5)
            res += [true_class_prob_sum(sa, y).item(), true_class_prob_sum(sb, y).item()]
        scaler.step(opt)
        scaler.update()
        return res

    for i in range(warmup):
        step(i)
    # Each timed step is timed on its own: the reported throughput is batch / median step time,
    # which a burst of other load on a shared machine moves less than the total does.
    step_s = []
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(steps):
        ts = time.perf_counter()
        res = step(warmup + i)
        step_s.append(time.perf_counter() - ts)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    step_s.sort()
    med = step_s[steps // 2] if steps % 2 else 0.5 * (step_s[steps // 2 - 1] + step_s[steps // 2])
    if res[3] != res[3]:
        sys.stderr.write("bench_shim.py: loss is NaN\n")
        return 1
    print("python=%.3f mean=%.3f threads=%d live_threads=%d steps=%d batch=%d seconds=%.3f "
          "cpu_seconds=%.3f torch=%s device=%s flops_per_sample=%d"
          % (n / med, steps * n / dt, torch.get_num_threads(), live_threads(), steps, n, dt, cpu,
             torch.__version__, dev.type, flops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
