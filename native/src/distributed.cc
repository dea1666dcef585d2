// c10d: libtorch's process groups (Gloo; NCCL when the build has it), as PyTorch's DDP uses them; the TCPStore they
// meet in is in c10d_store.cc.
// Posting an operation returns a Work handle at once; workWait waits for it on a thread of its own and settles a JS
// promise, so the event loop (signals, timers) keeps running. c10d's and Gloo's exceptions, timeouts included, become
// JS Errors prefixed with what failed (the op, the peer rank, the group); nothing aborts the process.
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <chrono>
#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <thread>
#include "c10d.h"

namespace gim {
namespace c10dbind {
namespace {

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

struct GroupBox {
  std::unique_ptr<Group> group;
  bool gloo;
};
struct WorkBox {
  Works works;
  std::vector<at::Tensor> tensors;  // kept alive until the work is dropped
};

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
template <bool kSend>
Napi::Value PointToPoint(const Napi::CallbackInfo& info) {
  std::string what = toStr(info[4], kSend ? "send description" : "recv description");
  auto& g = groupOf(info[0], what);
  std::vector<at::Tensor> t{unwrapTensor(info[1], what)};
  checkPointToPoint(info[0], t[0], what);
  int peer = toIntIn(info[2], 0, g.size() - 1, what + (kSend ? " (destination rank)" : " (source rank)"));
  int tag = toIntIn(info[3], 0, std::numeric_limits<int>::max(), what + " (tag)");
  auto work = withContext(info.Env(), what, [&] { return kSend ? g.send(t, peer, tag) : g.recv(t, peer, tag); });
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
}  // namespace c10dbind

void initC10dStore(Napi::Env env, Napi::Object exports);

void initDistributed(Napi::Env env, Napi::Object exports) {
  using namespace c10dbind;
  initC10dStore(env, exports);
  exports.Set("c10dHasNccl", Napi::Function::New(env, guarded<HasNccl>));
  exports.Set("c10dGroupCreate", Napi::Function::New(env, guarded<GroupCreate>));
  exports.Set("c10dGroupRank", Napi::Function::New(env, guarded<GroupRank>));
  exports.Set("c10dGroupSize", Napi::Function::New(env, guarded<GroupSize>));
  exports.Set("c10dGroupSend", Napi::Function::New(env, guarded<PointToPoint<true>>));
  exports.Set("c10dGroupRecv", Napi::Function::New(env, guarded<PointToPoint<false>>));
  exports.Set("c10dGroupAllreduce", Napi::Function::New(env, guarded<GroupAllreduce>));
  exports.Set("c10dGroupBroadcast", Napi::Function::New(env, guarded<GroupBroadcast>));
  exports.Set("c10dGroupBarrier", Napi::Function::New(env, guarded<GroupBarrier>));
  exports.Set("c10dGroupClose", Napi::Function::New(env, guarded<GroupClose>));
  exports.Set("c10dWorkWait", Napi::Function::New(env, guarded<WorkWait>));
}

}  // namespace gim
