// Snapshot round trips and the loader's behaviour on corrupt input (native/state/snapshot.*).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "state/checksum.h"
#include "state/hash_store.h"
#include "state/snapshot.h"
#include "state/state_error.h"
#include "test/check.h"

using namespace laminar::state;

namespace {

std::string TempPath(const char* name) { return "/tmp/laminar_state_test_" + std::to_string(getpid()) + "_" + name; }

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <class Fn>
std::string ThrownCode(Fn&& fn) {
  try {
    fn();
  } catch (const StateError& e) {
    return e.code();
  }
  return "";
}

std::vector<uint8_t> SmallSnapshot() {
  StoreOptions o;
  o.key_kind = KeyKind::kBytes;
  o.value_kind = ValueKind::kBytes;
  o.width = 0;
  StateStore st(o);
  for (int i = 0; i < 5; i++) st.SetBytesValue(st.UpsertBytes(std::string("k").append(std::to_string(i)), nullptr), std::string(i, 'x'));
  std::string path = TempPath("small");
  WriteSnapshot(st, path);
  auto bytes = ReadAll(path);
  std::remove(path.c_str());
  return bytes;
}

}  // namespace

TEST(u64_fixed_round_trip) {
  StoreOptions o;
  o.width = 2;
  o.ordered = true;
  StateStore st(o);
  for (uint64_t k = 0; k < 50000; k++) {
    uint32_t r = st.UpsertU64(k * 7919, nullptr);
    st.Words(r)[0] = k;
    st.Words(r)[1] = ~k;
  }
  for (uint64_t k = 0; k < 50000; k += 5) st.EraseU64(k * 7919);
  std::string path = TempPath("u64");
  uint64_t written = WriteSnapshot(st, path);
  CHECK_EQ(written, ReadAll(path).size());
  auto back = LoadSnapshotFile(path, 0);
  CHECK_EQ(back->size(), st.size());
  CHECK_EQ(back->width(), 2u);
  CHECK(back->options().ordered);
  bool all_equal = true;
  st.ForEach([&](uint64_t key, uint32_t ref) {
    uint32_t r2 = back->FindU64(key);
    if (r2 == kNoRef || std::memcmp(back->Words(r2), st.Words(ref), 16) != 0) all_equal = false;
  });
  CHECK(all_equal);
  std::vector<uint32_t> refs;
  std::vector<uint64_t> keys;
  back->ScanU64(0, 7919 * 3, 10, &refs, &keys);  // the ordered index was rebuilt
  CHECK(keys == (std::vector<uint64_t>{7919, 7919 * 2, 7919 * 3}));
  std::remove(path.c_str());
}

TEST(bytes_round_trip_and_empty_store) {
  StoreOptions o;
  o.key_kind = KeyKind::kBytes;
  o.value_kind = ValueKind::kBytes;
  o.width = 0;
  StateStore st(o);
  st.SetBytesValue(st.UpsertBytes(std::string("a\0b", 3), nullptr), "value-1");
  st.SetBytesValue(st.UpsertBytes("", nullptr), "");
  std::string path = TempPath("bytes");
  WriteSnapshot(st, path);
  auto back = LoadSnapshotFile(path, 0);
  CHECK_EQ(back->size(), 2u);
  CHECK(back->BytesValue(back->FindBytes(std::string("a\0b", 3))) == "value-1");
  CHECK(back->FindBytes("") != kNoRef);

  StateStore empty(o);
  WriteSnapshot(empty, path);
  CHECK_EQ(LoadSnapshotFile(path, 0)->size(), 0u);
  std::remove(path.c_str());
}

TEST(every_truncation_is_a_clean_corruption_error) {
  auto bytes = SmallSnapshot();
  for (size_t len = 0; len < bytes.size(); len++) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);  // exact-size buffer for ASan
    if (ThrownCode([&] { LoadSnapshotBytes(cut.data(), cut.size(), 0); }) != "CORRUPTION") {
      std::printf("  truncated to %zu bytes was not rejected\n", len);
      CHECK(false);
    }
  }
  CHECK_EQ(LoadSnapshotBytes(bytes.data(), bytes.size(), 0)->size(), 5u);
}

