#include "wal/io_backend.h"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace laminar::wal {

namespace {

int RetryWrite(int fd, const uint8_t* p, size_t len, uint64_t offset) {
  while (len > 0) {
    iovec iov{const_cast<uint8_t*>(p), len};
    ssize_t n = pwritev(fd, &iov, 1, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    p += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

int RetrySync(int fd) {
  while (fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// One pwritev2(RWF_DSYNC): the kernel writes and then syncs the written range (data, and
// metadata only if the write needed any). 1 when the kernel refuses the flag (then nothing was
// written), else 0 or a positive errno.
int RetryWriteDsync(int fd, const uint8_t* p, size_t len, uint64_t offset) {
  while (len > 0) {
    iovec iov{const_cast<uint8_t*>(p), len};
    ssize_t n = pwritev2(fd, &iov, 1, static_cast<off_t>(offset), RWF_DSYNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL ? -1 : errno;
    }
    if (n == 0) return EIO;
    p += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

class PwriteBackend final : public IoBackend {
 public:
  explicit PwriteBackend(bool dsync) : dsync_(dsync) {}
  int WriteAndSync(int fd, const void* buf, size_t len, uint64_t offset, bool sync) override {
    const auto* p = static_cast<const uint8_t*>(buf);
    if (sync && dsync_) {
      int err = RetryWriteDsync(fd, p, len, offset);
      if (err >= 0) return err;
      dsync_ = false;  // the kernel does not know RWF_DSYNC: write + fdatasync from now on
    }
    int err = RetryWrite(fd, p, len, offset);
    if (err == 0 && sync) err = RetrySync(fd);
    return err;
  }
  int Sync(int fd) override { return RetrySync(fd); }
  const char* name() const override { return dsync_ ? "pwrite-dsync" : "pwrite"; }

 private:
  bool dsync_;
};

// A minimal io_uring: one write linked to one fdatasync per commit, submitted and awaited with a
// single io_uring_enter call.
class UringBackend final : public IoBackend {
 public:
  ~UringBackend() override {
    if (sq_ptr_ != nullptr && sq_ptr_ != MAP_FAILED) munmap(sq_ptr_, sq_size_);
    if (cq_ptr_ != nullptr && cq_ptr_ != MAP_FAILED && cq_ptr_ != sq_ptr_) munmap(cq_ptr_, cq_size_);
    if (sqes_ != nullptr && sqes_ != MAP_FAILED) munmap(sqes_, sqes_size_);
    if (fd_ >= 0) close(fd_);
  }

  bool Init(std::string* error) {
    io_uring_params p{};
    fd_ = static_cast<int>(syscall(__NR_io_uring_setup, 8, &p));
    if (fd_ < 0) {
      *error = std::string("io_uring_setup failed: ") + std::strerror(errno);
      return false;
    }
    sq_size_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    cq_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sq_size_ = cq_size_ = sq_size_ > cq_size_ ? sq_size_ : cq_size_;
    sq_ptr_ = mmap(nullptr, sq_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
    if (sq_ptr_ == MAP_FAILED) return Fail(error, "mmap of the io_uring submission ring failed");
    cq_ptr_ = single ? sq_ptr_
                     : mmap(nullptr, cq_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
    if (cq_ptr_ == MAP_FAILED) return Fail(error, "mmap of the io_uring completion ring failed");
    sqes_size_ = p.sq_entries * sizeof(io_uring_sqe);
    sqes_ = static_cast<io_uring_sqe*>(
        mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES));
    if (sqes_ == MAP_FAILED) return Fail(error, "mmap of the io_uring entries failed");
    auto* sq = static_cast<uint8_t*>(sq_ptr_);
    auto* cq = static_cast<uint8_t*>(cq_ptr_);
    sq_tail_ = reinterpret_cast<unsigned*>(sq + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<unsigned*>(sq + p.sq_off.array);
    cq_head_ = reinterpret_cast<unsigned*>(cq + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(cq + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(cq + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + p.cq_off.cqes);
    return true;
  }

  int WriteAndSync(int fd, const void* buf, size_t len, uint64_t offset, bool sync) override {
    auto* p = static_cast<const uint8_t*>(buf);
    while (len > 0) {
      unsigned n = 0;
      io_uring_sqe* w = NextSqe(&n);
      // WRITEV (kernel 5.1) rather than WRITE (5.6) so older kernels work too.
      iov_.iov_base = const_cast<uint8_t*>(p);
      iov_.iov_len = len > (1u << 30) ? (1u << 30) : len;
      w->opcode = IORING_OP_WRITEV;
      w->fd = fd;
      w->addr = reinterpret_cast<uint64_t>(&iov_);
      w->len = 1;
      w->off = offset;
      w->user_data = 1;
      if (sync) {
        w->flags = IOSQE_IO_LINK;
        io_uring_sqe* s = NextSqe(&n);
        s->opcode = IORING_OP_FSYNC;
        s->fd = fd;
        s->fsync_flags = IORING_FSYNC_DATASYNC;
        s->user_data = 2;
      }
      int write_res = 0, sync_res = 0;
      int err = SubmitAndWait(n, &write_res, &sync_res);
      if (err != 0) return err;
      if (write_res < 0) return -write_res;
      if (write_res == 0) return EIO;
      size_t done = static_cast<size_t>(write_res);
      if (done == len) return sync && sync_res < 0 ? -sync_res : 0;
      // Short write: the linked fsync was cancelled; write the rest (and sync) again.
      p += done;
      len -= done;
      offset += done;
    }
    return sync ? Sync(fd) : 0;
  }

  int Sync(int fd) override {
    unsigned n = 0;
    io_uring_sqe* s = NextSqe(&n);
    s->opcode = IORING_OP_FSYNC;
    s->fd = fd;
    s->fsync_flags = IORING_FSYNC_DATASYNC;
    s->user_data = 2;
    int write_res = 0, sync_res = 0;
    int err = SubmitAndWait(n, &write_res, &sync_res);
    if (err != 0) return err;
    return sync_res < 0 ? -sync_res : 0;
  }

  const char* name() const override { return "io_uring"; }

 private:
  bool Fail(std::string* error, const char* what) {
    *error = std::string(what) + ": " + std::strerror(errno);
    return false;
  }

  io_uring_sqe* NextSqe(unsigned* count) {
    unsigned tail = std::atomic_ref<unsigned>(*sq_tail_).load(std::memory_order_relaxed) + *count;
    unsigned idx = tail & sq_mask_;
    io_uring_sqe* sqe = &sqes_[idx];
    std::memset(sqe, 0, sizeof *sqe);
    sq_array_[idx] = idx;
    ++*count;
    return sqe;
  }

  int SubmitAndWait(unsigned n, int* write_res, int* sync_res) {
    unsigned tail = std::atomic_ref<unsigned>(*sq_tail_).load(std::memory_order_relaxed);
    std::atomic_ref<unsigned>(*sq_tail_).store(tail + n, std::memory_order_release);
    unsigned submitted = 0, completed = 0;
    while (completed < n) {
      unsigned to_submit = n - submitted;
      long rc = syscall(__NR_io_uring_enter, fd_, to_submit, n - completed, IORING_ENTER_GETEVENTS, nullptr, 0);
      if (rc < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      submitted += static_cast<unsigned>(rc);
      unsigned head = std::atomic_ref<unsigned>(*cq_head_).load(std::memory_order_relaxed);
      unsigned ctail = std::atomic_ref<unsigned>(*cq_tail_).load(std::memory_order_acquire);
      while (head != ctail) {
        const io_uring_cqe& c = cqes_[head & cq_mask_];
        if (c.user_data == 1) *write_res = c.res;
        else *sync_res = c.res;
        head++;
        completed++;
      }
      std::atomic_ref<unsigned>(*cq_head_).store(head, std::memory_order_release);
    }
    return 0;
  }

  int fd_ = -1;
  iovec iov_{};
  void* sq_ptr_ = nullptr;
  void* cq_ptr_ = nullptr;
  size_t sq_size_ = 0, cq_size_ = 0, sqes_size_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
};

class FaultInjectingBackend final : public IoBackend {
 public:
  FaultInjectingBackend(std::unique_ptr<IoBackend> inner, uint64_t budget, int err)
      : inner_(std::move(inner)), budget_(budget), err_(err) {}
  int WriteAndSync(int fd, const void* buf, size_t len, uint64_t offset, bool sync) override {
    if (len > budget_) return err_;
    budget_ -= len;
    return inner_->WriteAndSync(fd, buf, len, offset, sync);
  }
  int Sync(int fd) override { return inner_->Sync(fd); }
  const char* name() const override { return inner_->name(); }

 private:
  std::unique_ptr<IoBackend> inner_;
  uint64_t budget_;
  int err_;
};

}  // namespace

std::unique_ptr<IoBackend> MakeIoBackend(BackendKind kind, std::string* error) {
  if (kind == BackendKind::kPwrite || kind == BackendKind::kPwriteDsync)
    return std::make_unique<PwriteBackend>(kind == BackendKind::kPwriteDsync);
  auto uring = std::make_unique<UringBackend>();
  std::string why;
  if (uring->Init(&why)) return uring;
  if (kind == BackendKind::kIoUring) {
    *error = "io_uring backend unavailable: " + why;
    return nullptr;
  }
  return std::make_unique<PwriteBackend>(false);
}

std::unique_ptr<IoBackend> MakeFaultInjectingBackend(std::unique_ptr<IoBackend> inner, uint64_t fail_after_bytes,
                                                     int err) {
  return std::make_unique<FaultInjectingBackend>(std::move(inner), fail_after_bytes, err);
}

}  // namespace laminar::wal
