#!/usr/bin/env bash
# Crash soak: the SIGKILL crash test with many more iterations than CI runs.
#   bash bench/storage/crash-soak.sh [iterations=200] [seed]
set -euo pipefail
cd "$(dirname "$0")/../.."
export LAMINAR_CRASH_ITERATIONS=${1:-200}
[ $# -ge 2 ] && export LAMINAR_CRASH_SEED=$2
exec npx tap --disable-coverage -t 0 test/crash/sigkill.test.ts
