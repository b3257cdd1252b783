#include "wal/wal_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "sys/sys.h"
#include "wal/wal_format.h"
#include "wal/wal_internal.h"
#include "wal/wal_reader.h"

namespace laminar::wal {

namespace {
constexpr size_t kBatchBytes = 1u << 20;  // frames gathered per write
using internal::Errno;
using internal::kZeroChunk;
using internal::NowNs;

bool MakeDirs(const std::string& dir, std::string* error) {
  std::string path;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      *error = Errno("cannot create WAL directory " + path, errno);
      return false;
    }
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "WAL path " + dir + " is not a directory";
    return false;
  }
  return true;
}

int CodeFor(int err) { return err == ENOSPC || err == EDQUOT ? kDiskFull : kIoError; }

// A new salt for every segment start: frames of a recycled file's earlier incarnation (and of a
// lost header's incarnation) then fail the checksum even where their LSNs would fit.
uint32_t NewSalt() {
  static std::atomic<uint32_t> counter{0};
  std::random_device rd;
  uint32_t s = rd() ^ static_cast<uint32_t>(NowNs()) ^ (counter.fetch_add(1) * 0x9E3779B9u);
  return s == 0 ? 1 : s;
}

// Offset just past the last non-zero byte at or after `from` (== from when all are zero).
uint64_t EndOfNonZero(const uint8_t* data, uint64_t size, uint64_t from) {
  uint64_t i = size;
  while (i > from && (i & 7) != 0 && data[i - 1] == 0) i--;
  while (i >= from + 8 && (i & 7) == 0) {
    uint64_t word;
    std::memcpy(&word, data + i - 8, 8);
    if (word != 0) break;
    i -= 8;
  }
  while (i > from && data[i - 1] == 0) i--;
  return i;
}
}  // namespace

int64_t WalWriter::LoadControl(ControlSlot slot) const {
  return std::atomic_ref<int64_t>(control_[slot]).load(std::memory_order_seq_cst);
}
void WalWriter::StoreControl(ControlSlot slot, int64_t v) {
  std::atomic_ref<int64_t>(control_[slot]).store(v, std::memory_order_seq_cst);
}

std::unique_ptr<WalWriter> WalWriter::Open(const WalOptions& options, void* ring_memory, size_t ring_bytes,
                                           int64_t* control, Notify notify, std::string* error, int* error_code) {
  *error_code = kIoError;
  if (options.segment_bytes < 4096 || options.segment_bytes % 4096 != 0) {
    *error = "segment size must be a positive multiple of 4096 bytes";
    return nullptr;
  }
  std::unique_ptr<WalWriter> w(new WalWriter());
  w->options_ = options;
  w->segment_bytes_ = options.segment_bytes;
  w->control_ = control;
  w->notify_ = std::move(notify);
  const char* ring_error = nullptr;
  if (!w->ring_.Attach(ring_memory, ring_bytes, &ring_error)) {
    *error = ring_error;
    return nullptr;
  }
  w->backend_ = MakeIoBackend(options.backend, error);
  if (!w->backend_) return nullptr;
  if (options.fail_after_bytes > 0)
    w->backend_ = MakeFaultInjectingBackend(std::move(w->backend_), options.fail_after_bytes, options.fail_errno);
  if (!MakeDirs(options.dir, error)) return nullptr;
  w->dir_fd_ = open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (w->dir_fd_ < 0) {
    *error = Errno("cannot open WAL directory " + options.dir, errno);
    return nullptr;
  }
  w->spare_path_ = options.dir + "/spare.wal.tmp";
  unlink(w->spare_path_.c_str());
  if (DIR* d = opendir(options.dir.c_str())) {
    while (dirent* e = readdir(d)) {
      uint64_t n;
      if (!ParseFreeSegmentFileName(e->d_name, &n)) continue;
      std::string path = options.dir + "/" + e->d_name;
      if (w->free_.size() < options.recycle_segments) {
        w->free_.push_back(path);
      } else {
        unlink(path.c_str());
      }
      if (n >= w->next_free_) w->next_free_ = n + 1;
    }
    closedir(d);
  }
  if (!w->Recover(error, error_code)) return nullptr;
  for (int i = 0; i < kControlSlots; i++) std::atomic_ref<int64_t>(control[i]).store(0);
  w->StoreControl(kDurableLsn, static_cast<int64_t>(w->durable_lsn_));
  w->StoreControl(kWrittenLsn, static_cast<int64_t>(w->written_lsn_));
  w->buffer_.reserve(kBatchBytes + 64);
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  if (options.cpu >= 0) sys::PinThread(w->thread_.native_handle(), {options.cpu});
  *error_code = kNoError;
  return w;
}

