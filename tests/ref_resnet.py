"""ref_resnet.py - the shim's ResNet against torchvision's, through a safetensors file.

    ref_resnet.py EXE ARCH [DTYPE]     ARCH resnet18 | resnet50, DTYPE F32 (default) | BF16 | F16

A torchvision ARCH with seeded random weights, its BatchNorm weights, biases and running
statistics randomised too (so that a mis-mapped buffer shows), is saved under torchvision's own
state_dict names, in DTYPE; resnet18's file leaves out num_batches_tracked (files made with
`state_dict()` filtered that way must load too). EXE (test_bert_ref) loads it into the shim and
writes the 2048/512-d features of the same input; torchvision computes them in eval mode with fc
replaced by identity, on the weights as rounded to DTYPE. Max abs difference <= 1e-4. Then the
shim's export of the encoder is loaded into a fresh torchvision model: only fc.* may be missing,
and every tensor must equal what was imported.
"""
import os
import sys
import tempfile

import torch
import torchvision

import ref_safetensors as st

TOL = 1e-4


def randomised(arch):
    torch.manual_seed(12)
    model = getattr(torchvision.models, arch)()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(7)
    return model


def main():
    exe, arch = sys.argv[1], sys.argv[2]
    dtype = sys.argv[3] if len(sys.argv) > 3 else "F32"
    model = randomised(arch)
    sd = model.state_dict()
    stored = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked") and arch == "resnet18":
            continue
        stored[k] = v.to(st.DTYPES[dtype]) if v.is_floating_point() else v
    # the reference computes with exactly the values the file holds
    model.load_state_dict({k: (stored[k].float() if k in stored and v.is_floating_point() else v) for k, v in sd.items()})
    model.fc = torch.nn.Identity()
    model.eval()
    n, h = 2, 64
    torch.manual_seed(13)
    x = torch.randn(n, 3, h, h)
    with torch.no_grad():
        want = model(x)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        weights, inp, feat, export = (os.path.join(tmp, f) for f in ("w.safetensors", "x.bin", "f.bin", "e.safetensors"))
        st.save(weights, stored, {"format": "pt"})
        with open(inp, "wb") as f:
            f.write(x.numpy().tobytes())
        st.run(exe, ["resnet", arch, 3, h, h, weights, inp, n, feat, export])
        got = st.read_f32(feat, want.shape)
        failures += st.compare(f"{arch} {dtype} features {tuple(want.shape)}", got, want, TOL)

        exported, meta = st.load(export)
        fresh = getattr(torchvision.models, arch)()
        res = fresh.load_state_dict(exported, strict=False)
        if sorted(res.missing_keys) != ["fc.bias", "fc.weight"] or res.unexpected_keys:
            print(f"FAIL: export into torchvision: missing {res.missing_keys}, unexpected {res.unexpected_keys}")
            failures += 1
        if meta != {"format": "pt"}:
            print(f"FAIL: export metadata {meta}")
            failures += 1
        for k, v in stored.items():
            if not k.startswith("fc.") and not torch.equal(exported[k], v.float() if v.is_floating_point() else v):
                print(f"FAIL: exported {k} differs from the imported tensor")
                failures += 1
        if "num_batches_tracked" not in "".join(exported) or exported["bn1.num_batches_tracked"].dtype != torch.int64:
            print("FAIL: export lacks int64 num_batches_tracked")
            failures += 1
        print(f"export: {len(exported)} tensors load into torchvision {arch} with only fc.* missing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
