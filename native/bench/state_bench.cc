// Native state store micro-benchmark (no N-API): lookup and upsert ns/key, single and batched,
// beside std::unordered_map doing the same work. Usage: state_bench [--quick]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include "state/hash_store.h"

using namespace laminar::state;

namespace {

constexpr size_t kBatch = 1024;

// CPU time, not wall time: these machines run several engineers' jobs on 2 cores, and wall time
// would mostly measure how often this process was descheduled.
struct CpuClock {
  using time_point = uint64_t;
  static uint64_t now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
  }
};

double NsPer(uint64_t start, size_t ops) { return static_cast<double>(CpuClock::now() - start) / static_cast<double>(ops); }

void Run(size_t n, size_t probes) {
  std::mt19937_64 rng(n);
  std::vector<uint64_t> keys(n);
  for (auto& k : keys) k = rng() >> 11;  // 53-bit keys, as JS numbers would carry them
  std::vector<uint64_t> probe(probes);
  for (auto& p : probe) p = keys[rng() % n];

  StoreOptions o;
  o.value_kind = ValueKind::kF64;
  StateStore st(o);
  std::vector<uint64_t> words(kBatch, 1);
  auto t0 = CpuClock::now();
  for (size_t i = 0; i < n; i += kBatch) st.PutU64Batch(keys.data() + i, std::min(kBatch, n - i), words.data());
  double fill = NsPer(t0, n);

  std::vector<uint64_t> out(kBatch);
  std::vector<uint8_t> found(kBatch);
  uint64_t sink = 0;
  t0 = CpuClock::now();
  for (size_t i = 0; i + kBatch <= probes; i += kBatch) sink += st.GetU64Batch(probe.data() + i, kBatch, out.data(), found.data());
  double batched = NsPer(t0, probes / kBatch * kBatch);

  t0 = CpuClock::now();
  for (size_t i = 0; i < probes; i++) {
    const uint64_t* v = st.FindValueU64(probe[i]);  // by key: Words(ref) would leave inline mode
    sink += v == nullptr ? 0 : *v;
  }
  double single = NsPer(t0, probes);

  t0 = CpuClock::now();
  for (size_t i = 0; i + kBatch <= probes; i += kBatch) st.PutU64Batch(probe.data() + i, kBatch, words.data());
  double upsert_batched = NsPer(t0, probes / kBatch * kBatch);

  std::unordered_map<uint64_t, double> um;
  um.reserve(n);
  t0 = CpuClock::now();
  for (size_t i = 0; i < n; i++) um[keys[i]] = 1;
  double um_fill = NsPer(t0, n);
  t0 = CpuClock::now();
  for (size_t i = 0; i < probes; i++) {
    auto it = um.find(probe[i]);
    sink += it == um.end() ? 0 : static_cast<uint64_t>(it->second);
  }
  double um_single = NsPer(t0, probes);

  std::printf("%zu keys (table %.0f MiB):\n", n, st.Memory().total / 1048576.0);
  std::printf("  fill (batched upsert of new keys)  %7.1f ns/key   std::unordered_map %7.1f\n", fill, um_fill);
  std::printf("  lookup, batched 1024               %7.1f ns/key\n", batched);
  std::printf("  lookup, single                     %7.1f ns/key   std::unordered_map %7.1f\n", single, um_single);
  std::printf("  upsert existing, batched 1024      %7.1f ns/key\n", upsert_batched);
  if (sink == 42) std::printf(" ");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (quick) {
    Run(100000, 1 << 20);
  } else {
    Run(1000000, 1 << 22);
    Run(10000000, 1 << 22);
  }
  return 0;
}
