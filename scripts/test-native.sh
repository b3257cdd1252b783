#!/usr/bin/env bash
# C++ unit tests (ctest) in a normal and an ASan+UBSan build, then bounded libFuzzer runs.
# Prints one line per suite: "native:<suite> N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${LAMINAR_FUZZ_SECONDS:-20}

run_ctest() { # name builddir cmake-args...
  local name=$1 dir=$2; shift 2
  cmake -S . -B "$dir" -DLAMINAR_ADDON=OFF "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; echo "native:$name 0 passed, 1 failed"; return 1; }
  cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; echo "native:$name 0 passed, 1 failed"; return 1; }
  local out; out=$(cd "$dir" && ctest --output-on-failure -j "$jobs" 2>&1); local rc=$?
  echo "$out" | tail -25
  local total failed
  total=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p')
  failed=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p')
  total=${total:-0}; failed=${failed:-1}
  echo "native:$name $((total - failed)) passed, $failed failed"
  return $rc
}

status=0
mkdir -p build-native
run_ctest ctest build-native/release -DCMAKE_BUILD_TYPE=Release || status=1
run_ctest sanitizers build-native/asan -DCMAKE_BUILD_TYPE=Debug -DLAMINAR_SANITIZE=ON || status=1

if command -v clang++ >/dev/null 2>&1; then
  dir=build-native/fuzz
  if CXX=clang++ cmake -S . -B "$dir" -DLAMINAR_ADDON=OFF -DLAMINAR_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir.configure.log" 2>&1 \
     && cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    pass=0; fail=0
    for f in "$dir"/*_fuzz; do
      [ -f "$f" ] && [ -x "$f" ] || continue  # not the corpus-*_fuzz directories
      name=$(basename "$f"); corpus="$dir/corpus-$name"; mkdir -p "$corpus"
      seeds="native/fuzz/seeds/$name"; [ -d "$seeds" ] || seeds=""
      if "$f" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" $seeds >"$dir/$name.log" 2>&1; then
        pass=$((pass + 1)); echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/$name.log" | tail -1))"
      else
        fail=$((fail + 1)); echo "fuzz $name: FAILED"; tail -40 "$dir/$name.log"
      fi
    done
    echo "native:fuzz $pass passed, $fail failed"
    [ "$fail" -eq 0 ] || status=1
  else
    tail -30 "$dir.build.log" 2>/dev/null || cat "$dir.configure.log"
    echo "native:fuzz 0 passed, 1 failed"; status=1
  fi
else
  echo "clang++ not found: libFuzzer targets need clang (apt-get install clang)"
  echo "native:fuzz 0 passed, 1 failed"; status=1
fi
exit $status