void WalWriter::SyncDirectory() { fsync(dir_fd_); }

bool WalWriter::StartSegment(uint64_t first_lsn, std::string* error) {
  std::string path = options_.dir + "/" + SegmentFileName(first_lsn);
  int fd = -1;
  FinishSparePreparation();
  if (spare_fd_ >= 0) {
    if (rename(spare_path_.c_str(), path.c_str()) != 0) {
      *error = Errno("cannot rename the spare WAL segment to " + path, errno);
      return false;
    }
    fd = spare_fd_;
    spare_fd_ = -1;
  } else if (std::string free_path; TakeFreeSegment(&free_path) && (fd = OpenRecycled(free_path, path)) >= 0) {
    // a recycled file, renamed in place (no spare was prepared, e.g. the first segment of a run)
  } else if (!CreateSegmentFile(backend_.get(), path, segment_bytes_, &fd, error)) {
    return false;
  }
  uint8_t header[kSegmentHeaderBytes];
  uint32_t salt = NewSalt();
  EncodeSegmentHeader(header, first_lsn, segment_bytes_, salt);
  // No sync of its own: every durable LSN published from now on comes from a sync of this file,
  // which carries the header with it (one fdatasync less per roll, on the commit path). A crash
  // before that leaves a zero header (a new file) or the previous incarnation's header (a recycled
  // one), which recovery and the reader treat as an empty segment (torn tail).
  int err = backend_->WriteAndSync(fd, header, sizeof header, 0, false);
  if (err != 0) {
    *error = Errno("cannot write the header of WAL segment " + path, err);
    close(fd);
    errno = err;
    return false;
  }
  SyncDirectory();
  if (seg_fd_ >= 0) close(seg_fd_);
  seg_fd_ = fd;
  seg_size_ = segment_bytes_;
  seg_offset_ = kSegmentHeaderBytes;
  seg_salt_ = salt;
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back(first_lsn);
  return true;
}

bool WalWriter::Recover(std::string* error, int* code) {
  std::vector<SegmentInfo> segs;
  if (!ListSegments(options_.dir, &segs, error)) return false;
  if (segs.empty()) {
    uint64_t start = options_.start_lsn == 0 ? 1 : options_.start_lsn;
    if (!StartSegment(start, error)) {
      *code = CodeFor(errno);
      return false;
    }
    next_lsn_ = start;
  } else {
    for (const auto& s : segs) segments_.push_back(s.first_lsn);
    const SegmentInfo& last = segs.back();
    int fd = open(last.path.c_str(), O_RDWR | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      *error = Errno("cannot open WAL segment " + last.path, errno);
      if (fd >= 0) close(fd);
      return false;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    void* map = size > 0 ? mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : nullptr;
    if (map == MAP_FAILED) {
      *error = Errno("cannot map WAL segment " + last.path, errno);
      close(fd);
      return false;
    }
    const auto* data = static_cast<const uint8_t*>(map);
    ScanResult r = ScanSegment(data, size, last.first_lsn, nullptr);
    uint64_t dirty_from = r.end_offset, dirty_to = r.end_offset;
    bool new_header = false;
    if (r.status == ScanStatus::kBadHeader) {
      // A crash between starting a segment and its header reaching disk leaves a zero header (a
      // new file) or the header of the file's previous incarnation (a recycled one, naming an
      // older first LSN). No record in it was ever durable: start the segment again with a new
      // salt, which invalidates every frame already in the file. Any other bad header is
      // corruption.
      // (Frames written after a lost header carry that header's salt, which the new one is not.)
      bool zero_header = !r.stale_header && EndOfNonZero(data, kSegmentHeaderBytes, 0) == 0;
      if (!(r.stale_header || zero_header) || size < 4096) {
        *error = "WAL segment " + last.path + ": " + r.reason;
        *code = kCorruption;
        munmap(map, size);
        close(fd);
        return false;
      }
      new_header = true;
      r.next_lsn = last.first_lsn;
      dirty_from = dirty_to = 0;
    } else if (r.sealed) {
      // A clean close: nothing after the seal was written. Clear the seal durably before anything
      // new is written, so a crash in this run can never leave it in front of newer frames.
      dirty_to = r.end_offset + kFrameHeaderBytes;
    } else {
      // No seal: the last run crashed (or predates seals). Bytes it wrote past the valid part
      // (torn or never synced frames) carry this segment's salt and plausible LSNs: clear every
      // non-zero byte after the valid part so none can be mistaken for a newer frame. In a
      // recycled segment that is the whole rest of the file (a crash is rare; a clean close seals).
      dirty_to = EndOfNonZero(data, size, r.end_offset);
    }
    if (map != nullptr) munmap(map, size);
    int err = 0;
    uint32_t salt = r.salt;
    if (new_header) {
      uint8_t header[kSegmentHeaderBytes];
      salt = NewSalt();
      EncodeSegmentHeader(header, last.first_lsn, size, salt);
      err = backend_->WriteAndSync(fd, header, sizeof header, 0, false);
      r.end_offset = kSegmentHeaderBytes;
    }
    std::vector<uint8_t> zeros(kZeroChunk, 0);
    for (uint64_t off = dirty_from; off < dirty_to && err == 0; off += kZeroChunk) {
      size_t n = static_cast<size_t>(dirty_to - off < kZeroChunk ? dirty_to - off : kZeroChunk);
      err = backend_->WriteAndSync(fd, zeros.data(), n, off, false);
    }
    // Records found on disk may not have been synced before the crash: make them durable now.
    if (err == 0) err = backend_->Sync(fd);
    if (err != 0) {
      *error = Errno("cannot repair the tail of WAL segment " + last.path, err);
      *code = CodeFor(err);
      close(fd);
      return false;
    }
    seg_salt_ = salt;
    seg_fd_ = fd;
    seg_size_ = size;
    seg_offset_ = r.end_offset;
    next_lsn_ = r.next_lsn;
  }
  written_lsn_ = durable_lsn_ = last_lsn_at_open_ = next_lsn_ - 1;
  return true;
}

void WalWriter::Fail(int err, const std::string& what, bool append_errno) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.empty()) return;
    error_ = err != 0 && append_errno ? Errno(what, err) : what;
  }
  StoreControl(kErrorCode, CodeFor(err));
  failed_.store(true);
  if (notify_) notify_();
}

