#include "state/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "state/checksum.h"
#include "state/state_error.h"

namespace laminar::state {
namespace {

constexpr char kMagic[8] = {'L', 'M', 'S', 'T', 'A', 'T', 'E', '1'};
constexpr uint8_t kFlagOrdered = 1;
constexpr size_t kWriteBuffer = 1 << 20;

[[noreturn]] void ThrowIo(const std::string& what, const std::string& path) {
  throw StateError("IO_ERROR", "state snapshot: " + what + " '" + path + "': " + std::strerror(errno));
}

[[noreturn]] void ThrowCorrupt(const std::string& what) {
  throw StateError("CORRUPTION", "state snapshot is corrupt: " + what);
}

template <class T>
void PutLe(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));  // x86-64 and arm64 are little-endian
}

template <class T>
T GetLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Buffered body writer that checksums what it writes.
class BodyWriter {
 public:
  BodyWriter(int fd, const std::string& path) : fd_(fd), path_(path) { buf_.reserve(kWriteBuffer); }
  void Write(const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    crc_ = Crc32cExtend(crc_, p, len);
    bytes_ += len;
    if (buf_.size() + len > kWriteBuffer) Flush();
    if (len >= kWriteBuffer) {
      WriteAll(p, len);
    } else {
      buf_.insert(buf_.end(), p, p + len);
    }
  }
  void U32(uint32_t v) { Write(&v, 4); }
  void U64(uint64_t v) { Write(&v, 8); }
  void Flush() {
    WriteAll(buf_.data(), buf_.size());
    buf_.clear();
  }
  uint32_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void WriteAll(const uint8_t* p, size_t len) {
    while (len > 0) {
      ssize_t n = ::write(fd_, p, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowIo("cannot write", path_);
      }
      p += n;
      len -= static_cast<size_t>(n);
    }
  }
  int fd_;
  const std::string& path_;
  std::vector<uint8_t> buf_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void FsyncParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Fd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd >= 0) ::fsync(d.fd);  // best effort: some filesystems refuse fsync on directories
}

