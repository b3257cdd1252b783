#include "state/big_array.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace laminar::state {
namespace {
constexpr size_t kMapThreshold = 4u << 20;
}  // namespace

void* BigAlloc(size_t bytes, bool* mapped) {
  if (bytes < kMapThreshold) {
    *mapped = false;
    void* p = std::calloc(1, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  // Over-map by one huge page and trim, so the array starts on a 2 MiB boundary.
  const size_t len = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  void* raw = mmap(nullptr, len + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<uintptr_t>(raw);
  auto aligned = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const size_t tail = (start + len + kHugePageBytes) - (aligned + len);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + len), tail);
  madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);  // advice only: fine if refused
  *mapped = true;
  return reinterpret_cast<void*>(aligned);
}

void BigFree(void* p, size_t bytes, bool mapped) {
  if (p == nullptr) return;
  if (!mapped) {
    std::free(p);
    return;
  }
  munmap(p, (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1));
}

}  // namespace laminar::state
