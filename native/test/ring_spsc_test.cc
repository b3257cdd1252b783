// SPSC ring: layout, wrap-around, full/empty, batched publish, futex wake-up, 2-thread stress.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "ring/spsc_ring.h"
#include "test/check.h"

using laminar::ring::SpscRing;

namespace {
struct Buffer {
  explicit Buffer(uint32_t capacity, size_t misalign = 16)
      : storage(laminar::ring::BufferBytes(capacity) + 64 + misalign), misalign(misalign) {}
  void* mem() { return storage.data() + misalign; }
  size_t size() const { return storage.size() - misalign; }
  std::vector<uint8_t> storage;
  size_t misalign;
};

// Deterministic record content so the consumer can verify every byte.
uint32_t LenFor(uint64_t i, uint32_t max) { return static_cast<uint32_t>((i * 2654435761u) % (max + 1)); }
uint8_t ByteFor(uint64_t i, uint32_t j) { return static_cast<uint8_t>(i * 31 + j * 7); }
}  // namespace

TEST(format_rejects_bad_capacity) {
  Buffer buf(1024);
  const char* err = nullptr;
  CHECK(!SpscRing::Format(buf.mem(), buf.size(), 1000, &err));
  CHECK(err != nullptr);
  CHECK(!SpscRing::Format(buf.mem(), buf.size(), 32, &err));
  CHECK(!SpscRing::Format(buf.mem(), 100, 1024, &err));
  SpscRing r;
  std::vector<uint8_t> zeros(4096, 0);
  CHECK(!r.Attach(zeros.data(), zeros.size(), &err));
}

TEST(header_is_cache_line_aligned) {
  for (size_t mis = 0; mis < 64; mis += 8) {
    Buffer buf(1024, mis);
    const char* err = nullptr;
    CHECK(SpscRing::Format(buf.mem(), buf.size(), 1024, &err));
    uint32_t base;
    std::memcpy(&base, buf.mem(), 4);
    CHECK_EQ((reinterpret_cast<uintptr_t>(buf.mem()) + base) % 64, 0u);
    CHECK(base >= 4);
  }
}

TEST(write_read_wrap_and_full) {
  Buffer buf(256);
  const char* err = nullptr;
  CHECK(SpscRing::Format(buf.mem(), buf.size(), 256, &err));
  SpscRing prod, cons;
  CHECK(prod.Attach(buf.mem(), buf.size(), &err));
  CHECK(cons.Attach(buf.mem(), buf.size(), &err));
  CHECK(!prod.TryWrite("x", prod.max_record() + 1));
  uint32_t len = 0;
  uint64_t written = 0, read = 0;
  for (int round = 0; round < 200; round++) {
    // Fill until full without publishing: the consumer sees nothing.
    int n = 0;
    for (;;) {
      uint8_t rec[40];
      uint32_t l = LenFor(written, 40);
      for (uint32_t j = 0; j < l; j++) rec[j] = ByteFor(written, j);
      if (!prod.TryWrite(rec, l)) break;
      written++;
      n++;
    }
    CHECK(n > 0);
    CHECK(cons.Peek(&len) == nullptr);
    prod.Publish();
    for (int k = 0; k < n; k++) {
      const uint8_t* p = cons.Peek(&len);
      CHECK(p != nullptr);
      if (p == nullptr) return;
      CHECK_EQ(len, LenFor(read, 40));
      bool same = true;
      for (uint32_t j = 0; j < len; j++) same &= p[j] == ByteFor(read, j);
      CHECK(same);
      cons.Advance();
      read++;
      if (k % 3 == 0) cons.Release();
    }
    cons.Release();
    CHECK(cons.Peek(&len) == nullptr);
    CHECK_EQ(cons.Used(), 0u);
  }
  CHECK_EQ(written, read);
}

TEST(zero_length_records) {
  Buffer buf(64);
  const char* err = nullptr;
  CHECK(SpscRing::Format(buf.mem(), buf.size(), 64, &err));
  SpscRing prod, cons;
  prod.Attach(buf.mem(), buf.size(), &err);
  cons.Attach(buf.mem(), buf.size(), &err);
  int n = 0;
  while (prod.TryWrite(nullptr, 0)) n++;
  CHECK_EQ(n, 8);  // 64 bytes of 8-byte slots
  prod.Publish();
  uint32_t len = 99;
  int m = 0;
  while (cons.Peek(&len) != nullptr) {
    CHECK_EQ(len, 0u);
    cons.Advance();
    m++;
  }
  CHECK_EQ(m, n);
}

TEST(consumer_sleeps_and_is_woken) {
  Buffer buf(1024);
  const char* err = nullptr;
  SpscRing::Format(buf.mem(), buf.size(), 1024, &err);
  SpscRing prod, cons;
  prod.Attach(buf.mem(), buf.size(), &err);
  cons.Attach(buf.mem(), buf.size(), &err);
  // Times out when nothing arrives.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(!cons.WaitForData(20'000'000));
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(15));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    prod.TryWrite("hello", 5);
    prod.Publish();
  });
  t0 = std::chrono::steady_clock::now();
  CHECK(cons.WaitForData(5'000'000'000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  uint32_t len = 0;
  const uint8_t* p = cons.Peek(&len);
  CHECK(p != nullptr && len == 5 && std::memcmp(p, "hello", 5) == 0);
  t.join();
}

TEST(two_thread_stress) {
  constexpr uint32_t kCap = 4096;
  constexpr uint64_t kCount = 2'000'000;
  Buffer buf(kCap);
  const char* err = nullptr;
  SpscRing::Format(buf.mem(), buf.size(), kCap, &err);
  SpscRing prod, cons;
  prod.Attach(buf.mem(), buf.size(), &err);
  cons.Attach(buf.mem(), buf.size(), &err);
  std::thread producer([&] {
    uint8_t rec[100];
    uint64_t i = 0;
    while (i < kCount) {
      // Batched publish: up to 16 records per head store.
      int batch = 0;
      while (i < kCount && batch < 16) {
        uint32_t l = LenFor(i, 100);
        for (uint32_t j = 0; j < l; j++) rec[j] = ByteFor(i, j);
        if (!prod.TryWrite(rec, l)) break;
        i++;
        batch++;
      }
      prod.Publish();
      if (batch == 0) prod.WaitForSpace(100, 10'000'000);
    }
  });
  uint64_t read = 0, bad = 0;
  uint32_t len = 0;
  while (read < kCount) {
    const uint8_t* p = cons.Peek(&len);
    if (p == nullptr) {
      cons.Release();
      cons.WaitForData(10'000'000);
      continue;
    }
    if (len != LenFor(read, 100)) bad++;
    else
      for (uint32_t j = 0; j < len; j++) bad += p[j] != ByteFor(read, j);
    cons.Advance();
    read++;
    if ((read & 31) == 0) cons.Release();
  }
  cons.Release();
  producer.join();
  CHECK_EQ(read, kCount);
  CHECK_EQ(bad, 0u);
}

int main() { return laminar_test::RunAll(); }
