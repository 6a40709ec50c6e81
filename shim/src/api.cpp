// api.cpp - the C API of mt.h: model lifecycle, training steps, gradient modulation, parameter
// groups, snapshots, checkpoints, and the entry points of encoder forward and weight files.
//
// Every exported function runs its body inside MT_GUARD, which turns any C++ exception into an
// mt_status and a thread-local message: nothing C++ ever reaches the C caller. Batches arrive as
// host pointers and are wrapped with from_blob; the only copy is the one to the device (or the
// dtype conversion on CPU), and normalisation is one fused op on the device.
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GeneratorImpl.h>
#include <torch/torch.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <tuple>

#include "amp.h"
#include "mt.h"
#include "net.h"

// The memory share needs the CUDA runtime's headers, which a wheel's libtorch may lack.
#if defined(MT_WITH_CUDA) && __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define MT_MEMORY_FRACTION 1
#else
#define MT_MEMORY_FRACTION 0
#endif

using mt::Error;
using torch::Tensor;

namespace {

constexpr int64_t kCheckpointFormat = 1;
thread_local std::string g_last_error;

mt_status fail(mt_status s, std::string msg) {
    g_last_error = std::move(msg);
    return s;
}

// LibTorch messages carry source locations and C++ frames after the first lines; the first
// meaningful line is what a researcher needs.
std::string torch_message(const c10::Error &e) {
    std::string m = e.what_without_backtrace();
    size_t cut = m.find("\nException raised from");
    if (cut != std::string::npos) m.resize(cut);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return "LibTorch: " + m;
}

} // namespace

#define MT_GUARD(body)                                                \
    try {                                                             \
        g_last_error.clear();                                         \
        body;                                                         \
        return MT_OK;                                                 \
    } catch (const Error &e) {                                        \
        return fail(e.status, e.what());                              \
    } catch (const c10::Error &e) {                                   \
        return fail(MT_ETORCH, torch_message(e));                     \
    } catch (const std::bad_alloc &) {                                \
        return fail(MT_ENOMEM, "out of memory");                      \
    } catch (const std::exception &e) {                               \
        return fail(MT_ETORCH, std::string("LibTorch: ") + e.what()); \
    } catch (...) {                                                   \
        return fail(MT_ETORCH, "unknown C++ exception");              \
    }

struct mt_model {
    mt_model_spec spec;    // resolved
    std::string preset[2]; // backing store for spec.enc[m].preset
    torch::Device device{torch::kCPU};
    std::string device_name;
    mt::Net net{nullptr};
    std::unique_ptr<torch::optim::Optimizer> opt;
    std::vector<Tensor> params[MT_NUM_GROUPS];
    std::vector<Tensor> buffers[MT_NUM_GROUPS];
    std::vector<torch::nn::Module *> modules[MT_NUM_GROUPS];
    bool frozen[MT_NUM_GROUPS] = {false, false, false};
    std::vector<Tensor> snapshot[MT_NUM_GROUPS]; // params then buffers; empty = none
    at::Generator gen;                           // the model's own noise generator
    Tensor norm_mul[2], norm_add[2];             // x' = x * mul + add, [1, C, 1, 1] on the device
    bool norm_identity[2] = {false, false};
    bool training_mode = false; // net currently in train mode
    mt::LossScaler scaler;      // FP16's loss scale (inactive otherwise)
};

