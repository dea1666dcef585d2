// Autograd from JS: backward, .grad, requires_grad and the thread's grad mode (for noGrad).
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include "common.h"

namespace gim {
namespace {

// backward(loss, gradient|null, retainGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = unwrapTensor(info[0], "backward");
  at::Tensor grad;
  if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) grad = unwrapTensor(info[1], "backward(gradient)");
  bool retain = info.Length() > 2 && info[2].ToBoolean().Value();
  t.backward(grad, retain);
  return info.Env().Undefined();
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& g = unwrapTensor(info[0], "grad").grad();
  return wrapTensor(info.Env(), g);
}

// zeroGrad(handle): drops the accumulated gradient (set_to_none semantics).
Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  unwrapTensor(info[0], "zeroGrad").mutable_grad().reset();
  return info.Env().Undefined();
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  unwrapTensor(info[0], "setRequiresGrad").set_requires_grad(info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

// setData(param, src): make `param` hold src's data (device, dtype, values) while staying the same tensor — what
// Module.to(device) needs so that every holder of a parameter sees the moved one.
Napi::Value SetData(const Napi::CallbackInfo& info) {
  at::Tensor& dst = unwrapTensor(info[0], "setData(param)");
  dst.set_data(unwrapTensor(info[1], "setData(src)"));
  return info.Env().Undefined();
}

// setGradEnabled(on): returns the previous mode so that noGrad can restore it.
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, guarded<Backward>));
  exports.Set("grad", Napi::Function::New(env, guarded<Grad>));
  exports.Set("zeroGrad", Napi::Function::New(env, guarded<ZeroGrad>));
  exports.Set("setRequiresGrad", Napi::Function::New(env, guarded<SetRequiresGrad>));
  exports.Set("setData", Napi::Function::New(env, guarded<SetData>));
  exports.Set("setGradEnabled", Napi::Function::New(env, guarded<SetGradEnabled>));
  exports.Set("isGradEnabled", Napi::Function::New(env, guarded<IsGradEnabled>));
}

}  // namespace gim
