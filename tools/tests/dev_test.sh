#!/usr/bin/env bash
# Tests of tools/dev's own decisions, with the services and the CLI stubbed out: which addresses
# the dev stack's media ports listen on, which ports `up` checks before starting and what it says
# when one is taken, which pid files count, and when `tools/dev up`/`demo` keep the demo stream
# named in .local/demo-stream.txt or make a fresh one. Each case sources tools/dev in a subshell
# whose .local is a fresh temporary folder.
set -uo pipefail

DEV="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dev"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Runs "$@" in a subshell with tools/dev's functions, .local in a fresh folder, and a stub CLI
# that answers stream-usable with exit code $USABLE_RC and logs every call to $LOCAL/cli-calls.
in_dev() {
  local case_dir
  case_dir="$(mktemp -d "$WORK/case.XXXXXX")"
  (
    # shellcheck source=/dev/null
    source "$DEV"
    LOCAL="$case_dir/.local"
    RUN="$LOCAL/run"
    LOGS="$LOCAL/logs"
    # shellcheck disable=SC2034  # read by the functions sourced above
    PG_DATA="$LOCAL/pg"
    mkdir -p "$LOGS"
    : >"$LOCAL/cli-calls"
    host_token() { echo "token-of-demo-host"; }
    cli() {
      echo "$* token=${SHOPCAST_TOKEN:-}" >>"$LOCAL/cli-calls"
      case "$1" in
        stream-usable) return "${USABLE_RC:-0}" ;;
        stream-create) echo "str_fresh sk_fresh rtmp://127.0.0.1:1935/live/sk_fresh srt://x" ;;
        *) return 2 ;;
      esac
    }
    "$@"
  )
}

# --- binding -------------------------------------------------------------------------------

env_lines="$(in_dev service_env video-ingest)" || fail "service_env failed"
for want in RTMP_ADDR=127.0.0.1: HLS_ADDR=127.0.0.1: SRT_BIND_ADDRESS=127.0.0.1; do
  grep -q "^SHOPCAST_VIDEO_INGEST_$want" <<<"$env_lines" ||
    fail "by default video-ingest should get $want; got:
$env_lines"
done
grep -q '0\.0\.0\.0' <<<"$env_lines" && fail "by default nothing listens on every interface"

env_lines="$(SHOPCAST_DEV_BIND_ALL=1 in_dev service_env video-ingest)" || fail "service_env failed"
for want in RTMP_ADDR=0.0.0.0: HLS_ADDR=0.0.0.0: SRT_BIND_ADDRESS=0.0.0.0; do
  grep -q "^SHOPCAST_VIDEO_INGEST_$want" <<<"$env_lines" ||
    fail "with SHOPCAST_DEV_BIND_ALL=1 video-ingest should get $want"
done

# --- the gateway ---------------------------------------------------------------------------

env_lines="$(in_dev service_env gateway)" || fail "service_env gateway failed"
for want in HTTP_ADDR=127.0.0.1:8080 PUBLIC_URL=http://127.0.0.1:8080 USER_ADDR=127.0.0.1:50051 \
  ORDER_ADDR=127.0.0.1:50060 WEB_ROOT=; do
  grep -q "^SHOPCAST_GATEWAY_$want" <<<"$env_lines" ||
    fail "the gateway should get $want; got:
$env_lines"
done
env_lines="$(SHOPCAST_DEV_HTTP_PORT=9080 in_dev service_env gateway)" || fail "service_env failed"
grep -q "^SHOPCAST_GATEWAY_HTTP_ADDR=127.0.0.1:9080$" <<<"$env_lines" ||
  fail "SHOPCAST_DEV_HTTP_PORT should move the gateway's HTTP port"
# Without a web app there is nothing to build, and nothing is said.
build_web_in() { WEB_DIR="$1" build_web; }
out="$(in_dev build_web_in "$WORK/no-web" 2>&1)" ||
  fail "build_web should skip quietly without services/gateway/web"
[[ -z "$out" ]] || fail "build_web without a web app printed: $out"

# --- ports and pid files ---------------------------------------------------------------

# What up checks before starting: every listener of every service not running yet (the gateway
# has no internal one), SRT over UDP, and the variables that move the movable ones.
ports="$(SHOPCAST_DEV_HTTP_PORT=9080 in_dev stack_ports)" || fail "stack_ports failed"
for want in "tcp 50051 user-grpc" "tcp 9102 gateway-metrics" "tcp 9080 gateway-http SHOPCAST_DEV_HTTP_PORT" \
  "udp 9000 srt-ingest SHOPCAST_DEV_SRT_PORT" "tcp 55432 postgresql SHOPCAST_DEV_PG_PORT" \
  "tcp 4568 s3 SHOPCAST_DEV_S3_PORT"; do
  grep -qx "$want" <<<"$ports" || fail "up should check '$want'; got:
