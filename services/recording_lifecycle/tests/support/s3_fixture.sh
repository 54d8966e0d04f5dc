#!/usr/bin/env bash
# CTest fixture: one throwaway S3-compatible server (s3rver, from npm: tools/s3) per test run.
#   s3_fixture.sh start <tools/s3 dir> <run dir> <env file>
#   s3_fixture.sh stop  <tools/s3 dir> <run dir> <env file>
# start installs tools/s3's locked packages if needed (npm ci, cache first), starts s3rver on
# 127.0.0.1 with port 0 (the kernel picks a free one; s3rver prints the port it got), data in
# <run dir>/data, bucket "shopcast-test" made at start, and writes the env file the tests read:
#   endpoint=http://127.0.0.1:<port>
#   bucket=shopcast-test
# s3rver accepts its built-in account (access key S3RVER, secret S3RVER). stop kills exactly
# the process start recorded and removes <run dir>.
set -euo pipefail

die() {
  echo "s3_fixture: $*" >&2
  exit 1
}

[[ $# -eq 4 ]] || die "usage: $0 start|stop <tools/s3 dir> <run dir> <env file>"
cmd="$1" s3dir="$2" rundir="$3" env_file="$4"
pidfile="$rundir/s3rver.pid"

# True when <pid> is the s3rver this fixture started (a reused pid is never signalled).
is_ours() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q "s3rver.js -d $rundir/data"
}

stop() {
  if [[ -s "$pidfile" ]]; then
    local pid
    pid="$(cat "$pidfile")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && is_ours "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do is_ours "$pid" || break; sleep 0.1; done
      is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf -- "$rundir" "$env_file"
}

case "$cmd" in
  start)
    # A server left by an interrupted run is stale.
    stop
    command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed"
    if [[ ! -d "$s3dir/node_modules/s3rver" ||
          "$s3dir/package-lock.json" -nt "$s3dir/node_modules/.package-lock.json" ]]; then
      (cd "$s3dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
        die "npm ci failed in $s3dir"
    fi
    mkdir -p -- "$rundir/data" "$(dirname "$env_file")"
    log="$rundir/s3rver.log"
    # Its own session, so nothing of the test run's process group signals it by accident.
    # --openssl-legacy-provider: s3rver seals ListObjectsV2 continuation tokens with DES, which
    # OpenSSL 3 only offers in its legacy provider (without it a truncated listing fails, 500).
    setsid node --openssl-legacy-provider "$s3dir/node_modules/s3rver/bin/s3rver.js" -d "$rundir/data" -a 127.0.0.1 -p 0 \
      --silent --configure-bucket shopcast-test >"$log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    port=""
    for _ in $(seq 1 300); do
      port="$(sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)"
      [[ -n "$port" ]] && break
      is_ours "$(cat "$pidfile")" || { cat "$log" >&2; die "s3rver exited at start"; }
      sleep 0.1
    done
    [[ -n "$port" ]] || { cat "$log" >&2; stop; die "s3rver did not listen within 30 s"; }
    printf 'endpoint=http://127.0.0.1:%s\nbucket=shopcast-test\n' "$port" >"$env_file.tmp"
    mv -- "$env_file.tmp" "$env_file"
    echo "s3_fixture: s3rver up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    ;;
  stop)
    stop
    ;;
  *)
    die "unknown command $cmd"
    ;;
esac
