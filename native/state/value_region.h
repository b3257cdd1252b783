// A stable, growable region of 8-byte value words: virtual memory is reserved once (PROT_NONE,
// no commit charge) and committed on demand, so the region never moves. That is what lets
// JavaScript hold a zero-copy view (an external ArrayBuffer) over accumulator slots while the
// store keeps growing. The memory is owned through a shared_ptr so a JS view that outlives the
// store still points at mapped memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace laminar::state {

class RegionMemory {
 public:
  /** Reserves `reserve_bytes` of address space; throws StateError(CAPACITY) if it cannot. */
  explicit RegionMemory(size_t reserve_bytes);
  ~RegionMemory();
  RegionMemory(const RegionMemory&) = delete;
  RegionMemory& operator=(const RegionMemory&) = delete;

  uint8_t* base() const { return base_; }
  size_t reserved() const { return reserved_; }
  size_t committed() const { return committed_; }
  /** Makes at least the first `bytes` readable and writable (new memory reads as zero). */
  void EnsureCommitted(size_t bytes);
  /**
   * Gives back the reserved address space past the committed part (the region stops growing).
   * JS views cover only committed bytes, so they stay valid; without this a closed store whose
   * view the garbage collector has not yet freed would hold its whole reservation (16 GiB by
   * default), and a few thousand short-lived stores exhaust the address space.
   */
  void ReleaseUncommitted();

 private:
  uint8_t* base_ = nullptr;
  size_t reserved_ = 0;
  size_t committed_ = 0;
};

/** Fixed-width values: `width` words per entry, indexed by the entry's ref. */
class ValueRegion {
 public:
  ValueRegion(uint32_t width, uint64_t max_entries);
  ~ValueRegion();
  ValueRegion(const ValueRegion&) = delete;
  ValueRegion& operator=(const ValueRegion&) = delete;

  uint32_t width() const { return width_; }
  uint64_t* Words(uint32_t ref) { return words_ + static_cast<size_t>(ref) * width_; }
  const uint64_t* Words(uint32_t ref) const { return words_ + static_cast<size_t>(ref) * width_; }
  /** Commits memory so that refs [0, count) are addressable. */
  void EnsureSlots(uint64_t count);
  /** Entries addressable without committing more memory. */
  uint64_t committed_slots() const { return memory_->committed() / (static_cast<size_t>(width_) * 8); }
  size_t committed_bytes() const { return memory_->committed(); }
  const std::shared_ptr<RegionMemory>& memory() const { return memory_; }

 private:
  uint32_t width_;
  std::shared_ptr<RegionMemory> memory_;
  uint64_t* words_;
};

}  // namespace laminar::state
