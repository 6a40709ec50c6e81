// amp.h - mixed precision for api.cpp: the autocast scope of a forward and FP16's loss scaler.
//
// Internal to the shim, included by api.cpp only (a header, not a translation unit of its own,
// because each shim unit costs ~20 s to compile). The autocast API changed names in LibTorch
// 2.4 (one set_autocast_enabled(device_type, ...) instead of per-device functions), so the
// guard below is written for both, chosen by torch/version.h.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <vector>

#include "mt.h"
#include "net.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define MT_AUTOCAST_BY_DEVICE_TYPE 1
#else
#define MT_AUTOCAST_BY_DEVICE_TYPE 0
#endif

namespace mt {

// Whether a forward on this device runs under autocast, and in which dtype. LibTorch 1.13's CPU
// autocast supports bf16 only, so FP16 on the CPU stays float32 (its scaler still runs).
inline bool autocast_dtype(mt_precision p, bool cuda, at::ScalarType &dtype) {
    if (p == MT_PRECISION_BF16) dtype = at::kBFloat16;
    else if (p == MT_PRECISION_FP16 && cuda) dtype = at::kHalf;
    else return false;
    return true;
}

// Autocast on for one scope (as `with torch.autocast(...)`): the previous state comes back and
// the cast cache is cleared when the outermost scope ends.
class AutocastScope {
  public:
    AutocastScope(mt_precision p, bool cuda) : cuda_(cuda) {
        at::ScalarType dt;
        if (!autocast_dtype(p, cuda, dt)) return;
        active_ = true;
        prev_enabled_ = enabled();
        prev_dtype_ = dtype();
        set(true, dt);
        at::autocast::increment_nesting();
    }
    ~AutocastScope() {
        if (!active_) return;
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
        set(prev_enabled_, prev_dtype_);
    }
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

  private:
#if MT_AUTOCAST_BY_DEVICE_TYPE
    at::DeviceType type() const { return cuda_ ? at::kCUDA : at::kCPU; }
    bool enabled() const { return at::autocast::is_autocast_enabled(type()); }
    at::ScalarType dtype() const { return at::autocast::get_autocast_dtype(type()); }
    void set(bool on, at::ScalarType dt) {
        at::autocast::set_autocast_dtype(type(), dt);
        at::autocast::set_autocast_enabled(type(), on);
    }
#else
    bool enabled() const { return cuda_ ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
    at::ScalarType dtype() const {
        return cuda_ ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    }
    void set(bool on, at::ScalarType dt) {
        if (cuda_) {
            at::autocast::set_autocast_gpu_dtype(dt);
            at::autocast::set_enabled(on);
        } else {
            at::autocast::set_autocast_cpu_dtype(dt);
            at::autocast::set_cpu_enabled(on);
        }
    }
#endif
    bool cuda_;
    bool active_ = false;
    bool prev_enabled_ = false;
    at::ScalarType prev_dtype_ = at::kFloat;
};

// FP16's dynamic loss scale, with torch.amp.GradScaler's rule: unscale right after backward,
// skip a step whose gradients are not finite and back off, grow after growth_interval clean
// steps.
struct LossScaler {
    bool active = false;
    double scale = 1.0, growth = 2.0, backoff = 0.5;
    int64_t interval = 2000, tracker = 0, skipped = 0;
    bool overflow = false;

    // Fills defaults the way mt_amp_spec documents them, and validates.
    static void resolve(mt_amp_spec &a) {
        const int precision = enum_int(a.precision);
        if (precision != MT_PRECISION_FP32 && precision != MT_PRECISION_BF16 && precision != MT_PRECISION_FP16)
            throw Error(MT_EINVAL, "amp.precision: expected fp32, bf16 or fp16, found " + std::to_string(precision));
        if (a.init_scale == 0) a.init_scale = 65536.0;
        if (a.growth == 0) a.growth = 2.0;
        if (a.backoff == 0) a.backoff = 0.5;
        if (a.growth_interval == 0) a.growth_interval = 2000;
        if (!(a.init_scale > 0) || !std::isfinite(a.init_scale) || !(a.growth >= 1) || !std::isfinite(a.growth) ||
            !(a.backoff > 0 && a.backoff <= 1) || a.growth_interval < 1)
            throw Error(MT_EINVAL, "amp: expected init_scale > 0, growth >= 1, 0 < backoff <= 1 and "
                                   "growth_interval >= 1");
    }
    void init(const mt_amp_spec &a) {
        active = a.precision == MT_PRECISION_FP16;
        scale = active ? a.init_scale : 1.0;
        growth = a.growth;
        backoff = a.backoff;
        interval = a.growth_interval;
        tracker = skipped = 0;
        overflow = false;
    }
    // The loss backward sees.
    torch::Tensor scaled(const torch::Tensor &loss) const { return active ? loss * scale : loss; }
    // Divides every gradient by the scale and notes whether any value is inf or NaN (one
    // transfer to the host for all of them).
    void unscale(const std::vector<torch::Tensor> &params) {
        overflow = false;
        if (!active) return;
        torch::NoGradGuard ng;
        torch::Tensor finite;
        for (const auto &p : params) {
            torch::Tensor g = p.grad();
            if (!g.defined()) continue;
            g.mul_(1.0 / scale);
            torch::Tensor ok = torch::isfinite(g).all();
            finite = finite.defined() ? finite.logical_and(ok) : ok;
        }
        overflow = finite.defined() && !finite.item<bool>();
    }
    // Called in place of the optimizer step: true when the step may run; updates the scale.
    bool step_allowed() {
        if (!active) return true;
        bool ok = !overflow;
        if (!ok) {
            scale *= backoff;
            tracker = 0;
            skipped++;
        } else if (++tracker >= interval) {
            scale *= growth;
            tracker = 0;
        }
        overflow = false;
        return ok;
    }
};

} // namespace mt
