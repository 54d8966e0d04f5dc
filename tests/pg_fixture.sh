#!/usr/bin/env bash
# CTest fixture for the per-run PostgreSQL (see pg_fixture.cmake).
#   pg_fixture.sh start <pg-cluster> <datadir> <dsn-file>   fresh cluster on a free port
#   pg_fixture.sh stop  <pg-cluster> <datadir> <dsn-file>   stop it and remove its files
# The cluster is always this run's own (under the build dir), never a developer's server.
set -euo pipefail

die() {
  echo "pg_fixture: $*" >&2
  exit 1
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
    return
  fi
  # No python: a random port that nothing listens on right now.
  local port
  while true; do
    port=$((20000 + RANDOM % 10000))
    ss -Htln "sport = :$port" | grep -q . || break
  done
  echo "$port"
}

cleanup() {
  local cluster="$1" datadir="$2" dsn_file="$3"
  "$cluster" stop "$datadir" 2>/dev/null || true
  rm -rf -- "$datadir" "$datadir.initdb-partial" "$datadir.lock" "$dsn_file"
}

[[ $# -eq 4 ]] || die "usage: $0 start|stop <pg-cluster> <datadir> <dsn-file>"
cmd="$1" cluster="$2" datadir="$3" dsn_file="$4"

case "$cmd" in
  start)
    # A cluster left by an interrupted run is stale: its port may be taken by now.
    cleanup "$cluster" "$datadir" "$dsn_file"
    mkdir -p -- "$(dirname "$dsn_file")"
    # The port can be taken between picking and binding it; try a few.
    for attempt in 1 2 3; do
      port="$(free_port)"
      if dsn="$(SHOPCAST_PG_FAST=1 "$cluster" start "$datadir" "$port")"; then
        printf '%s\n' "$dsn" >"$dsn_file.tmp"
        mv -- "$dsn_file.tmp" "$dsn_file"
        echo "pg_fixture: PostgreSQL up: $dsn"
        exit 0
      fi
      echo "pg_fixture: start attempt $attempt on port $port failed" >&2
      "$cluster" stop "$datadir" 2>/dev/null || true
    done
    die "could not start the test PostgreSQL"
    ;;
  stop)
    cleanup "$cluster" "$datadir" "$dsn_file"
    ;;
  *)
    die "unknown command $cmd"
    ;;
esac
