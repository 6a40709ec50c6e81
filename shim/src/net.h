// net.h - the LibTorch modules behind mt.h: ResNet encoders, fusion and heads.
//
// Internal to the shim. A Net is two torchvision-layout ResNet encoders (basic or bottleneck
// blocks, imagenet or small stem, global average pooling), a fusion layer (concat, or sum with
// a projection of the wider feature when sizes differ), the fused linear head and optional
// auxiliary unimodal heads. Parameter names are stable: checkpoints depend on them.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "mt.h"

namespace mt {

// Thrown inside the shim for errors that are ours, not LibTorch's; mapped to a status at the
// C boundary.
struct Error : std::runtime_error {
    mt_status status;
    Error(mt_status s, const std::string &msg) : std::runtime_error(msg), status(s) {}
};

struct ResBlockImpl : torch::nn::Module {
    ResBlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck);
    torch::Tensor forward(const torch::Tensor &x);
    bool bottleneck;
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, down_conv{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr}, down_bn{nullptr};
};
TORCH_MODULE(ResBlock);

struct EncoderImpl : torch::nn::Module {
    explicit EncoderImpl(const mt_encoder_spec &spec);
    torch::Tensor forward(const torch::Tensor &x);
    bool max_pool;
    int64_t out_dim;
    torch::nn::Conv2d stem_conv{nullptr};
    torch::nn::BatchNorm2d stem_bn{nullptr};
    std::vector<ResBlock> blocks;
};
TORCH_MODULE(Encoder);

struct NetOutput {
    torch::Tensor z[2];       // per-modality features after any projection
    torch::Tensor fused;      // fused head logits
    torch::Tensor head[2];    // auxiliary head logits (undefined without aux heads)
};

struct NetImpl : torch::nn::Module {
    explicit NetImpl(const mt_model_spec &spec);
    NetOutput forward(const torch::Tensor &xa, const torch::Tensor &xb);
    // Modality m's share of the fused logits: concat W[:, slice] z_m + b/2, sum W z_m + b/2.
    torch::Tensor slice_logits(const torch::Tensor &z, int m);
    // Modules whose parameters and buffers make up each optimizer group.
    std::vector<torch::nn::Module *> group_modules(int group);

    mt_fusion fusion;
    int64_t dim[2];           // encoder feature sizes
    int64_t fused_in;         // input size of the fused head
    Encoder enc[2] = {nullptr, nullptr};
    torch::nn::Linear proj[2] = {nullptr, nullptr};
    torch::nn::Linear fused{nullptr};
    torch::nn::Linear head[2] = {nullptr, nullptr};
    bool heads_follow_encoders;
};
TORCH_MODULE(Net);

// Fill preset-derived fields; throws mt::Error with the offending name on bad input.
void resolve_encoder(mt_encoder_spec &enc, int index);
int64_t encoder_feature_dim(const mt_encoder_spec &enc);
// Full validation of a model spec (after resolution).
void validate_spec(const mt_model_spec &spec);
// Canonical text of the structural part of a spec, one "key=value" line each; two models can
// exchange checkpoints exactly when these texts are equal.
std::string spec_text(const mt_model_spec &spec);

}  // namespace mt
