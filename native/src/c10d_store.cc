// c10d's TCPStore: the rendezvous of a distributed run (the master listens, clients connect), a key-value store the
// process groups meet in.
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <limits>
#include "c10d.h"

namespace gim {
namespace c10dbind {
namespace {

std::vector<std::string> keyList(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + ": expected an array of strings");
  auto arr = v.As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(toStr(arr.Get(i), what));
  return keys;
}

// ---- store ------------------------------------------------------------------------------------------------------

// storeCreate(host, port, worldSize, isMaster, timeoutMs, what): the master listens on host:port (port 0: any free
// one, see storePort); a client connects to it, retrying until the timeout. Neither waits for the others to join:
// process groups check that (src/tensor/c10d.ts), naming the ranks that did not come.
Napi::Value StoreCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string host = toStr(info[0], "TcpStore host");
  int port = toIntIn(info[1], 0, 65535, "TcpStore port");
  int worldSize = toIntIn(info[2], 1, std::numeric_limits<int>::max(), "TcpStore worldSize");
  if (!info[3].IsBoolean()) throw Napi::TypeError::New(env, "TcpStore isMaster: expected a boolean");
  bool isMaster = info[3].As<Napi::Boolean>().Value();
  auto timeout = toMs(info[4], "TcpStore timeoutMs");
  std::string what = toStr(info[5], "TcpStore description");
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.isServer = isMaster;
  opts.numWorkers = static_cast<std::size_t>(worldSize);
  opts.waitWorkers = false;
  opts.timeout = timeout;
  auto store = withContext(env, what, [&] { return c10::make_intrusive<c10d::TCPStore>(host, opts); });
  int actualPort = store->getPort();
  return boxed(env, new StoreBox{store, actualPort}, kStoreTag);
}

Napi::Value StorePort(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), unbox<StoreBox>(info[0], kStoreTag, "TcpStore", "storePort")->port);
}

Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  std::string key = toStr(info[1], "TcpStore.set(key)");
  std::string value = toStr(info[2], "TcpStore.set(value)");
  auto& store = storeOf(info[0], "TcpStore.set");
  withContext(info.Env(), "TcpStore.set('" + key + "')",
              [&] { store.set(key, std::vector<uint8_t>(value.begin(), value.end())); });
  return info.Env().Undefined();
}

// storeGet(h, key): waits (up to the store's timeout) until the key is set, then returns its value.
Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  std::string key = toStr(info[1], "TcpStore.get(key)");
  auto& store = storeOf(info[0], "TcpStore.get");
  auto bytes = withContext(info.Env(), "TcpStore.get('" + key + "')", [&] { return store.get(key); });
  return Napi::String::New(info.Env(), std::string(bytes.begin(), bytes.end()));
}

// storeWait(h, keys, timeoutMs): waits until every key is set.
Napi::Value StoreWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto keys = keyList(info[1], "TcpStore.wait(keys)");
  auto timeout = toMs(info[2], "TcpStore.wait(timeoutMs)");
  auto& store = storeOf(info[0], "TcpStore.wait");
  std::string names;
  for (const auto& k : keys) names += (names.empty() ? "'" : ", '") + k + "'";
  withContext(env, "TcpStore.wait(" + names + ")", [&] { store.wait(keys, timeout); });
  return env.Undefined();
}

// storeCheck(h, keys): whether every key is set now (does not wait).
Napi::Value StoreCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto keys = keyList(info[1], "TcpStore.check(keys)");
  auto& store = storeOf(info[0], "TcpStore.check");
  return Napi::Boolean::New(env, withContext(env, "TcpStore.check", [&] { return store.check(keys); }));
}

Napi::Value StoreAdd(const Napi::CallbackInfo& info) {
  std::string key = toStr(info[1], "TcpStore.add(key)");
  int64_t delta = toInt(info[2], "TcpStore.add(delta)");
  auto& store = storeOf(info[0], "TcpStore.add");
  int64_t v = withContext(info.Env(), "TcpStore.add('" + key + "')", [&] { return store.add(key, delta); });
  return Napi::Number::New(info.Env(), static_cast<double>(v));
}

Napi::Value StoreClose(const Napi::CallbackInfo& info) {
  unbox<StoreBox>(info[0], kStoreTag, "TcpStore", "TcpStore.close")->store.reset();
  return info.Env().Undefined();
}

}  // namespace
}  // namespace c10dbind

void initC10dStore(Napi::Env env, Napi::Object exports) {
  using namespace c10dbind;
  exports.Set("c10dStoreCreate", Napi::Function::New(env, guarded<StoreCreate>));
  exports.Set("c10dStorePort", Napi::Function::New(env, guarded<StorePort>));
  exports.Set("c10dStoreSet", Napi::Function::New(env, guarded<StoreSet>));
  exports.Set("c10dStoreGet", Napi::Function::New(env, guarded<StoreGet>));
  exports.Set("c10dStoreWait", Napi::Function::New(env, guarded<StoreWait>));
  exports.Set("c10dStoreCheck", Napi::Function::New(env, guarded<StoreCheck>));
  exports.Set("c10dStoreAdd", Napi::Function::New(env, guarded<StoreAdd>));
  exports.Set("c10dStoreClose", Napi::Function::New(env, guarded<StoreClose>));
}

}  // namespace gim
