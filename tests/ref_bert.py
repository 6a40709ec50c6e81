"""ref_bert.py - the shim's BERT against a reference built from PyTorch's own modules.

    ref_bert.py EXE CONFIG        CONFIG tiny | small-f16 | small-bf16-prefix

The reference is nn.Embedding (word, position, token type) + nn.LayerNorm, then
nn.TransformerEncoderLayer(norm_first=False, activation="gelu", layer_norm_eps=1e-12) per layer
with the attention's q/k/v as the thirds of in_proj_weight, the padding mask as
src_key_padding_mask, and a tanh pooler: BertModel's computation written with the modules
PyTorch ships, not with the shim's code. Its weights are random (seeded; scaled so attention is
far from uniform), rounded to the file's dtype, and saved under Hugging Face's names; EXE
(test_bert_ref) loads them into the shim and writes the pooled (or [CLS]) feature and the last
hidden states for the same ids, mask and types, which must agree within 1e-4 everywhere,
padding positions included. Then the shim's export of the encoder must hold exactly BertModel's
names with the imported values.

  tiny               the bert-tiny preset (30522 / 128 / 2 layers / 2 heads / 512), F32,
                     BertModel names, pooler output, ids + mask
  small-f16          vocab 100, hidden 64, 2 layers, 4 heads, intermediate 96, 40 positions,
                     3 types, F16, BertForPreTraining names (bert. prefix, LayerNorm gamma/beta,
                     cls.* heads, position_ids), [CLS] output, ids + mask + types
  small-bf16-prefix  the same sizes in BF16, pooler output, every name behind "a." next to
                     "b.*" tensors of another model (as a whole-model export), loaded with
                     prefix "a."
"""
import math
import os
import sys
import tempfile

import torch
from torch import nn

import ref_safetensors as st

TOL = 1e-4

CONFIGS = {
    "tiny": dict(V=30522, H=128, L=2, heads=2, I=512, P=512, T=2, dtype="F32", names="model", output="pooler",
                 planes=2, preset="bert-tiny", prefix=None, seq=24),
    "small-f16": dict(V=100, H=64, L=2, heads=4, I=96, P=40, T=3, dtype="F16", names="pretraining", output="cls",
                      planes=3, preset=None, prefix=None, seq=20),
    "small-bf16-prefix": dict(V=100, H=64, L=2, heads=4, I=96, P=40, T=3, dtype="BF16", names="model",
                              output="pooler", planes=3, preset=None, prefix="a.", seq=20),
}


class Reference(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word = nn.Embedding(c["V"], c["H"], padding_idx=0)
        self.pos = nn.Embedding(c["P"], c["H"])
        self.typ = nn.Embedding(c["T"], c["H"])
        self.ln = nn.LayerNorm(c["H"], eps=1e-12)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(c["H"], c["heads"], c["I"], dropout=0.0, activation="gelu",
                                       layer_norm_eps=1e-12, batch_first=True, norm_first=False)
            for _ in range(c["L"])])
        self.pooler = nn.Linear(c["H"], c["H"])

    def forward(self, ids, mask, types):
        pos = torch.arange(ids.shape[1])
        h = self.ln(self.word(ids) + self.pos(pos)[None] + self.typ(types))
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=mask == 0)
        return h, torch.tanh(self.pooler(h[:, 0]))


def randomise(ref, dtype):
    torch.manual_seed(21)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if p.dim() == 1 and ("norm" in name or name.startswith("ln")) and name.endswith("weight"):
                p.uniform_(0.5, 1.5)
            elif p.dim() == 1:
                p.normal_(0, 0.2)
            elif name.startswith(("word", "pos", "typ")):
                p.normal_(0, 1.0)
            else:
                p.normal_(0, 1.5 / math.sqrt(p.shape[1]))
            p.copy_(p.to(st.DTYPES[dtype]).float())  # the reference computes with the stored values


