// c10d: libtorch's TCPStore and process groups (Gloo; NCCL when the build has it), as PyTorch's DDP uses them.
// Posting an operation returns a Work handle at once; workWait waits for it on a thread of its own and settles a JS
// promise, so the event loop (signals, timers) keeps running. c10d's and Gloo's exceptions, timeouts included, become
// JS Errors prefixed with what failed (the op, the peer rank, the group); nothing aborts the process.
#ifndef USE_C10D_GLOO
#error "c10d's Gloo headers were not found: install libgloo-dev (Debian) or use a libtorch that ships include/gloo"
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <chrono>
#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <thread>
#include "common.h"

namespace gim {
namespace {

// ---- errors -----------------------------------------------------------------------------------------------------

// The message of the exception in flight: libtorch's without its C++ backtrace.
std::string messageOf(std::exception_ptr e) {
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
auto withContext(Napi::Env env, const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw Napi::Error::New(env, what + ": " + messageOf(std::current_exception()));
  }
}

// ---- handles ----------------------------------------------------------------------------------------------------

using Works = std::vector<c10::intrusive_ptr<c10d::Work>>;

struct Group {
  virtual ~Group() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual Works send(std::vector<at::Tensor>& t, int dst, int tag) = 0;
  virtual Works recv(std::vector<at::Tensor>& t, int src, int tag) = 0;
  virtual Works allreduce(std::vector<at::Tensor>& t) = 0;
  virtual Works broadcast(std::vector<at::Tensor>& t, int root) = 0;
  virtual Works barrier() = 0;
};

// Whether Gloo's allreduce_coalesced (one op over tensors of any shapes) takes these: CPU, dense, one dtype.
bool coalescible(const std::vector<at::Tensor>& ts) {
  for (const auto& t : ts) {
    if (!t.device().is_cpu() || t.is_sparse() || t.scalar_type() != ts[0].scalar_type()) return false;
  }
  return true;
}

// One implementation for every c10d group class: their operations have the same signatures in libtorch 1.x
// (subclasses of ProcessGroup) and 2.x (subclasses of Backend). c10d's list arguments mean one tensor per device;
// here a list is any tensors, so a list becomes one coalesced op (Gloo, CPU) or one op per tensor, posted in order.
template <typename PG>
struct GroupOf : Group {
  c10::intrusive_ptr<PG> pg;
  bool canCoalesce;
  GroupOf(c10::intrusive_ptr<PG> p, bool coalesce) : pg(std::move(p)), canCoalesce(coalesce) {}
  int rank() const override { return pg->getRank(); }
  int size() const override { return pg->getSize(); }
  Works send(std::vector<at::Tensor>& t, int dst, int tag) override { return {pg->send(t, dst, tag)}; }
  Works recv(std::vector<at::Tensor>& t, int src, int tag) override { return {pg->recv(t, src, tag)}; }
  Works allreduce(std::vector<at::Tensor>& ts) override {
    if (ts.size() > 1 && canCoalesce && coalescible(ts)) {
      c10d::AllreduceCoalescedOptions opts;
      opts.reduceOp = c10d::ReduceOp::SUM;
      return {pg->allreduce_coalesced(ts, opts)};
    }
    Works works;
    for (auto& t : ts) {
      std::vector<at::Tensor> one{t};
      c10d::AllreduceOptions opts;
      opts.reduceOp = c10d::ReduceOp::SUM;
      works.push_back(pg->allreduce(one, opts));
    }
    return works;
  }
  Works broadcast(std::vector<at::Tensor>& ts, int root) override {
    Works works;
    for (auto& t : ts) {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      opts.rootTensor = 0;
      works.push_back(pg->broadcast(one, opts));
    }
    return works;
  }
  Works barrier() override { return {pg->barrier()}; }
};

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
  int port = 0;
};
struct GroupBox {
  std::unique_ptr<Group> group;
  bool gloo;
};
struct WorkBox {
  Works works;
  std::vector<at::Tensor> tensors;  // kept alive until the work is dropped
};

const napi_type_tag kStoreTag = {0x3c1f0b5e8d2a4c71ULL, 0xb7e94d0a61f2c358ULL};
const napi_type_tag kGroupTag = {0x5a8e2d47c90b1f36ULL, 0x8f03c6e1d5b7a942ULL};
const napi_type_tag kWorkTag = {0x91d4b7e20c6f3a58ULL, 0x2e6a0f9c4b8d17e3ULL};

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

c10d::Store& storeOf(const Napi::Value& v, const std::string& what) {
  auto* box = unbox<StoreBox>(v, kStoreTag, "TcpStore", what);
  if (!box->store) throw Napi::Error::New(v.Env(), what + ": the store was closed");
  return *box->store;
}

Group& groupOf(const Napi::Value& v, const std::string& what) {
  auto* box = unbox<GroupBox>(v, kGroupTag, "ProcessGroup", what);
  if (!box->group) throw Napi::Error::New(v.Env(), what + ": the process group was closed");
  return *box->group;
}

// Gloo's send/recv hand the tensor's memory to a TCP socket as is: only CPU memory will do.
void checkPointToPoint(const Napi::Value& g, const at::Tensor& t, const std::string& what) {
  if (unbox<GroupBox>(g, kGroupTag, "ProcessGroup", what)->gloo && !t.device().is_cpu()) {
    throw Napi::Error::New(g.Env(), what + ": backend 'gloo' sends and receives CPU tensors only, got one on " +
                                        t.device().str() + " (copy it to the CPU, or use backend 'nccl')");
  }
}

std::string toStr(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), what + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

std::chrono::milliseconds toMs(const Napi::Value& v, const std::string& what) {
  int64_t ms = toInt(v, what);
  if (ms < 1) throw Napi::RangeError::New(v.Env(), what + ": expected a timeout >= 1 ms, got " + std::to_string(ms));
  return std::chrono::milliseconds(ms);
}

int toIntIn(const Napi::Value& v, int64_t lo, int64_t hi, const std::string& what) {
  int64_t n = toInt(v, what);
  if (n < lo || n > hi) {
    throw Napi::RangeError::New(v.Env(), what + ": expected an integer in [" + std::to_string(lo) + ", " +
                                             std::to_string(hi) + "], got " + std::to_string(n));
  }
  return static_cast<int>(n);
}

std::vector<at::Tensor> tensorList(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + ": expected an array of tensors");
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(unwrapTensor(arr.Get(i), what + "[" + std::to_string(i) + "]"));
  return out;
}

