#include "wal/wal_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wal/wal_format.h"

namespace laminar::wal {

std::string SegmentFileName(uint64_t first_lsn) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.wal", static_cast<unsigned long long>(first_lsn));
  return name;
}

bool ParseSegmentFileName(const std::string& name, uint64_t* first_lsn) {
  if (name.size() != 24 || name.compare(20, 4, ".wal") != 0) return false;
  uint64_t v = 0;
  for (int i = 0; i < 20; i++) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *first_lsn = v;
  return v != 0;
}

std::string FreeSegmentFileName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.free", static_cast<unsigned long long>(number));
  return name;
}

bool ParseFreeSegmentFileName(const std::string& name, uint64_t* number) {
  if (name.size() != 25 || name.compare(20, 5, ".free") != 0) return false;
  uint64_t v = 0;
  for (int i = 0; i < 20; i++) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *number = v;
  return true;
}

int DecodeFrameAt(const uint8_t* data, uint64_t size, uint64_t off, uint64_t expected_lsn, uint32_t salt,
                  uint32_t* len, std::string* reason) {
  if (size - off < kFrameHeaderBytes) {
    // Trailing bytes too short for a header: fine if they are zero padding.
    for (uint64_t i = off; i < size; i++)
      if (data[i] != 0) {
        *reason = "truncated record header";
        return -1;
      }
    return 0;
  }
  uint32_t n, crc;
  uint64_t lsn;
  std::memcpy(&n, data + off, 4);
  std::memcpy(&crc, data + off + 4, 4);
  std::memcpy(&lsn, data + off + 8, 8);
  if (n == 0 && crc == 0 && lsn == 0) return 0;
  if (n == kSealLength && lsn == expected_lsn && crc == FrameHeadCrc(salt, n, lsn)) return 2;
  if (n > kMaxRecordBytes || FrameSpan(n) > size - off) {
    *reason = "record length runs past the end of the segment";
    return -1;
  }
  if (lsn != expected_lsn) {
    *reason = "record LSN " + std::to_string(lsn) + " where " + std::to_string(expected_lsn) + " was expected";
    return -1;
  }
  if (FrameCrc(n, lsn, data + off + kFrameHeaderBytes, salt) != crc) {
    *reason = "record checksum mismatch";
    return -1;
  }
  *len = n;
  return 1;
}

namespace {
// Decodes consecutive frames of a segment from `*off`, whose next record must carry `*lsn`, and
// hands each record to `on_record(lsn, payload, len)`; both advance past every record handed
// over. Stops at the first frame that is not a record, returning DecodeFrameAt's kind for it (0
// clean end, 2 seal, -1 invalid with `reason` set), or 1 after a record `on_record` declined more.
template <typename OnRecord>
int ScanFrames(const uint8_t* data, uint64_t size, uint32_t salt, uint64_t* off, uint64_t* lsn, std::string* reason,
               OnRecord&& on_record) {
  for (;;) {
    uint32_t len = 0;
    int kind = *off >= size ? 0 : DecodeFrameAt(data, size, *off, *lsn, salt, &len, reason);
    if (kind != 1) return kind;
    bool more = on_record(*lsn, data + *off + kFrameHeaderBytes, len);
    *off += FrameSpan(len);
    ++*lsn;
    if (!more) return 1;
  }
}

// Reads the segment header into `r` (first LSN, salt); false with kBadHeader and the reason.
bool ReadSegmentHeader(const uint8_t* data, uint64_t size, uint64_t expected_first_lsn, ScanResult* r) {
  if (!DecodeSegmentHeader(data, size, &r->first_lsn, &r->salt)) {
    r->status = ScanStatus::kBadHeader;
    r->reason = "invalid segment header";
    return false;
  }
  if (expected_first_lsn != 0 && r->first_lsn != expected_first_lsn) {
    r->status = ScanStatus::kBadHeader;
    // A recycled file renamed for a new segment whose new header never reached disk still
    // carries its previous incarnation's header, which names an older (smaller) first LSN.
    r->stale_header = r->first_lsn < expected_first_lsn;
    r->reason = "segment header names first LSN " + std::to_string(r->first_lsn) + ", file name says " +
                std::to_string(expected_first_lsn);
    return false;
  }
  return true;
}
}  // namespace

ScanResult ScanSegment(const uint8_t* data, uint64_t size, uint64_t expected_first_lsn,
                       const std::function<bool(uint64_t, const uint8_t*, uint32_t)>& on_record) {
  ScanResult r;
  if (!ReadSegmentHeader(data, size, expected_first_lsn, &r)) return r;
  r.end_offset = kSegmentHeaderBytes;
  r.next_lsn = r.first_lsn;
  int kind = ScanFrames(data, size, r.salt, &r.end_offset, &r.next_lsn, &r.reason,
                        [&](uint64_t lsn, const uint8_t* payload, uint32_t len) {
                          return !on_record || on_record(lsn, payload, len);
                        });
  // 1: the caller stopped early (a clean stop as far as this scan knows)
  r.status = kind >= 0 ? ScanStatus::kEnd : ScanStatus::kCorrupt;
  r.sealed = kind == 2;
  return r;
}