def hf_names(ref, c):
    """BertModel's state_dict, from the reference's modules."""
    H = c["H"]
    d = {"embeddings.word_embeddings.weight": ref.word.weight,
         "embeddings.position_embeddings.weight": ref.pos.weight,
         "embeddings.token_type_embeddings.weight": ref.typ.weight,
         "embeddings.LayerNorm.weight": ref.ln.weight, "embeddings.LayerNorm.bias": ref.ln.bias}
    for i, l in enumerate(ref.layers):
        p = f"encoder.layer.{i}."
        for j, qkv in enumerate(("query", "key", "value")):
            d[p + f"attention.self.{qkv}.weight"] = l.self_attn.in_proj_weight[j * H:(j + 1) * H]
            d[p + f"attention.self.{qkv}.bias"] = l.self_attn.in_proj_bias[j * H:(j + 1) * H]
        for ours, mod in (("attention.output.dense", l.self_attn.out_proj), ("attention.output.LayerNorm", l.norm1),
                          ("intermediate.dense", l.linear1), ("output.dense", l.linear2),
                          ("output.LayerNorm", l.norm2)):
            d[p + ours + ".weight"] = mod.weight
            d[p + ours + ".bias"] = mod.bias
    d["pooler.dense.weight"] = ref.pooler.weight
    d["pooler.dense.bias"] = ref.pooler.bias
    return {k: v.detach().clone() for k, v in d.items()}


def file_tensors(model_sd, c):
    dt = st.DTYPES[c["dtype"]]
    out = {}
    for k, v in model_sd.items():
        if c["names"] == "pretraining":
            k = "bert." + k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        out[(c["prefix"] or "") + k] = v.to(dt)
    if c["names"] == "pretraining":
        out["bert.embeddings.position_ids"] = torch.arange(c["P"]).unsqueeze(0)
        out["cls.predictions.bias"] = torch.zeros(c["V"], dtype=dt)
        out["cls.seq_relationship.weight"] = torch.zeros(2, c["H"], dtype=dt)
    if c["prefix"]:
        out["b.conv1.weight"] = torch.zeros(4, 1, 3, 3, dtype=dt)
        out["fused.weight"] = torch.zeros(2, 8, dtype=dt)
    return out


def tokens(c, n):
    torch.manual_seed(22)
    seq = c["seq"]
    ids = torch.randint(1, c["V"], (n, seq))
    ids[:, 0] = 2
    mask = torch.ones(n, seq, dtype=torch.int64)
    types = torch.randint(0, c["T"], (n, seq)) if c["planes"] == 3 else torch.zeros(n, seq, dtype=torch.int64)
    for i, length in enumerate([seq, 5, seq // 2 + 1][:n]):
        ids[i, length:] = 0
        mask[i, length:] = 0
        types[i, length:] = 0
    return ids, mask, types


def main():
    exe, name = sys.argv[1], sys.argv[2]
    c = CONFIGS[name]
    ref = Reference(c)
    randomise(ref, c["dtype"])
    n = 3
    ids, mask, types = tokens(c, n)
    # Gradients stay enabled so that PyTorch takes the layer's plain (not the fused inference)
    # path, which computes padding positions the way BertModel does.
    hidden_want, pooled = ref(ids, mask, types)
    hidden_want = hidden_want.detach()
    feat_want = (pooled if c["output"] == "pooler" else hidden_want[:, 0]).detach()
    model_sd = hf_names(ref, c)
    planes = [ids, mask, types][:c["planes"]]
    tok = torch.stack(planes, 1).contiguous()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        weights, tokf, feat, hid, export = (os.path.join(tmp, f) for f in
                                            ("w.safetensors", "t.bin", "f.bin", "h.bin", "e.safetensors"))
        st.save(weights, file_tensors(model_sd, c), {"format": "pt"})
        with open(tokf, "wb") as f:
            f.write(tok.numpy().tobytes())
        sizes = [f"preset:{c['preset']}"] + [0] * 6 if c["preset"] else [c[k] for k in ("V", "H", "L", "heads", "I", "P", "T")]
        st.run(exe, ["bert"] + sizes + [c["output"], weights, c["prefix"] or "-", tokf, n, c["planes"], c["seq"],
                                        feat, hid, export])
        failures += st.compare(f"{name} {c['output']} feature {tuple(feat_want.shape)}",
                               st.read_f32(feat, feat_want.shape), feat_want, TOL)
        failures += st.compare(f"{name} hidden states {tuple(hidden_want.shape)}",
                               st.read_f32(hid, hidden_want.shape), hidden_want, TOL)

        exported, meta = st.load(export)
        want_names = {k for k in model_sd if c["output"] == "pooler" or not k.startswith("pooler.")}
        if set(exported) != want_names or meta != {"format": "pt"}:
            print(f"FAIL: export names: extra {sorted(set(exported) - want_names)}, "
                  f"missing {sorted(want_names - set(exported))}, metadata {meta}")
            failures += 1
        bad = [k for k in want_names & set(exported) if not torch.equal(exported[k], model_sd[k])]
        if bad:
            print(f"FAIL: exported tensors differ from the imported ones: {bad}")
            failures += 1
        print(f"export: {len(exported)} tensors under BertModel's names, equal to the imported weights")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