std::string WalWriter::error_message() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

int64_t WalWriter::error_code() const { return LoadControl(kErrorCode); }

void WalWriter::PublishDurable() {
  StoreControl(kGroupTakenAtNs, first_unsynced_ns_);
  StoreControl(kSyncStartAtNs, sync_start_ns_);
  StoreControl(kDurableAtNs, NowNs());
  StoreControl(kDurableLsn, static_cast<int64_t>(durable_lsn_));
  // Dekker pairing with JS (store notify-at, then load durable): one side always sees the other.
  int64_t at = LoadControl(kNotifyAtLsn);
  if (at != 0 && static_cast<uint64_t>(at) <= durable_lsn_) {
    StoreControl(kNotifyAtLsn, 0);
    if (notify_) notify_();
  }
}

bool WalWriter::FlushBuffer(bool sync) {
  if (buffer_.empty()) return sync ? SyncNow() : true;
  if (sync) sync_start_ns_ = NowNs();
  int err = backend_->WriteAndSync(seg_fd_, buffer_.data(), buffer_.size(), seg_offset_, sync);
  if (err != 0) {
    Fail(err, "WAL write of " + std::to_string(buffer_.size()) + " bytes at offset " + std::to_string(seg_offset_) +
                  " failed");
    return false;
  }
  seg_offset_ += buffer_.size();
  buffer_.clear();
  written_lsn_ = next_lsn_ - 1;
  StoreControl(kWrittenLsn, static_cast<int64_t>(written_lsn_));
  if (sync) {
    durable_lsn_ = written_lsn_;
    unsynced_records_ = 0;
    PublishDurable();
  }
  return true;
}

bool WalWriter::SyncNow() {
  if (durable_lsn_ == written_lsn_) return true;
  sync_start_ns_ = NowNs();
  int err = backend_->Sync(seg_fd_);
  if (err != 0) {
    Fail(err, "WAL fdatasync failed");
    return false;
  }
  durable_lsn_ = written_lsn_;
  unsynced_records_ = 0;
  PublishDurable();
  return true;
}

bool WalWriter::Roll() {
  // End the segment with a zero record header (or zero the <16 bytes left): a recycled file holds
  // an earlier incarnation's bytes there, and the reader must see a clean end before moving on.
  uint64_t left = seg_size_ - seg_offset_ - buffer_.size();
  buffer_.resize(buffer_.size() + (left < kFrameHeaderBytes ? left : kFrameHeaderBytes), 0);
  if (!FlushBuffer(true)) return false;
  std::string error;
  if (!StartSegment(next_lsn_, &error)) {
    Fail(errno, error, false);
    return false;
  }
  return true;
}

