#include "ring/spsc_ring.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace laminar::ring {

namespace {
inline uint32_t Load(uint32_t* w, std::memory_order order) { return std::atomic_ref<uint32_t>(*w).load(order); }
inline void Store(uint32_t* w, uint32_t v, std::memory_order order) { std::atomic_ref<uint32_t>(*w).store(v, order); }
}  // namespace

size_t AlignedBase(const void* memory) {
  auto addr = reinterpret_cast<uintptr_t>(memory);
  // Word 0 holds the base offset, so the ring starts at least 64 bytes in.
  uintptr_t first = (addr + 64 + 63) & ~uintptr_t{63};
  return static_cast<size_t>(first - addr);
}

bool FutexWait(uint32_t* word, uint32_t expected, int64_t timeout_ns) {
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;
    tsp = &ts;
  }
  long rc = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, tsp, nullptr, 0);
  return rc == 0 || errno == EAGAIN || errno == EINTR;
}

void FutexWake(uint32_t* word, int count) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0); }

bool SpscRing::Format(void* memory, size_t bytes, uint32_t capacity, const char** error) {
  if (capacity < kMinCapacity || capacity > kMaxCapacity || (capacity & (capacity - 1)) != 0) {
    *error = "ring capacity must be a power of two between 64 bytes and 1 GiB";
    return false;
  }
  if (memory == nullptr || bytes < BufferBytes(capacity)) {
    *error = "ring buffer is smaller than the layout needs";
    return false;
  }
  size_t base = AlignedBase(memory);
  auto* bytes_ptr = static_cast<uint8_t*>(memory);
  std::memset(bytes_ptr, 0, base + kHeaderBytes);
  auto* header = reinterpret_cast<uint32_t*>(bytes_ptr + base);
  header[1] = kVersion;
  header[2] = capacity;
  Store(reinterpret_cast<uint32_t*>(bytes_ptr), static_cast<uint32_t>(base), std::memory_order_relaxed);
  Store(&header[0], kMagic, std::memory_order_release);
  return true;
}

bool SpscRing::Attach(void* memory, size_t bytes, const char** error) {
  if (memory == nullptr || bytes < 64 + kHeaderBytes + kMinCapacity) {
    *error = "buffer is too small to hold a ring";
    return false;
  }
  auto* bytes_ptr = static_cast<uint8_t*>(memory);
  uint32_t base = Load(reinterpret_cast<uint32_t*>(bytes_ptr), std::memory_order_acquire);
  if (base < 4 || base > 128 || base + kHeaderBytes > bytes) {
    *error = "buffer does not hold a formatted ring (bad base offset)";
    return false;
  }
  auto* header = reinterpret_cast<uint32_t*>(bytes_ptr + base);
  if (Load(&header[0], std::memory_order_acquire) != kMagic || header[1] != kVersion) {
    *error = "buffer does not hold a formatted ring (bad magic or version)";
    return false;
  }
  uint32_t capacity = header[2];
  if (capacity < kMinCapacity || capacity > kMaxCapacity || (capacity & (capacity - 1)) != 0 ||
      base + kHeaderBytes + size_t{capacity} > bytes) {
    *error = "ring header names a capacity the buffer cannot hold";
    return false;
  }
  base_ = bytes_ptr + base;
  data_ = base_ + kHeaderBytes;
  capacity_ = capacity;
  mask_ = capacity - 1;
  write_pos_ = Load(word(kHeadOffset), std::memory_order_acquire);
  cached_tail_ = Load(word(kTailOffset), std::memory_order_acquire);
  read_pos_ = cached_tail_;
  cached_head_ = write_pos_;
  peeked_span_ = 0;
  return true;
}

uint8_t* SpscRing::TryReserve(uint32_t len) {
  if (len > max_record()) return nullptr;
  uint32_t span = RecordSpan(len);
  uint32_t pos = write_pos_ & mask_;
  uint32_t contiguous = capacity_ - pos;
  uint32_t need = span <= contiguous ? span : contiguous + span;
  if (capacity_ - (write_pos_ - cached_tail_) < need) {
    cached_tail_ = Load(word(kTailOffset), std::memory_order_acquire);
    if (capacity_ - (write_pos_ - cached_tail_) < need) return nullptr;
  }
  if (span > contiguous) {
    std::memcpy(data_ + pos, &kWrapMarker, 4);
    write_pos_ += contiguous;
    pos = 0;
  }
  std::memcpy(data_ + pos, &len, 4);
  write_pos_ += span;
  return data_ + pos + kRecordHeader;
}

