#!/usr/bin/env bash
# Prints the target of a new, empty case store for a test that runs
# Homeward's services itself: nothing (the test's own SQLite file) unless
# tests/pg/run.sh started a PostgreSQL server, then the URI of a new
# database on it named after NAME and this process.
# Usage: tests/pg/new-store.sh NAME
set -euo pipefail
[ -n "${HOMEWARD_TEST_PG_HOST:-}" ] || exit 0
name="hw_${1:?usage: new-store.sh NAME}_$$"
createdb -h "$HOMEWARD_TEST_PG_HOST" -U "$HOMEWARD_TEST_PG_USER" "$name"
echo "postgresql:///$name?host=$HOMEWARD_TEST_PG_HOST&user=$HOMEWARD_TEST_PG_USER"