// Bounds-checked cursor over the snapshot body.
class Reader {
 public:
  Reader(const uint8_t* p, size_t len) : p_(p), end_(p + len) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* Take(size_t n, const char* what) {
    if (n > left()) ThrowCorrupt(std::string("truncated ") + what);
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }
  uint32_t U32(const char* what) { return GetLe<uint32_t>(Take(4, what)); }
  uint64_t U64(const char* what) { return GetLe<uint64_t>(Take(8, what)); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

uint64_t WriteSnapshot(const StateStore& store, const std::string& path) {
  const std::string tmp = path + ".tmp";
  Fd f;
  f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f.fd < 0) ThrowIo("cannot create", tmp);
  uint8_t header[kSnapshotHeaderBytes] = {};
  BodyWriter body(f.fd, tmp);
  try {
    if (::write(f.fd, header, sizeof header) != static_cast<ssize_t>(sizeof header)) ThrowIo("cannot write", tmp);
    const StoreOptions& o = store.options();
    const bool u64_keys = o.key_kind == KeyKind::kU64;
    const bool fixed = store.fixed_values();
    const size_t value_bytes = size_t{o.width} * 8;
    store.ForEachValue([&](uint64_t key_or_hash, uint32_t ref, const uint64_t* words) {
      if (u64_keys) {
        body.U64(key_or_hash);
      } else {
        std::string_view k = store.BytesKey(ref);
        body.U32(static_cast<uint32_t>(k.size()));
        body.Write(k.data(), k.size());
      }
      if (fixed) {
        body.Write(words, value_bytes);
      } else {
        std::string_view v = store.BytesValue(ref);
        body.U32(static_cast<uint32_t>(v.size()));
        body.Write(v.data(), v.size());
      }
    });
    body.Flush();

    std::memcpy(header, kMagic, 8);
    PutLe<uint32_t>(header + 8, kSnapshotVersion);
    header[12] = static_cast<uint8_t>(o.key_kind);
    header[13] = static_cast<uint8_t>(o.value_kind);
    header[14] = o.ordered ? kFlagOrdered : 0;
    PutLe<uint32_t>(header + 16, o.width);
    PutLe<uint64_t>(header + 24, store.size());
    PutLe<uint64_t>(header + 32, body.bytes());
    PutLe<uint32_t>(header + 40, body.crc());
    PutLe<uint32_t>(header + 60, Crc32c(header, 60));
    if (::pwrite(f.fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) ThrowIo("cannot write", tmp);
    if (::fsync(f.fd) != 0) ThrowIo("cannot fsync", tmp);
    int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) ThrowIo("cannot close", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) ThrowIo("cannot rename the snapshot to", path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  FsyncParentDir(path);
  return kSnapshotHeaderBytes + body.bytes();
}

std::unique_ptr<StateStore> LoadSnapshotBytes(const uint8_t* data, size_t len, uint64_t max_entries) {
  if (len < kSnapshotHeaderBytes) {
    ThrowCorrupt("file of " + std::to_string(len) + " bytes is shorter than the " +
                 std::to_string(kSnapshotHeaderBytes) + "-byte header");
  }
  if (std::memcmp(data, kMagic, 8) != 0) ThrowCorrupt("not a LaminarDB state snapshot (bad magic)");
  if (GetLe<uint32_t>(data + 60) != Crc32c(data, 60)) ThrowCorrupt("header checksum mismatch");
  const uint32_t version = GetLe<uint32_t>(data + 8);
  if (version != kSnapshotVersion) {
    ThrowCorrupt("unsupported snapshot version " + std::to_string(version) + " (this build reads version " +
                 std::to_string(kSnapshotVersion) + ")");
  }
  const uint8_t key_kind = data[12], value_kind = data[13], flags = data[14];
  const uint32_t width = GetLe<uint32_t>(data + 16);
  const uint64_t count = GetLe<uint64_t>(data + 24);
  const uint64_t body_len = GetLe<uint64_t>(data + 32);
  if (key_kind != 1 && key_kind != 2) ThrowCorrupt("unknown key kind " + std::to_string(key_kind));
  if (value_kind < 1 || value_kind > 3) ThrowCorrupt("unknown value kind " + std::to_string(value_kind));
  if ((flags & ~kFlagOrdered) != 0) ThrowCorrupt("unknown flags");
  const bool fixed = value_kind != static_cast<uint8_t>(ValueKind::kBytes);
  if (fixed ? (width < 1 || width > kMaxWidth) : width != 0) ThrowCorrupt("invalid value width " + std::to_string(width));
  if (body_len != len - kSnapshotHeaderBytes) {
    ThrowCorrupt("body should be " + std::to_string(body_len) + " bytes but the file holds " +
                 std::to_string(len - kSnapshotHeaderBytes) + " (truncated or padded)");
  }
  const uint8_t* body = data + kSnapshotHeaderBytes;
  if (GetLe<uint32_t>(data + 40) != Crc32c(body, body_len)) ThrowCorrupt("body checksum mismatch");

  const bool u64_keys = key_kind == static_cast<uint8_t>(KeyKind::kU64);
  const uint64_t min_entry = (u64_keys ? 8 : 4) + (fixed ? uint64_t{width} * 8 : 4);
  if (count > body_len / min_entry) ThrowCorrupt(std::to_string(count) + " entries cannot fit in the body");

  StoreOptions opts;
  opts.key_kind = static_cast<KeyKind>(key_kind);
  opts.value_kind = static_cast<ValueKind>(value_kind);
  opts.width = width;
  opts.ordered = (flags & kFlagOrdered) != 0;
  opts.max_entries = max_entries;
  opts.initial_capacity = count;
  auto store = std::make_unique<StateStore>(opts);
  if (count > store->max_entries()) {
    throw StateError("CAPACITY", "state snapshot holds " + std::to_string(count) + " entries, more than maxEntries " +
                                     std::to_string(store->max_entries()));
  }

  Reader r(body, body_len);
  const size_t value_bytes = size_t{width} * 8;
  for (uint64_t i = 0; i < count; i++) {
    bool inserted = false;
    uint32_t ref = kNoRef;
    uint64_t* words = nullptr;
    if (u64_keys && fixed) {
      // By key, not by ref: a ref would move inline values out of the probe array.
      words = store->UpsertValueU64(r.U64("key"), &inserted);
    } else if (u64_keys) {
      ref = store->UpsertU64(r.U64("key"), &inserted);
    } else {
      uint32_t klen = r.U32("key length");
      if (klen > kMaxKeyBytes) ThrowCorrupt("key length " + std::to_string(klen) + " over the limit");
      const uint8_t* k = r.Take(klen, "key");
      ref = store->UpsertBytes(std::string_view(reinterpret_cast<const char*>(k), klen), &inserted);
      if (fixed) words = store->Words(ref);
    }
    if (!inserted) ThrowCorrupt("duplicate key in entry " + std::to_string(i));
    if (fixed) {
      std::memcpy(words, r.Take(value_bytes, "value"), value_bytes);
    } else {
      uint32_t vlen = r.U32("value length");
      const uint8_t* v = r.Take(vlen, "value");
      store->SetBytesValue(ref, std::string_view(reinterpret_cast<const char*>(v), vlen));
    }
  }
  if (r.left() != 0) ThrowCorrupt(std::to_string(r.left()) + " bytes after the last entry");
  return store;
}

std::unique_ptr<StateStore> LoadSnapshotFile(const std::string& path, uint64_t max_entries) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) ThrowIo("cannot open", path);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) ThrowIo("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    ThrowIo("not a regular file", path);
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(f.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIo("cannot read", path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return LoadSnapshotBytes(bytes.data(), got, max_entries);
}

}  // namespace laminar::state
