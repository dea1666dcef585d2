// Moving data across the boundary: typed arrays in, typed arrays out, and a tensor's metadata.
#include <ATen/ATen.h>
#include <cstring>
#include "common.h"

namespace gim {
namespace {

std::vector<int64_t> toShape(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + ": shape must be an array");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    int64_t d = toInt(arr.Get(i), what + "[" + std::to_string(i) + "]");
    if (d < 0) throw Napi::RangeError::New(v.Env(), what + ": negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  return shape;
}

// fromBuffer(typedArray, shape, scalarType): a new CPU tensor holding a copy of the bytes.
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBuffer: data must be a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  auto shape = toShape(info[1], "fromBuffer(shape)");
  auto dtype = static_cast<at::ScalarType>(toInt(info[2], "fromBuffer(dtype)"));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t bytes = t.numel() * t.element_size();
  if (ta.ByteLength() != bytes) {
    throw Napi::RangeError::New(env, "fromBuffer: " + std::to_string(ta.ByteLength()) + " bytes given for shape " +
                                         c10::str(t.sizes()) + " of " + c10::toString(dtype) + " (" + std::to_string(bytes) + " bytes)");
  }
  if (bytes > 0) {
    const uint8_t* src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::memcpy(t.data_ptr(), src, bytes);
  }
  return wrapTensor(env, std::move(t));
}

// toBuffer(handle): the tensor's values, row-major, copied into a fresh ArrayBuffer.
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrapTensor(info[0], "toBuffer").detach().to(at::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  return buf;
}

// meta(handle): [shape, scalarType, device, requiresGrad]
Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrapTensor(info[0], "meta");
  auto shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  auto out = Napi::Array::New(env, 4);
  out.Set(0u, shape);
  out.Set(1u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  out.Set(2u, Napi::String::New(env, t.device().str()));
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

// sameStorage(a, b): whether two handles view the same memory (for tests of views and in-place ops).
Napi::Value SameStorage(const Napi::CallbackInfo& info) {
  const at::Tensor& a = unwrapTensor(info[0], "sameStorage(a)");
  const at::Tensor& b = unwrapTensor(info[1], "sameStorage(b)");
  return Napi::Boolean::New(info.Env(), a.storage().is_alias_of(b.storage()));
}

}  // namespace

void initTensorIO(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBuffer", Napi::Function::New(env, guarded<FromBuffer>));
  exports.Set("toBuffer", Napi::Function::New(env, guarded<ToBuffer>));
  exports.Set("meta", Napi::Function::New(env, guarded<Meta>));
  exports.Set("sameStorage", Napi::Function::New(env, guarded<SameStorage>));
}

}  // namespace gim