bool SpscRing::TryWrite(const void* data, uint32_t len) {
  uint8_t* dst = TryReserve(len);
  if (dst == nullptr) return false;
  if (len != 0) std::memcpy(dst, data, len);
  return true;
}

void SpscRing::Publish() {
  Store(word(kHeadOffset), write_pos_, std::memory_order_seq_cst);
  if (Load(word(kConsumerWaitingOffset), std::memory_order_seq_cst) != 0) WakeConsumer();
}

bool SpscRing::WaitForSpace(uint32_t len, int64_t timeout_ns) {
  uint32_t need = RecordSpan(len) * 2;  // worst case: a wrap marker plus the record
  if (need > capacity_) need = capacity_;
  Store(word(kProducerWaitingOffset), 1, std::memory_order_seq_cst);
  uint32_t tail = Load(word(kTailOffset), std::memory_order_seq_cst);
  bool ok = capacity_ - (write_pos_ - tail) >= need;
  if (!ok) {
    FutexWait(word(kTailOffset), tail, timeout_ns);
    tail = Load(word(kTailOffset), std::memory_order_acquire);
    ok = capacity_ - (write_pos_ - tail) >= need;
  }
  Store(word(kProducerWaitingOffset), 0, std::memory_order_relaxed);
  cached_tail_ = tail;
  return ok;
}

const uint8_t* SpscRing::Peek(uint32_t* len) {
  for (;;) {
    if (read_pos_ == cached_head_) {
      cached_head_ = Load(word(kHeadOffset), std::memory_order_acquire);
      if (read_pos_ == cached_head_) return nullptr;
    }
    uint32_t pos = read_pos_ & mask_;
    uint32_t n;
    std::memcpy(&n, data_ + pos, 4);
    if (n == kWrapMarker) {
      read_pos_ += capacity_ - pos;
      continue;
    }
    // A length the producer could not have written means the shared memory was overwritten.
    if (n > max_record()) return nullptr;
    *len = n;
    peeked_span_ = RecordSpan(n);
    return data_ + pos + kRecordHeader;
  }
}

void SpscRing::Advance() {
  read_pos_ += peeked_span_;
  peeked_span_ = 0;
}

void SpscRing::Release() {
  Store(word(kTailOffset), read_pos_, std::memory_order_seq_cst);
  if (Load(word(kProducerWaitingOffset), std::memory_order_seq_cst) != 0) WakeProducer();
}

bool SpscRing::WaitForData(int64_t timeout_ns) {
  Store(word(kConsumerWaitingOffset), 1, std::memory_order_seq_cst);
  uint32_t head = Load(word(kHeadOffset), std::memory_order_seq_cst);
  if (head == read_pos_) FutexWait(word(kHeadOffset), head, timeout_ns);
  Store(word(kConsumerWaitingOffset), 0, std::memory_order_relaxed);
  cached_head_ = Load(word(kHeadOffset), std::memory_order_acquire);
  return cached_head_ != read_pos_;
}

bool SpscRing::SpinForData(int64_t spin_ns) {
  timespec start{}, now{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0;; i++) {
    if (Load(word(kHeadOffset), std::memory_order_acquire) != read_pos_) return true;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
    if ((i & 63) == 63) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      if ((now.tv_sec - start.tv_sec) * 1000000000LL + (now.tv_nsec - start.tv_nsec) >= spin_ns) return false;
    }
  }
}

void SpscRing::WakeConsumer() { FutexWake(word(kHeadOffset), 1); }
void SpscRing::WakeProducer() { FutexWake(word(kTailOffset), 1); }

uint32_t SpscRing::Used() const {
  return Load(word(kHeadOffset), std::memory_order_acquire) - Load(word(kTailOffset), std::memory_order_acquire);
}

}  // namespace laminar::ring
