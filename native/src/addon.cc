// Entry point of the gim_native addon: registers each concern's functions.
#include "common.h"

namespace gim {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  initMemoryPolicy(env, exports);
  initHandle(env, exports);
  initDispatch(env, exports);
  initTensorIO(env, exports);
  initAutograd(env, exports);
  initRuntime(env, exports);
  initAdam(env, exports);
  initProfiler(env, exports);
  initDistributed(env, exports);
  return exports;
}
}  // namespace gim

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return gim::Init(env, exports); }

NODE_API_MODULE(gim_native, InitModule)