namespace {

void check_group(int g, bool allow_all = false) {
    if (g >= 0 && g < MT_NUM_GROUPS) return;
    if (allow_all && g == MT_GROUP_ALL) return;
    throw Error(MT_EINVAL, "group: expected 0 (A), 1 (B) or 2 (fusion)" + std::string(allow_all ? " or -1 (all)" : "") +
                               ", found " + std::to_string(g));
}

void set_mode(mt_model *m, bool train) {
    if (train == m->training_mode) return;
    m->net->train(train);
    if (train)
        for (int g = 0; g < MT_NUM_GROUPS; g++)
            if (m->frozen[g])
                for (auto *mod : m->modules[g]) mod->eval();
    m->training_mode = train;
}

std::string shape_str(const int64_t *s, int n) {
    std::string r = "[";
    for (int i = 0; i < n; i++) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}

// Wraps a host image array without copying, moves it to the device and normalises it there.
Tensor image_input(mt_model *m, int mod, const mt_input &in, int64_t n) {
    const mt_encoder_spec &e = m->spec.enc[mod];
    const char *name = mod == 0 ? "batch.x[A]" : "batch.x[B]";
    int64_t want[4] = {n, e.in_channels, e.height, e.width};
    if (!in.data) throw Error(MT_EINVAL, std::string(name) + ": data is NULL");
    const int dtype = mt::enum_int(in.dtype);
    if (dtype != MT_DTYPE_U8 && dtype != MT_DTYPE_F32)
        throw Error(MT_ESHAPE,
                    std::string(name) + ": expected dtype uint8 or float32, found code " + std::to_string(dtype));
    bool ok = in.ndim == 4;
    for (int i = 0; ok && i < 4; i++) ok = in.shape[i] == want[i];
    if (!ok)
        throw Error(MT_ESHAPE, std::string(name) + ": expected shape " + shape_str(want, 4) + ", found " +
                                   shape_str(in.shape, in.ndim < 0 ? 0 : (in.ndim > 5 ? 5 : in.ndim)));
    auto dt = in.dtype == MT_DTYPE_U8 ? torch::kUInt8 : torch::kFloat32;
    Tensor t = torch::from_blob(const_cast<void *>(in.data), {want[0], want[1], want[2], want[3]},
                                torch::TensorOptions().dtype(dt));
    t = t.to(m->device, torch::kFloat32);
    if (in.dtype == MT_DTYPE_F32 && m->norm_identity[mod]) return t;
    // The scale of uint8 input differs from float input's, so the affine depends on dtype.
    float scale = e.scale != 0 ? e.scale : (in.dtype == MT_DTYPE_U8 ? 1.0f / 255.0f : 1.0f);
    Tensor mul = m->norm_mul[mod] * scale;
    return torch::addcmul(m->norm_add[mod], t, mul);
}

// Checks every token plane on the host (a bad id would otherwise surface as an index error deep
// in LibTorch) and notes whether any position is padding or has a non-zero type.
template <typename T>
void scan_tokens(const T *d, int64_t n, int64_t planes, int64_t len, const mt_bert_spec &b, const std::string &name,
                 bool &any_pad, bool &any_type) {
    static const char *plane_name[3] = {"token id", "mask value", "token type"};
    const int64_t limit[3] = {b.vocab_size, 2, b.type_vocab_size};
    for (int64_t i = 0; i < n; i++)
        for (int64_t p = 0; p < planes; p++)
            for (int64_t j = 0; j < len; j++) {
                int64_t v = (int64_t)d[(i * planes + p) * len + j];
                if (v < 0 || v >= limit[p])
                    throw Error(MT_ESHAPE, name + ": " + plane_name[p] + " " + std::to_string(v) + " of sample " +
                                               std::to_string(i) + " at position " + std::to_string(j) +
                                               ": expected 0.." + std::to_string(limit[p] - 1));
                if (p == 1 && v == 0) any_pad = true;
                if (p == 2 && v != 0) any_type = true;
            }
}

// Token ids [n, L], or [n, P, L] with the mask and types as planes 1 and 2: one copy to the
// device; mask and types stay undefined when they would change nothing.
mt::EncoderInput token_input(mt_model *m, int mod, const mt_input &in, int64_t n) {
    const mt_bert_spec &b = m->spec.enc[mod].bert;
    const std::string name = mod == 0 ? "batch.x[A]" : "batch.x[B]";
    if (!in.data) throw Error(MT_EINVAL, name + ": data is NULL");
    const int dtype = mt::enum_int(in.dtype);
    if (dtype != MT_DTYPE_I64 && dtype != MT_DTYPE_I32)
        throw Error(MT_ESHAPE,
                    name + ": a BERT encoder expects int64 or int32 tokens, found dtype code " + std::to_string(dtype));
    const int64_t planes = in.ndim == 3 ? in.shape[1] : 1;
    const int64_t len = in.ndim == 3 ? in.shape[2] : (in.ndim == 2 ? in.shape[1] : 0);
    bool ok = (in.ndim == 2 || (in.ndim == 3 && (planes == 2 || planes == 3))) && in.shape[0] == n && len >= 1 &&
              len <= b.max_positions;
    if (!ok)
        throw Error(MT_ESHAPE, name + ": expected tokens of shape [n, 2 or 3, L] or [n, L] with n = " +
                                   std::to_string(n) + " and 1 <= L <= " + std::to_string(b.max_positions) +
                                   ", found " + shape_str(in.shape, in.ndim < 0 ? 0 : (in.ndim > 5 ? 5 : in.ndim)));
    bool any_pad = false, any_type = false;
    if (in.dtype == MT_DTYPE_I64)
        scan_tokens(static_cast<const int64_t *>(in.data), n, planes, len, b, name, any_pad, any_type);
    else scan_tokens(static_cast<const int32_t *>(in.data), n, planes, len, b, name, any_pad, any_type);
    auto dt = in.dtype == MT_DTYPE_I64 ? torch::kInt64 : torch::kInt32;
    Tensor t = torch::from_blob(const_cast<void *>(in.data), {n, planes, len}, torch::TensorOptions().dtype(dt));
    t = t.to(m->device, torch::kInt64);
    mt::EncoderInput r;
    r.x = t.select(1, 0);
    if (any_pad) r.mask = t.select(1, 1).to(torch::kFloat32);
    if (any_type) r.types = t.select(1, 2);
    return r;
}

// A caller's float buffer (may be NULL) gets t's values.
void copy_to_host(const Tensor &t, float *dst) {
    if (!dst) return;
    Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(dst, c.data_ptr<float>(), sizeof(float) * (size_t)c.numel());
}

mt::EncoderInput encoder_input(mt_model *m, int mod, const mt_input &in, int64_t n) {
    if (m->spec.enc[mod].kind == MT_ENCODER_BERT) return token_input(m, mod, in, n);
    mt::EncoderInput r;
    r.x = image_input(m, mod, in, n);
    return r;
}

struct Labels {
    Tensor y; // int64 [n] or float [n, C]
};

Labels label_tensor(mt_model *m, const mt_batch *b) {
    Labels l;
    if (m->spec.multilabel) {
        if (!b->targets)
            throw Error(MT_EINVAL, "batch.targets: multilabel model needs float multi-hot targets, found NULL");
        l.y = torch::from_blob(const_cast<float *>(b->targets), {b->n, m->spec.num_classes}, torch::kFloat32)
                  .to(m->device);
    } else {
        if (!b->labels) throw Error(MT_EINVAL, "batch.labels: multiclass model needs int64 labels, found NULL");
        // Checked here, on the host: on CUDA an out-of-range label trips a device-side assert in
        // the loss kernel, which ends the process's CUDA context instead of raising.
        for (int64_t i = 0; i < b->n; i++)
            if (b->labels[i] < 0 || b->labels[i] >= m->spec.num_classes)
                throw Error(MT_EINVAL, "batch.labels[" + std::to_string(i) + "]: expected a class in [0, " +
                                           std::to_string(m->spec.num_classes) + "), found " +
                                           std::to_string(b->labels[i]));
        l.y = torch::from_blob(const_cast<int64_t *>(b->labels), {b->n}, torch::kInt64).to(m->device);
    }
    return l;
}

// Per-head loss plus the statistics mt_step_result reports, as 0-dim device tensors so that
// everything reaches the host in one transfer.
struct HeadStats {
    Tensor loss, correct, tp, fp, fn, score;
};

HeadStats head_stats(const mt_model *m, const Tensor &logits, const Labels &l, bool want_loss_grad) {
    HeadStats h;
    if (m->spec.multilabel) {
        h.loss = torch::binary_cross_entropy_with_logits(logits, l.y);
        torch::NoGradGuard ng;
        Tensor lg = logits.detach();
        Tensor pred = lg > 0, pos = l.y > 0.5;
        h.tp = (pred & pos).sum();
        h.fp = (pred & pos.logical_not()).sum();
        h.fn = (pred.logical_not() & pos).sum();
        h.correct = torch::zeros({}, h.tp.options());
        Tensor npos = pos.sum(1).clamp_min(1);
        h.score = ((torch::sigmoid(lg) * l.y).sum(1) / npos).sum();
    } else {
        Tensor logp = torch::log_softmax(logits, 1);
        h.loss = torch::nll_loss(logp, l.y);
        torch::NoGradGuard ng;
        Tensor lp = logp.detach();
        h.correct = (lp.argmax(1) == l.y).sum();
        h.tp = h.fp = h.fn = torch::zeros({}, h.correct.options());
        h.score = lp.gather(1, l.y.unsqueeze(1)).exp().sum();
    }
    (void)want_loss_grad;
    return h;
}

double weight_of(const float *w, int h) { return w ? (double)w[h] : 1.0; }

// The unimodal slices of the fused head. They enter the loss only when they stand in for missing
// auxiliary heads; otherwise they are computed without a graph.
void unimodal_slices(mt_model *m, const mt::NetOutput &o, Tensor slice[2]) {
    c10::optional<torch::NoGradGuard> ng;
    if (m->spec.aux_heads) ng.emplace();
    for (int k = 0; k < 2; k++) slice[k] = m->net->slice_logits(m->spec.aux_heads ? o.z[k].detach() : o.z[k], k);
}

// Each head's statistics into hs; returns the weighted sum of their losses, undefined when every
// weight is 0.
Tensor weighted_loss(const mt_model *m, const Tensor logits[MT_NUM_HEADS], const Labels &l, const float *weights,
                     bool train, HeadStats hs[MT_NUM_HEADS]) {
    Tensor total;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        hs[h] = head_stats(m, logits[h], l, train);
        double w = weight_of(weights, h);
        // A zero weight leaves the head out of the graph, as if its loss were never written.
        if (w == 0.0) continue;
        Tensor term = w == 1.0 ? hs[h].loss : hs[h].loss * w;
        total = total.defined() ? total + term : term;
    }
    return total;
}

