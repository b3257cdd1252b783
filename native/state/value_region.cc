#include "state/value_region.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "state/big_array.h"
#include "state/state_error.h"

namespace laminar::state {
namespace {
constexpr size_t kPage = 4096;
constexpr size_t kMinCommitStep = 64 * 1024;
// Past this size random value reads would otherwise pay a TLB miss each (see big_array.h).
constexpr size_t kHugeFrom = 4u << 20;
size_t RoundUpPage(size_t n) { return (n + kPage - 1) & ~(kPage - 1); }
size_t RoundUpHuge(size_t n) { return (n + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }
}  // namespace

RegionMemory::RegionMemory(size_t reserve_bytes) : reserved_(RoundUpHuge(reserve_bytes)) {
  // Over-reserve by one huge page and trim, so the base is 2 MiB aligned.
  void* p = mmap(nullptr, reserved_ + kHugePageBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw StateError("CAPACITY", "state store: cannot reserve " + std::to_string(reserved_) +
                                     " bytes of address space for values: " + std::strerror(errno));
  }
  auto start = reinterpret_cast<uintptr_t>(p);
  auto aligned = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(p, aligned - start);
  const size_t tail = (start + reserved_ + kHugePageBytes) - (aligned + reserved_);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + reserved_), tail);
  base_ = reinterpret_cast<uint8_t*>(aligned);
}

RegionMemory::~RegionMemory() {
  if (base_ != nullptr) munmap(base_, reserved_);
}

void RegionMemory::EnsureCommitted(size_t bytes) {
  if (bytes <= committed_) return;
  if (bytes > reserved_) {
    throw StateError("CAPACITY", "state store: value region full (" + std::to_string(reserved_) + " bytes reserved)");
  }
  // Grow geometrically so commits stay rare; mprotect of fresh anonymous pages yields zeros.
  size_t target = committed_ * 2;
  if (target < kMinCommitStep) target = kMinCommitStep;
  if (target < bytes) target = bytes;
  target = target >= kHugeFrom ? RoundUpHuge(target) : RoundUpPage(target);
  if (target > reserved_) target = reserved_;
  if (mprotect(base_ + committed_, target - committed_, PROT_READ | PROT_WRITE) != 0) {
    throw StateError("CAPACITY", std::string("state store: cannot commit value memory: ") + std::strerror(errno));
  }
  if (target >= kHugeFrom) madvise(base_, target, MADV_HUGEPAGE);  // advice only
  committed_ = target;
}

void RegionMemory::ReleaseUncommitted() {
  if (base_ == nullptr || reserved_ <= committed_) return;
  // committed_ is page aligned (RoundUpPage/RoundUpHuge), so the tail starts on a page
  if (munmap(base_ + committed_, reserved_ - committed_) == 0) reserved_ = committed_;
}

ValueRegion::ValueRegion(uint32_t width, uint64_t max_entries)
    : width_(width),
      memory_(std::make_shared<RegionMemory>(static_cast<size_t>(max_entries) * width * 8)),
      words_(reinterpret_cast<uint64_t*>(memory_->base())) {}

ValueRegion::~ValueRegion() { memory_->ReleaseUncommitted(); }

void ValueRegion::EnsureSlots(uint64_t count) { memory_->EnsureCommitted(static_cast<size_t>(count) * width_ * 8); }

}  // namespace laminar::state