bool WalWriter::Seal() {
  if (seg_fd_ < 0 || seg_size_ - seg_offset_ < kFrameHeaderBytes) return true;
  uint8_t seal[kFrameHeaderBytes];
  EncodeSeal(seal, next_lsn_, seg_salt_);
  int err = backend_->WriteAndSync(seg_fd_, seal, sizeof seal, seg_offset_, true);
  if (err != 0) {
    Fail(err, "cannot seal the WAL on close");
    return false;
  }
  return true;
}

void WalWriter::Run() {
  sys::NameCurrentThread("laminar-wal");
  const bool every = options_.policy == SyncPolicy::kEveryRecord;
  const bool group = options_.policy == SyncPolicy::kGroup;
  const int64_t delay_ns = int64_t{options_.group_delay_us} * 1000;
  // A retired file kept from earlier runs is the spare from the start (a rename, no writes).
  if (free_segments() > 0) StartSparePreparation();
  while (!failed_.load(std::memory_order_relaxed)) {
    bool stopping = stop_.load(std::memory_order_acquire);
    uint64_t drained = 0;
    uint32_t len = 0;
    const uint8_t* rec = nullptr;
    bool ok = true;
    while (ok && buffer_.size() < kBatchBytes && (rec = ring_.Peek(&len)) != nullptr) {
      uint64_t span = FrameSpan(len);
      if (kSegmentHeaderBytes + span > segment_bytes_) {
        Fail(0, "WAL record of " + std::to_string(len) + " bytes does not fit in a segment");
        ok = false;
        break;
      }
      if (seg_offset_ + buffer_.size() + span > seg_size_) ok = Roll();
      if (!ok) break;
      size_t at = buffer_.size();
      buffer_.resize(at + span);
      EncodeFrame(buffer_.data() + at, next_lsn_++, rec, len, seg_salt_);
      ring_.Advance();
      drained++;
      if (unsynced_records_++ == 0) first_unsynced_ns_ = NowNs();
      if (every) ok = FlushBuffer(true);
    }
    ring_.Release();
    if (!ok) break;
    bool ring_empty = rec == nullptr;
    // joinable() first: spare_fd_ belongs to the helper thread until it is joined.
    if (!spare_thread_.joinable() && spare_fd_ < 0 && seg_offset_ > seg_size_ / 4) StartSparePreparation();
    int64_t now = (drained > 0 || unsynced_records_ > 0) ? NowNs() : 0;
    bool want_sync = stopping ||
                     (group && unsynced_records_ > 0 &&
                      (now - first_unsynced_ns_ >= delay_ns ||
                       (options_.group_max_records > 0 && unsynced_records_ >= options_.group_max_records))) ||
                     LoadControl(kSyncRequest) > static_cast<int64_t>(durable_lsn_);
    if (!FlushBuffer(want_sync)) break;
    if (want_sync && !SyncNow()) break;
    if (!ring_empty) continue;
    if (stopping) break;
    // Idle: sleep until records arrive or the oldest unsynced record reaches its group-commit
    // deadline.
    int64_t timeout = 200'000'000;
    if (group && unsynced_records_ > 0) {
      int64_t left = first_unsynced_ns_ + delay_ns - NowNs();
      timeout = left > 0 ? left : 0;
    }
    if (timeout > 0) ring_.WaitForData(timeout);
  }
  // A clean stop seals the segment so the next open may append in place without repair.
  if (!failed_.load() && SyncNow()) Seal();
}

void WalWriter::Wake() { ring_.WakeConsumer(); }

bool WalWriter::Close(std::string* error) {
  if (thread_.joinable()) {
    stop_.store(true, std::memory_order_release);
    ring_.WakeConsumer();
    thread_.join();
  }
  // A spare still being zeroed is given up (a short-lived log should not write a whole segment).
  spare_cancel_.store(true, std::memory_order_relaxed);
  FinishSparePreparation();
  if (seg_fd_ >= 0) close(seg_fd_);
  seg_fd_ = -1;
  if (spare_fd_ >= 0) {
    close(spare_fd_);
    spare_fd_ = -1;
    std::lock_guard<std::mutex> lock(mu_);
    // Prepared already: the next run's first roll can use it.
    if (!KeepAsFree(spare_path_)) unlink(spare_path_.c_str());
  }
  if (dir_fd_ >= 0) close(dir_fd_);
  dir_fd_ = -1;
  std::string e = error_message();
  if (!e.empty()) {
    *error = e;
    return false;
  }
  return true;
}

WalWriter::~WalWriter() {
  std::string ignored;
  Close(&ignored);
}

}  // namespace laminar::wal
