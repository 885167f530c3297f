#!/usr/bin/env bash
# Sets a machine up to run Homeward from this checkout: installs the Debian
# packages, builds (Release, into build/), and obtains and checks the models.
# Ends with the CLI at build/bin/homeward. Safe to run again: each step skips
# what is already done.
# Usage: deploy/setup.sh [--test]   (--test also installs what tests need)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deploy/install-deps.sh "${1:-}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
models/fetch-models.sh build
echo "setup: ready; the CLI is build/bin/homeward"