// The per-modality scores of the slices: their own when auxiliary heads exist, else those of the
// heads the slices stand in for.
void slice_scores(const mt_model *m, const Tensor slice[2], const Labels &l, const HeadStats hs[MT_NUM_HEADS],
                  Tensor score[2]) {
    torch::NoGradGuard ng;
    for (int k = 0; k < 2; k++) {
        if (m->spec.aux_heads) score[k] = head_stats(m, slice[k], l, false).score;
        else score[k] = hs[1 + k].score;
    }
}

// Losses, counts and scores into res, brought to the host in one transfer.
void fill_result(const mt_model *m, int64_t n, const HeadStats hs[MT_NUM_HEADS], const Tensor &total,
                 const Tensor slice_score[2], mt_step_result *res) {
    torch::NoGradGuard ng;
    auto d = [](const Tensor &t) { return t.detach().to(torch::kFloat64).reshape({1}); };
    std::vector<Tensor> parts;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        parts.push_back(d(hs[h].loss));
        parts.push_back(d(hs[h].correct));
        parts.push_back(d(hs[h].tp));
        parts.push_back(d(hs[h].fp));
        parts.push_back(d(hs[h].fn));
    }
    parts.push_back(total.defined() ? d(total) : torch::zeros({1}, parts[0].options()));
    for (int k = 0; k < 2; k++) {
        parts.push_back(m->spec.aux_heads ? d(hs[1 + k].score) : torch::zeros({1}, parts[0].options()));
        parts.push_back(d(slice_score[k]));
    }
    Tensor host = torch::cat(parts).to(torch::kCPU);
    const double *v = host.data_ptr<double>();
    std::memset(res, 0, sizeof *res);
    res->n = n;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        res->loss[h] = v[5 * h];
        res->correct[h] = (int64_t)v[5 * h + 1];
        res->tp[h] = (int64_t)v[5 * h + 2];
        res->fp[h] = (int64_t)v[5 * h + 3];
        res->fn[h] = (int64_t)v[5 * h + 4];
    }
    res->total_loss = v[15];
    for (int k = 0; k < 2; k++) {
        res->score_aux[k] = v[16 + 2 * k];
        res->score_slice[k] = v[17 + 2 * k];
    }
}

// The logits (or probabilities) of the heads and slices the caller asked for, as float32.
void emit_outputs(const mt_model *m, const Tensor logits[MT_NUM_HEADS], const Tensor slice[2], const mt_eval_out *out) {
    torch::NoGradGuard ng;
    auto emit = [&](float *dst, const Tensor &lg) {
        if (!dst) return;
        Tensor t = lg.detach();
        if (out->probabilities) t = m->spec.multilabel ? torch::sigmoid(t) : torch::softmax(t, 1);
        t = t.to(torch::kCPU, torch::kFloat32).contiguous();
        std::memcpy(dst, t.data_ptr<float>(), sizeof(float) * (size_t)t.numel());
    };
    for (int h = 0; h < MT_NUM_HEADS; h++) emit(out->head[h], logits[h]);
    for (int k = 0; k < 2; k++) emit(out->slice[k], slice[k]);
}

// The encoder a training step need not run (-1: none): one that is frozen and whose features
// reach only heads of loss weight 0 (the fused head and its own), as in unimodal training. Its
// forward would cost as much as the trained encoder's (on LUMA more: the audio encoder is the
// larger) and change nothing that is trained; the statistics of those two heads then describe
// zero features for that modality.
int idle_encoder(const mt_model *m, const float *weights, bool train) {
    if (!train || !weights || weight_of(weights, MT_HEAD_FUSED) != 0.0) return -1;
    for (int k = 0; k < 2; k++)
        if (m->frozen[MT_GROUP_A + k] && weight_of(weights, MT_HEAD_A + k) == 0.0) return k;
    return -1;
}

