#!/usr/bin/env bash
# Builds the Debian package (build-pkg/homeward_VERSION_amd64.deb) for any
# x86-64 machine (-DMT_NATIVE=OFF: a -march=native binary would stop with
# "illegal instruction" on an older CPU), and with --check checks it:
#   - every unit passes `systemd-analyze verify` on the package's files, and
#     homeward.service's exposure (`systemd-analyze security`) is "OK";
#   - the package's own binary, unpacked, says its version, finds its own
#     models and web app, and describes a face with them;
#   - the separate services, started as the units start them, with the
#     package's /etc/homeward settings and the keys its postinst makes
#     (paths moved into a temporary folder), put a case through, and
#     homeward.service's command serves;
# and with --install (where installing is fine: CI's fresh machine, as root)
# installs it with apt, checks the account, keys, units and
# `homeward --version` in place, and purges it again.
# Usage: deploy/package.sh [--check] [--install]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
check=no install=no
for a in "$@"; do
  case $a in
    --check) check=yes ;;
    --install) install=yes ;;
    *) echo "usage: deploy/package.sh [--check] [--install]" >&2; exit 2 ;;
  esac
done

cmake -S . -B build-pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DMT_NATIVE=OFF > /dev/null
cmake --build build-pkg --target homeward homeward-convert-model
models/fetch-models.sh build-pkg
(cd build-pkg && cpack > /dev/null)
deb=$(ls "$top"/build-pkg/homeward_*_amd64.deb)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n '/Depends/p'

work=$(mktemp -d)
pids=()
stop () {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  pids=()
}
trap 'stop; rm -rf "$work"' EXIT
fail () { echo "package: check failed: $*" >&2; exit 1; }

if [ $check = yes ]; then
  root=$work/root
  dpkg-deb -x "$deb" "$root"
  units=$root/usr/lib/systemd/system
  # systemd-analyze resolves the units' dependencies within the root: give
  # it this machine's own systemd units beside the package's.
  cp -rn /lib/systemd/system/. "$units/"
  for u in homeward.service homeward-broker.service homeward-shard@0-0.service \
           homeward-results.service homeward-intake.service homeward-gateway.service \
           homeward-node.target; do
    out=$(systemd-analyze verify --root="$root" "$u" 2>&1) || fail "$u: $out"
    [ -z "$out" ] || fail "$u: $out"
  done
  exposure=$(systemd-analyze security --offline=true --root="$root" homeward.service | tail -1)
  echo "package: units verified; homeward.service: ${exposure#→ }"
  case $exposure in *" OK "* | *" SAFE "*) ;; *) fail "homeward.service is too exposed" ;; esac

  bin=$root/usr/bin/homeward
  version=$("$bin" --version)
  echo "$version"
  echo "$version" | grep -q "^models: $root/usr/bin/../share/homeward/models$" \
    || fail "the unpacked binary does not use its own models"
  echo "$version" | grep -q "^web app: $root/usr/bin/../share/homeward/web$" \
    || fail "the unpacked binary does not serve its own web app"
  "$bin" embed tests/data/lfw/Bill_Gates/1.jpg | grep -q "  face 1: box" \
    || fail "the unpacked binary describes no face"

  # The separate services as the units run them: their ExecStart lines, the
  # package's settings with /etc/homeward and /var/lib/homeward moved here
  # and the ports moved out of the way.
  etc=$work/etc var=$work/var base=27555
  cp -r "$root/etc/homeward" "$etc"
  mkdir -p "$var"
  sed -i -e "s|/etc/homeward|$etc|g" -e "s|/var/lib/homeward|$var|g" \
         -e "s|:5555|:$base|; s|:5556|:$((base + 1))|; s|:5557|:$((base + 2))|; s|:5558|:$((base + 5))|" \
         -e "s|^port 8080|port $((base + 3))|; s|^http-port 8080|http-port $((base + 4))|" \
         "$etc"/*.conf
  HOMEWARD=$bin "$root/usr/lib/homeward/setup-keys" "$etc"
  [ -f "$etc/keys/homeward.key" ] && [ -f "$etc/keys/broker.pub" ] \
    || fail "setup-keys made no keys"
  start () {   # UNIT [INSTANCE]
    local line
    line=$(sed -n 's/^ExecStart=//p' "$units/$1")
    line=${line//%i/${2:-}}
    line=${line//\/etc\/homeward/$etc}
    line=${line//\/usr\/bin\/homeward/$bin}
    (cd "$var" && exec $line >> "$work/${1%%.*}${2:-}.log" 2>&1) &
    pids+=($!)
  }
  start homeward-broker.service
  start homeward-shard@.service 0-0
  start homeward-shard@.service 1-0
  start homeward-results.service
  start homeward-intake.service
  start homeward-gateway.service
  export HOMEWARD_KEY=$etc/keys/homeward.key HOMEWARD_BROKER_KEY=$etc/keys/broker.pub
  export HOMEWARD_RESULTS_KEY=$etc/keys/results.pub
  for _ in $(seq 150); do
    if "$bin" index stats --broker tcp://127.0.0.1:$base --timeout-ms 500 2> /dev/null \
         | grep -q "1.0  serving"; then break; fi
    sleep 0.2
  done
  deploy/check-case.sh "$bin" tcp://127.0.0.1:$((base + 2)) $((base + 3)) \
    || { tail -n 20 "$work"/*.log; fail "a case did not go through the packaged services"; }
  stop

  # homeward.service's command (all in one) serves too.
  start homeward.service
  for _ in $(seq 150); do
    grep -q "Homeward is running" "$work/homeward.log" 2> /dev/null && break
    sleep 0.2
  done
  grep -q "Homeward is running" "$work/homeward.log" \
    || { cat "$work/homeward.log"; fail "homeward serve did not start"; }
  stop
  echo "package: checked"
fi

if [ $install = yes ]; then
  [ "$(id -u)" -eq 0 ] || fail "--install needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$deb" > /dev/null
  getent passwd homeward > /dev/null || fail "no homeward account"
  [ "$(stat -c %U:%a /var/lib/homeward)" = homeward:700 ] || fail "/var/lib/homeward"
  [ "$(stat -c %G:%a /etc/homeward/keys/homeward.key)" = homeward:640 ] \
    || fail "/etc/homeward/keys/homeward.key is not readable by the homeward group alone"
  /usr/bin/homeward --version | grep -q "^models: /usr/bin/../share/homeward/models$" \
    || fail "the installed binary does not use its models"
  (cd /usr/lib/systemd/system && systemd-analyze verify homeward.service \
     homeward-broker.service homeward-shard@0-0.service homeward-results.service \
     homeward-intake.service homeward-gateway.service)
  sudo_u=(setpriv --reuid=homeward --regid=homeward --init-groups)
  "${sudo_u[@]}" /usr/bin/homeward embed "$top/tests/data/lfw/Bill_Gates/1.jpg" > /dev/null \
    || fail "the homeward account cannot run the installed binary"
  apt-get purge -y -qq homeward > /dev/null
  [ ! -e /usr/bin/homeward ] && [ ! -e /etc/homeward ] || fail "purge left /usr/bin/homeward or /etc/homeward"
  echo "package: installed, checked in place, purged"
fi