Napi::Value wrapWork(Napi::Env env, Works works, std::vector<at::Tensor> tensors) {
  return boxed(env, new WorkBox{std::move(works), std::move(tensors)}, kWorkTag);
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
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "TcpStore.wait(keys): expected an array of strings");
  auto arr = info[1].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(toStr(arr.Get(i), "TcpStore.wait(keys)"));
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
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "TcpStore.check(keys): expected an array of strings");
  auto arr = info[1].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(toStr(arr.Get(i), "TcpStore.check(keys)"));
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

// ---- process groups ---------------------------------------------------------------------------------------------

Napi::Value HasNccl(const Napi::CallbackInfo& info) {
#ifdef USE_C10D_NCCL
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// groupCreate(store, prefix, rank, size, timeoutMs, backend, deviceKind, deviceValue, what): a process group of
// `size` ranks meeting under `prefix` in the store (blocks until all have joined, up to the timeout). The Gloo
// device: deviceKind 'interface' (a network interface name), 'hostname' (an address to bind) or 'default'.
Napi::Value GroupCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* storeBox = unbox<StoreBox>(info[0], kStoreTag, "TcpStore", "ProcessGroup store");
  if (!storeBox->store) throw Napi::Error::New(env, "ProcessGroup store: the store was closed");
  std::string prefix = toStr(info[1], "ProcessGroup prefix");
  int size = toIntIn(info[3], 1, std::numeric_limits<int>::max(), "ProcessGroup size");
  int rank = toIntIn(info[2], 0, size - 1, "ProcessGroup rank");
  auto timeout = toMs(info[4], "ProcessGroup timeoutMs");
  std::string backend = toStr(info[5], "ProcessGroup backend");
  std::string deviceKind = toStr(info[6], "ProcessGroup device kind");
  std::string deviceValue = toStr(info[7], "ProcessGroup device");
  std::string what = toStr(info[8], "ProcessGroup description");
  auto store = c10::make_intrusive<c10d::PrefixStore>(prefix, storeBox->store);
  std::unique_ptr<Group> group;
  if (backend == "gloo") {
    group = withContext(env, what, [&]() -> std::unique_ptr<Group> {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      if (deviceKind == "interface") {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(deviceValue));
      } else if (deviceKind == "hostname") {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(deviceValue));
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = 2;
      auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
      return std::make_unique<GroupOf<c10d::ProcessGroupGloo>>(pg, true);
    });
  } else if (backend == "nccl") {
#ifdef USE_C10D_NCCL
    group = withContext(env, what, [&]() -> std::unique_ptr<Group> {
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
      return std::make_unique<GroupOf<c10d::ProcessGroupNCCL>>(pg, false);
    });
#else
    throw Napi::Error::New(env, what + ": backend 'nccl' is not in this build of the addon (it needs a CUDA libtorch "
                                       "with NCCL, set LIBTORCH and rebuild with nccl.h on the include path); use "
                                       "backend 'gloo'");
#endif
  } else {
    throw Napi::TypeError::New(env, what + ": backend must be 'gloo' or 'nccl', got '" + backend + "'");
  }
  return boxed(env, new GroupBox{std::move(group), backend == "gloo"}, kGroupTag);
}