// Forward, per-head statistics, and (when training) backward of the weighted loss.
void run_batch(mt_model *m, const mt_batch *b, const float *weights, mt_step_result *res, bool train,
               const mt_eval_out *out) {
    if (!b) throw Error(MT_EINVAL, "batch: NULL");
    if (b->n < 1) throw Error(MT_ESHAPE, "batch.n: expected >= 1, found " + std::to_string(b->n));
    mt::EncoderInput xa = encoder_input(m, 0, b->x[0], b->n);
    mt::EncoderInput xb = encoder_input(m, 1, b->x[1], b->n);
    Labels l = label_tensor(m, b);
    set_mode(m, train);
    // Evaluation builds no autograd graph (the same forward, less memory and time); training
    // leaves the mode as it found it.
    at::AutoGradMode eval_guard(train && at::GradMode::is_enabled());
    mt::NetOutput o;
    Tensor slice[2];
    {
        mt::AutocastScope autocast(m->spec.amp.precision, m->device.is_cuda());
        o = m->net->forward(xa, xb, idle_encoder(m, weights, train));
        unimodal_slices(m, o, slice);
    }
    // Losses and statistics in float32 whatever the forward's precision (LibTorch 1.13's CPU
    // autocast would leave log_softmax in bf16).
    for (Tensor *t : {&o.fused, &o.head[0], &o.head[1], &slice[0], &slice[1]})
        if (t->defined() && t->scalar_type() != torch::kFloat32) *t = t->to(torch::kFloat32);
    Tensor logits[MT_NUM_HEADS] = {o.fused, m->spec.aux_heads ? o.head[0] : slice[0],
                                   m->spec.aux_heads ? o.head[1] : slice[1]};
    HeadStats hs[MT_NUM_HEADS];
    Tensor total = weighted_loss(m, logits, l, weights, train, hs);
    Tensor slice_score[2];
    slice_scores(m, slice, l, hs, slice_score);
    if (train) {
        if (!total.defined()) throw Error(MT_EINVAL, "weights: every loss weight is 0, nothing to train");
        for (auto &p : m->net->parameters())
            if (p.grad().defined()) p.mutable_grad().reset();
        m->scaler.scaled(total).backward();
        m->scaler.unscale(m->net->parameters());
    }
    if (res) fill_result(m, b->n, hs, total, slice_score, res);
    if (out) emit_outputs(m, logits, slice, out);
}

torch::optim::OptimizerOptions &group_options(mt_model *m, int g) {
    return m->opt->param_groups().at((size_t)g).options();
}

// The caller's spec with its presets kept alive in the model, resolved and validated.
void resolve_spec(mt_model *m, const mt_model_spec &in) {
    m->spec = in;
    for (int k = 0; k < 2; k++) {
        m->preset[k] = in.enc[k].preset ? in.enc[k].preset : "";
        m->spec.enc[k].preset = m->preset[k].c_str();
        mt::resolve_encoder(m->spec.enc[k], k);
    }
    mt::validate_spec(m->spec);
}

// The device the spec asks for (auto: CUDA when LibTorch sees one) and the CPU thread count.
void choose_device(mt_model *m) {
    mt_model_spec &s = m->spec;
    if (s.device == MT_DEVICE_CUDA && !torch::cuda::is_available())
        throw Error(MT_EDEVICE, "device: cuda requested but LibTorch sees no CUDA device (built against LibTorch " +
                                    std::string(mt_torch_version()) + ")");
    bool cuda = s.device == MT_DEVICE_CUDA || (s.device == MT_DEVICE_AUTO && torch::cuda::is_available());
    m->device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    m->device_name = m->device.str();
    s.device = cuda ? MT_DEVICE_CUDA : MT_DEVICE_CPU;
    if (cuda) {
        // A resumed run must retrace the uninterrupted one, and two models fed the same batches
        // must agree: cuDNN's autotuner and its atomics-based kernels, and cuBLAS's split
        // reductions, make CUDA runs differ bit for bit otherwise. cuBLAS reads its workspace
        // setting when its first handle is made, so it is set before any matrix product; a
        // value the user set stays. Ops without a deterministic kernel warn once and run.
        ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
        at::globalContext().setBenchmarkCuDNN(false);
        at::globalContext().setDeterministicCuDNN(true);
        at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
    }
    if (s.threads > 0) {
        torch::set_num_threads(s.threads);
        // OpenBLAS's pthread build keeps its own pool, sized by OPENBLAS_NUM_THREADS or all
        // cores, which torch::set_num_threads does not touch: beside LibTorch's OpenMP threads
        // it oversubscribes the cores, most of all when sweep workers share them.
        using set_fn = void (*)(int);
        if (auto f = reinterpret_cast<set_fn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(s.threads);
    }
}

// The model's own generator, so noise does not depend on what else the process draws.
// Cloning the device's default generator leaks one small object per call in LibTorch 1.13,
// so CPU models make theirs directly; CUDA generators can only be had by cloning here.
void make_generator(mt_model *m) {
    const uint64_t noise_seed = m->spec.seed ^ 0x9E3779B97F4A7C15ull;
    if (m->device.is_cuda()) {
        m->gen = at::globalContext().defaultGenerator(m->device).clone();
        m->gen.set_current_seed(noise_seed);
    } else {
        m->gen = at::make_generator<at::CPUGeneratorImpl>(noise_seed);
    }
    for (int k = 0; k < 2; k++)
        if (auto *bert = dynamic_cast<mt::BertImpl *>(m->net->enc[k].get())) bert->gen = &m->gen;
}

// One optimizer parameter group per model group (A, B, fusion), each with the spec's options.
void make_optimizer(mt_model *m) {
    const mt_model_spec &s = m->spec;
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        m->modules[g] = m->net->group_modules(g);
        for (auto *mod : m->modules[g]) {
            for (auto &p : mod->parameters()) m->params[g].push_back(p);
            for (auto &b : mod->buffers()) m->buffers[g].push_back(b);
        }
        std::unique_ptr<torch::optim::OptimizerOptions> o;
        if (s.optim.kind == MT_OPTIM_ADAM)
            o = std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(s.optim.lr)
                                                                .betas(std::make_tuple(s.optim.beta1, s.optim.beta2))
                                                                .eps(s.optim.eps)
                                                                .weight_decay(s.optim.weight_decay));
        else
            o = std::make_unique<torch::optim::SGDOptions>(
                torch::optim::SGDOptions(s.optim.lr).momentum(s.optim.momentum).weight_decay(s.optim.weight_decay));
        groups.emplace_back(m->params[g], std::move(o));
    }
    if (s.optim.kind == MT_OPTIM_ADAM)
        m->opt = std::make_unique<torch::optim::Adam>(std::move(groups), torch::optim::AdamOptions(s.optim.lr));
    else m->opt = std::make_unique<torch::optim::SGD>(std::move(groups), torch::optim::SGDOptions(s.optim.lr));
}

