#!/usr/bin/env bash
# Sets up and runs every test: the Release build's ctest suite, its tests
# that keep cases again on a throwaway PostgreSQL server (tests/pg/run.sh),
# the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (the case-store self-tests on PostgreSQL too), the Debian
# package's checks (deploy/package.sh), and each fuzz target under libFuzzer
# for a bounded time (FUZZ_SECONDS, default 60).
# Usage: deploy/test.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)

deploy/setup.sh --test
# The web tests' one dependency (playwright-core drives Debian's chromium).
(cd tests/web && npm ci --silent --no-audit --no-fund)

echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== the tests that keep cases, on PostgreSQL"
tests/pg/run.sh build -j "$jobs"

echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMT_SANITIZER=address,undefined >/dev/null
cmake --build build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure -j "$jobs"
tests/pg/run.sh build-asan -j "$jobs" -R selftest_casedb

echo "== the Debian package (built portably, units verified, services run from it)"
# CI's fresh machine also installs and purges it (HOMEWARD_CI=1, .ci/run).
deploy/package.sh --check $([ "${HOMEWARD_CI:-}" = 1 ] && echo --install)

echo "== fuzzing (libFuzzer, ${FUZZ_SECONDS:-60} s per target)"
deploy/fuzz.sh "${FUZZ_SECONDS:-60}"
echo "test: all passed"
