// Shared by the c10d bindings (c10d_store.cc, distributed.cc): libtorch's exceptions as JS Errors naming what
// failed, type-tagged handles, and argument conversions.
#pragma once
#ifndef USE_C10D_GLOO
#error "c10d's Gloo headers were not found: install libgloo-dev (Debian) or use a libtorch that ships include/gloo"
#endif
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>
#include "common.h"

namespace gim {
namespace c10dbind {

// ---- errors -----------------------------------------------------------------------------------------------------

// The message of the exception in flight: libtorch's without its C++ backtrace.
inline std::string messageOf(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const c10::Error& err) {
    return err.what_without_backtrace();
  } catch (const std::exception& err) {
    return err.what();
  } catch (...) {
    return "unknown error";
  }
}

// Runs f; any C++ exception becomes a JS Error "<what>: <libtorch's message>".
template <typename F>
inline auto withContext(Napi::Env env, const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw Napi::Error::New(env, what + ": " + messageOf(std::current_exception()));
  }
}

// ---- handles ----------------------------------------------------------------------------------------------------

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
  int port = 0;
};
inline constexpr napi_type_tag kStoreTag = {0x3c1f0b5e8d2a4c71ULL, 0xb7e94d0a61f2c358ULL};
inline constexpr napi_type_tag kGroupTag = {0x5a8e2d47c90b1f36ULL, 0x8f03c6e1d5b7a942ULL};
inline constexpr napi_type_tag kWorkTag = {0x91d4b7e20c6f3a58ULL, 0x2e6a0f9c4b8d17e3ULL};

template <typename T>
Napi::Value boxed(Napi::Env env, T* p, const napi_type_tag& tag) {
  auto ext = Napi::External<T>::New(env, p, [](Napi::Env, T* q) { delete q; });
  ext.TypeTag(&tag);
  return ext;
}

template <typename T>
T* unbox(const Napi::Value& v, const napi_type_tag& tag, const std::string& kind, const std::string& what) {
  if (!v.IsExternal() || !v.As<Napi::External<T>>().CheckTypeTag(&tag)) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a " + kind + " handle");
  }
  return v.As<Napi::External<T>>().Data();
}

inline c10d::Store& storeOf(const Napi::Value& v, const std::string& what) {
  auto* box = unbox<StoreBox>(v, kStoreTag, "TcpStore", what);
  if (!box->store) throw Napi::Error::New(v.Env(), what + ": the store was closed");
  return *box->store;
}

// ---- arguments --------------------------------------------------------------------------------------------------

inline std::string toStr(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), what + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

inline std::chrono::milliseconds toMs(const Napi::Value& v, const std::string& what) {
  int64_t ms = toInt(v, what);
  if (ms < 1) throw Napi::RangeError::New(v.Env(), what + ": expected a timeout >= 1 ms, got " + std::to_string(ms));
  return std::chrono::milliseconds(ms);
}

inline int toIntIn(const Napi::Value& v, int64_t lo, int64_t hi, const std::string& what) {
  int64_t n = toInt(v, what);
  if (n < lo || n > hi) {
    throw Napi::RangeError::New(v.Env(), what + ": expected an integer in [" + std::to_string(lo) + ", " +
                                             std::to_string(hi) + "], got " + std::to_string(n));
  }
  return static_cast<int>(n);
}

}  // namespace c10dbind
}  // namespace gim