// Each image modality's per-channel normalisation as x * mul + add on the device.
void make_normalisation(mt_model *m) {
    for (int k = 0; k < 2; k++) {
        const mt_encoder_spec &e = m->spec.enc[k];
        if (e.kind == MT_ENCODER_BERT) continue; // tokens are not normalised
        std::vector<float> mul((size_t)e.in_channels), add((size_t)e.in_channels);
        bool identity = e.scale == 0 || e.scale == 1;
        for (int c = 0; c < e.in_channels; c++) {
            float sd = e.std[c] == 0 ? 1.0f : e.std[c];
            mul[(size_t)c] = 1.0f / sd;
            add[(size_t)c] = -e.mean[c] / sd;
            identity = identity && mul[(size_t)c] == 1.0f && add[(size_t)c] == 0.0f;
        }
        m->norm_identity[k] = identity;
        m->norm_mul[k] = torch::tensor(mul).reshape({1, e.in_channels, 1, 1}).to(m->device);
        m->norm_add[k] = torch::tensor(add).reshape({1, e.in_channels, 1, 1}).to(m->device);
    }
}

void build(mt_model *m, const mt_model_spec &in) {
    resolve_spec(m, in);
    choose_device(m);
    mt::LossScaler::resolve(m->spec.amp);
    m->scaler.init(m->spec.amp);
    // Weight init draws from LibTorch's global generator; seeding it here makes a spec and a
    // seed give the same initial weights in every process.
    torch::manual_seed(m->spec.seed);
    m->net = mt::Net(m->spec);
    m->net->to(m->device);
    m->training_mode = true;
    make_generator(m);
    make_optimizer(m);
    make_normalisation(m);
}

void apply_freeze(mt_model *m, int g, bool frozen) {
    m->frozen[g] = frozen;
    for (auto &p : m->params[g]) {
        p.set_requires_grad(!frozen);
        if (frozen && p.grad().defined()) p.mutable_grad().reset();
    }
    for (auto *mod : m->modules[g]) mod->train(m->training_mode && !frozen);
}

// ---- checkpoints: one archive, also used in memory by mt_model_clone ----

void write_archive(const mt_model *m, torch::serialize::OutputArchive &ar) {
    ar.write("format_version", c10::IValue(kCheckpointFormat));
    ar.write("spec", c10::IValue(mt::spec_text(m->spec)));
    torch::serialize::OutputArchive net, opt;
    m->net->save(net);
    m->opt->save(opt);
    ar.write("net", net);
    ar.write("optimizer", opt);
    std::vector<double> lr;
    std::vector<int64_t> frozen;
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        lr.push_back(const_cast<mt_model *>(m)->opt->param_groups()[(size_t)g].options().get_lr());
        frozen.push_back(m->frozen[g]);
        for (size_t i = 0; i < m->snapshot[g].size(); i++)
            ar.write("snapshot." + std::to_string(g) + "." + std::to_string(i), m->snapshot[g][i], true);
        ar.write("snapshot_size." + std::to_string(g), c10::IValue((int64_t)m->snapshot[g].size()));
    }
    ar.write("lr", torch::tensor(lr, torch::kFloat64), true);
    ar.write("frozen", torch::tensor(frozen, torch::kInt64), true);
    ar.write("generator", m->gen.get_state(), true);
    const mt::LossScaler &sc = m->scaler;
    ar.write("scaler",
             torch::tensor({sc.active ? 1.0 : 0.0, sc.scale, (double)sc.tracker, (double)sc.skipped}, torch::kFloat64),
             true);
}

std::string spec_diff(const std::string &have, const std::string &want) {
    std::istringstream a(have), b(want);
    std::string la, lb, diff;
    while (true) {
        bool ga = (bool)std::getline(a, la), gb = (bool)std::getline(b, lb);
        if (!ga && !gb) break;
        if (la != lb) {
            std::string key = la.substr(0, la.find('='));
            diff += (diff.empty() ? "" : "; ") + key + ": checkpoint has " + lb.substr(lb.find('=') + 1) +
                    ", model has " + la.substr(la.find('=') + 1);
        }
        if (!ga) la.clear();
        if (!gb) lb.clear();
    }
    return diff;
}

void read_archive(mt_model *m, torch::serialize::InputArchive &ar, const std::string &what) {
    c10::IValue v;
    if (!ar.try_read("format_version", v) || !v.isInt())
        throw Error(MT_EMISMATCH, what + ": not a miles checkpoint (no format_version)");
    if (v.toInt() != kCheckpointFormat)
        throw Error(MT_EMISMATCH, what + ": checkpoint format " + std::to_string(v.toInt()) + ", this build reads " +
                                      std::to_string(kCheckpointFormat));
    ar.read("spec", v);
    std::string diff = spec_diff(mt::spec_text(m->spec), v.toStringRef());
    if (!diff.empty()) throw Error(MT_EMISMATCH, what + ": written for a different model spec: " + diff);

    torch::serialize::InputArchive net, opt;
    ar.read("net", net);
    ar.read("optimizer", opt);
    m->net->load(net);
    m->opt->load(opt);
    Tensor lr, frozen, gen;
    ar.read("lr", lr, true);
    ar.read("frozen", frozen, true);
    ar.read("generator", gen, true);
    lr = lr.to(torch::kCPU);
    frozen = frozen.to(torch::kCPU);
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        group_options(m, g).set_lr(lr[g].item<double>());
        apply_freeze(m, g, frozen[g].item<int64_t>() != 0);
        ar.read("snapshot_size." + std::to_string(g), v);
        m->snapshot[g].clear();
        for (int64_t i = 0; i < v.toInt(); i++) {
            Tensor t;
            ar.read("snapshot." + std::to_string(g) + "." + std::to_string(i), t, true);
            m->snapshot[g].push_back(t.to(m->device));
        }
    }
    m->gen.set_state(gen.to(torch::kCPU));
    // Checkpoints from before mixed precision have no scaler; one written in another precision
    // has nothing this model's scaler could use.
    Tensor sc;
    if (ar.try_read("scaler", sc, true) && m->scaler.active) {
        sc = sc.to(torch::kCPU);
        if (sc.numel() == 4 && sc[0].item<double>() != 0) {
            m->scaler.scale = sc[1].item<double>();
            m->scaler.tracker = (int64_t)sc[2].item<double>();
            m->scaler.skipped = (int64_t)sc[3].item<double>();
        }
    }
}

