"""mlsynth_weights.py - safetensors files for test_mlsynth.sh, with Debian's python3-torch.

  encoder IN PREFIX OUT [--break]  the tensors of IN under PREFIX ("a."), the prefix stripped, to
                                   OUT; --break drops pooler.dense.bias, adds extra.weight and
                                   reshapes embeddings.LayerNorm.weight (the strict loader must
                                   name all three)
  same A PREFIX_A B                A's tensors under PREFIX_A equal B's, name for name (exit 1
                                   naming the first difference)
  torchvision IN PREFIX            IN's tensors under PREFIX load into torchvision's resnet18
                                   with fc.weight and fc.bias the only missing keys
"""
import sys

import torch

from ref_safetensors import load, save


def under(path, prefix):
    t, _ = load(path)
    return {k[len(prefix):]: v for k, v in t.items() if k.startswith(prefix)}


def main(argv):
    cmd = argv[1]
    if cmd == "encoder":
        t = under(argv[2], argv[3])
        if "--break" in argv:
            del t["pooler.dense.bias"]
            t["extra.weight"] = torch.zeros(2)
            t["embeddings.LayerNorm.weight"] = torch.ones(3)
        save(argv[4], t, {"format": "pt"})
    elif cmd == "same":
        a, (b, _) = under(argv[2], argv[3]), load(argv[4])
        if sorted(a) != sorted(b):
            sys.exit(f"FAIL: names differ: {sorted(set(a) ^ set(b))[:5]}")
        for k in sorted(a):
            if not torch.equal(a[k], b[k]):
                sys.exit(f"FAIL: {k} differs (max abs {(a[k] - b[k]).abs().max().item():g})")
    elif cmd == "torchvision":
        import torchvision
        m = torchvision.models.resnet18()
        r = m.load_state_dict(under(argv[2], argv[3]), strict=False)
        if sorted(r.missing_keys) != ["fc.bias", "fc.weight"] or r.unexpected_keys:
            sys.exit(f"FAIL: missing {r.missing_keys}, unexpected {r.unexpected_keys}")
        print(f"torchvision resnet18 took {len(m.state_dict()) - 2} tensors; missing only fc.*")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
