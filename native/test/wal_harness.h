// Shared by the WAL ctests: a C++ producer harness (what lib/native/wal.ts does), replay into
// memory, deterministic payloads and small-segment options.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ring/spsc_ring.h"
#include "test/check.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace laminar_wal_test {

namespace fs = std::filesystem;
using namespace laminar::wal;
using laminar::ring::SpscRing;


inline std::string TempDir(const char* name) {
  std::string dir = (fs::temp_directory_path() / ("laminar-wal-test-" + std::to_string(getpid()) + "-" + name)).string();
  fs::remove_all(dir);
  return dir;
}

inline std::string Payload(uint64_t lsn) {
  // Varied sizes, including empty records.
  size_t n = (lsn * 37) % 300;
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>(lsn * 7 + i);
  return s;
}

// A producer-side harness: what lib/native/wal.ts does, in C++.
struct Log {
  std::vector<uint8_t> ring_mem = std::vector<uint8_t>(laminar::ring::BufferBytes(1 << 16));
  alignas(64) int64_t control[kControlSlots] = {};
  SpscRing producer;
  std::unique_ptr<WalWriter> writer;
  std::atomic<int> notifications{0};
  uint64_t next_lsn = 0;
  std::string error;
  int code = 0;

  bool Open(WalOptions o) {
    const char* err = nullptr;
    SpscRing::Format(ring_mem.data(), ring_mem.size(), 1 << 16, &err);
    producer.Attach(ring_mem.data(), ring_mem.size(), &err);
    writer = WalWriter::Open(o, ring_mem.data(), ring_mem.size(), control, [this] { notifications++; }, &error, &code);
    if (writer) next_lsn = writer->last_lsn_at_open() + 1;
    return writer != nullptr;
  }
  int64_t Slot(ControlSlot s) { return std::atomic_ref<int64_t>(control[s]).load(); }
  uint64_t Append(const std::string& rec) {
    while (!producer.TryWrite(rec.data(), static_cast<uint32_t>(rec.size()))) {
      producer.Publish();
      if (Slot(kErrorCode) != 0) return 0;
      producer.WaitForSpace(static_cast<uint32_t>(rec.size()), 10'000'000);
    }
    return next_lsn++;
  }
  void Publish() { producer.Publish(); }
  bool WaitDurable(uint64_t lsn, int timeout_ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::atomic_ref<int64_t>(control[kSyncRequest]).store(static_cast<int64_t>(lsn));
    writer->Wake();
    while (static_cast<uint64_t>(Slot(kDurableLsn)) < lsn) {
      if (Slot(kErrorCode) != 0 || std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
  }
  bool Close() { return writer->Close(&error); }
};

struct Replayed {
  std::vector<std::pair<uint64_t, std::string>> records;
  ReplayStop stop;
  bool ok = false;
  std::string error;
};

inline Replayed Replay(const std::string& dir, uint64_t from, uint64_t batch_bytes = 4096) {
  Replayed out;
  WalReader reader;
  if (!reader.Open(dir, from, &out.error)) return out;
  std::vector<uint8_t> payloads;
  std::vector<uint32_t> ends;
  uint64_t first = 0;
  while (reader.NextBatch(batch_bytes, &payloads, &ends, &first, &out.error)) {
    uint32_t start = 0;
    for (size_t i = 0; i < ends.size(); i++) {
      out.records.emplace_back(first + i, std::string(payloads.begin() + start, payloads.begin() + ends[i]));
      start = ends[i];
    }
  }
  out.ok = out.error.empty();
  out.stop = reader.stop();
  return out;
}

inline bool AllMatch(const Replayed& r, uint64_t first, uint64_t last) {
  if (r.records.size() != last - first + 1) return false;
  for (uint64_t lsn = first; lsn <= last; lsn++) {
    const auto& rec = r.records[lsn - first];
    if (rec.first != lsn || rec.second != Payload(lsn)) return false;
  }
  return true;
}

inline WalOptions Options(const std::string& dir, SyncPolicy policy, BackendKind backend) {
  WalOptions o;
  o.dir = dir;
  o.policy = policy;
  o.backend = backend;
  o.segment_bytes = 64 * 1024;  // small: exercises segment roll
  return o;
}

inline void CorruptByte(const std::string& path, uint64_t offset) {
  int fd = open(path.c_str(), O_RDWR);
  uint8_t b = 0;
  CHECK_EQ(pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x40;
  CHECK_EQ(pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  close(fd);
}

// Offset of the frame carrying `lsn` in a segment starting at `first`.
inline uint64_t FrameOffset(uint64_t first, uint64_t lsn) {
  uint64_t off = kSegmentHeaderBytes;
  for (uint64_t l = first; l < lsn; l++) off += FrameSpan(static_cast<uint32_t>(Payload(l).size()));
  return off;
}

}  // namespace laminar_wal_test