std::vector<Tensor> group_tensors(const mt_model *m, int g) {
    std::vector<Tensor> all;
    if (g == MT_GROUP_ALL) {
        for (int k = 0; k < MT_NUM_GROUPS; k++) all.insert(all.end(), m->params[k].begin(), m->params[k].end());
    } else {
        all = m->params[g];
    }
    return all;
}

void read_flat(const mt_model *m, int group, float *out, int64_t count, bool grads) {
    check_group(group, true);
    if (!out) throw Error(MT_EINVAL, "out: NULL");
    std::vector<Tensor> ts = group_tensors(m, group);
    int64_t total = 0;
    for (auto &t : ts) total += t.numel();
    if (count != total)
        throw Error(MT_EINVAL, "count: expected the group's parameter count " + std::to_string(total) + ", found " +
                                   std::to_string(count));
    torch::NoGradGuard ng;
    int64_t off = 0;
    for (auto &t : ts) {
        Tensor src = grads ? t.grad() : t;
        if (src.defined()) {
            Tensor h = src.detach().to(torch::kCPU, torch::kFloat32).contiguous();
            std::memcpy(out + off, h.data_ptr<float>(), sizeof(float) * (size_t)h.numel());
        } else {
            std::memset(out + off, 0, sizeof(float) * (size_t)t.numel());
        }
        off += t.numel();
    }
}

// The bytes of a checkpoint go to PATH.tmp through plain POSIX calls. LibTorch's stream
// writer must never see a failed write: it throws from inside its destructor on the way out
// ("failed writing central directory"), which terminates the process. So the sink swallows
// every byte after the first error, keeps its errno, and the save fails afterwards with it.
struct FileSink {
    int fd = -1;
    int err = 0;
    size_t operator()(const void *p, size_t n) {
        const char *c = static_cast<const char *>(p);
        for (size_t off = 0; off < n && !err;) {
            ssize_t w = ::write(fd, c + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) err = errno;
            else off += (size_t)w;
        }
        return n;
    }
};

void write_checkpoint_file(torch::serialize::OutputArchive &ar, const std::string &path) {
    std::string tmp = path + ".tmp";
    FileSink sink;
    sink.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (sink.fd < 0) throw Error(MT_EIO, tmp + ": cannot create checkpoint: " + std::strerror(errno));
    try {
        ar.save_to([&sink](const void *p, size_t n) { return sink(p, n); });
    } catch (...) {
        ::close(sink.fd);
        std::remove(tmp.c_str());
        throw;
    }
    if (!sink.err && ::fsync(sink.fd) != 0) sink.err = errno;
    if (::close(sink.fd) != 0 && !sink.err) sink.err = errno;
    if (sink.err) {
        std::remove(tmp.c_str());
        throw Error(MT_EIO, tmp + ": cannot write checkpoint: " + std::strerror(sink.err));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(MT_EIO, path + ": cannot rename " + tmp + " into place: " + why);
    }
}

// ---- which BLAS LibTorch calls ----

struct BlasInfo {
    std::string text;
    bool reference = false;
};

// The library the process's sgemm_ resolves to: LibTorch's BLAS calls bind the same way (the
// global lookup, first loaded first). Its real path says which implementation it is (Debian's
// libblas.so.3 is a chain of alternatives symlinks); an OpenBLAS also loaded beside the
// reference BLAS (LAPACK pulls it in) does not count unless sgemm_ is its.
BlasInfo find_blas() {
    BlasInfo r;
    void *sgemm = ::dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info di{};
    if (!sgemm || !::dladdr(sgemm, &di) || !di.dli_fname) {
        r.text = "no sgemm_ among the loaded libraries (LibTorch's own BLAS, e.g. MKL linked in)";
        return r;
    }
    char real[PATH_MAX];
    std::string path = ::realpath(di.dli_fname, real) ? real : di.dli_fname;
    void *h = ::dlopen(di.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    using config_fn = char *(*)();
    using parallel_fn = int (*)();
    auto cfg = h ? reinterpret_cast<config_fn>(::dlsym(h, "openblas_get_config")) : nullptr;
    auto par = h ? reinterpret_cast<parallel_fn>(::dlsym(h, "openblas_get_parallel")) : nullptr;
    bool mkl = h && (::dlsym(h, "mkl_get_version_string") || ::dlsym(h, "MKL_Get_Version_String"));
    if (cfg) {
        std::string c = cfg();
        std::string version = c.substr(0, c.find(' ', 9)); // "OpenBLAS 0.3.21"
        static const char *mode[] = {"sequential", "pthread", "openmp"};
        int pm = par ? par() : -1;
        r.text = version + " (" + (pm >= 0 && pm <= 2 ? mode[pm] : "?") + ")";
    } else if (mkl) {
        r.text = "MKL";
    } else if (path.find("/blas/") != std::string::npos || path.find("netlib") != std::string::npos) {
        r.text = "reference BLAS (netlib, unoptimised)";
        r.reference = true;
    } else {
        r.text = "unknown BLAS";
    }
    if (h) ::dlclose(h);
    r.text += ": " + path;
    return r;
}

} // namespace

// ================================ exported API ================================