Napi::Value GroupRank(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), groupOf(info[0], "ProcessGroup.rank").rank());
}

Napi::Value GroupSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), groupOf(info[0], "ProcessGroup.size").size());
}

// groupSend(g, tensor, dst, tag, what) / groupRecv(g, tensor, src, tag, what): point-to-point, matched by tag.
Napi::Value GroupSend(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[4], "send description");
  auto& g = groupOf(info[0], what);
  std::vector<at::Tensor> t{unwrapTensor(info[1], what)};
  checkPointToPoint(info[0], t[0], what);
  int dst = toIntIn(info[2], 0, g.size() - 1, what + " (destination rank)");
  int tag = toIntIn(info[3], 0, std::numeric_limits<int>::max(), what + " (tag)");
  auto work = withContext(info.Env(), what, [&] { return g.send(t, dst, tag); });
  return wrapWork(info.Env(), work, t);
}

Napi::Value GroupRecv(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[4], "recv description");
  auto& g = groupOf(info[0], what);
  std::vector<at::Tensor> t{unwrapTensor(info[1], what)};
  checkPointToPoint(info[0], t[0], what);
  int src = toIntIn(info[2], 0, g.size() - 1, what + " (source rank)");
  int tag = toIntIn(info[3], 0, std::numeric_limits<int>::max(), what + " (tag)");
  auto work = withContext(info.Env(), what, [&] { return g.recv(t, src, tag); });
  return wrapWork(info.Env(), work, t);
}

// groupAllreduce(g, tensors, what): sums each tensor (any shapes) over the ranks, in place.
Napi::Value GroupAllreduce(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[2], "allreduce description");
  auto& g = groupOf(info[0], what);
  auto t = tensorList(info[1], what);
  auto work = withContext(info.Env(), what, [&] { return g.allreduce(t); });
  return wrapWork(info.Env(), work, t);
}

// groupBroadcast(g, tensors, root, what): copies root's tensors into every rank's, in place.
Napi::Value GroupBroadcast(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[3], "broadcast description");
  auto& g = groupOf(info[0], what);
  auto t = tensorList(info[1], what);
  int root = toIntIn(info[2], 0, g.size() - 1, what + " (root rank)");
  auto work = withContext(info.Env(), what, [&] { return g.broadcast(t, root); });
  return wrapWork(info.Env(), work, t);
}

Napi::Value GroupBarrier(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[1], "barrier description");
  auto& g = groupOf(info[0], what);
  auto work = withContext(info.Env(), what, [&] { return g.barrier(); });
  return wrapWork(info.Env(), work, {});
}

