// net.h - the LibTorch modules behind mt.h: ResNet and BERT encoders, fusion and heads.
//
// Internal to the shim. A Net is two encoders (each a torchvision-layout ResNet or a Hugging
// Face-layout BERT, behind one EncoderBase interface), a fusion layer (concat, or sum with a
// projection of the wider feature when sizes differ), the fused linear head and optional
// auxiliary unimodal heads. Parameter names are stable: checkpoints depend on them.
#pragma once

#include <torch/torch.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mt.h"

namespace mt {

// Thrown inside the shim for errors that are ours, not LibTorch's; mapped to a status at the
// C boundary.
struct Error : std::runtime_error {
    mt_status status;
    Error(mt_status s, const std::string &msg) : std::runtime_error(msg), status(s) {}
};

// The int a C caller stored in an enum field of a spec or batch. C lets any int be stored
// there, but loading a value outside the enum's range as the enum is undefined in C++ (UBSan
// stops there): every check of a caller's enum reads its bits as an int through this, and the
// field is read as the enum only once it is known to hold one of its values.
template <class E> int enum_int(const E &e) {
    static_assert(std::is_enum<E>::value && sizeof(E) == sizeof(int), "an int-sized enum");
    int v;
    std::memcpy(&v, &e, sizeof v);
    return v;
}

// One modality's batch on the device. ResNet: x is the normalised float image batch. BERT: x
// holds int64 token ids [n, L]; mask (float 1/0, [n, L]) and types (int64 [n, L]) are undefined
// when every position is attended and every type is 0.
struct EncoderInput {
    torch::Tensor x, mask, types;
};

// A weight under its ecosystem's name (torchvision, Hugging Face), for safetensors files.
struct NamedWeight {
    std::string name;
    torch::Tensor tensor; // the module's own parameter or buffer
    bool optional;        // may be absent from a file (num_batches_tracked)
};

struct EncoderBase : torch::nn::Module {
    virtual torch::Tensor forward(const EncoderInput &in) = 0;
    // Every parameter and buffer under its ecosystem's name, in registration order.
    virtual std::vector<NamedWeight> ecosystem_weights() = 0;
    // A name from a weight file, rewritten to the canonical ecosystem name; false when the
    // name is one the encoder deliberately ignores (a classifier it does not have).
    virtual bool canonical_name(std::string &name) const = 0;
    virtual const char *ecosystem() const = 0;
    int64_t out_dim = 0;
};

struct ResBlockImpl : torch::nn::Module {
    ResBlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck);
    torch::Tensor forward(const torch::Tensor &x);
    bool bottleneck;
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, down_conv{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr}, down_bn{nullptr};
};
TORCH_MODULE(ResBlock);

struct ResNetImpl : EncoderBase {
    explicit ResNetImpl(const mt_encoder_spec &spec);
    torch::Tensor forward(const EncoderInput &in) override;
    std::vector<NamedWeight> ecosystem_weights() override;
    bool canonical_name(std::string &name) const override;
    const char *ecosystem() const override { return "torchvision ResNet"; }
    bool max_pool;
    torch::nn::Conv2d stem_conv{nullptr};
    torch::nn::BatchNorm2d stem_bn{nullptr};
    std::vector<ResBlock> blocks;
};

// Hugging Face BertModel; bert.cpp. Submodules carry Hugging Face's names, so the parameter
// names are BertModel's state_dict keys.
struct BertImpl : EncoderBase {
    explicit BertImpl(const mt_encoder_spec &spec);
    torch::Tensor forward(const EncoderInput &in) override;
    // Last layer's hidden states [n, L, hidden] and the output feature [n, hidden].
    std::pair<torch::Tensor, torch::Tensor> run(const EncoderInput &in);
    std::vector<NamedWeight> ecosystem_weights() override;
    bool canonical_name(std::string &name) const override;
    const char *ecosystem() const override { return "Hugging Face BertModel"; }