TEST(every_single_byte_flip_is_detected) {
  auto bytes = SmallSnapshot();
  for (size_t i = 0; i < bytes.size(); i++) {
    auto bad = bytes;
    bad[i] ^= 0x5A;
    if (ThrownCode([&] { LoadSnapshotBytes(bad.data(), bad.size(), 0); }) != "CORRUPTION") {
      std::printf("  flip at byte %zu was not rejected\n", i);
      CHECK(false);
    }
  }
}

// A header whose checksums are valid but whose contents lie must still be rejected cleanly.
TEST(lying_headers_with_valid_checksums_are_rejected) {
  auto bytes = SmallSnapshot();
  auto reseal = [](std::vector<uint8_t>& b) {
    uint32_t body = Crc32c(b.data() + kSnapshotHeaderBytes, b.size() - kSnapshotHeaderBytes);
    std::memcpy(b.data() + 40, &body, 4);
    uint32_t head = Crc32c(b.data(), 60);
    std::memcpy(b.data() + 60, &head, 4);
  };
  auto code_of = [&](std::vector<uint8_t> b) {
    reseal(b);
    return ThrownCode([&] { LoadSnapshotBytes(b.data(), b.size(), 0); });
  };
  {
    auto b = bytes;
    uint64_t huge = 1ULL << 60;
    std::memcpy(b.data() + 24, &huge, 8);  // entry count far beyond the body
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
  {
    auto b = bytes;
    uint64_t fewer = 4;
    std::memcpy(b.data() + 24, &fewer, 8);  // trailing bytes after the last entry
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
  {
    auto b = bytes;
    uint32_t version = 2;
    std::memcpy(b.data() + 8, &version, 4);
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
  {
    auto b = bytes;
    b[13] = 9;  // unknown value kind
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
  {
    auto b = bytes;
    uint32_t klen = 0xFFFFFFF0u;  // first key's length points past the end
    std::memcpy(b.data() + kSnapshotHeaderBytes, &klen, 4);
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
  {
    // Duplicate keys: write the first entry twice.
    auto b = bytes;
    uint32_t klen;
    std::memcpy(&klen, b.data() + kSnapshotHeaderBytes, 4);
    uint32_t vlen;
    std::memcpy(&vlen, b.data() + kSnapshotHeaderBytes + 4 + klen, 4);
    size_t entry = 4 + klen + 4 + vlen;
    std::vector<uint8_t> first(b.begin() + kSnapshotHeaderBytes, b.begin() + kSnapshotHeaderBytes + entry);
    b.insert(b.begin() + kSnapshotHeaderBytes, first.begin(), first.end());
    uint64_t count = 6, body = b.size() - kSnapshotHeaderBytes;
    std::memcpy(b.data() + 24, &count, 8);
    std::memcpy(b.data() + 32, &body, 8);
    CHECK_EQ(code_of(b), std::string("CORRUPTION"));
  }
}

TEST(io_errors_and_capacity) {
  CHECK_EQ(ThrownCode([] { LoadSnapshotFile("/nonexistent-dir/state.snap", 0); }), std::string("IO_ERROR"));
  CHECK_EQ(ThrownCode([] { LoadSnapshotFile("/tmp", 0); }), std::string("IO_ERROR"));
  StoreOptions o;
  StateStore st(o);
  CHECK_EQ(ThrownCode([&] { WriteSnapshot(st, "/nonexistent-dir/state.snap"); }), std::string("IO_ERROR"));
  for (uint64_t k = 0; k < 10; k++) st.UpsertU64(k, nullptr);
  std::string path = TempPath("cap");
  WriteSnapshot(st, path);
  CHECK_EQ(ThrownCode([&] { LoadSnapshotFile(path, 5); }), std::string("CAPACITY"));
  CHECK_EQ(LoadSnapshotFile(path, 10)->size(), 10u);
  std::remove(path.c_str());
}

int main() { return laminar_test::RunAll(); }
