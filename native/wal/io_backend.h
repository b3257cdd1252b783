// How the WAL writer thread puts bytes on disk: io_uring (raw syscalls, no liburing, so the
// binary loads where liburing is absent) or pwritev + fdatasync. Chosen at runtime.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace laminar::wal {

// kPwriteDsync: pwritev2(RWF_DSYNC) for a write that must be durable (one syscall instead of
// pwritev + fdatasync; pwritev + fdatasync where the kernel refuses the flag).
enum class BackendKind { kAuto, kIoUring, kPwrite, kPwriteDsync };

class IoBackend {
 public:
  virtual ~IoBackend() = default;
  /**
   * Writes `len` bytes at `offset` of `fd` and, when `sync`, makes them durable (fdatasync).
   * Returns 0 or a positive errno.
   */
  virtual int WriteAndSync(int fd, const void* buf, size_t len, uint64_t offset, bool sync) = 0;
  /** fdatasync(fd); 0 or a positive errno. */
  virtual int Sync(int fd) = 0;
  virtual const char* name() const = 0;
};

/**
 * Makes a backend. kAuto tries io_uring and falls back to pwritev when the kernel refuses it;
 * kIoUring fails (nullptr, `error` set) when io_uring is unavailable.
 */
std::unique_ptr<IoBackend> MakeIoBackend(BackendKind kind, std::string* error);

/**
 * Test seam: wraps a backend so that writes fail with `err` once `fail_after_bytes` bytes were
 * written (e.g. ENOSPC to exercise disk-full handling without filling a disk).
 */
std::unique_ptr<IoBackend> MakeFaultInjectingBackend(std::unique_ptr<IoBackend> inner, uint64_t fail_after_bytes,
                                                     int err);

}  // namespace laminar::wal
