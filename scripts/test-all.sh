#!/usr/bin/env bash
# The whole test suite (what `npm test` and CI run): type-check, TypeScript tests with coverage
# (and a check that it was collected right), C++ tests (normal + ASan/UBSan), bounded fuzzing.
# Ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .test-logs
passed=0; failed=0; status=0

count_line() { # adds "N passed, M failed" found in a suite's output
  local p f
  p=$(echo "$1" | sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p' | tail -1)
  f=$(echo "$1" | sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
}

echo "== type-check"
if npx tsc --noEmit -p tsconfig.json > .test-logs/typecheck.log 2>&1; then
  echo "typecheck 1 passed, 0 failed"; passed=$((passed + 1))
else
  cat .test-logs/typecheck.log | head -60; echo "typecheck 0 passed, 1 failed"; failed=$((failed + 1)); status=1
fi

echo "== TypeScript tests (tap, coverage)"
npx tap > .test-logs/tap.log 2>&1; tap_rc=$?
grep -E '^(not ok|# Subtest)|^ok ' .test-logs/tap.log | grep -v '^# Subtest' | tail -200
sed -n '/Coverage summary/,/^====*$/p' .test-logs/tap.log
summary=$(grep -E '^# \{ total: ' .test-logs/tap.log | tail -1)
total=$(echo "$summary" | sed -n 's/.*total: \([0-9]*\).*/\1/p'); pass=$(echo "$summary" | sed -n 's/.*pass: \([0-9]*\).*/\1/p')
total=${total:-0}; pass=${pass:-0}
if [ "$tap_rc" -ne 0 ]; then
  grep -B2 -A25 '^not ok' .test-logs/tap.log | head -150
  if [ "$total" -eq "$pass" ]; then echo "(tap exited $tap_rc with every file passing: coverage below the thresholds in .taprc)"; total=$((total + 1)); fi
  status=1
fi
echo "tap $pass passed, $((total - pass)) failed"
passed=$((passed + pass)); failed=$((failed + total - pass))

# The totals above are only right if every process ran each .ts file as the same generated code
# and no other tap run in this tree deleted .tap/ meanwhile: scripts/check-coverage.cjs says why.
echo "== coverage check"
if node scripts/check-coverage.cjs --tap-log .test-logs/tap.log > .test-logs/coverage-check.log 2>&1; then
  cat .test-logs/coverage-check.log; echo "coverage-check 1 passed, 0 failed"; passed=$((passed + 1))
else
  cat .test-logs/coverage-check.log; echo "coverage-check 0 passed, 1 failed"; failed=$((failed + 1)); status=1
fi

echo "== native tests"
native_out=$(bash scripts/test-native.sh 2>&1); native_rc=$?
echo "$native_out" | tail -60
while read -r line; do count_line "$line"; done < <(echo "$native_out" | grep -E '^native:[a-z]+ [0-9]+ passed, [0-9]+ failed')
[ "$native_rc" -eq 0 ] || status=1

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
