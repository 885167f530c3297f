#!/usr/bin/env bash
# Builds every fuzz target with clang + libFuzzer + ASan/UBSan (build-fuzz/)
# and runs each for SECONDS (default 60) on a copy of its corpus. A crash
# fails the run and leaves the input under tests/fuzz/findings/<target>/:
# minimise it and add it to tests/fuzz/regressions/<target>/ with the fix.
# Usage: deploy/fuzz.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-60}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
   -DMT_FUZZ=ON -DMT_SANITIZER=address,undefined >/dev/null
targets=$(ls tests/fuzz/corpus)
for t in $targets; do
  cmake --build build-fuzz --target "fuzz_$t"
done

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in $targets; do
  work=$(mktemp -d)
  cp -r tests/fuzz/corpus/"$t"/. "$work"/
  mkdir -p tests/fuzz/findings/"$t"
  echo "fuzz: $t for $seconds s"
  if ! build-fuzz/bin/fuzz_"$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=tests/fuzz/findings/"$t"/ \
       "$work" 2> "$work.log"; then
    tail -50 "$work.log"
    echo "fuzz: $t FAILED; the input is in tests/fuzz/findings/$t/" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work.log" | sed "s/^/fuzz: $t: /"
  fi
  rm -rf "$work" "$work.log"
done
exit $status
