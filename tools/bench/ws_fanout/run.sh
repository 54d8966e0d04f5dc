#!/usr/bin/env bash
# WebSocket fan-out benchmark: the gateway's hub (fed by one realtime-push Subscribe) against a
# Node `ws` broadcast server, driven by the same load client (ws_fanout_client), in one run, on
# this machine, from a release build. See README.md in this folder.
#
#   flock /work/.build.lock tools/bench/ws_fanout/run.sh      # hold the lock: it measures CPU
#
# Environment: BUILD (default build/release), SOCKETS (default 10000), P99_MS (100),
# STEP_SECONDS (5), START_RATE (events/s of the first step, 2), EXTRA_ARGS (passed to the client),
# KEEP=1 keeps the scratch folder, SERVERS (default "node gateway") picks the servers to run,
# GATEWAY_WRAPPER (e.g. "heaptrack -o /tmp/gw") runs the gateway under a profiler. Needs node and `npm ci` in node/ (done here when
# node_modules is missing).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
SOCKETS="${SOCKETS:-10000}"
P99_MS="${P99_MS:-100}"
STEP_SECONDS="${STEP_SECONDS:-5}"
START_RATE="${START_RATE:-2}"
RP_BIN="$BUILD/services/realtime_push/realtime-push"
GW_BIN="$BUILD/services/gateway/gateway"
CLIENT_BIN="$BUILD/tools/ws_fanout_client"
PUB_BIN="$BUILD/tools/ws_fanout_publish"
for b in "$RP_BIN" "$GW_BIN" "$CLIENT_BIN" "$PUB_BIN"; do
  [[ -x "$b" ]] || { echo "run.sh: $b missing; cmake --build --preset release --target gateway realtime-push ws_fanout_client ws_fanout_publish" >&2; exit 2; }
done
[[ -d "$HERE/node/node_modules/ws" ]] || (cd "$HERE/node" && npm ci --no-audit --no-fund >/dev/null)

# Each socket is one descriptor in the client and one in the server.
ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > SOCKETS + 1000 )) || { echo "run.sh: ulimit -n $(ulimit -n) is too low for $SOCKETS sockets" >&2; exit 2; }

SCRATCH="$(mktemp -d /tmp/shopcast-ws-fanout.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' when we are root
RP_PID="" GW_PID="" NODE_PID=""

stop() {
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$GW_PID"; stop "$RP_PID"; stop "$NODE_PID"
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == "1" ]]; then echo "kept $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
await_line() {  # file pattern pid what
  for _ in $(seq 600); do
    grep -q "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { echo "$4 exited:" >&2; cat "$1" >&2; exit 1; }
    sleep 0.1
  done
  echo "$4 did not start" >&2; cat "$1" >&2; exit 1
}
# A stream id as libs/ids makes them: "str_" + 26 Crockford base32 characters (128 bits).
room_id() { python3 -c 'import secrets; a="0123456789ABCDEFGHJKMNPQRSTVWXYZ"; print("str_" + secrets.choice("01234567") + "".join(secrets.choice(a) for _ in range(25)))'; }
ROWS="$SCRATCH/rows"
: >"$ROWS"

SERVERS="${SERVERS:-node gateway}"

# ---- Node ws baseline ----
if [[ " $SERVERS " == *" node "* ]]; then
node "$HERE/node/server.js" --port=0 </dev/null >"$SCRATCH/node.out" 2>&1 &
NODE_PID=$!
await_line "$SCRATCH/node.out" '^listening ' "$NODE_PID" "node server"
NODE_PORT="$(awk '/^listening/{print $2}' "$SCRATCH/node.out")"
room="$(room_id)"
# shellcheck disable=SC2086
"$CLIENT_BIN" --label=node-ws --target="127.0.0.1:$NODE_PORT" --room="$room" \
    --server_pid="$NODE_PID" --sockets="$SOCKETS" --p99_ms="$P99_MS" \
    --step_seconds="$STEP_SECONDS" --start_rate="$START_RATE" \
    --publisher="node $HERE/node/publish.js --url=ws://127.0.0.1:$NODE_PORT/control" \
    ${EXTRA_ARGS:-} >>"$ROWS"
stop "$NODE_PID"; NODE_PID=""
fi
if [[ " $SERVERS " == *" gateway "* ]]; then

# ---- gateway + realtime-push + PostgreSQL ----
"$ROOT/tools/dev-pki" "$SCRATCH/pki" realtime-push video-ingest gateway >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
  openssl pkey -pubout -out "$SCRATCH/signing.pub.pem"
PG_PORT="$(free_port)"
SHOPCAST_PG_FAST=1 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PG_PORT" >/dev/null
"$ROOT/tools/pg-cluster" createdb "$SCRATCH/pg" "$PG_PORT" ws_fanout >/dev/null

