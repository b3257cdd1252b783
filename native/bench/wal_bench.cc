// WAL writer from C++: durable appends/s for each policy and backend (100-byte records), and
// commit latency (publish -> durable) at 100 K records/s with group commit.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ring/spsc_ring.h"
#include "wal/wal_writer.h"

using namespace laminar::wal;
using laminar::ring::SpscRing;
namespace fs = std::filesystem;

namespace {
int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

struct Bench {
  std::vector<uint8_t> ring_mem = std::vector<uint8_t>(laminar::ring::BufferBytes(1 << 24));
  alignas(64) int64_t control[kControlSlots] = {};
  SpscRing prod;
  std::unique_ptr<WalWriter> w;
  std::string dir;
  Bench(SyncPolicy policy, BackendKind backend) {
    dir = (fs::temp_directory_path() / ("laminar-wal-bench-" + std::to_string(NowNs()))).string();
    const char* e = nullptr;
    SpscRing::Format(ring_mem.data(), ring_mem.size(), 1 << 24, &e);
    prod.Attach(ring_mem.data(), ring_mem.size(), &e);
    WalOptions o;
    o.dir = dir;
    o.policy = policy;
    o.backend = backend;
    std::string err;
    int code;
    w = WalWriter::Open(o, ring_mem.data(), ring_mem.size(), control, nullptr, &err, &code);
    if (!w) std::fprintf(stderr, "open failed: %s\n", err.c_str());
  }
  ~Bench() {
    std::string e;
    if (w) w->Close(&e);
    fs::remove_all(dir);
  }
  int64_t Durable() { return std::atomic_ref<int64_t>(control[kDurableLsn]).load(); }
  void Append(const uint8_t* rec, uint32_t len) {
    while (!prod.TryWrite(rec, len)) {
      prod.Publish();
      prod.WaitForSpace(len, 1'000'000);
    }
  }
  void RequestSync(int64_t lsn) {
    std::atomic_ref<int64_t>(control[kSyncRequest]).store(lsn);
    w->Wake();
  }
};

double Throughput(SyncPolicy policy, BackendKind backend, int64_t n) {
  Bench b(policy, backend);
  uint8_t rec[100];
  std::memset(rec, 7, sizeof rec);
  int64_t t0 = NowNs();
  for (int64_t i = 1; i <= n; i++) {
    b.Append(rec, sizeof rec);
    if ((i & 63) == 0) b.prod.Publish();
  }
  b.prod.Publish();
  b.RequestSync(n);
  while (b.Durable() < n) std::this_thread::sleep_for(std::chrono::microseconds(20));
  return n / ((NowNs() - t0) / 1e9);
}

void Latency(BackendKind backend, int ticks, double* p50, double* p99) {
  Bench b(SyncPolicy::kGroup, backend);
  uint8_t rec[100];
  std::memset(rec, 7, sizeof rec);
  std::vector<int64_t> sent(ticks);
  std::vector<double> lat;
  lat.reserve(ticks);
  std::atomic<int> published{0};
  std::thread observer([&] {
    int acked = 0;
    while (acked < ticks) {
      int64_t d = b.Durable();
      int pub = published.load(std::memory_order_acquire);
      while (acked < pub && (acked + 1) * 10 <= d) lat.push_back(static_cast<double>(NowNs() - sent[acked++]));
      std::this_thread::sleep_for(std::chrono::microseconds(10));
    }
  });
  int64_t start = NowNs();
  for (int i = 0; i < ticks; i++) {
    while (NowNs() < start + int64_t{i} * 100'000) {
    }
    for (int k = 0; k < 10; k++) b.Append(rec, sizeof rec);
    sent[i] = NowNs();
    b.prod.Publish();
    published.store(i + 1, std::memory_order_release);
  }
  observer.join();
  std::sort(lat.begin(), lat.end());
  *p50 = lat[lat.size() / 2];
  *p99 = lat[lat.size() * 99 / 100];
}
}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const char* names[] = {"every", "group", "off"};
  SyncPolicy policies[] = {SyncPolicy::kEveryRecord, SyncPolicy::kGroup, SyncPolicy::kOff};
  for (BackendKind backend : {BackendKind::kIoUring, BackendKind::kPwrite}) {
    const char* bname = backend == BackendKind::kIoUring ? "io_uring" : "pwrite";
    for (int p = 0; p < 3; p++) {
      int64_t n = p == 0 ? (quick ? 200 : 5000) : (quick ? 20'000 : 2'000'000);
      std::printf("wal durable appends, sync=%s, %s: %.0f rec/s\n", names[p], bname, Throughput(policies[p], backend, n));
    }
    double p50, p99;
    Latency(backend, quick ? 500 : 20'000, &p50, &p99);
    std::printf("wal commit latency @100K rec/s, group, %s: p50 %.0f us, p99 %.0f us\n", bname, p50 / 1000, p99 / 1000);
  }
  return 0;
}
