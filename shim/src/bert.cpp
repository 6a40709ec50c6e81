// bert.cpp - a BERT text encoder as Hugging Face's BertModel, and its presets and checks.
//
// Same computation as transformers' BertModel in eval and train mode (eager attention): the sum
// of word, position and token-type embeddings, LayerNorm, dropout; per layer, multi-head
// self-attention with the padding mask added to the scores, dropout on the attention
// probabilities, output dense + dropout + residual + LayerNorm, then dense + exact (erf) GELU,
// dense + dropout + residual + LayerNorm (post-LN); the pooler is tanh(dense(h[:, 0])). The
// submodules carry Hugging Face's names (embeddings.word_embeddings, encoder.layer.N.attention.
// self.query, ...), so parameter names are BertModel's state_dict keys and weight files map one
// to one. Initialisation follows BertPreTrainedModel._init_weights (normal 0.02, zero biases,
// LayerNorm 1/0, padding row 0).
#include <cmath>
#include <cstring>
#include <limits>

#include "net.h"

namespace mt {

namespace nn = torch::nn;

struct BertPreset {
    const char *name;
    mt_bert_spec spec;
};

// bert-base: Devlin et al.'s BERT-Base (bert-base-uncased's config). bert-tiny: the smallest of
// Google's 24 compact BERTs (Turc et al. 2019: L=2, H=128), for CPU runs and tests.
static const BertPreset kBertPresets[] = {
    {"bert-base", {30522, 768, 12, 12, 3072, 512, 2, 0.1f, 0.1f, 1e-12f, MT_BERT_OUTPUT_POOLER}},
    {"bert-tiny", {30522, 128, 2, 2, 512, 512, 2, 0.1f, 0.1f, 1e-12f, MT_BERT_OUTPUT_POOLER}},
};

bool is_bert_preset(const char *preset) {
    if (!preset) return false;
    for (const auto &p : kBertPresets)
        if (std::strcmp(p.name, preset) == 0) return true;
    return false;
}

static void check_int(int index, const char *field, int v, int lo, int hi) {
    if (v < lo || v > hi)
        throw Error(MT_EINVAL, enc_key(index, field) + ": expected " + std::to_string(lo) + ".." + std::to_string(hi) +
                                   ", found " + std::to_string(v));
}

static void check_dropout(int index, const char *field, float p) {
    if (!std::isfinite(p) || p >= 1)
        throw Error(MT_EINVAL, enc_key(index, field) + ": expected a probability below 1 (negative: none), found " +
                                   std::to_string(p));
}

void resolve_bert(mt_encoder_spec &e, int index, const char *preset) {
    mt_bert_spec &b = e.bert;
    // Without a preset the sizes must be given; the rest falls back to BertConfig's defaults.
    mt_bert_spec d = {0, 0, 0, 0, 0, 0, 2, 0.1f, 0.1f, 1e-12f, MT_BERT_OUTPUT_POOLER};
    for (const auto &p : kBertPresets)
        if (preset && std::strcmp(p.name, preset) == 0) d = p.spec;
    auto fill = [](int &v, int dv) {
        if (v == 0) v = dv;
    };
    fill(b.vocab_size, d.vocab_size);
    fill(b.hidden, d.hidden);
    fill(b.layers, d.layers);
    fill(b.heads, d.heads);
    fill(b.intermediate, d.intermediate);
    fill(b.max_positions, d.max_positions);
    fill(b.type_vocab_size, d.type_vocab_size);
    if (b.hidden_dropout == 0) b.hidden_dropout = d.hidden_dropout;
    if (b.attention_dropout == 0) b.attention_dropout = d.attention_dropout;
    if (b.layer_norm_eps == 0) b.layer_norm_eps = d.layer_norm_eps;
    int output = enum_int(b.output); // a C caller's int, maybe no mt_bert_output (net.h)
    if (output == MT_BERT_OUTPUT_PRESET) output = d.output;

    check_int(index, "bert.vocab_size", b.vocab_size, 1, 1 << 24);
    check_int(index, "bert.hidden", b.hidden, 1, 1 << 16);
    check_int(index, "bert.layers", b.layers, 1, 256);
    check_int(index, "bert.heads", b.heads, 1, b.hidden);
    if (b.hidden % b.heads != 0)
        throw Error(MT_EINVAL, enc_key(index, "bert.heads") + ": expected a divisor of hidden " +
                                   std::to_string(b.hidden) + ", found " + std::to_string(b.heads));
    check_int(index, "bert.intermediate", b.intermediate, 1, 1 << 20);
    check_int(index, "bert.max_positions", b.max_positions, 1, 1 << 20);
    check_int(index, "bert.type_vocab_size", b.type_vocab_size, 1, 1 << 16);
    check_dropout(index, "bert.hidden_dropout", b.hidden_dropout);
    check_dropout(index, "bert.attention_dropout", b.attention_dropout);
    if (!std::isfinite(b.layer_norm_eps) || b.layer_norm_eps <= 0)
        throw Error(MT_EINVAL, enc_key(index, "bert.layer_norm_eps") + ": expected a finite value > 0, found " +
                                   std::to_string(b.layer_norm_eps));
    if (output != MT_BERT_OUTPUT_POOLER && output != MT_BERT_OUTPUT_CLS)
        throw Error(MT_EINVAL,
                    enc_key(index, "bert.output") + ": expected pooler or cls, found " + std::to_string(output));
    b.output = static_cast<mt_bert_output>(output);
}

// An empty module that only names its children, as Hugging Face's nesting requires
// (encoder.layer.0.attention.self ...).
static std::shared_ptr<nn::Module> container(nn::Module &parent, const std::string &name) {
    return parent.register_module(name, std::make_shared<nn::Module>());
}

static nn::LayerNorm layer_norm(nn::Module &parent, int64_t h, double eps) {
    return parent.register_module("LayerNorm", nn::LayerNorm(nn::LayerNormOptions({h}).eps(eps)));
}

BertImpl::BertImpl(const mt_encoder_spec &s) : cfg(s.bert) {
    const int64_t h = cfg.hidden;
    const double eps = cfg.layer_norm_eps;
    hidden_p = cfg.hidden_dropout > 0 ? cfg.hidden_dropout : 0.0;
    attention_p = cfg.attention_dropout > 0 ? cfg.attention_dropout : 0.0;
    out_dim = h;

    auto emb = container(*this, "embeddings");
    word =
        emb->register_module("word_embeddings", nn::Embedding(nn::EmbeddingOptions(cfg.vocab_size, h).padding_idx(0)));
    position = emb->register_module("position_embeddings", nn::Embedding(cfg.max_positions, h));
    token_type = emb->register_module("token_type_embeddings", nn::Embedding(cfg.type_vocab_size, h));
    emb_norm = layer_norm(*emb, h, eps);

    auto layers = container(*container(*this, "encoder"), "layer");
    for (int i = 0; i < cfg.layers; i++) {
        auto blk = container(*layers, std::to_string(i));
        auto attention = container(*blk, "attention");
        auto self = container(*attention, "self");
        auto attn_output = container(*attention, "output");
        auto intermediate = container(*blk, "intermediate");
        auto output = container(*blk, "output");
        Layer l;
        l.query = self->register_module("query", nn::Linear(h, h));
        l.key = self->register_module("key", nn::Linear(h, h));
        l.value = self->register_module("value", nn::Linear(h, h));
        l.attn_out = attn_output->register_module("dense", nn::Linear(h, h));
        l.attn_norm = layer_norm(*attn_output, h, eps);
        l.intermediate = intermediate->register_module("dense", nn::Linear(h, cfg.intermediate));
        l.out = output->register_module("dense", nn::Linear(cfg.intermediate, h));
        l.out_norm = layer_norm(*output, h, eps);
        layer.push_back(l);
    }
    if (cfg.output == MT_BERT_OUTPUT_POOLER)
        pooler = container(*this, "pooler")->register_module("dense", nn::Linear(h, h));

    torch::NoGradGuard ng;
    for (auto &mod : modules(/*include_self=*/false)) {
        if (auto *lin = mod->as<nn::Linear>()) {
            lin->weight.normal_(0.0, 0.02);
            lin->bias.zero_();
        } else if (auto *e = mod->as<nn::Embedding>()) {
            e->weight.normal_(0.0, 0.02);
        } else if (auto *ln = mod->as<nn::LayerNorm>()) {
            ln->weight.fill_(1.0);
            ln->bias.zero_();
        }
    }
    word->weight[0].zero_();
}

// Inverted dropout as torch.nn.Dropout, with the mask drawn from the model's generator.
torch::Tensor BertImpl::drop(const torch::Tensor &x, double p) {
    if (!is_training() || p <= 0) return x;
    c10::optional<at::Generator> g;
    if (gen) g = *gen;
    torch::Tensor keep = torch::empty_like(x).bernoulli_(1.0 - p, g);
    return x * keep.div_(1.0 - p);
}

torch::Tensor BertImpl::embed(const EncoderInput &in) {
    const int64_t len = in.x.size(1);
    torch::Tensor pos = torch::arange(len, in.x.options());
    torch::Tensor e = word(in.x) + position(pos);
    // Type 0 everywhere is a broadcast row, not a lookup; the gradient is the same.
    e = in.types.defined() ? e + token_type(in.types) : e + token_type->weight[0];
    return drop(emb_norm(e), hidden_p);
}

// One post-LN transformer layer; bias is the additive attention mask [n, 1, 1, L] or undefined.
torch::Tensor BertImpl::block(Layer &l, const torch::Tensor &h, const torch::Tensor &bias) {
    const int64_t n = h.size(0), len = h.size(1), heads = cfg.heads, hd = cfg.hidden / cfg.heads;
    auto split = [&](const torch::Tensor &t) { return t.view({n, len, heads, hd}).transpose(1, 2); };
    torch::Tensor q = split(l.query->forward(h)), k = split(l.key->forward(h)), v = split(l.value->forward(h));
    torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt((double)hd);
    if (bias.defined()) scores = scores + bias;
    torch::Tensor p = drop(torch::softmax(scores, -1), attention_p);
    torch::Tensor ctx = torch::matmul(p, v).transpose(1, 2).reshape({n, len, cfg.hidden});
    torch::Tensor a = l.attn_norm(drop(l.attn_out->forward(ctx), hidden_p) + h);
    torch::Tensor f = l.out->forward(torch::gelu(l.intermediate->forward(a)));
    return l.out_norm(drop(f, hidden_p) + a);
}

std::pair<torch::Tensor, torch::Tensor> BertImpl::run(const EncoderInput &in) {
    torch::Tensor h = embed(in);
    torch::Tensor bias;
    if (in.mask.defined()) {
        // As transformers: padding gets the dtype's lowest value, so a row that is all padding
        // still has finite (uniform) attention instead of NaN.
        bias = ((1.0 - in.mask) * std::numeric_limits<float>::lowest()).to(h.dtype()).unsqueeze(1).unsqueeze(1);
    }
    for (auto &l : layer) h = block(l, h, bias);
    torch::Tensor cls = h.select(1, 0);
    return {h, pooler ? torch::tanh(pooler->forward(cls)) : cls};
}

torch::Tensor BertImpl::forward(const EncoderInput &in) { return run(in).second; }

std::vector<NamedWeight> BertImpl::ecosystem_weights() {
    std::vector<NamedWeight> w;
    for (auto &p : named_parameters()) w.push_back({p.key(), p.value(), false});
    return w;
}

bool BertImpl::canonical_name(std::string &name) const {
    // bert-base-uncased's own files carry a BertForPreTraining: bert.* plus the cls.* heads.
    if (name.rfind("bert.", 0) == 0) name.erase(0, 5);
    if (name.rfind("cls.", 0) == 0) return false;
    const std::string pid = "position_ids";
    if (name.size() >= pid.size() && name.compare(name.size() - pid.size(), pid.size(), pid) == 0) return false;
    if (!pooler && name.rfind("pooler.", 0) == 0) return false;
    auto ends_with = [&](const std::string &suffix) {
        return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    // Checkpoints converted from TensorFlow name LayerNorm's parameters gamma and beta.
    if (ends_with("LayerNorm.gamma")) name.replace(name.size() - 5, 5, "weight");
    else if (ends_with("LayerNorm.beta")) name.replace(name.size() - 4, 4, "bias");
    return true;
}

} // namespace mt
