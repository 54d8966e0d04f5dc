#!/usr/bin/env bash
# Fan-out benchmark of realtime-push's rooms against a bare gRPC broadcast server, on this
# machine, from a release build. Sets everything up in a scratch folder under /tmp (a
# PostgreSQL cluster, service credentials, a signing key), and for each scenario starts both
# servers fresh (a new database, new processes, so resident memory is measured from a clean
# process), runs the load client, stops them; prints one table, then the reconnect storm's.
# Everything is removed at the end.
#
#   flock /work/.build.lock tools/bench/fanout/run.sh        # hold the lock: it measures CPU
#
# Scenarios: one-room (1 x 10,000 subscribers; on 2 cores no server gets one event to 10,000
# subscribers within 100 ms, so its bar is p99 <= 1 s; then the reconnect storm), one-room-2k
# (1 x 2,000 under the 100 ms bar), many-rooms (100 rooms x 100 subscribers, 100 ms bar).
# Environment: BUILD (default build/release), SCENARIOS (default: all three),
# EXTRA_ARGS (passed to fanout_bench, e.g. "--step_seconds=3"), KEEP=1 keeps the scratch folder.
# A/B in one run: RP_BIN_B=<another realtime-push binary> (say, a release build of main) is
# measured after RP_BIN (default $BUILD's) in every scenario, each on a fresh database, both
# against the same baseline; RP_NAME / RP_NAME_B name them in the table. Swap the two in a
# second run to see what the order costs. Subscribers ask realtime-push for up to 64 events per
# message (EXTRA_ARGS="--max_events_per_message_b=0" with RP_BIN_B=$RP_BIN compares that with
# one event per message, in one run); the baseline sends one per message.
# BASE_ARGS: flags for the baseline server (say "--async_cqs=2": Subscribe on gRPC's async API
# with two completion queues of its own instead of the callback API). BASE_B_ARGS: a second
# baseline with those flags, measured in realtime-push B's place (two baselines side by side).
# realtime-push runs with its defaults (DB pool 8, feed ring 4096, max subscriber lag 1024,
# log level info); PostgreSQL as the tests run it (SHOPCAST_PG_FAST=1: no fsync), since what is
# measured is fan-out, not commit durability.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
SCENARIOS="${SCENARIOS:-one-room one-room-2k many-rooms}"
RP_BIN="${RP_BIN:-$BUILD/services/realtime_push/realtime-push}"
RP_BIN_B="${RP_BIN_B:-}"
RP_NAME="${RP_NAME:-realtime-push}"
RP_NAME_B="${RP_NAME_B:-realtime-push B}"
BENCH_BIN="$BUILD/tools/fanout_bench"
BASE_BIN="$BUILD/tools/fanout_baseline_server"
for b in "$RP_BIN" "$BENCH_BIN" "$BASE_BIN" ${RP_BIN_B:+"$RP_BIN_B"}; do
  [[ -x "$b" ]] || { echo "run.sh: $b missing; cmake --build --preset release --target realtime-push fanout_bench fanout_baseline_server" >&2; exit 2; }
done

# 10,000 subscribers are 10,000 streams but only a few dozen connections; the headroom is for
# the servers' own descriptors.
ulimit -n "$(ulimit -Hn)"

SCRATCH="$(mktemp -d /tmp/shopcast-fanout.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' when we are root
PG_PORT=""
RP_PID=""
RP_PID_B=""
BASE_PID=""

stop_servers() {
  for pid in "$RP_PID" "$RP_PID_B"; do
    if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  if [[ -n "$BASE_PID" ]]; then exec 3>&- || true; wait "$BASE_PID" 2>/dev/null || true; fi
  if [[ -n "${BASE_B_PID:-}" ]]; then exec 4>&- || true; wait "$BASE_B_PID" 2>/dev/null || true; fi
  BASE_B_PID=""
  RP_PID=""
  RP_PID_B=""
  BASE_PID=""
}

cleanup() {
  stop_servers
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == "1" ]]; then echo "kept $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Credentials: realtime-push's for both servers' internal listeners, video-ingest's for the
# publisher (an event producer, as in production); a key the tokens would be checked with.
"$ROOT/tools/dev-pki" "$SCRATCH/pki" realtime-push video-ingest
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
  openssl pkey -pubout -out "$SCRATCH/signing.pub.pem"

PG_PORT="$(free_port)"
SHOPCAST_PG_FAST=1 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PG_PORT" >/dev/null

