// WAL segment files: creating (zero-filled, paced for spares), recycling retired files as
// `<n>.free`, preparing the spare segment off the commit path, and retiring old segments.
// Split from wal_writer.cc, which keeps the commit loop.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "sys/sys.h"
#include "wal/wal_format.h"
#include "wal/wal_internal.h"
#include "wal/wal_writer.h"

namespace laminar::wal {

using internal::Errno;
using internal::kMaxZeroPauseNs;
using internal::kPacedZeroChunk;
using internal::kZeroChunk;
using internal::NowNs;

bool WalWriter::CreateSegmentFile(IoBackend* io, const std::string& path, uint64_t size, int* fd_out,
                                  std::string* error, bool paced) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("cannot create WAL segment " + path, errno);
    return false;
  }
  int err = 0;
  if (fallocate(fd, 0, 0, static_cast<off_t>(size)) != 0) {
    err = errno;
    // Filesystems without fallocate still get a file of the right size (zeroing fills it).
    if ((err == EOPNOTSUPP || err == ENOSYS) && ftruncate(fd, static_cast<off_t>(size)) == 0) err = 0;
  }
  bool cancelled = false;
  if (err == 0 && options_.pre_zero) {
    // Written zeros (not unwritten extents) keep later fdatasyncs free of metadata updates.
    // A spare is zeroed while commits run. Written at once, its zeros reach the device in one
    // burst when they are synced: commits' small writes queue behind it, and their fdatasyncs'
    // cache flushes (this disk has no FUA: a flush persists everything written before it) carry
    // it. Paced, a spare goes 256 KiB at a time, each written back (sync_file_range: no cache
    // flush of its own) before the next, with a pause as long as that took: a commit then waits
    // behind at most one chunk. A roll that needs the spare early stops the pauses.
    const bool pace = paced && options_.pace_spare;
    const size_t chunk = pace ? kPacedZeroChunk : kZeroChunk;
    std::vector<uint8_t> zeros(chunk, 0);
    for (uint64_t off = 0; off < size && err == 0; off += chunk) {
      if (paced && spare_cancel_.load(std::memory_order_relaxed)) {
        cancelled = true;
        break;
      }
      int64_t start = pace ? NowNs() : 0;
      size_t n = static_cast<size_t>(size - off < chunk ? size - off : chunk);
      err = io->WriteAndSync(fd, zeros.data(), n, off, false);
      if (!pace || err != 0) continue;
      constexpr unsigned kWriteBack =
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
      // Where the call is not supported the final fdatasync still writes everything back.
      sync_file_range(fd, static_cast<off_t>(off), static_cast<off_t>(n), kWriteBack);
      if (spare_hurry_.load(std::memory_order_relaxed)) continue;
      int64_t took = NowNs() - start;
      std::this_thread::sleep_for(std::chrono::nanoseconds(took < kMaxZeroPauseNs ? took : kMaxZeroPauseNs));
    }
  }
  if (err == 0 && !cancelled) err = io->Sync(fd);
  if (err != 0 || cancelled) {
    if (err != 0)
      *error = Errno("cannot preallocate WAL segment " + path + " (" + std::to_string(size) + " bytes)", err);
    close(fd);
    unlink(path.c_str());
    errno = err;
    return false;
  }
  *fd_out = fd;
  return true;
}

bool WalWriter::TakeFreeSegment(std::string* path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return false;
  *path = free_.back();
  free_.pop_back();
  return true;
}

size_t WalWriter::free_segments() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

// Keeps a file that is no longer part of the log as a free segment when fewer than
// recycle_segments are kept and it has the segment size. Called with mu_ held.
bool WalWriter::KeepAsFree(const std::string& path) {
  struct stat st {};
  if (free_.size() >= options_.recycle_segments || stat(path.c_str(), &st) != 0 ||
      static_cast<uint64_t>(st.st_size) != segment_bytes_)
    return false;
  std::string to = options_.dir + "/" + FreeSegmentFileName(next_free_++);
  if (rename(path.c_str(), to.c_str()) != 0) return false;
  free_.push_back(to);
  return true;
}

// Renames a free segment file to `to` and opens it; -1 when it cannot be used (then it is gone).
int WalWriter::OpenRecycled(const std::string& free_path, const std::string& to) {
  if (rename(free_path.c_str(), to.c_str()) != 0) {
    unlink(free_path.c_str());
    return -1;
  }
  int fd = open(to.c_str(), O_RDWR | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) == segment_bytes_) return fd;
  if (fd >= 0) close(fd);
  unlink(to.c_str());
  return -1;
}

void WalWriter::StartSparePreparation() {
  // Zeroing a segment takes tens of milliseconds: do it on a helper thread so commits never wait
  // for it (unless the current segment fills before the spare is ready). A recycled file needs no
  // zeroing (its stale bytes fail the new salt and the LSN sequence): only a rename.
  std::string recycled;
  if (!TakeFreeSegment(&recycled)) recycled.clear();
  spare_thread_ = std::thread([this, recycled] {
    sys::NameCurrentThread("laminar-wal-pre");
    std::string error;
    int fd = -1;
    if (!recycled.empty() && (fd = OpenRecycled(recycled, spare_path_)) >= 0) {
      spare_fd_ = fd;
      return;
    }
    // Its own pwrite backend: an io_uring instance must not be shared between threads.
    auto io = MakeIoBackend(BackendKind::kPwrite, &error);
    // On failure (e.g. disk full) there is no spare; the roll itself then reports the error.
    if (CreateSegmentFile(io.get(), spare_path_, segment_bytes_, &fd, &error, true)) spare_fd_ = fd;
  });
}

void WalWriter::FinishSparePreparation() {
  if (!spare_thread_.joinable()) return;
  spare_hurry_.store(true, std::memory_order_relaxed);
  spare_thread_.join();
  spare_hurry_.store(false, std::memory_order_relaxed);
}

int WalWriter::TruncateBefore(uint64_t lsn, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t remove = 0;
  // Segment i holds LSNs [first_i, first_{i+1}); it can go once first_{i+1} <= lsn. The segment
  // being written (the last) always stays.
  while (remove + 1 < segments_.size() && segments_[remove + 1] <= lsn) remove++;
  for (size_t i = 0; i < remove; i++) {
    std::string path = options_.dir + "/" + SegmentFileName(segments_[i]);
    if (KeepAsFree(path)) continue;
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      *error = Errno("cannot delete WAL segment " + path, errno);
      segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(i));
      return -1;
    }
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(remove));
  if (remove > 0 && dir_fd_ >= 0) fsync(dir_fd_);
  return static_cast<int>(remove);
}

}  // namespace laminar::wal
