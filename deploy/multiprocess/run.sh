#!/usr/bin/env bash
# Homeward as separate processes on one machine (loopback): a broker, 2
# partitions x 2 shard replicas, the results service, intake workers and the
# gateway (web app and HTTP API), each with its config file here; the same commands run on several machines
# with real addresses. Data and logs go to $VAR (default ./var-multiprocess).
#
#   deploy/multiprocess/run.sh           start, run until Ctrl-C, stop
#   deploy/multiprocess/run.sh --check   start, put a case through, stop
#
# Ports: $BASE (default 6555) for clients of the broker, $BASE+1 for shards,
# $BASE+2 for the results API (what the CLI talks to: --api), $BASE+3 for the
# web app (http://127.0.0.1:$BASE+3/; users in $VAR/users.db: add them with
# homeward user add --users $VAR/users.db ...).
#
# The case store is $VAR/homeward.db, or the PostgreSQL database named by
# HOMEWARD_DB (postgresql://...).
#
# Every tcp:// link is CURVE-encrypted: on first start each process gets its
# key pair in $VAR/keys (homeward keygen), and each server's authorized
# folder gets the public keys of its clients. On several machines, make each
# machine's key there, and copy only the .pub files (see deploy/README.md).
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
jobs=tcp://127.0.0.1:$((base + 4))
mkdir -p "$var/logs"
pids=()

keys=$var/keys
if [ ! -f "$keys/broker.key" ]; then
  mkdir -p "$keys/broker-clients" "$keys/results-clients"
  chmod 700 "$keys"
  names="broker results intake gateway cli"
  for p in 0 1; do for r in 0 1; do names="$names shard-$p-$r"; done; done
  for n in $names; do "$homeward" keygen "$keys/$n" > /dev/null; done
  for n in results cli shard-0-0 shard-0-1 shard-1-0 shard-1-1; do
    cp "$keys/$n.pub" "$keys/broker-clients/"
  done
  for n in intake gateway cli; do cp "$keys/$n.pub" "$keys/results-clients/"; done
fi
# The CLI's key and the servers' public keys, for the commands below.
export HOMEWARD_KEY=$keys/cli.key HOMEWARD_BROKER_KEY=$keys/broker.pub
export HOMEWARD_RESULTS_KEY=$keys/results.pub

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

start broker broker --config "$here/broker.conf" --front "$front" --back "$back" \
  --state "$var/broker.state" \
  --key "$keys/broker.key" --authorized-keys "$keys/broker-clients"
for p in 0 1; do
  for r in 0 1; do
    start "shard-$p-$r" shard --config "$here/shard.conf" --broker "$back" \
      --partition $p --replica $r --data-dir "$var/shards/$p-$r" \
      --key "$keys/shard-$p-$r.key" --broker-key "$keys/broker.pub"
  done
done
start results results --config "$here/results.conf" --api "$api" --jobs "$jobs" --broker "$front" \
  --db "${HOMEWARD_DB:-$var/homeward.db}" --photos "$var/photos" --key "$keys/results.key" \
  --authorized-keys "$keys/results-clients" --broker-key "$keys/broker.pub"
start intake intake --config "$here/intake.conf" --jobs "$jobs" \
  --key "$keys/intake.key" --results-key "$keys/results.pub"
# An older $VAR made before the gateway was part of this example has no key for it.
[ -f "$keys/gateway.key" ] || { "$homeward" keygen "$keys/gateway" > /dev/null
                                cp "$keys/gateway.pub" "$keys/results-clients/"; }
start gateway gateway --port $((base + 3)) --results "$api" --users "$var/users.db" \
  --key "$keys/gateway.key" --results-key "$keys/results.pub"

# Ready when the index serves every partition and the API answers.
for _ in $(seq 100); do
  if "$homeward" index stats --broker "$front" --timeout-ms 500 2>/dev/null | grep -q "1.1  serving" \
     && "$homeward" case show 1 --api "$api" --timeout-ms 500 2>&1 | grep -q -v "no answer"; then
    break
  fi
  sleep 0.2
done
"$homeward" index stats --broker "$front"
echo "Homeward runs as $(( ${#pids[@]} )) processes; logs in $var/logs; API $api;" \
     "web app http://127.0.0.1:$((base + 3))/"

if [ "${1:-}" != "--check" ]; then
  echo "Ctrl-C stops them."
  wait
  exit 0
fi

# --check: a missing report and a found person, through every process.
"$top/deploy/check-case.sh" "$homeward" "$api" $((base + 3))
