// Zero-initialised array of trivially copyable T for the probe table. Large arrays come straight
// from mmap, 2 MiB aligned and advised to use transparent huge pages: a 10 M-key table is
// hundreds of MiB, and with 4 KiB pages every random probe would add a TLB miss (a page walk
// that itself misses the cache) to the data miss. Small arrays use calloc, so the many small
// stores of a query do not each pin a 2 MiB page.
#pragma once
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

namespace laminar::state {

constexpr size_t kHugePageBytes = 2u << 20;

void* BigAlloc(size_t bytes, bool* mapped);
void BigFree(void* p, size_t bytes, bool mapped);

template <class T>
class BigArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  BigArray() = default;
  explicit BigArray(size_t n) : size_(n) {
    if (n) data_ = static_cast<T*>(BigAlloc(n * sizeof(T), &mapped_));
  }
  ~BigArray() { BigFree(data_, size_ * sizeof(T), mapped_); }
  BigArray(const BigArray&) = delete;
  BigArray& operator=(const BigArray&) = delete;
  BigArray(BigArray&& o) noexcept { swap(o); }
  BigArray& operator=(BigArray&& o) noexcept {
    BigArray tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  void swap(BigArray& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(mapped_, o.mapped_);
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }
  void Zero() {
    if (size_) std::memset(static_cast<void*>(data_), 0, bytes());
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
};

}  // namespace laminar::state
