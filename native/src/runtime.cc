// Process-wide runtime: threads, random generator (seed and state), devices, version.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/utils.h>
#include <torch/version.h>
#include <cstring>
#include <limits>
#include <mutex>
#include "common.h"

namespace gim {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = toInt(info[0], "setNumThreads(n)");
  if (n < 1 || n > std::numeric_limits<int>::max()) {
    throw Napi::RangeError::New(info.Env(), "setNumThreads(n): n must be an integer in [1, " +
                                                std::to_string(std::numeric_limits<int>::max()) + "], got " +
                                                std::to_string(n));
  }
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// cudaDeviceCount(): CUDA devices libtorch sees (0 when the build has no CUDA); through the device-guard registry,
// which libtorch_cuda fills when it is loaded, the same in libtorch 1.x and 2.x.
Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  int count = 0;
  if (c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA)) {
    count = c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->deviceCount();
  }
  return Napi::Number::New(info.Env(), count);
}

// manualSeed(seed): seeds the CPU generator and every CUDA generator (torch::manual_seed, as torch.manual_seed).
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  int64_t seed = toInt(info[0], "manualSeed(seed)");
  if (seed < 0) {
    throw Napi::RangeError::New(info.Env(), "manualSeed(seed): seed must be >= 0, got " + std::to_string(seed));
  }
  torch::manual_seed(static_cast<uint64_t>(seed));
  return info.Env().Undefined();
}

// getRngState(): the CPU generator's full state as bytes (mt19937 + normal cache).
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  at::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  auto out = Napi::Uint8Array::New(info.Env(), state.numel());
  std::memcpy(out.Data(), state.data_ptr(), state.numel());
  return out;
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "setRngState(state): expected a Uint8Array");
  auto bytes = info[0].As<Napi::Uint8Array>();
  at::Tensor state = at::empty({static_cast<int64_t>(bytes.ElementLength())}, at::kByte);
  std::memcpy(state.data_ptr(), bytes.Data(), bytes.ElementLength());
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

}  // namespace

void initRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, guarded<SetNumThreads>));
  exports.Set("getNumThreads", Napi::Function::New(env, guarded<GetNumThreads>));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, guarded<CudaDeviceCount>));
  exports.Set("manualSeed", Napi::Function::New(env, guarded<ManualSeed>));
  exports.Set("getRngState", Napi::Function::New(env, guarded<GetRngState>));
  exports.Set("setRngState", Napi::Function::New(env, guarded<SetRngState>));
  exports.Set("version", Napi::Function::New(env, guarded<Version>));
}

}  // namespace gim
