// model.cpp - ResNet encoders, fusion and heads, and the checks on a model spec (BERT encoders
// are in bert.cpp, weight files in weights.cpp).
//
// The ResNet encoders follow torchvision's ResNet (v1.5: stride on the 3x3 conv of a bottleneck,
// bias-free convs, BN, 1x1 conv + BN shortcut when shape changes, kaiming fan-out init) so that
// parameter counts and behaviour match the PyTorch scripts researchers compare against. The
// "small" stem (3x3/1 conv, no pool) is for 28x28 inputs such as S-MNIST.
#include "net.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace mt {

namespace nn = torch::nn;

static nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

ResBlockImpl::ResBlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck_) : bottleneck(bottleneck_) {
    int64_t out = bottleneck ? planes * 4 : planes;
    if (bottleneck) {
        conv1 = register_module("conv1", conv(in, planes, 1, 1, 0));
        bn1 = register_module("bn1", nn::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
        bn2 = register_module("bn2", nn::BatchNorm2d(planes));
        conv3 = register_module("conv3", conv(planes, out, 1, 1, 0));
        bn3 = register_module("bn3", nn::BatchNorm2d(out));
    } else {
        conv1 = register_module("conv1", conv(in, planes, 3, stride, 1));
        bn1 = register_module("bn1", nn::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
        bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    }
    if (stride != 1 || in != out) {
        down_conv = register_module("down_conv", conv(in, out, 1, stride, 0));
        down_bn = register_module("down_bn", nn::BatchNorm2d(out));
    }
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor &x) {
    torch::Tensor y = bn1(conv1(x)).relu_();
    if (bottleneck) {
        y = bn2(conv2(y)).relu_();
        y = bn3(conv3(y));
    } else {
        y = bn2(conv2(y));
    }
    y += down_conv ? down_bn(down_conv(x)) : x;
    return y.relu_();
}

ResNetImpl::ResNetImpl(const mt_encoder_spec &s) {
    const bool imagenet = s.stem == MT_STEM_IMAGENET;
    const bool bottleneck = s.block == MT_BLOCK_BOTTLENECK;
    max_pool = imagenet;
    stem_conv = register_module("stem_conv", imagenet ? conv(s.in_channels, s.base_width, 7, 2, 3)
                                                      : conv(s.in_channels, s.base_width, 3, 1, 1));
    stem_bn = register_module("stem_bn", nn::BatchNorm2d(s.base_width));
    int64_t in = s.base_width;
    for (int st = 0; st < s.n_stages; st++) {
        int64_t planes = (int64_t)s.base_width << st;
        for (int b = 0; b < s.blocks[st]; b++) {
            int64_t stride = (st > 0 && b == 0) ? 2 : 1;
            auto blk = ResBlock(in, planes, stride, bottleneck);
            blocks.push_back(register_module("layer" + std::to_string(st + 1) + "_" + std::to_string(b), blk));
            in = bottleneck ? planes * 4 : planes;
        }
    }
    out_dim = in;
    for (auto &mod : modules(/*include_self=*/false)) {
        if (auto *c = mod->as<nn::Conv2d>()) {
            nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto *bn = mod->as<nn::BatchNorm2d>()) {
            nn::init::ones_(bn->weight);
            nn::init::zeros_(bn->bias);
        }
    }
}

torch::Tensor ResNetImpl::forward(const EncoderInput &in) {
    torch::Tensor y = stem_bn(stem_conv(in.x)).relu_();
    if (max_pool) y = torch::max_pool2d(y, 3, 2, 1);
    for (auto &b : blocks) y = b(y);
    return y.mean({2, 3});
}

// Our module names predate weight import and checkpoints depend on them, so torchvision's
// names are a rewrite: stem_conv -> conv1, stem_bn -> bn1, layer2_0 -> layer2.0,
// down_conv / down_bn -> downsample.0 / downsample.1.
static std::string torchvision_name(std::string n) {
    auto replace = [&](const std::string &from, const std::string &to) {
        size_t at = n.find(from);
        if (at != std::string::npos) n.replace(at, from.size(), to);
    };
    if (n.rfind("stem_conv.", 0) == 0) return "conv1." + n.substr(10);
    if (n.rfind("stem_bn.", 0) == 0) return "bn1." + n.substr(8);
    size_t us = n.find('_');
    if (n.rfind("layer", 0) == 0 && us != std::string::npos) n[us] = '.';
    replace(".down_conv.", ".downsample.0.");
    replace(".down_bn.", ".downsample.1.");
    return n;
}

std::vector<NamedWeight> ResNetImpl::ecosystem_weights() {
    std::vector<NamedWeight> w;
    for (auto &p : named_parameters()) w.push_back({torchvision_name(p.key()), p.value(), false});
    for (auto &b : named_buffers()) {
        bool counter = b.key().size() >= 19 && b.key().compare(b.key().size() - 19, 19, "num_batches_tracked") == 0;
        w.push_back({torchvision_name(b.key()), b.value(), counter});
    }
    return w;
}

bool ResNetImpl::canonical_name(std::string &name) const { return name.rfind("fc.", 0) != 0; }

std::shared_ptr<EncoderBase> make_encoder(const mt_encoder_spec &s) {
    if (s.kind == MT_ENCODER_BERT) return std::make_shared<BertImpl>(s);
    return std::make_shared<ResNetImpl>(s);
}

NetImpl::NetImpl(const mt_model_spec &s) : fusion(s.fusion), heads_follow_encoders(s.heads_follow_encoders != 0) {
    for (int m = 0; m < 2; m++) {
        enc[m] = register_module(m == 0 ? "enc_a" : "enc_b", make_encoder(s.enc[m]));
        dim[m] = enc[m]->out_dim;
    }
    if (fusion == MT_FUSION_CONCAT) {
        fused_in = dim[0] + dim[1];
    } else {
        // Summation needs one feature size: the wider feature is projected onto the narrower.
        fused_in = std::min(dim[0], dim[1]);
        for (int m = 0; m < 2; m++)
            if (dim[m] != fused_in)
                proj[m] = register_module(m == 0 ? "proj_a" : "proj_b", nn::Linear(dim[m], fused_in));
    }
    fused = register_module("fused", nn::Linear(fused_in, s.num_classes));
    if (s.aux_heads)
        for (int m = 0; m < 2; m++)
            head[m] = register_module(m == 0 ? "head_a" : "head_b", nn::Linear(dim[m], s.num_classes));
}

NetOutput NetImpl::forward(const EncoderInput &xa, const EncoderInput &xb, int idle) {
    NetOutput o;
    const EncoderInput *in[2] = {&xa, &xb};
    torch::Tensor raw[2];
    for (int m = 0; m < 2; m++)
        if (m != idle) raw[m] = enc[m]->forward(*in[m]);
    if (idle == 0 || idle == 1) raw[idle] = torch::zeros({raw[1 - idle].size(0), dim[idle]}, raw[1 - idle].options());
    for (int m = 0; m < 2; m++) {
        if (head[m]) o.head[m] = head[m](raw[m]);
        o.z[m] = proj[m] ? proj[m](raw[m]) : raw[m];
    }
    o.fused = fused(fusion == MT_FUSION_CONCAT ? torch::cat({o.z[0], o.z[1]}, 1) : o.z[0] + o.z[1]);
    return o;
}

torch::Tensor NetImpl::slice_logits(const torch::Tensor &z, int m) {
    torch::Tensor w = fused->weight;
    if (fusion == MT_FUSION_CONCAT) w = w.narrow(1, m == 0 ? 0 : dim[0], dim[m]);
    return torch::addmm(fused->bias * 0.5, z, w.t());
}

std::vector<nn::Module *> NetImpl::group_modules(int group) {
    std::vector<nn::Module *> mods;
    if (group == MT_GROUP_A || group == MT_GROUP_B) {
        mods.push_back(enc[group].get());
        if (heads_follow_encoders && head[group]) mods.push_back(head[group].get());
    } else {
        for (int m = 0; m < 2; m++)
            if (proj[m]) mods.push_back(proj[m].get());
        mods.push_back(fused.get());
        if (!heads_follow_encoders)
            for (int m = 0; m < 2; m++)
                if (head[m]) mods.push_back(head[m].get());
    }
    return mods;
}

std::vector<NamedWeight> NetImpl::fusion_weights() {
    std::vector<NamedWeight> w;
    for (auto &p : named_parameters())
        if (p.key().rfind("enc_", 0) != 0) w.push_back({p.key(), p.value(), false});
    return w;
}

// ---- spec resolution and validation ----

struct Preset {
    const char *name;
    mt_block block;
    int n_stages;
    int blocks[MT_MAX_STAGES];
};

// resnet10 and resnet6 are not defined by the MILES paper; these are the shapes the OGM-GE
// reference code uses: basic blocks [1,1,1,1], and two stages [1,1].
static const Preset kPresets[] = {
    {"resnet6", MT_BLOCK_BASIC, 2, {1, 1, 0, 0}},
    {"resnet10", MT_BLOCK_BASIC, 4, {1, 1, 1, 1}},
    {"resnet18", MT_BLOCK_BASIC, 4, {2, 2, 2, 2}},
    {"resnet50", MT_BLOCK_BOTTLENECK, 4, {3, 4, 6, 3}},
};

std::string enc_key(int index, const char *field) {
    return std::string("enc[") + (index == 0 ? "A" : "B") + "]." + field;
}

void resolve_encoder(mt_encoder_spec &e, int index) {
    const bool has_preset = e.preset && e.preset[0];
    const int kind = enum_int(e.kind);
    if (kind != MT_ENCODER_PRESET && kind != MT_ENCODER_RESNET && kind != MT_ENCODER_BERT)
        throw Error(MT_EINVAL,
                    enc_key(index, "kind") + ": expected resnet or bert (or a preset), found " + std::to_string(kind));
    if ((has_preset && is_bert_preset(e.preset)) || e.kind == MT_ENCODER_BERT) {
        if (e.kind == MT_ENCODER_RESNET || (has_preset && !is_bert_preset(e.preset)))
            throw Error(MT_EINVAL, enc_key(index, "kind") + ": " + (e.kind == MT_ENCODER_RESNET ? "resnet" : "bert") +
                                       " does not fit preset '" + e.preset + "'");
        e.kind = MT_ENCODER_BERT;
        resolve_bert(e, index, has_preset ? e.preset : nullptr);
        return;
    }
    e.kind = MT_ENCODER_RESNET;
    if (has_preset) {
        const Preset *p = nullptr;
        for (const auto &c : kPresets)
            if (std::strcmp(c.name, e.preset) == 0) p = &c;
        if (!p)
            throw Error(MT_EINVAL, enc_key(index, "preset") + ": unknown encoder preset '" + e.preset +
                                       "' (expected resnet6, resnet10, resnet18, resnet50, bert-base or bert-tiny)");
        if (enum_int(e.block) == MT_BLOCK_PRESET) e.block = p->block;
        if (e.n_stages == 0) {
            e.n_stages = p->n_stages;
            for (int i = 0; i < MT_MAX_STAGES; i++)
                if (e.blocks[i] == 0) e.blocks[i] = p->blocks[i];
        }
        if (e.base_width == 0) e.base_width = 64;
        if (enum_int(e.stem) == MT_STEM_PRESET) e.stem = MT_STEM_IMAGENET;
    }
    auto bad = [&](const char *field, const std::string &expected, long long found) {
        throw Error(MT_EINVAL, enc_key(index, field) + ": expected " + expected + ", found " + std::to_string(found));
    };
    const int block = enum_int(e.block), stem = enum_int(e.stem);
    if (block != MT_BLOCK_BASIC && block != MT_BLOCK_BOTTLENECK)
        bad("block", "basic or bottleneck (or a preset)", block);
    if (e.n_stages < 1 || e.n_stages > MT_MAX_STAGES) bad("n_stages", "1..4", e.n_stages);
    for (int i = 0; i < e.n_stages; i++)
        if (e.blocks[i] < 1 || e.blocks[i] > 64) bad("blocks", "1..64 blocks in every stage", e.blocks[i]);
    for (int i = e.n_stages; i < MT_MAX_STAGES; i++) e.blocks[i] = 0;
    if (e.base_width < 1 || e.base_width > 4096) bad("base_width", "1..4096", e.base_width);
    if (stem != MT_STEM_IMAGENET && stem != MT_STEM_SMALL) bad("stem", "imagenet or small (or a preset)", stem);
    if (e.in_channels < 1 || e.in_channels > MT_MAX_CHANNELS) bad("in_channels", "1..8", e.in_channels);
    if (e.height < 1) bad("height", ">= 1", e.height);
    if (e.width < 1) bad("width", ">= 1", e.width);
    for (int c = 0; c < MT_MAX_CHANNELS; c++)
        if (e.std[c] < 0 || !std::isfinite(e.std[c]) || !std::isfinite(e.mean[c]))
            throw Error(MT_EINVAL,
                        enc_key(index, "std") + ": expected finite mean and std >= 0 for channel " + std::to_string(c));
    if (!std::isfinite(e.scale) || e.scale < 0)
        throw Error(MT_EINVAL, enc_key(index, "scale") + ": expected a finite value >= 0");
}

int64_t encoder_feature_dim(const mt_encoder_spec &e) {
    if (e.kind == MT_ENCODER_BERT) return e.bert.hidden;
    int64_t d = (int64_t)e.base_width << (e.n_stages - 1);
    return e.block == MT_BLOCK_BOTTLENECK ? d * 4 : d;
}

void validate_spec(const mt_model_spec &s) {
    if (s.num_classes < 1) throw Error(MT_EINVAL, "num_classes: expected >= 1, found " + std::to_string(s.num_classes));
    const int fusion = enum_int(s.fusion), kind = enum_int(s.optim.kind), device = enum_int(s.device);
    if (fusion != MT_FUSION_CONCAT && fusion != MT_FUSION_SUM)
        throw Error(MT_EINVAL, "fusion: expected concat or sum, found " + std::to_string(fusion));
    if (s.heads_follow_encoders && !s.aux_heads) throw Error(MT_EINVAL, "heads_follow_encoders: needs aux_heads");
    const mt_optim_spec &o = s.optim;
    if (kind != MT_OPTIM_ADAM && kind != MT_OPTIM_SGD)
        throw Error(MT_EINVAL, "optim.kind: expected adam or sgd, found " + std::to_string(kind));
    auto range = [](const char *key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            std::ostringstream m;
            m << key << ": expected a value in [" << lo << ", " << hi << "], found " << v;
            throw Error(MT_EINVAL, m.str());
        }
    };
    range("optim.lr", o.lr, 0, 1e6);
    range("optim.weight_decay", o.weight_decay, 0, 1e6);
    if (o.kind == MT_OPTIM_ADAM) {
        range("optim.beta1", o.beta1, 0, 1 - 1e-12);
        range("optim.beta2", o.beta2, 0, 1 - 1e-12);
        range("optim.eps", o.eps, 0, 1);
    } else {
        range("optim.momentum", o.momentum, 0, 1);
    }
    if (device != MT_DEVICE_AUTO && device != MT_DEVICE_CPU && device != MT_DEVICE_CUDA)
        throw Error(MT_EINVAL, "device: expected auto, cpu or cuda, found " + std::to_string(device));
    if (s.threads < 0 || s.threads > 1024)
        throw Error(MT_EINVAL, "threads: expected 0..1024, found " + std::to_string(s.threads));
}

std::string spec_text(const mt_model_spec &s) {
    std::ostringstream t;
    t.precision(9);
    for (int m = 0; m < 2; m++) {
        const mt_encoder_spec &e = s.enc[m];
        std::string k = m == 0 ? "enc[A]." : "enc[B].";
        if (e.kind == MT_ENCODER_BERT) {
            // ResNet specs keep their lines as they were, so older checkpoints still load.
            const mt_bert_spec &b = e.bert;
            t << k << "kind=bert\n";
            t << k << "bert.vocab_size=" << b.vocab_size << "\n" << k << "bert.hidden=" << b.hidden << "\n";
            t << k << "bert.layers=" << b.layers << "\n" << k << "bert.heads=" << b.heads << "\n";
            t << k << "bert.intermediate=" << b.intermediate << "\n";
            t << k << "bert.max_positions=" << b.max_positions << "\n";
            t << k << "bert.type_vocab_size=" << b.type_vocab_size << "\n";
            t << k << "bert.output=" << (b.output == MT_BERT_OUTPUT_CLS ? "cls" : "pooler") << "\n";
            continue;
        }
        t << k << "block=" << (e.block == MT_BLOCK_BASIC ? "basic" : "bottleneck") << "\n";
        t << k << "blocks=";
        for (int i = 0; i < e.n_stages; i++) t << (i ? "," : "") << e.blocks[i];
        t << "\n" << k << "base_width=" << e.base_width << "\n";
        t << k << "stem=" << (e.stem == MT_STEM_IMAGENET ? "imagenet" : "small") << "\n";
        t << k << "input=" << e.in_channels << "x" << e.height << "x" << e.width << "\n";
    }
    t << "fusion=" << (s.fusion == MT_FUSION_CONCAT ? "concat" : "sum") << "\n";
    t << "num_classes=" << s.num_classes << "\n";
    t << "multilabel=" << (s.multilabel ? 1 : 0) << "\n";
    t << "aux_heads=" << (s.aux_heads ? 1 : 0) << "\n";
    t << "heads_follow_encoders=" << (s.heads_follow_encoders ? 1 : 0) << "\n";
    t << "optim=" << (s.optim.kind == MT_OPTIM_ADAM ? "adam" : "sgd") << "\n";
    return t.str();
}

} // namespace mt
