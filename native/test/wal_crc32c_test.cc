// CRC-32C against published check values (RFC 3720 appendix B.4 and the "123456789" check).
#include <cstring>
#include <vector>

#include "test/check.h"
#include "wal/crc32c.h"

using laminar::wal::Crc32c;

TEST(check_value) { CHECK_EQ(Crc32c(0, "123456789", 9), 0xE3069283u); }

TEST(rfc3720_vectors) {
  uint8_t buf[32];
  std::memset(buf, 0, 32);
  CHECK_EQ(Crc32c(0, buf, 32), 0x8A9136AAu);
  std::memset(buf, 0xFF, 32);
  CHECK_EQ(Crc32c(0, buf, 32), 0x62A8AB43u);
  for (int i = 0; i < 32; i++) buf[i] = static_cast<uint8_t>(i);
  CHECK_EQ(Crc32c(0, buf, 32), 0x46DD794Eu);
  for (int i = 0; i < 32; i++) buf[i] = static_cast<uint8_t>(31 - i);
  CHECK_EQ(Crc32c(0, buf, 32), 0x113FDB5Cu);
}

TEST(empty_input) { CHECK_EQ(Crc32c(0, nullptr, 0), 0u); }

TEST(incremental_equals_one_shot) {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 131 + 7);
  uint32_t whole = Crc32c(0, data.data(), data.size());
  for (size_t split : {0, 1, 3, 7, 8, 9, 63, 500, 999, 1000}) {
    uint32_t part = Crc32c(Crc32c(0, data.data(), split), data.data() + split, data.size() - split);
    CHECK_EQ(part, whole);
  }
  // Unaligned starts take the same path as aligned ones.
  CHECK_EQ(Crc32c(0, data.data() + 1, 9), Crc32c(0, std::vector<uint8_t>(data.begin() + 1, data.begin() + 10).data(), 9));
}

TEST(detects_single_bit_flips) {
  std::vector<uint8_t> data(256, 0x5A);
  uint32_t base = Crc32c(0, data.data(), data.size());
  int undetected = 0;
  for (size_t i = 0; i < data.size(); i++)
    for (int b = 0; b < 8; b++) {
      data[i] ^= static_cast<uint8_t>(1 << b);
      undetected += Crc32c(0, data.data(), data.size()) == base;
      data[i] ^= static_cast<uint8_t>(1 << b);
    }
  CHECK_EQ(undetected, 0);
}

int main() { return laminar_test::RunAll(); }
