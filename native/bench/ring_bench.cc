// C++ producer -> C++ consumer over the shared-memory SPSC ring: messages/s with per-message and
// batched publish, and one-way latency (consumer spins briefly, then sleeps on the futex).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "ring/spsc_ring.h"

using laminar::ring::SpscRing;

namespace {
int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

struct Ring {
  explicit Ring(uint32_t cap) : mem(laminar::ring::BufferBytes(cap)) {
    const char* err = nullptr;
    SpscRing::Format(mem.data(), mem.size(), cap, &err);
    prod.Attach(mem.data(), mem.size(), &err);
    cons.Attach(mem.data(), mem.size(), &err);
  }
  std::vector<uint8_t> mem;
  SpscRing prod, cons;
};

double Throughput(uint64_t count, uint32_t size, uint32_t publish_every) {
  Ring r(1 << 20);
  std::thread consumer([&] {
    uint64_t got = 0;
    uint32_t len;
    while (got < count) {
      if (r.cons.Peek(&len) == nullptr) {
        r.cons.Release();
        if (!r.cons.SpinForData(50'000)) r.cons.WaitForData(10'000'000);
        continue;
      }
      r.cons.Advance();
      if ((++got & 63) == 0) r.cons.Release();
    }
    r.cons.Release();
  });
  std::vector<uint8_t> rec(size, 1);
  int64_t t0 = NowNs();
  for (uint64_t i = 0; i < count; i++) {
    while (!r.prod.TryWrite(rec.data(), size)) {
      r.prod.Publish();
      r.prod.WaitForSpace(size, 1'000'000);
    }
    if ((i + 1) % publish_every == 0) r.prod.Publish();
  }
  r.prod.Publish();
  consumer.join();
  return count / ((NowNs() - t0) / 1e9);
}

void Latency(int count, int gap_us, double* p50, double* p99) {
  Ring r(1 << 16);
  std::vector<double> lat;
  lat.reserve(count);
  std::thread consumer([&] {
    uint32_t len;
    while (static_cast<int>(lat.size()) < count) {
      const uint8_t* p = r.cons.Peek(&len);
      if (p == nullptr) {
        r.cons.Release();
        if (!r.cons.SpinForData(50'000)) r.cons.WaitForData(10'000'000);
        continue;
      }
      int64_t sent;
      std::memcpy(&sent, p, 8);
      lat.push_back(static_cast<double>(NowNs() - sent));
      r.cons.Advance();
    }
    r.cons.Release();
  });
  for (int i = 0; i < count; i++) {
    int64_t until = NowNs() + gap_us * 1000;
    while (NowNs() < until) {
    }
    int64_t now = NowNs();
    r.prod.TryWrite(&now, 8);
    r.prod.Publish();
  }
  consumer.join();
  std::sort(lat.begin(), lat.end());
  *p50 = lat[lat.size() / 2];
  *p99 = lat[lat.size() * 99 / 100];
}
}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  uint64_t n = quick ? 100'000 : 20'000'000;
  std::printf("ring C++->C++ 8 B, publish every msg: %.2f M msg/s\n", Throughput(n, 8, 1) / 1e6);
  std::printf("ring C++->C++ 64 B, publish every msg: %.2f M msg/s\n", Throughput(n, 64, 1) / 1e6);
  std::printf("ring C++->C++ 64 B, publish every 64: %.2f M msg/s\n", Throughput(n, 64, 64) / 1e6);
  std::printf("ring C++->C++ 100 B, publish every 64: %.2f M msg/s\n", Throughput(n, 100, 64) / 1e6);
  double p50, p99;
  Latency(quick ? 1000 : 50'000, 20, &p50, &p99);
  std::printf("ring one-way latency (20 us apart): p50 %.0f ns, p99 %.0f ns\n", p50, p99);
  return 0;
}