extern "C" {

const char *mt_last_error(void) { return g_last_error.c_str(); }

const char *mt_status_name(mt_status s) {
    switch (s) {
    case MT_OK: return "ok";
    case MT_EINVAL: return "invalid argument";
    case MT_ESHAPE: return "shape mismatch";
    case MT_ETORCH: return "LibTorch error";
    case MT_EIO: return "I/O error";
    case MT_EMISMATCH: return "checkpoint mismatch";
    case MT_ESTATE: return "invalid state";
    case MT_EDEVICE: return "device unavailable";
    case MT_ENOMEM: return "out of memory";
    }
    return "unknown status";
}

const char *mt_torch_version(void) {
#ifdef TORCH_VERSION
    return TORCH_VERSION;
#else
    static const std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                                 std::to_string(TORCH_VERSION_PATCH);
    return v.c_str();
#endif
}

int mt_cuda_available(void) {
    try {
        return torch::cuda::is_available() ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

mt_status mt_cuda_memory_fraction(double fraction) {
    MT_GUARD({
        if (!(fraction > 0 && fraction <= 1))
            throw Error(MT_EINVAL, "fraction: expected a value in (0, 1], found " + std::to_string(fraction));
        if (!torch::cuda::is_available()) return MT_OK;
#if MT_MEMORY_FRACTION
        // The allocator exists once CUDA is initialised; a first tensor does that.
        (void)torch::empty({1}, torch::TensorOptions().device(torch::kCUDA));
        c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, 0);
#else
        throw Error(MT_EDEVICE, "this build cannot set a CUDA memory share (built without the CUDA runtime's headers)");
#endif
    })
}

const char *mt_blas_info(int *reference) {
    static const BlasInfo info = find_blas();
    if (reference) *reference = info.reference ? 1 : 0;
    return info.text.c_str();
}

void mt_spec_init(mt_model_spec *s) {
    if (!s) return;
    std::memset(s, 0, sizeof *s);
    s->fusion = MT_FUSION_CONCAT;
    s->aux_heads = 1;
    s->optim.kind = MT_OPTIM_ADAM;
    s->optim.lr = 1e-3;
    s->optim.beta1 = 0.9;
    s->optim.beta2 = 0.999;
    s->optim.eps = 1e-8;
    s->device = MT_DEVICE_AUTO;
}

mt_status mt_encoder_resolve(mt_encoder_spec *enc){MT_GUARD({
    if (!enc) throw Error(MT_EINVAL, "enc: NULL");
    mt_encoder_spec e = *enc;
    mt::resolve_encoder(e, 0);
    *enc = e;
})}

mt_status mt_encoder_feature_dim(const mt_encoder_spec *enc, int *dim){MT_GUARD({
    if (!enc || !dim) throw Error(MT_EINVAL, "enc/dim: NULL");
    mt_encoder_spec e = *enc;
    mt::resolve_encoder(e, 0);
    *dim = (int)mt::encoder_feature_dim(e);
})}

mt_status mt_model_create(const mt_model_spec *spec, mt_model **out) {
    if (out) *out = nullptr;
    MT_GUARD({
        if (!spec || !out) throw Error(MT_EINVAL, "spec/out: NULL");
        auto m = std::make_unique<mt_model>();
        build(m.get(), *spec);
        *out = m.release();
    })
}

void mt_model_free(mt_model *m) { delete m; }

mt_status mt_model_clone(const mt_model *src, mt_model **out) {
    if (out) *out = nullptr;
    MT_GUARD({
        if (!src || !out) throw Error(MT_EINVAL, "src/out: NULL");
        auto m = std::make_unique<mt_model>();
        build(m.get(), src->spec);
        torch::serialize::OutputArchive ar;
        write_archive(src, ar);
        std::ostringstream os;
        ar.save_to(os);
        std::istringstream is(os.str());
        torch::serialize::InputArchive in;
        in.load_from(is, m->device);
        read_archive(m.get(), in, "clone");
        set_mode(m.get(), src->training_mode);
        *out = m.release();
    })
}

const mt_model_spec *mt_model_spec_of(const mt_model *m) { return m ? &m->spec : nullptr; }

const char *mt_model_device(const mt_model *m) { return m ? m->device_name.c_str() : ""; }

mt_status mt_param_count(const mt_model *m, int group, int64_t *count){MT_GUARD({
    if (!m || !count) throw Error(MT_EINVAL, "model/count: NULL");
    check_group(group, true);
    int64_t n = 0;
    for (auto &t : group_tensors(m, group)) n += t.numel();
    *count = n;
})}

mt_status mt_train_step_out(mt_model *m, const mt_batch *b, const float weights[MT_NUM_HEADS], mt_step_result *res,
                            const mt_eval_out *out){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    if (weights)
        for (int h = 0; h < MT_NUM_HEADS; h++)
            if (!std::isfinite(weights[h]) || weights[h] < 0)
                throw Error(MT_EINVAL, "weights[" + std::to_string(h) + "]: expected a finite value >= 0, found " +
                                           std::to_string(weights[h]));
    run_batch(m, b, weights, res, true, out);
})}

mt_status mt_train_step(mt_model *m, const mt_batch *b, const float weights[MT_NUM_HEADS], mt_step_result *res) {
    return mt_train_step_out(m, b, weights, res, nullptr);
}

mt_status mt_scale_grad(mt_model *m, int group, double coef, double noise_factor, int all_params){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    check_group(group);
    if (!std::isfinite(coef) || !std::isfinite(noise_factor) || noise_factor < 0)
        throw Error(MT_EINVAL, "coef/noise_factor: expected finite values and noise_factor >= 0");
    torch::NoGradGuard ng;
    for (auto &p : m->params[group]) {
        Tensor g = p.mutable_grad();
        if (!g.defined() || (!all_params && g.dim() != 4)) continue;
        if (noise_factor > 0) {
            // The OGM-GE reference: std of the unscaled gradient, plus 1e-8.
            Tensor sd = (g.std() + 1e-8) * noise_factor;
            Tensor noise = torch::empty_like(g).normal_(0.0, 1.0, m->gen);
            g.mul_(coef).addcmul_(noise, sd);
        } else {
            g.mul_(coef);
        }
    }
})}

mt_status mt_optimizer_step(mt_model *m){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    if (m->scaler.step_allowed()) m->opt->step();
})}

mt_status mt_scaler_get(const mt_model *m, mt_scaler_info *out){MT_GUARD({
    if (!m || !out) throw Error(MT_EINVAL, "model/out: NULL");
    out->scale = m->scaler.scale;
    out->growth_tracker = m->scaler.tracker;
    out->skipped_steps = m->scaler.skipped;
    out->overflow = m->scaler.overflow ? 1 : 0;
})}

mt_status mt_eval_batch(mt_model *m, const mt_batch *b, mt_step_result *res, const mt_eval_out *out){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    run_batch(m, b, nullptr, res, false, out);
})}