# Starts realtime-push binary $1 on a fresh database $2; sets STARTED_PID and STARTED_ADDRS
# (pid,public,internal).
start_realtime_push() {
  local bin="$1" db="$2"
  "$ROOT/tools/pg-cluster" createdb "$SCRATCH/pg" "$PG_PORT" "$db" >/dev/null
  local p=SHOPCAST_REALTIME_PUSH log="$SCRATCH/$db.realtime-push.log"
  env "${p}_GRPC_ADDR=127.0.0.1:0" "${p}_METRICS_ADDR=127.0.0.1:0" \
      "${p}_INTERNAL_GRPC_ADDR=127.0.0.1:0" \
      "${p}_SERVICE_CA_FILE=$SCRATCH/pki/ca.pem" \
      "${p}_SERVICE_CERT_FILE=$SCRATCH/pki/realtime-push.pem" \
      "${p}_SERVICE_KEY_FILE=$SCRATCH/pki/realtime-push.key" \
      "${p}_DB_DSN=host=127.0.0.1 port=$PG_PORT user=shopcast dbname=$db" \
      "${p}_VERIFY_KEY_FILES=$SCRATCH/signing.pub.pem" \
      "$bin" serve >"$log" 2>&1 &
  STARTED_PID=$!
  local line=""
  for _ in $(seq 600); do
    line="$(grep -m1 '"server_started"' "$log" 2>/dev/null || true)"
    [[ -n "$line" ]] && break
    kill -0 "$STARTED_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n "$line" ]] || { echo "realtime-push did not start" >&2; cat "$log" >&2; exit 1; }
  STARTED_ADDRS="$STARTED_PID,127.0.0.1:$(grep -o '"grpc_port":[0-9]*' <<<"$line" | cut -d: -f2)"
  STARTED_ADDRS+=",127.0.0.1:$(grep -o '"internal_grpc_port":[0-9]*' <<<"$line" | cut -d: -f2)"
}

# Starts a baseline server with the flags in $2, serving until its stdin closes: a fifo we hold
# open on fd $1 (3 or 4). Sets STARTED_PID and STARTED_ADDRS (pid,public,internal).
start_baseline() {
  local fd="$1" flags="$2" fifo="$SCRATCH/base_$1.in" out="$SCRATCH/base_$1.out"
  rm -f "$fifo"
  mkfifo "$fifo"
  # Neither fd 3 nor 4 in the server: each must see its own fifo close when stop_servers closes
  # it, not wait on a copy the other one holds.
  # shellcheck disable=SC2086
  "$BASE_BIN" --tls_dir="$SCRATCH/pki" $flags <"$fifo" >"$out" 2>&1 3>&- 4>&- &
  STARTED_PID=$!
  if [[ "$fd" == 3 ]]; then exec 3>"$fifo"; else exec 4>"$fifo"; fi
  for _ in $(seq 100); do
    grep -q '^ports ' "$out" && break
    sleep 0.1
  done
  local public internal
  read -r _ public internal < <(grep '^ports ' "$out")
  STARTED_ADDRS="$STARTED_PID,127.0.0.1:$public,127.0.0.1:$internal"
}

start_servers() {
  local db="$1"
  start_realtime_push "$RP_BIN" "$db"
  RP_PID="$STARTED_PID"
  RP_ADDRS="$STARTED_ADDRS"
  RP_B_ARGS=()
  if [[ -n "$RP_BIN_B" ]]; then
    start_realtime_push "$RP_BIN_B" "${db}_b"
    RP_PID_B="$STARTED_PID"
    RP_B_ARGS=(--realtime_push_b="$STARTED_ADDRS" --realtime_push_b_name="$RP_NAME_B")
  fi

  start_baseline 3 "${BASE_ARGS:-}"
  BASE_PID="$STARTED_PID"
  IFS=, read -r _ BASE_PUBLIC BASE_INTERNAL <<<"$STARTED_ADDRS"
  # BASE_B_ARGS: a second baseline with those flags, measured in realtime-push B's place.
  if [[ -n "${BASE_B_ARGS:-}" ]]; then
    start_baseline 4 "$BASE_B_ARGS"
    BASE_B_PID="$STARTED_PID"
    RP_B_ARGS=(--realtime_push_b="$STARTED_ADDRS" --realtime_push_b_name="baseline $BASE_B_ARGS"
               --realtime_push_b_opens_rooms=false)
  fi
}

ROWS="$SCRATCH/rows"
: >"$ROWS"
n=0
for scenario in $SCENARIOS; do
  n=$((n + 1))
  case "$scenario" in
    one-room) args=(--rooms=1 --per_room=10000 --start_deliveries=20000 --p99_ms=1000 --storm) ;;
    one-room-2k) args=(--rooms=1 --per_room=2000 --start_deliveries=10000) ;;
    many-rooms) args=(--rooms=100 --per_room=100 --start_deliveries=20000) ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
  start_servers "fanout_$n"
  # shellcheck disable=SC2086
  "$BENCH_BIN" --pki_dir="$SCRATCH/pki" --label="$scenario" \
      --baseline="$BASE_PID,$BASE_PUBLIC,$BASE_INTERNAL" \
      --realtime_push="$RP_ADDRS" --realtime_push_name="$RP_NAME" "${RP_B_ARGS[@]}" \
      --db_pid="$(head -1 "$SCRATCH/pg/postmaster.pid")" "${args[@]}" ${EXTRA_ARGS:-} >>"$ROWS"
  stop_servers
done

echo
echo "| scenario | server | subscribers | p99 bar ms | subscribe all (s) | RSS KiB/subscriber | max events/s | max deliveries/s | p50 ms | p99 ms | server CPU ms/1k deliveries | client CPU ms/1k | PostgreSQL CPU ms/1k | deliveries/s vs baseline |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
grep '^| ' "$ROWS" || true
if grep -q '^STORM ' "$ROWS"; then
  echo
  echo "Reconnect storm (realtime-push): every subscriber drops and resubscribes with after_sequence at once while events keep flowing."
  echo
  echo "| scenario | subscribers | events/s | all live again (s) | all caught up (s) | all events delivered | lost | duplicated | events published | subscribe calls refused and retried |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---|"
  sed -n 's/^STORM //p' "$ROWS"
fi
