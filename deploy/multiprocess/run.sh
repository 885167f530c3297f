#!/usr/bin/env bash
# Homeward as separate processes on one machine (loopback): a broker, 2
# partitions x 2 shard replicas, the results service and intake workers,
# each with its config file here; the same commands run on several machines
# with real addresses. Data and logs go to $VAR (default ./var-multiprocess).
#
#   deploy/multiprocess/run.sh           start, run until Ctrl-C, stop
#   deploy/multiprocess/run.sh --check   start, put a case through, stop
#
# Ports: $BASE (default 6555) for clients of the broker, $BASE+1 for shards,
# $BASE+2 for the results API (what the CLI talks to: --api).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
homeward=${HOMEWARD:-$top/build/bin/homeward}
base=${BASE:-6555}
if [ "${1:-}" = "--check" ] && [ -z "${VAR:-}" ]; then
  var=$(mktemp -d)            # a check starts from nothing
else
  var=${VAR:-$PWD/var-multiprocess}
fi
front=tcp://127.0.0.1:$base
back=tcp://127.0.0.1:$((base + 1))
api=tcp://127.0.0.1:$((base + 2))
mkdir -p "$var/logs"
pids=()

stop () {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

start () {   # NAME ARGS...
  local name=$1; shift
  "$homeward" "$@" >> "$var/logs/$name.log" 2>&1 &
  pids+=($!)
}

start broker broker --config "$here/broker.conf" --front "$front" --back "$back"
for p in 0 1; do
  for r in 0 1; do
    start "shard-$p-$r" shard --config "$here/shard.conf" --broker "$back" \
      --partition $p --replica $r --data-dir "$var/shards/$p-$r"
  done
done
start results results --config "$here/results.conf" --api "$api" --broker "$front" \
  --db "$var/homeward.db" --photos "$var/photos"
start intake intake --config "$here/intake.conf" --results "$api"

# Ready when the index serves every partition and the API answers.
for _ in $(seq 100); do
  if "$homeward" index stats --broker "$front" --timeout-ms 500 2>/dev/null | grep -q "1.1  serving" \
     && "$homeward" case show 1 --api "$api" --timeout-ms 500 2>&1 | grep -q -v "no answer"; then
    break
  fi
  sleep 0.2
done
"$homeward" index stats --broker "$front"
echo "Homeward runs as $(( ${#pids[@]} )) processes; logs in $var/logs; API $api"

if [ "${1:-}" != "--check" ]; then
  echo "Ctrl-C stops them."
  wait
  exit 0
fi

# --check: a missing report and a found person, through every process.
faces=$top/tests/data/lfw
missing=$("$homeward" case add-missing --api "$api" --family-name "Peres family" --sex male \
          --home-province 11 --last-seen 2020-01-02 | awk '{print $3}')
"$homeward" photo add "$missing" "$faces/Shimon_Peres/1.jpg" --api "$api"
found=$("$homeward" case add-found --api "$api" --station "Test station" --province 11 \
        --date-found 2021-03-04 --sex male | awk '{print $3}')
"$homeward" photo add "$found" "$faces/Shimon_Peres/2.jpg" --api "$api"
for _ in $(seq 100); do
  out=$("$homeward" candidates "$found" --api "$api")
  if echo "$out" | grep -q "family: Peres family"; then break; fi
  sleep 0.2
done
echo "$out"
echo "$out" | grep -q "1. case $missing " || { echo "check: the family is not first" >&2; exit 1; }
echo "check: passed"
