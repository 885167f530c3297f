#!/usr/bin/env bash
# Puts a missing report and a found person (two LFW photos of one man)
# through a running Homeward and checks that the family ranks first and that
# the web app's health answers 200. Used by deploy/multiprocess/run.sh
# --check and deploy/package.sh --check. For tcp:// APIs the CURVE keys come
# from HOMEWARD_KEY and HOMEWARD_RESULTS_KEY in the environment.
# Usage: deploy/check-case.sh HOMEWARD API HTTP_PORT
set -euo pipefail
homeward=$1 api=$2 http_port=$3
faces=$(cd "$(dirname "$0")/.." && pwd)/tests/data/lfw
missing=$("$homeward" case add-missing --api "$api" --family-name "Peres family" --sex male \
          --consent family --consent-by "Peres family" \
          --home-province 11 --last-seen 2020-01-02 | awk '{print $3}')
"$homeward" photo add "$missing" "$faces/Shimon_Peres/1.jpg" --api "$api"
found=$("$homeward" case add-found --api "$api" --station "Test station" --province 11 \
        --date-found 2021-03-04 --sex male --consent vital_interests | awk '{print $3}')
"$homeward" photo add "$found" "$faces/Shimon_Peres/2.jpg" --api "$api"
for _ in $(seq 100); do
  out=$("$homeward" candidates "$found" --api "$api")
  if echo "$out" | grep -q "family: Peres family"; then break; fi
  sleep 0.2
done
echo "$out"
echo "$out" | grep -q "1. case $missing " || { echo "check: the family is not first" >&2; exit 1; }
"$homeward" case show "$found" --api "$api" > /dev/null
exec 3<>/dev/tcp/127.0.0.1/"$http_port"
printf 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
health=$(head -1 <&3); exec 3>&-
echo "gateway: $health"
case "$health" in *" 200 "*) ;; *) echo "check: the gateway does not answer" >&2; exit 1 ;; esac
echo "check: passed"
