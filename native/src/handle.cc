// Tensor handles: a type-tagged napi External holding one at::Tensor reference, and the live counter.
#include <atomic>
#include <cmath>
#include <sstream>
#include "common.h"

namespace gim {
namespace {

struct TensorBox {
  at::Tensor t;
};

// Random tag so that foreign externals are never mistaken for tensors.
const napi_type_tag kTensorTag = {0x6d1b7c0e2f4a4d11ULL, 0x9a0c5e77b3e2f1d3ULL};
std::atomic<int64_t> liveCount{0};

void release(TensorBox* box) {
  if (box->t.defined()) {
    box->t.reset();
    liveCount--;
  }
}

void finalize(Napi::Env, TensorBox* box) {
  release(box);
  delete box;
}

TensorBox* boxOf(const Napi::Value& v, const std::string& what) {
  if (!v.IsExternal() || !v.As<Napi::External<TensorBox>>().CheckTypeTag(&kTensorTag)) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a tensor handle");
  }
  return v.As<Napi::External<TensorBox>>().Data();
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  release(boxOf(info[0], "dispose"));
  return info.Env().Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !boxOf(info[0], "isDisposed")->t.defined());
}

Napi::Value LiveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveCount.load()));
}

}  // namespace

Napi::Value wrapTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* box = new TensorBox{std::move(t)};
  liveCount++;
  auto ext = Napi::External<TensorBox>::New(env, box, finalize);
  ext.TypeTag(&kTensorTag);
  return ext;
}

at::Tensor& unwrapTensor(const Napi::Value& v, const std::string& what) {
  TensorBox* box = boxOf(v, what);
  if (!box->t.defined()) throw Napi::Error::New(v.Env(), what + ": tensor was already disposed");
  return box->t;
}

bool isTensorHandle(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::External<TensorBox>>().CheckTypeTag(&kTensorTag);
}

int64_t toInt(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), what + ": expected an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) throw Napi::TypeError::New(v.Env(), what + ": expected an integer, got " + std::to_string(d));
  // Converting a double outside int64's range is undefined behaviour: refuse it. 2^63 is exact as a double.
  constexpr double kInt64Limit = 9223372036854775808.0;
  if (d < -kInt64Limit || d >= kInt64Limit) {
    std::ostringstream got;
    got << d;
    throw Napi::RangeError::New(v.Env(), what + ": integer out of the int64 range, got " + got.str());
  }
  return static_cast<int64_t>(d);
}

double toDouble(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), what + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

void initHandle(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", Napi::Function::New(env, guarded<Dispose>));
  exports.Set("isDisposed", Napi::Function::New(env, guarded<IsDisposed>));
  exports.Set("liveTensors", Napi::Function::New(env, guarded<LiveTensors>));
}

}  // namespace gim
