// Small helpers shared by the WAL writer's translation units (wal_writer.cc, wal_segments.cc).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace laminar::wal::internal {

constexpr size_t kZeroChunk = 1u << 20;
constexpr size_t kPacedZeroChunk = 256u << 10;  // a spare's zeroing step (see CreateSegmentFile)
constexpr int64_t kMaxZeroPauseNs = 20'000'000;

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace laminar::wal::internal