bool ListSegments(const std::string& dir, std::vector<SegmentInfo>* out, std::string* error) {
  out->clear();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    *error = "cannot open WAL directory " + dir + ": " + std::strerror(errno);
    return false;
  }
  while (dirent* e = readdir(d)) {
    uint64_t lsn;
    if (ParseSegmentFileName(e->d_name, &lsn)) out->push_back({lsn, dir + "/" + e->d_name});
  }
  closedir(d);
  std::sort(out->begin(), out->end(), [](const SegmentInfo& a, const SegmentInfo& b) { return a.first_lsn < b.first_lsn; });
  return true;
}

WalReader::~WalReader() { Unmap(); }

void WalReader::Unmap() {
  if (map_ != nullptr) munmap(const_cast<uint8_t*>(map_), map_size_);
  map_ = nullptr;
  map_size_ = 0;
}

bool WalReader::Open(const std::string& dir, uint64_t from_lsn, std::string* error) {
  if (!ListSegments(dir, &segments_, error)) return false;
  from_lsn_ = from_lsn == 0 ? 1 : from_lsn;
  done_ = false;
  stop_ = ReplayStop{};
  // Start at the last segment whose first LSN is <= from_lsn.
  index_ = 0;
  for (size_t i = 0; i < segments_.size(); i++)
    if (segments_[i].first_lsn <= from_lsn_) index_ = i;
  if (segments_.empty()) {
    done_ = true;
    stop_.lsn = from_lsn_;
    return true;
  }
  if (segments_[0].first_lsn > from_lsn_) {
    // Older segments were retired: replay can only start at the oldest one left.
    *error = "WAL no longer holds LSN " + std::to_string(from_lsn_) + " (oldest segment starts at " +
             std::to_string(segments_[0].first_lsn) + ")";
    return false;
  }
  return MapSegment(index_, error);
}

bool WalReader::MapSegment(size_t index, std::string* error) {
  Unmap();
  const SegmentInfo& seg = segments_[index];
  int fd = open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open WAL segment " + seg.path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *error = "cannot stat WAL segment " + seg.path + ": " + std::strerror(errno);
    close(fd);
    return false;
  }
  if (st.st_size > 0) {
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      *error = "cannot map WAL segment " + seg.path + ": " + std::strerror(errno);
      close(fd);
      return false;
    }
    map_ = static_cast<const uint8_t*>(p);
    map_size_ = static_cast<uint64_t>(st.st_size);
  }
  close(fd);
  index_ = index;
  offset_ = 0;
  next_lsn_ = seg.first_lsn;
  return true;
}

bool WalReader::NextBatch(uint64_t max_bytes, std::vector<uint8_t>* payloads, std::vector<uint32_t>* ends,
                          uint64_t* first_lsn, std::string* error) {
  payloads->clear();
  ends->clear();
  while (!done_ && ends->empty()) {
    const SegmentInfo& seg = segments_[index_];
    bool last = index_ + 1 == segments_.size();
    if (offset_ == 0) {
      ScanResult r;
      if (!ReadSegmentHeader(map_, map_size_, seg.first_lsn, &r)) {
        done_ = true;
        stop_ = {last ? ReplayStop::kTornTail : ReplayStop::kCorrupt, seg.path, 0, next_lsn_, r.reason};
        break;
      }
      offset_ = kSegmentHeaderBytes;
      salt_ = r.salt;
    }
    // Frame by frame from offset_ (the header was validated above); at least one record per call.
    std::string reason;
    int kind = ScanFrames(map_, map_size_, salt_, &offset_, &next_lsn_, &reason,
                          [&](uint64_t lsn, const uint8_t* payload, uint32_t len) {
                            if (lsn < from_lsn_) return true;
                            if (ends->empty()) *first_lsn = lsn;
                            payloads->insert(payloads->end(), payload, payload + len);
                            ends->push_back(static_cast<uint32_t>(payloads->size()));
                            return payloads->size() < max_bytes && payloads->size() <= UINT32_MAX / 2;
                          });
    uint64_t off = offset_;
    if (kind == 1) break;  // batch full
    if (kind < 0) {
      done_ = true;
      stop_ = {last ? ReplayStop::kTornTail : ReplayStop::kCorrupt, seg.path, off, next_lsn_, reason};
      break;
    }
    // Clean end of this segment (zero header or seal): the next one must start at exactly the
    // next LSN.
    if (last) {
      done_ = true;
      stop_ = {ReplayStop::kEnd, seg.path, off, next_lsn_, ""};
      break;
    }
    if (segments_[index_ + 1].first_lsn != next_lsn_) {
      done_ = true;
      stop_ = {ReplayStop::kCorrupt, seg.path, off, next_lsn_,
               "segment " + segments_[index_ + 1].path + " starts at LSN " +
                   std::to_string(segments_[index_ + 1].first_lsn) + ", expected " + std::to_string(next_lsn_)};
      break;
    }
    if (!MapSegment(index_ + 1, error)) return false;
  }
  if (done_) Unmap();
  return !ends->empty();
}

}  // namespace laminar::wal
