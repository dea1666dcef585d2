// adamStep: one Adam update over a parameter group, the same arithmetic as torch.optim.Adam
// (amsgrad off, L2 weight decay added to the gradient), done with ATen in-place ops.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <cmath>
#include "common.h"

namespace gim {
namespace {

// adamStep(params[], expAvg[], expAvgSq[], step, lr, beta1, beta2, eps, weightDecay)
// `step` is the 1-based count after this update. Parameters without a gradient are skipped.
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto params = info[0].As<Napi::Array>();
  auto expAvg = info[1].As<Napi::Array>();
  auto expAvgSq = info[2].As<Napi::Array>();
  if (expAvg.Length() != params.Length() || expAvgSq.Length() != params.Length()) {
    throw Napi::RangeError::New(env, "adamStep: params, expAvg and expAvgSq must have the same length");
  }
  double step = toDouble(info[3], "adamStep(step)");
  double lr = toDouble(info[4], "adamStep(lr)");
  double beta1 = toDouble(info[5], "adamStep(beta1)");
  double beta2 = toDouble(info[6], "adamStep(beta2)");
  double eps = toDouble(info[7], "adamStep(eps)");
  double weightDecay = toDouble(info[8], "adamStep(weightDecay)");
  c10::AutoGradMode noGrad(false);
  double bias1 = 1.0 - std::pow(beta1, step);
  double bias2Sqrt = std::sqrt(1.0 - std::pow(beta2, step));
  for (uint32_t i = 0; i < params.Length(); i++) {
    at::Tensor& p = unwrapTensor(params.Get(i), "adamStep(params)");
    if (!p.grad().defined()) continue;
    at::Tensor g = p.grad();
    if (weightDecay != 0.0) g = g.add(p, weightDecay);
    at::Tensor& m = unwrapTensor(expAvg.Get(i), "adamStep(expAvg)");
    at::Tensor& v = unwrapTensor(expAvgSq.Get(i), "adamStep(expAvgSq)");
    m.lerp_(g, 1.0 - beta1);                         // m = b1 m + (1 - b1) g
    v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);       // v = b2 v + (1 - b2) g²
    at::Tensor denom = (v.sqrt() / bias2Sqrt).add_(eps);
    p.addcdiv_(m, denom, -lr / bias1);               // p -= lr/(1-b1^t) · m / (sqrt(v/(1-b2^t)) + eps)
  }
  return env.Undefined();
}

}  // namespace

void initAdam(Napi::Env env, Napi::Object exports) {
  exports.Set("adamStep", Napi::Function::New(env, guarded<AdamStep>));
}

}  // namespace gim
