// How freed tensor memory is kept: glibc's malloc hands every block above its mmap threshold (at most 32 MiB) back to
// the kernel when it is freed, so a model whose activations are that large pays a page fault per 4 KiB page of every
// activation, on every step. When the addon loads it tells glibc to serve all blocks from the heap and to keep freed
// memory for the next allocation (as PyTorch users get by preloading jemalloc or tcmalloc) — unless the user has tuned
// glibc's malloc through its own MALLOC_* variables, or set GIM_KEEP_FREED_MEMORY=0.
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "common.h"

namespace gim {
namespace {

// The glibc variables that tune the same thresholds (set by the user: theirs win).
const char* const kGlibcTuning[] = {"MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_",
                                    "MALLOC_TOP_PAD_"};

// What the addon did at load: "keep-freed", "user" (MALLOC_* or GIM_KEEP_FREED_MEMORY=0 set), "not-glibc" or
// "refused" (mallopt said no). Set once per process, whichever thread (main or worker) loads the addon first.
std::string policy = "not-glibc";
std::once_flag applied;

void applyPolicy() {
#if defined(__GLIBC__)
  const char* keep = std::getenv("GIM_KEEP_FREED_MEMORY");
  if (keep != nullptr && std::strcmp(keep, "0") == 0) {
    policy = "user";
    return;
  }
  for (const char* name : kGlibcTuning) {
    if (std::getenv(name) != nullptr) {
      policy = "user";
      return;
    }
  }
  bool ok = mallopt(M_MMAP_MAX, 0) == 1;                                     // every block from the heap
  ok = mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1 && ok;  // freed heap top kept (up to 2 GiB)
  policy = ok ? "keep-freed" : "refused";
#endif
}

Napi::Value MemoryPolicy(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), policy); }

}  // namespace

void initMemoryPolicy(Napi::Env env, Napi::Object exports) {
  std::call_once(applied, applyPolicy);
  exports.Set("memoryPolicy", Napi::Function::New(env, guarded<MemoryPolicy>));
}

}  // namespace gim
