// Operator profiler: per-operator call counts, inclusive and self time, through libtorch's RecordFunction callbacks
// (every ATen operator and every autograd backward node reports to them; the API is the same in libtorch 1.13 and 2.x).
#include <ATen/record_function.h>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include "common.h"

namespace gim {
namespace {

using Clock = std::chrono::steady_clock;

struct OpStats {
  int64_t count = 0;
  double totalUs = 0;  // inclusive
  double selfUs = 0;   // exclusive of nested operators
};

struct Frame : at::ObserverContext {
  Clock::time_point start;
  double childUs = 0;
};

std::mutex statsMutex;
std::unordered_map<std::string, OpStats> stats;
bool active = false;
at::CallbackHandle handle = 0;
thread_local std::vector<Frame*> frames;  // open operators on this thread, innermost last

std::unique_ptr<at::ObserverContext> onEnter(const at::RecordFunction&) {
  auto frame = std::make_unique<Frame>();
  frame->start = Clock::now();
  frames.push_back(frame.get());
  return frame;
}

void onExit(const at::RecordFunction& fn, at::ObserverContext* ctx) {
  auto* frame = static_cast<Frame*>(ctx);
  double us = std::chrono::duration<double, std::micro>(Clock::now() - frame->start).count();
  if (!frames.empty() && frames.back() == frame) frames.pop_back();
  if (!frames.empty()) frames.back()->childUs += us;
  std::lock_guard<std::mutex> lock(statsMutex);
  OpStats& s = stats[fn.name()];
  s.count += 1;
  s.totalUs += us;
  s.selfUs += us - frame->childUs;
}

// profileStart(): clears the table and starts recording every operator on every thread.
Napi::Value ProfileStart(const Napi::CallbackInfo& info) {
  if (active) throw Napi::Error::New(info.Env(), "profileStart(): the profiler is already running");
  {
    std::lock_guard<std::mutex> lock(statsMutex);
    stats.clear();
  }
  handle = at::addGlobalCallback(at::RecordFunctionCallback(onEnter, onExit).scopes(
      {at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  active = true;
  return info.Env().Undefined();
}

// profileStop() → [{ name, count, totalMs, selfMs }]: what ran since profileStart().
Napi::Value ProfileStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!active) throw Napi::Error::New(env, "profileStop(): the profiler is not running");
  at::removeCallback(handle);
  active = false;
  std::lock_guard<std::mutex> lock(statsMutex);
  auto out = Napi::Array::New(env, stats.size());
  uint32_t i = 0;
  for (const auto& [name, s] : stats) {
    auto row = Napi::Object::New(env);
    row.Set("name", name);
    row.Set("count", Napi::Number::New(env, static_cast<double>(s.count)));
    row.Set("totalMs", Napi::Number::New(env, s.totalUs / 1000));
    row.Set("selfMs", Napi::Number::New(env, s.selfUs / 1000));
    out.Set(i++, row);
  }
  return out;
}

}  // namespace

void initProfiler(Napi::Env env, Napi::Object exports) {
  exports.Set("profileStart", Napi::Function::New(env, guarded<ProfileStart>));
  exports.Set("profileStop", Napi::Function::New(env, guarded<ProfileStop>));
}

}  // namespace gim
