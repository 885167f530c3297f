#!/usr/bin/env bash
# The case-store tests on PostgreSQL: starts a throwaway server
# (tests/pg/server.sh) in a temp folder, runs every test labelled "store"
# in BUILD (default build) with each test's store a new database there, and
# stops the server. The same tests run on SQLite in the plain ctest run.
# Usage: tests/pg/run.sh [BUILD] [ctest options...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
shift || true
dir=$(mktemp -d /tmp/homeward-pg.XXXXXX)
cleanup() {
  "$here/server.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
eval "$("$here/server.sh" start "$dir" | sed 's/^/export /')"
echo "pg: PostgreSQL in $dir, the store tests on it"
ctest --test-dir "$build" --output-on-failure -L store "$@"
