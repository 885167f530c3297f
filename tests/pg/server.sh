#!/usr/bin/env bash
# A throwaway PostgreSQL server for the case-store tests, from Debian's
# packages: initdb and pg_ctl in DIR, as an unprivileged user (nobody when
# run as root: PostgreSQL refuses to run as root), listening only on a Unix
# socket in DIR, trusting local connections. Nothing outside DIR is touched.
# Usage: tests/pg/server.sh start DIR   prints the variables the tests read
#        tests/pg/server.sh restart DIR (what a server's restart does to clients)
#        tests/pg/server.sh stop DIR
set -euo pipefail
cmd=${1:?usage: server.sh start|restart|stop DIR}
dir=${2:?usage: server.sh start|restart|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "server.sh: no PostgreSQL server here (Debian package postgresql;" \
       "deploy/install-deps.sh --test installs it)" >&2
  exit 2
fi
if [ "$(id -u)" = 0 ]; then
  user=nobody
  as() { runuser -u "$user" -- "$@"; }
else
  user=$(id -un)
  as() { "$@"; }
fi

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown "$user" "$dir"
    chmod 700 "$dir"
    as "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-locale >"$dir/initdb.log"
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
       -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=on" start \
       >/dev/null
    echo "HOMEWARD_TEST_PG_HOST=$dir"
    echo "HOMEWARD_TEST_PG_USER=$user"
    ;;
  restart)
    dir=$(cd "$dir" && pwd)
    as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 restart \
       -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=on" >/dev/null
    ;;
  stop)
    dir=$(cd "$dir" && pwd)
    [ -d "$dir/data" ] && as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: server.sh start|restart|stop DIR" >&2
    exit 2
    ;;
esac
