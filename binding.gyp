{
  # Install-time fallback build (node-gyp-build runs it when no prebuild matches).
  # Source lists live in native/*-sources.txt, shared with CMakeLists.txt.
  "targets": [
    {
      "target_name": "laminardb",
      "sources": [
        "<!@(node scripts/list-sources.cjs native/core-sources.txt native/addon-sources.txt)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-O3", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