    struct Layer {
        torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attn_out{nullptr};
        torch::nn::LayerNorm attn_norm{nullptr};
        torch::nn::Linear intermediate{nullptr}, out{nullptr};
        torch::nn::LayerNorm out_norm{nullptr};
    };
    mt_bert_spec cfg;
    double hidden_p, attention_p; // dropout probabilities
    torch::nn::Embedding word{nullptr}, position{nullptr}, token_type{nullptr};
    torch::nn::LayerNorm emb_norm{nullptr};
    std::vector<Layer> layer;
    torch::nn::Linear pooler{nullptr}; // absent with MT_BERT_OUTPUT_CLS
    // The owning model's generator: dropout masks come from it, so a checkpoint (which saves
    // it) resumes with the same masks and other models in the process do not shift them.
    at::Generator *gen = nullptr;

  private:
    torch::Tensor drop(const torch::Tensor &x, double p);
    torch::Tensor embed(const EncoderInput &in);
    torch::Tensor block(Layer &l, const torch::Tensor &h, const torch::Tensor &bias);
};

std::shared_ptr<EncoderBase> make_encoder(const mt_encoder_spec &spec);

struct NetOutput {
    torch::Tensor z[2];    // per-modality features after any projection
    torch::Tensor fused;   // fused head logits
    torch::Tensor head[2]; // auxiliary head logits (undefined without aux heads)
};

struct NetImpl : torch::nn::Module {
    explicit NetImpl(const mt_model_spec &spec);
    // IDLE (0 or 1; -1: none) names an encoder that is not run: zeros stand in for its features,
    // so every head keeps its shape. For an encoder that feeds no loss (run_batch decides).
    NetOutput forward(const EncoderInput &xa, const EncoderInput &xb, int idle = -1);
    // Modality m's share of the fused logits: concat W[:, slice] z_m + b/2, sum W z_m + b/2.
    torch::Tensor slice_logits(const torch::Tensor &z, int m);
    // Modules whose parameters and buffers make up each optimizer group.
    std::vector<torch::nn::Module *> group_modules(int group);
    // The fusion group's weights under the shim's own names (fused.weight, head_a.bias, ...).
    std::vector<NamedWeight> fusion_weights();

    mt_fusion fusion;
    int64_t dim[2];   // encoder feature sizes
    int64_t fused_in; // input size of the fused head
    std::shared_ptr<EncoderBase> enc[2];
    torch::nn::Linear proj[2] = {nullptr, nullptr};
    torch::nn::Linear fused{nullptr};
    torch::nn::Linear head[2] = {nullptr, nullptr};
    bool heads_follow_encoders;
};
TORCH_MODULE(Net);

// Fill preset-derived fields; throws mt::Error with the offending name on bad input.
void resolve_encoder(mt_encoder_spec &enc, int index);
// The BERT half of resolve_encoder (bert.cpp); preset may be NULL.
void resolve_bert(mt_encoder_spec &enc, int index, const char *preset);
// True for the names of BERT presets.
bool is_bert_preset(const char *preset);
int64_t encoder_feature_dim(const mt_encoder_spec &enc);
// Full validation of a model spec (after resolution).
void validate_spec(const mt_model_spec &spec);
// Canonical text of the structural part of a spec, one "key=value" line each; two models can
// exchange checkpoints exactly when these texts are equal.
std::string spec_text(const mt_model_spec &spec);
// "enc[A].field" / "enc[B].field", the key every message about an encoder field uses.
std::string enc_key(int index, const char *field);

// safetensors (weights.cpp). Load copies every file tensor onto its NamedWeight after checking
// them all; `what` names the target in messages ("encoder A (torchvision ResNet)").
void load_safetensors(EncoderBase &enc, const std::string &path, const std::string &prefix, const std::string &what);
void save_safetensors(const std::vector<NamedWeight> &weights, const std::string &path);

} // namespace mt