mt_status mt_encoder_forward(mt_model *m, int enc, const mt_input *x, float *feature, float *hidden){MT_GUARD({
    if (!m || !x) throw Error(MT_EINVAL, "model/x: NULL");
    if (enc != MT_GROUP_A && enc != MT_GROUP_B)
        throw Error(MT_EINVAL, "enc: expected 0 (A) or 1 (B), found " + std::to_string(enc));
    auto *bert = dynamic_cast<mt::BertImpl *>(m->net->enc[enc].get());
    if (hidden && !bert) throw Error(MT_EINVAL, "hidden: only a BERT encoder has hidden states; pass NULL");
    if (x->ndim < 1 || x->ndim > 5 || x->shape[0] < 1)
        throw Error(MT_ESHAPE, "x: expected ndim 1..5 and n >= 1, found ndim " + std::to_string(x->ndim));
    mt::EncoderInput in = encoder_input(m, enc, *x, x->shape[0]);
    set_mode(m, false);
    torch::NoGradGuard ng;
    Tensor f;
    Tensor h; // (two declarations: a comma would split the MT_GUARD argument)
    if (bert) std::tie(h, f) = bert->run(in);
    else f = m->net->enc[enc]->forward(in);
    copy_to_host(f, feature);
    copy_to_host(h, hidden);
})}

mt_status mt_group_set_lr(mt_model *m, int group, double lr){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    check_group(group);
    if (!(lr >= 0) || !std::isfinite(lr))
        throw Error(MT_EINVAL, "lr: expected a finite value >= 0, found " + std::to_string(lr));
    group_options(m, group).set_lr(lr);
})}

mt_status mt_group_get_lr(const mt_model *m, int group, double *lr){MT_GUARD({
    if (!m || !lr) throw Error(MT_EINVAL, "model/lr: NULL");
    check_group(group);
    *lr = group_options(const_cast<mt_model *>(m), group).get_lr();
})}

mt_status mt_group_freeze(mt_model *m, int group, int frozen){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    check_group(group);
    apply_freeze(m, group, frozen != 0);
})}

mt_status mt_group_is_frozen(const mt_model *m, int group, int *frozen){MT_GUARD({
    if (!m || !frozen) throw Error(MT_EINVAL, "model/frozen: NULL");
    check_group(group);
    *frozen = m->frozen[group] ? 1 : 0;
})}

mt_status mt_group_snapshot(mt_model *m, int group){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    check_group(group);
    torch::NoGradGuard ng;
    std::vector<Tensor> snap;
    for (auto &p : m->params[group]) snap.push_back(p.detach().clone());
    for (auto &b : m->buffers[group]) snap.push_back(b.detach().clone());
    m->snapshot[group] = std::move(snap);
})}

mt_status mt_group_restore(mt_model *m, int group){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    check_group(group);
    auto &snap = m->snapshot[group];
    if (snap.empty()) throw Error(MT_ESTATE, "group " + std::to_string(group) + ": restore without a snapshot");
    torch::NoGradGuard ng;
    size_t i = 0;
    for (auto &p : m->params[group]) p.copy_(snap[i++]);
    for (auto &b : m->buffers[group]) b.copy_(snap[i++]);
})}

mt_status mt_group_read_params(const mt_model *m, int group, float *out, int64_t count){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    read_flat(m, group, out, count, false);
})}

mt_status mt_group_read_grads(const mt_model *m, int group, float *out, int64_t count){MT_GUARD({
    if (!m) throw Error(MT_EINVAL, "model: NULL");
    read_flat(m, group, out, count, true);
})}

mt_status mt_model_save(const mt_model *m, const char *path){MT_GUARD({
    if (!m || !path || !path[0]) throw Error(MT_EINVAL, "model/path: NULL or empty");
    torch::serialize::OutputArchive ar;
    write_archive(m, ar);
    write_checkpoint_file(ar, path);
})}

mt_status mt_encoder_load_safetensors(mt_model *m, int enc, const char *path, const char *prefix){MT_GUARD({
    if (!m || !path || !path[0]) throw Error(MT_EINVAL, "model/path: NULL or empty");
    if (enc != MT_GROUP_A && enc != MT_GROUP_B)
        throw Error(MT_EINVAL, "enc: expected 0 (A) or 1 (B), found " + std::to_string(enc));
    mt::EncoderBase &e = *m->net->enc[enc];
    std::string what = std::string("encoder ") + (enc == 0 ? "A" : "B") + " (" + e.ecosystem() + ")";
    mt::load_safetensors(e, path, prefix ? prefix : "", what);
})}

mt_status mt_save_safetensors(const mt_model *m, int what, const char *path){MT_GUARD({
    if (!m || !path || !path[0]) throw Error(MT_EINVAL, "model/path: NULL or empty");
    if (what != MT_GROUP_A && what != MT_GROUP_B && what != MT_GROUP_ALL)
        throw Error(MT_EINVAL,
                    "what: expected 0 (encoder A), 1 (encoder B) or -1 (all), found " + std::to_string(what));
    mt::NetImpl &net = *const_cast<mt_model *>(m)->net;
    std::vector<mt::NamedWeight> w;
    if (what == MT_GROUP_ALL) {
        for (int k = 0; k < 2; k++)
            for (auto &x : net.enc[k]->ecosystem_weights())
                w.push_back({(k == 0 ? "a." : "b.") + x.name, x.tensor, x.optional});
        for (auto &x : net.fusion_weights()) w.push_back(x);
    } else {
        w = net.enc[what]->ecosystem_weights();
    }
    mt::save_safetensors(w, path);
})}

mt_status mt_model_load(mt_model *m, const char *path) {
    MT_GUARD({
        if (!m || !path || !path[0]) throw Error(MT_EINVAL, "model/path: NULL or empty");
        torch::serialize::InputArchive ar;
        try {
            ar.load_from(std::string(path), m->device);
            read_archive(m, ar, path);
        } catch (const std::bad_alloc &) {
            // a damaged pickle announces absurd sizes: that is damage, not a lack of memory
            throw Error(MT_EIO, std::string(path) + ": damaged checkpoint (a record asks for impossible sizes)");
        } catch (const Error &) {
            throw; // ours already says what is wrong (another spec, another format)
        } catch (const c10::Error &e) {
            throw Error(MT_EIO, std::string(path) + ": damaged checkpoint: " + torch_message(e));
        } catch (const std::exception &e) {
            throw Error(MT_EIO, std::string(path) + ": damaged checkpoint: " + e.what());
        }
    })
}

} // extern "C"