$ports"
done
grep -q "gateway-internal" <<<"$ports" && fail "the gateway has no internal listener to check"

# A port another program holds stops up before anything starts, naming the port, its use, the
# holder and the variable that moves it.
held_port_case() {
  # The file exists before the holder starts: reading it first must not fail (tools/dev's set -e
  # would end the case there, leaving the holder running).
  : >"$LOCAL/held"
  python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$LOCAL/held" &
  local holder=$!
  held=""  # Not local: check_ports has a local of its own named port.
  # Until the holder has bound its port, however long Python takes to start on a loaded machine
  # (at most 30 s).
  for _ in $(seq 1 600); do held="$(cat "$LOCAL/held")"; [[ -n "$held" ]] && break; sleep 0.05; done
  # shellcheck disable=SC2317
  stack_ports() { echo "tcp $held gateway-http SHOPCAST_DEV_HTTP_PORT"; }
  local rc=0
  (check_ports) 2>"$LOCAL/err" || rc=$?
  kill "$holder"
  echo "rc=$rc port=$held"
  cat "$LOCAL/err"
}
out="$(in_dev held_port_case)"
port="$(sed -n '1s/.*port=//p' <<<"$out")"
grep -q "^rc=1 " <<<"$out" || fail "a taken port should stop up; got:
$out"
grep -q "tcp port $port (gateway-http) is taken by python3.*SHOPCAST_DEV_HTTP_PORT=<port>" <<<"$out" ||
  fail "the message should name the port, its use, the holder and the variable; got:
$out"

# A pid file whose number now belongs to another program is not a running service (and that
# program is never signalled by down).
stale_pid_case() {
  mkdir -p "$RUN"
  echo $$ >"$RUN/gateway.pid"
  pid_alive "$RUN/gateway.pid" && echo alive || echo stale
}
[[ "$(in_dev stale_pid_case)" == stale ]] || fail "a pid file naming another program counts as running"

# --- the demo stream -----------------------------------------------------------------------

OLD="str_old sk_old rtmp://127.0.0.1:1935/live/sk_old srt://x"
FRESH="str_fresh sk_fresh rtmp://127.0.0.1:1935/live/sk_fresh srt://x"

# demo_stream with demo-stream.txt holding $2 (absent when empty) while stream-usable answers
# with exit code $1. Prints "<exit code>|<file afterwards>|<stream-create calls>|<file mode>".
run_demo() {
  USABLE_RC="$1" in_dev demo_and_report "$2" 2>/dev/null
}
demo_and_report() {
  [[ -n "$1" ]] && echo "$1" >"$LOCAL/demo-stream.txt"
  local rc=0
  (demo_stream >/dev/null) || rc=$?
  printf '%s|%s|%s|%s\n' "$rc" "$(cat "$LOCAL/demo-stream.txt" 2>/dev/null)" \
    "$(grep -c '^stream-create' "$LOCAL/cli-calls")" \
    "$(stat -c %a "$LOCAL/demo-stream.txt" 2>/dev/null)"
}

result="$(run_demo 0 "")"
[[ "$result" == "0|$FRESH|1|600" ]] ||
  fail "without a demo stream one is made, readable by its owner only; got $result"

result="$(run_demo 0 "$OLD")"
[[ "$result" == "0|$OLD|0|"* ]] || fail "a stream that still takes an encoder is kept; got $result"

result="$(run_demo 3 "$OLD")"
[[ "$result" == "0|$FRESH|1|600" ]] ||
  fail "a stream that is over (ended, failed, past its grace, unknown) is replaced; got $result"

result="$(run_demo 1 "$OLD")"
[[ "$result" == "1|$OLD|0|"* ]] ||
  fail "when the stream cannot be checked nothing is created and tools/dev stops; got $result"

# The stream named in the file is the one checked, with the demo host's token.
check_call() {
  echo "$OLD" >"$LOCAL/demo-stream.txt"
  demo_stream >/dev/null
  grep '^stream-usable' "$LOCAL/cli-calls"
}
call="$(USABLE_RC=0 in_dev check_call 2>/dev/null)"
[[ "$call" == "stream-usable 127.0.0.1:50056 str_old token=token-of-demo-host" ]] ||
  fail "demo_stream should ask stream-usable about str_old as demo_host; got '$call'"

if ((failures)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "tools/dev: all checks passed"
