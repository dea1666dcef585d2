// Shared helpers of the addon: the error boundary and tensor handles.
#pragma once
#include <napi.h>
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <functional>
#include <string>

namespace gim {

// Every exported function runs inside this boundary: libtorch's exceptions become JS Errors
// carrying libtorch's message (without its C++ backtrace); the process never aborts.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// A JS handle owns one at::Tensor reference. dispose() drops it at once; GC drops it otherwise.
Napi::Value wrapTensor(Napi::Env env, at::Tensor t);
at::Tensor& unwrapTensor(const Napi::Value& v, const std::string& what);
bool isTensorHandle(const Napi::Value& v);

int64_t toInt(const Napi::Value& v, const std::string& what);
double toDouble(const Napi::Value& v, const std::string& what);

void initHandle(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initTensorIO(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initMemoryPolicy(Napi::Env env, Napi::Object exports);
void initAdam(Napi::Env env, Napi::Object exports);
void initProfiler(Napi::Env env, Napi::Object exports);
void initDistributed(Napi::Env env, Napi::Object exports);

}  // namespace gim
