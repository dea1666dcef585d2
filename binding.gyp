{
  "targets": [
    {
      "target_name": "gim_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/handle.cc",
        "native/src/dispatch.cc",
        "native/src/tensor_io.cc",
        "native/src/autograd.cc",
        "native/src/runtime.cc",
        "native/src/memory_policy.cc",
        "native/src/adam.cc",
        "native/src/profiler.cc",
        "native/src/c10d_store.cc",
        "native/src/distributed.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include_dir\")", "<!@(node native/libtorch.cjs include)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node native/libtorch.cjs defines)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node native/libtorch.cjs ldflags)"]
    }
  ]
}