p=SHOPCAST_REALTIME_PUSH
env "${p}_GRPC_ADDR=127.0.0.1:0" "${p}_METRICS_ADDR=127.0.0.1:0" \
    "${p}_INTERNAL_GRPC_ADDR=127.0.0.1:0" \
    "${p}_SERVICE_CA_FILE=$SCRATCH/pki/ca.pem" \
    "${p}_SERVICE_CERT_FILE=$SCRATCH/pki/realtime-push.pem" \
    "${p}_SERVICE_KEY_FILE=$SCRATCH/pki/realtime-push.key" \
    "${p}_DB_DSN=host=127.0.0.1 port=$PG_PORT user=shopcast dbname=ws_fanout" \
    "${p}_VERIFY_KEY_FILES=$SCRATCH/signing.pub.pem" \
    "$RP_BIN" serve >"$SCRATCH/realtime-push.log" 2>&1 &
RP_PID=$!
await_line "$SCRATCH/realtime-push.log" '"server_started"' "$RP_PID" realtime-push
line="$(grep -m1 '"server_started"' "$SCRATCH/realtime-push.log")"
RP_PUBLIC="127.0.0.1:$(grep -o '"grpc_port":[0-9]*' <<<"$line" | cut -d: -f2)"
RP_INTERNAL="127.0.0.1:$(grep -o '"internal_grpc_port":[0-9]*' <<<"$line" | cut -d: -f2)"

# The gateway as deployed, but reaching only realtime-push (no user service: nobody signs in);
# its connection cap above the sockets. Web root: an empty folder.
mkdir -p "$SCRATCH/dist"
g=SHOPCAST_GATEWAY
env "${g}_SERVICE_CA_FILE=$SCRATCH/pki/ca.pem" \
    "${g}_SERVICE_CERT_FILE=$SCRATCH/pki/gateway.pem" \
    "${g}_SERVICE_KEY_FILE=$SCRATCH/pki/gateway.key" \
    "${g}_USER_INTERNAL_ADDR=127.0.0.1:1" "${g}_VIDEO_INGEST_INTERNAL_ADDR=127.0.0.1:1" \
    "${g}_REALTIME_PUSH_ADDR=$RP_PUBLIC" \
    "${g}_GRPC_ADDR=127.0.0.1:0" "${g}_METRICS_ADDR=127.0.0.1:0" "${g}_HTTP_ADDR=127.0.0.1:0" \
    "${g}_HTTP_MAX_CONNECTIONS=$((SOCKETS + 1000))" \
    "${g}_WEB_ROOT=$SCRATCH/dist" "${g}_PUBLIC_URL=http://127.0.0.1" \
    "${g}_RTMP_INGEST_URL=rtmp://127.0.0.1/live" \
    ${GATEWAY_WRAPPER:-} "$GW_BIN" serve >"$SCRATCH/gateway.log" 2>&1 &
GW_PID=$!
await_line "$SCRATCH/gateway.log" '"gateway_ready"' "$GW_PID" gateway
ready_line="$(grep -m1 '"gateway_ready"' "$SCRATCH/gateway.log")"
GW_HTTP="127.0.0.1:$(grep -o '"http_port":[0-9]*' <<<"$ready_line" | cut -d: -f2)"
GW_METRICS="127.0.0.1:$(grep -o '"metrics_port":[0-9]*' <<<"$ready_line" | cut -d: -f2)"

room="$(room_id)"
# shellcheck disable=SC2086
"$CLIENT_BIN" --label=gateway --target="$GW_HTTP" --room="$room" \
    --server_pid="$GW_PID" --upstream_pids="$RP_PID" --sockets="$SOCKETS" --p99_ms="$P99_MS" \
    --step_seconds="$STEP_SECONDS" --start_rate="$START_RATE" \
    --publisher="$PUB_BIN --pki_dir=$SCRATCH/pki --internal=$RP_INTERNAL" \
    ${EXTRA_ARGS:-} >>"$ROWS"
# The hub's own view of the run (sockets, upstream calls and catch-ups, slow-socket cuts).
echo "gateway metrics after the run:" >&2
curl -s "http://$GW_METRICS/metrics" | grep -E '^shopcast_gateway_ws_(sockets|rooms|upstream|slow|stuck|frames_out|ephemeral)' >&2 || true
if grep -q '"level":"\(error\|warn\)' "$SCRATCH/gateway.log"; then
  echo "gateway warnings/errors:" >&2
  grep '"level":"\(error\|warn\)' "$SCRATCH/gateway.log" | grep -o '"event":"[^"]*"' | sort | uniq -c | sort -rn | head -5 >&2
fi
fi

echo
echo "| server | sockets | following | RSS B/idle socket | max events/s | max deliveries/s | p50 ms | p99 ms | server CPU ms/1k deliveries | realtime-push CPU ms/1k | client CPU ms/1k |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk '/^RESULT /{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12}' "$ROWS"
awk '/^RESULT node-ws/{nd=$7; nm=$5} /^RESULT gateway/{gd=$7; gm=$5}
     END{ if (nd+0>0 && gd+0>0) printf "\ngateway / node-ws: deliveries/s x%.2f (goal >= 3), memory per idle socket x%.2f (goal: gateway <= 2048 B)\n", gd/nd, gm/nm }' "$ROWS"
