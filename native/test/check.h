// A minimal test harness for the native unit tests: each *_test.cc is one ctest executable.
//   TEST(name) { CHECK(cond); CHECK_EQ(a, b); }
//   int main() { return laminar_test::RunAll(); }
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace laminar_test {

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& Registry() {
  static std::vector<Case> cases;
  return cases;
}

inline int& Failures() {
  static int failures = 0;
  return failures;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { Registry().push_back({name, std::move(fn)}); }
};

inline int RunAll() {
  int failed_cases = 0;
  for (auto& c : Registry()) {
    int before = Failures();
    c.fn();
    bool ok = Failures() == before;
    if (!ok) failed_cases++;
    std::printf("%s %s\n", ok ? "ok" : "FAILED", c.name);
  }
  std::printf("%zu cases, %d failed\n", Registry().size(), failed_cases);
  return failed_cases == 0 ? 0 : 1;
}

}  // namespace laminar_test

#define LAMINAR_CAT2(a, b) a##b
#define LAMINAR_CAT(a, b) LAMINAR_CAT2(a, b)
#define TEST(name)                                                                              \
  static void LAMINAR_CAT(test_fn_, name)();                                                    \
  static laminar_test::Registrar LAMINAR_CAT(test_reg_, name)(#name, LAMINAR_CAT(test_fn_, name)); \
  static void LAMINAR_CAT(test_fn_, name)()

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::printf("  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
      laminar_test::Failures()++;                                                  \
    }                                                                              \
  } while (0)

#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    auto&& _va = (a);                                                                           \
    auto&& _vb = (b);                                                                           \
    if (!(_va == _vb)) {                                                                        \
      std::printf("  %s:%d: CHECK_EQ failed: %s vs %s\n", __FILE__, __LINE__, #a, #b);          \
      laminar_test::Failures()++;                                                               \
    }                                                                                           \
  } while (0)