// groupClose(g): drops the group (its Gloo threads and connections) once no Work still holds it.
Napi::Value GroupClose(const Napi::CallbackInfo& info) {
  unbox<GroupBox>(info[0], kGroupTag, "ProcessGroup", "ProcessGroup.close")->group.reset();
  return info.Env().Undefined();
}

// ---- waiting ----------------------------------------------------------------------------------------------------

struct WaitJob {
  Works works;
  std::vector<at::Tensor> tensors;
  std::chrono::milliseconds timeout;
  std::string what;
  std::string error;
  bool failed = false;
  Napi::Promise::Deferred deferred;
};

void settle(Napi::Env env, Napi::Function, WaitJob* job) {
  if (env != nullptr) {
    if (job->failed) {
      job->deferred.Reject(Napi::Error::New(env, job->what + ": " + job->error).Value());
    } else {
      job->deferred.Resolve(env.Undefined());
    }
  }
  delete job;
}

// workWait(work, timeoutMs, what): a promise that resolves when the work completes and rejects with "<what>: <why>"
// when it fails or does not complete within timeoutMs. The waiting happens on a thread of its own (not libuv's
// pool, which a few pending receives could otherwise fill).
Napi::Value WorkWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string what = toStr(info[2], "wait description");
  auto* box = unbox<WorkBox>(info[0], kWorkTag, "Work", what);
  auto timeout = toMs(info[1], what + " (timeoutMs)");
  auto deferred = Napi::Promise::Deferred::New(env);
  auto* job = new WaitJob{box->works, box->tensors, timeout, what, "", false, deferred};
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                            "gim c10d wait", 0, 1);
  std::thread([job, tsfn]() mutable {
    try {
      // One deadline for all the work's parts.
      auto deadline = std::chrono::steady_clock::now() + job->timeout;
      for (auto& w : job->works) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        w->wait(std::max(left, std::chrono::milliseconds(1)));
      }
    } catch (...) {
      job->failed = true;
      job->error = messageOf(std::current_exception());
    }
    if (tsfn.BlockingCall(job, settle) != napi_ok) delete job;
    tsfn.Release();
  }).detach();
  return deferred.Promise();
}

}  // namespace

void initDistributed(Napi::Env env, Napi::Object exports) {
  exports.Set("c10dStoreCreate", Napi::Function::New(env, guarded<StoreCreate>));
  exports.Set("c10dStorePort", Napi::Function::New(env, guarded<StorePort>));
  exports.Set("c10dStoreSet", Napi::Function::New(env, guarded<StoreSet>));
  exports.Set("c10dStoreGet", Napi::Function::New(env, guarded<StoreGet>));
  exports.Set("c10dStoreWait", Napi::Function::New(env, guarded<StoreWait>));
  exports.Set("c10dStoreCheck", Napi::Function::New(env, guarded<StoreCheck>));
  exports.Set("c10dStoreAdd", Napi::Function::New(env, guarded<StoreAdd>));
  exports.Set("c10dStoreClose", Napi::Function::New(env, guarded<StoreClose>));
  exports.Set("c10dHasNccl", Napi::Function::New(env, guarded<HasNccl>));
  exports.Set("c10dGroupCreate", Napi::Function::New(env, guarded<GroupCreate>));
  exports.Set("c10dGroupRank", Napi::Function::New(env, guarded<GroupRank>));
  exports.Set("c10dGroupSize", Napi::Function::New(env, guarded<GroupSize>));
  exports.Set("c10dGroupSend", Napi::Function::New(env, guarded<GroupSend>));
  exports.Set("c10dGroupRecv", Napi::Function::New(env, guarded<GroupRecv>));
  exports.Set("c10dGroupAllreduce", Napi::Function::New(env, guarded<GroupAllreduce>));
  exports.Set("c10dGroupBroadcast", Napi::Function::New(env, guarded<GroupBroadcast>));
  exports.Set("c10dGroupBarrier", Napi::Function::New(env, guarded<GroupBarrier>));
  exports.Set("c10dGroupClose", Napi::Function::New(env, guarded<GroupClose>));
  exports.Set("c10dWorkWait", Napi::Function::New(env, guarded<WorkWait>));
}

}  // namespace gim
