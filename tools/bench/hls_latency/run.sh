#!/usr/bin/env bash
# HLS latency and cost: video-ingest (release binary) against nginx-rtmp (Debian's nginx and
# libnginx-mod-rtmp), the same ffmpeg publisher feeding both in one run. See README.md here.
#
#   tools/bench/hls_latency/run.sh          # takes /work/.build.lock itself around each
#                                           # measuring phase (LOCK= to run without)
#
# Environment: BUILD (default build/release), PHASES ("latency cost"), GOPS (keyframe intervals
# in seconds for the latency phase, "1 2"), LATENCY_SECONDS (publish length per GOP, 80),
# PLAY (seconds hls.js plays before sampling, 30), SAMPLE (seconds of sampling, 20), POLL
# (playlist poll interval, 0.1), SEGMENT (segment duration both servers target, 2),
# COST_LEVELS ("1 10 50"), COST_WINDOW (seconds, 30), OURS_ENV (extra "SHOPCAST_VIDEO_INGEST_X=y"
# settings for video-ingest, space separated), THUMB_POLL (seconds; when set, the cost phase's
# video-ingest runs have a poller fetching every stream's thumb.jpg that often through the
# measured window, as a listing page would: thumb_poll.py; empty: no viewer), GLASS_CONFIG (the players' hls.js configuration,
# "viewer": the web app's; see node/glass.mjs), GLASS_EXTRA (more players on the same publish,
# "label|ours-or-nginx|config" space separated, e.g. "ours-ll|ours|ll" for an A/B of player
# settings), KEEP=1 keeps the scratch folder.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
PHASES="${PHASES:-latency cost}"
GOPS="${GOPS:-1 2}"
LATENCY_SECONDS="${LATENCY_SECONDS:-80}"
PLAY="${PLAY:-30}"
SAMPLE="${SAMPLE:-20}"
POLL="${POLL:-0.1}"
GLASS_CONFIG="${GLASS_CONFIG:-viewer}"
GLASS_EXTRA="${GLASS_EXTRA:-}"
SEGMENT="${SEGMENT:-2}"
FPS=30
COST_LEVELS="${COST_LEVELS:-1 10 50}"
COST_WINDOW="${COST_WINDOW:-30}"
COST_SERVERS="${COST_SERVERS:-ours nginx}"  # "ours" alone while profiling
# COST_TOGETHER=1 (the default since run 20): each level runs both servers at once, n
# publishers each, and measures them over the same windows, so that what the machine's
# neighbours do to one window falls on both alike (one after the other, as with 0, ratios moved
# by ±15 % from run to run). COST_REPEAT: windows per level in that mode (each a row of the
# table), the servers kept running between them.
COST_TOGETHER="${COST_TOGETHER:-1}"
COST_REPEAT="${COST_REPEAT:-3}"
THUMB_POLL="${THUMB_POLL:-}"
# The build lock is not taken by default (the machine's rule: the lock is for building); set
# LOCK=/work/.build.lock to hold builds off during each measuring phase.
LOCK="${LOCK-}"
# perf stat counts the server's system calls in every cost window (PERF_STAT=0: not counted);
# PROFILE=DIR also records call graphs (perf record -g at PROFILE_HZ) of each server per level
# into DIR/perf-<server>-<n>.data (kept; `perf report -i …` reads them).
PERF_STAT="${PERF_STAT:-$(command -v perf >/dev/null && echo 1 || echo 0)}"
PROFILE="${PROFILE:-}"
PROFILE_HZ="${PROFILE_HZ:-499}"
# How perf record walks stacks: "-g" (frame pointers, cheap; the release build omits them, so
# stacks stop at the first optimised frame) or "--call-graph dwarf,16384" (whole stacks, big files).
PROFILE_CALLGRAPH="${PROFILE_CALLGRAPH:--g}"
# The ladder phase (PHASES="ladder"): LADDER_LEVELS concurrent streams, LADDER_WINDOW seconds,
# a LADDER_SOURCE (WxH) source; LADDER_RUNGS "WxH:video-bitrate" for ffmpeg's rungs,
# LADDER_PRESET x264's preset, LADDER_AUDIO ffmpeg's audio per rung (copy, or an AAC bitrate);
# LADDER_OURS_ENV the SHOPCAST_VIDEO_INGEST_…=… settings that turn video-ingest's ladder on.
LADDER_LEVELS="${LADDER_LEVELS:-1 2}"
LADDER_WINDOW="${LADDER_WINDOW:-30}"
LADDER_SOURCE="${LADDER_SOURCE:-1920x1080}"
LADDER_RUNGS="${LADDER_RUNGS:-1280x720:2500k 854x480:1200k 640x360:700k}"
LADDER_PRESET="${LADDER_PRESET:-veryfast}"
LADDER_AUDIO="${LADDER_AUDIO:-128k}"
# x264's tune for ffmpeg's rungs (ours encode with zerolatency: no B-frames, no lookahead);
# empty for none.
LADDER_TUNE="${LADDER_TUNE:-zerolatency}"
LADDER_OURS_ENV="${LADDER_OURS_ENV:-}"
VI_BIN="${VI_BIN:-$BUILD/services/video_ingest/video-ingest}"  # VI_BIN: another build of it (A/B runs)
STREAMS_BIN="$BUILD/tools/hls_bench_streams"
for b in "$VI_BIN" "$STREAMS_BIN"; do
  [[ -x "$b" ]] || { echo "run.sh: $b missing; cmake --build --preset release --target video-ingest hls_bench_streams" >&2; exit 2; }
done
for t in ffmpeg ffprobe python3 node curl; do
  command -v "$t" >/dev/null || { echo "run.sh: $t is needed" >&2; exit 2; }
done
log() { echo "[$(date -u +%T)] $*" >&2; }

# ---- nginx with the RTMP module, from Debian ----
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
if ! command -v nginx >/dev/null || [[ ! -f "$NGINX_MODULE" ]]; then
  log "installing nginx and libnginx-mod-rtmp"
  # The package starts a system nginx on :80 unless policy-rc.d forbids it; forbid it for the
  # install when nothing else does.
  guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx libnginx-mod-rtmp >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx libnginx-mod-rtmp >/dev/null; }
  [[ -n "$guard" ]] && rm -f /usr/sbin/policy-rc.d
  # Should a system nginx have started anyway, stop it (by its pid file, nothing else).
  if [[ -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    nginx -s quit 2>/dev/null || kill -QUIT "$(cat /run/nginx.pid)"
  fi
fi
# PROFILE= needs Debian's perf (not in tools/dev's package list: only
# benchmarks use it).
if [[ -n "$PROFILE" ]] && ! command -v perf >/dev/null; then
  log "installing linux-perf"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-perf >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-perf >/dev/null; }
fi
[[ -d "$HERE/node/node_modules/hls.js" && -d "$HERE/node/node_modules/playwright-core" ]] ||
  (cd "$HERE/node" && npm ci --no-audit --no-fund >/dev/null)

SCRATCH="$(mktemp -d /tmp/shopcast-hls-latency.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' and nginx's worker as 'nobody' when root
PIDS=()        # every long-lived process this script started
VI_PID="" NGX_PID="" LOCK_FD=""

stop() {  # pid [signal]
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill -"${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  trap - ERR
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  stop "$VI_PID"; stop "$NGX_PID" QUIT
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1
  [[ -n "$LOCK_FD" ]] && flock -u "$LOCK_FD"
  if [[ "${KEEP:-0}" == "1" ]]; then echo "kept $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Say where a failing command ended the run (set -e alone exits without a word).
set -E
trap 'rc=$?; echo "[$(date -u +%T)] run.sh: line $LINENO: \"$BASH_COMMAND\" failed ($rc)" >&2' ERR

# The build lock around each measuring phase, so a build does not skew it (and the run does not
# hold builds up for longer than a phase).
lock() {
  [[ -n "$LOCK" ]] || return 0
  exec {LOCK_FD}>"$LOCK"
  log "waiting for $LOCK"
  flock "$LOCK_FD"
}
unlock() {
  [[ -n "$LOCK_FD" ]] || return 0
  flock -u "$LOCK_FD"; exec {LOCK_FD}>&-; LOCK_FD=""
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
await() {  # what timeout_s command...: runs the command until it succeeds
  local what="$1" timeout="$2"; shift 2
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || { log "$what: not within ${timeout}s"; return 1; }
    sleep 0.2
  done
}
json_field() { grep -o "\"$2\":[0-9]*" <<<"$1" | head -1 | cut -d: -f2; }

# ---- shared set-up: database, keys, credentials ----
mkdir -p "$SCRATCH/keys"
"$STREAMS_BIN" --dir="$SCRATCH/keys" keygen
head -c 48 /dev/urandom | base64 >"$SCRATCH/keys/page-token.key"
head -c 48 /dev/urandom | base64 >"$SCRATCH/keys/playback-token.key"
"$ROOT/tools/dev-pki" "$SCRATCH/pki" video-ingest >/dev/null
PG_PORT="$(free_port)"
SHOPCAST_PG_FAST=1 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PG_PORT" >/dev/null
DB=0

# ---- video-ingest ----
start_ours() {
  DB=$((DB + 1))
  "$ROOT/tools/pg-cluster" createdb "$SCRATCH/pg" "$PG_PORT" "hls_bench_$DB" >/dev/null
  local v=SHOPCAST_VIDEO_INGEST
  rm -rf "$SCRATCH/hot"; mkdir -p "$SCRATCH/hot"
  # shellcheck disable=SC2086
  env "${v}_GRPC_ADDR=127.0.0.1:0" "${v}_METRICS_ADDR=127.0.0.1:0" \
      "${v}_INTERNAL_GRPC_ADDR=127.0.0.1:0" "${v}_RTMP_ADDR=127.0.0.1:0" \
      "${v}_HLS_ADDR=127.0.0.1:0" "${v}_SRT_PORT=0" "${v}_SRT_BIND_ADDRESS=127.0.0.1" \
      "${v}_SERVICE_CA_FILE=$SCRATCH/pki/ca.pem" \
      "${v}_SERVICE_CERT_FILE=$SCRATCH/pki/video-ingest.pem" \
      "${v}_SERVICE_KEY_FILE=$SCRATCH/pki/video-ingest.key" \
      "${v}_USER_INTERNAL_ADDR=127.0.0.1:1" \
      "${v}_DB_DSN=host=127.0.0.1 port=$PG_PORT user=shopcast dbname=hls_bench_$DB" \
      "${v}_VERIFY_KEY_FILES=$SCRATCH/keys/signing.pub.pem" \
      "${v}_PAGE_TOKEN_KEY_FILE=$SCRATCH/keys/page-token.key" \
      "${v}_PLAYBACK_TOKEN_KEY_FILE=$SCRATCH/keys/playback-token.key" \
      "${v}_SEGMENT_ROOT=$SCRATCH/hot" "${v}_TARGET_DURATION=${SEGMENT}s" \
      "${v}_PLAYBACK_BASE_URL=http://127.0.0.1" "${v}_RTMP_PUBLIC_URL=rtmp://127.0.0.1/live" \
      "${v}_SRT_PUBLIC_URL=srt://127.0.0.1:9000" "${v}_SHUTDOWN_UNREADY_DELAY=0s" \
      "${v}_DRAIN_TIMEOUT=5s" "${v}_LOG_LEVEL=info" ${OURS_ENV:-} \
      "$VI_BIN" serve </dev/null >"$SCRATCH/video-ingest.log" 2>&1 &
  VI_PID=$!
  await "video-ingest start" 60 grep -q '"video_ingest_ready"' "$SCRATCH/video-ingest.log" ||
    { cat "$SCRATCH/video-ingest.log" >&2; exit 1; }
  local started ready
  started="$(grep -m1 '"server_started"' "$SCRATCH/video-ingest.log")"
  ready="$(grep -m1 '"video_ingest_ready"' "$SCRATCH/video-ingest.log")"
  VI_GRPC="127.0.0.1:$(json_field "$started" grpc_port)"
  VI_METRICS="$(json_field "$started" metrics_port)"
  VI_RTMP="$(json_field "$ready" rtmp_port)"
  VI_HLS="$(json_field "$ready" hls_port)"
}
stop_ours() { stop "$VI_PID"; VI_PID=""; }
create_streams() {  # count -> "id key" lines on stdout
  "$STREAMS_BIN" --dir="$SCRATCH/keys" --target="$VI_GRPC" --count="$1" create
}

# ---- nginx-rtmp: HLS with the same segment duration and playlist length as ours ----
start_nginx() {
  local d="$SCRATCH/nginx"
  rm -rf "$d"; mkdir -p "$d/hls" "$d/tmp" "$d/logs"
  chown -R nobody "$d/hls" "$d/tmp"
  NGX_RTMP="$(free_port)"; NGX_HTTP="$(free_port)"
  cat >"$d/nginx.conf" <<CONF
load_module $NGINX_MODULE;
daemon off;
master_process on;
# One worker, as nginx-rtmp is usually run (more need rtmp_auto_push); it is also the cheaper
# configuration in memory, so the comparison does not flatter us.
worker_processes 1;
error_log $d/logs/error.log warn;
pid $d/nginx.pid;
events { worker_connections 4096; }
rtmp {
  server {
    listen 127.0.0.1:$NGX_RTMP;
    chunk_size 4096;
    application live {
      live on;
      record off;
      hls on;
      hls_path $d/hls;
      hls_fragment ${SEGMENT}s;
      # Six segments, as video-ingest's playlist_window.
      hls_playlist_length $((SEGMENT * 6))s;
      hls_continuous on;
      hls_cleanup on;
      hls_nested off;
    }
  }
}
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:$NGX_HTTP;
    location /hls/ {
      alias $d/hls/;
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }
  }
}
CONF
  nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" </dev/null >"$d/logs/stdout.log" 2>&1 &
  NGX_PID=$!
  await "nginx start" 20 curl -s -o /dev/null "http://127.0.0.1:$NGX_HTTP/" ||
    { cat "$d/logs/error.log" >&2; exit 1; }
}
stop_nginx() { stop "$NGX_PID" QUIT; NGX_PID=""; }

http_ok() { curl -sf -o /dev/null "$1"; }
lists_segment() { curl -sf "$1" | grep -q '\.ts'; }
full_window() { (( $(curl -sf "$1" | grep -c '^#EXTINF') >= 6 )); }

# ---- latency: one publisher, both servers, per keyframe interval ----
BLOCK_FILTER="$(python3 "$HERE/blocks.py" filter)"
LAYOUT="$(python3 "$HERE/blocks.py" layout)"
RESULTS="$SCRATCH/results.md"
: >"$RESULTS"

latency_run() {  # gop seconds
  local gop="$1" dir="$SCRATCH/latency-gop$gop"
  mkdir -p "$dir"
  local id key
  read -r id key < <(create_streams 1)
  local ours_url="http://127.0.0.1:$VI_HLS/live/$id/index.m3u8"
  local nginx_url="http://127.0.0.1:$NGX_HTTP/hls/gop$gop.m3u8"
  python3 -u "$HERE/tap.py" --out "$dir/tap.json" --fps "$FPS" >"$dir/tap.out" &
  local tap_pid=$!; PIDS+=("$tap_pid")
  await "tap" 10 grep -q '^port ' "$dir/tap.out"
  local tap_port; tap_port="$(awk '/^port/{print $2}' "$dir/tap.out")"
  local follow_s=$((LATENCY_SECONDS + 10)) f=()
  for spec in "ours/poll|$ours_url|poll" "ours/block|$ours_url|block" "ours/hint|$ours_url|hint" \
              "nginx/poll|$nginx_url|poll"; do
    IFS='|' read -r label url mode <<<"$spec"
    python3 "$HERE/follow.py" --url "$url" --out "$dir/${label/\//-}" --mode "$mode" \
        --interval "$POLL" --seconds "$follow_s" 2>>"$dir/follow.err" &
    f+=($!); PIDS+=($!)
  done
  log "latency, GOP ${gop}s: publishing ${LATENCY_SECONDS}s to both (stream $id)"
  # The publisher: a 640x360 test picture with the frame counter's blocks, x264 without
  # B-frames or lookahead (zerolatency) at a fixed GOP, AAC; -re; the same packets to the tap,
  # to video-ingest and to nginx-rtmp (tee), each flushed per packet. The tee muxer does not ask
  # encoders for global headers as flv does, so they are asked for here (else the FLV sequence
  # headers are empty).
  local o="f=flv:flvflags=no_duration_filesize:flush_packets=1:onfail=ignore"
  ffmpeg -nostdin -hide_banner -loglevel error \
      -re -f lavfi -i "testsrc2=size=640x360:rate=$FPS" \
      -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
      -filter_complex "[0:v]$BLOCK_FILTER,format=yuv420p[v]" -map '[v]' -map 1:a \
      -c:v libx264 -preset veryfast -tune zerolatency -profile:v high \
      -g $((gop * FPS)) -keyint_min $((gop * FPS)) -sc_threshold 0 \
      -b:v 1500k -maxrate 1500k -bufsize 1500k -c:a aac -b:a 96k -ar 48000 \
      -flags:v +global_header -flags:a +global_header \
      -t "$LATENCY_SECONDS" \
      -f tee "[$o]tcp://127.0.0.1:$tap_port|[$o]rtmp://127.0.0.1:$VI_RTMP/live/$key|[$o]rtmp://127.0.0.1:$NGX_RTMP/live/gop$gop" \
      2>"$dir/publisher.log" &
  local pub=$!; PIDS+=("$pub")
  local glass_pid=""
  # The players join a running show, as viewers do: once both playlists hold their full window
  # (hls.js starts 3 target durations behind the live edge only when the playlist is that long;
  # joined at the first segment it would start nearer the edge and stay there).
  if await "ours' full playlist" 40 full_window "http://127.0.0.1:$VI_HLS/live/$id/live.m3u8" &&
     await "nginx's full playlist" 20 full_window "$nginx_url"; then
    # Both played with the same settings, by default those of the web app's player.
    local players=(--stream "ours|$ours_url|$GLASS_CONFIG" --stream "nginx|$nginx_url|$GLASS_CONFIG")
    for extra in $GLASS_EXTRA; do
      IFS='|' read -r label server config <<<"$extra"
      if [[ "$server" == ours ]]; then players+=(--stream "$label|$ours_url|$config")
      else players+=(--stream "$label|$nginx_url|$config"); fi
    done
    (cd "$HERE/node" && node glass.mjs --layout "$LAYOUT" --out "$dir/glass.json" \
        --play "$PLAY" --sample "$SAMPLE" --every 250 "${players[@]}") 2>"$dir/glass.log" &
    glass_pid=$!; PIDS+=("$glass_pid")
  else
    log "a server never listed a segment; see $dir/publisher.log"; cat "$dir/publisher.log" >&2
  fi
  wait "$pub" || log "publisher exited with $?: $(tail -3 "$dir/publisher.log")"
  [[ -n "$glass_pid" ]] && { wait "$glass_pid" || log "glass.mjs failed: $(tail -5 "$dir/glass.log")"; }
  for p in "${f[@]}"; do wait "$p" || true; done
  wait "$tap_pid" || true
  grep -h 'glass ' "$dir/glass.log" | tail -$((2 + $(wc -w <<<"$GLASS_EXTRA"))) >&2 || true
}
latency_analyze() {  # gop seconds (after the lock is released: decoding is not measured)
  local gop="$1" dir="$SCRATCH/latency-gop$1"
  python3 "$HERE/analyze.py" --tap "$dir/tap.json" --warmup 6 --seconds "$LATENCY_SECONDS" \
      --follow "ours/poll=$dir/ours-poll" --follow "ours/block=$dir/ours-block" \
      --follow "ours/hint=$dir/ours-hint" \
      --follow "nginx/poll=$dir/nginx-poll" --glass "$dir/glass.json" \
      --title "GOP ${gop}s, ${SEGMENT}s segments, playlist poll every ${POLL}s" \
      --json "$dir/summary.json" | tee -a "$RESULTS"
}

# ---- cost: N passthrough publishers (-c copy of a pre-encoded file, -re) per server ----
cost_media() {
  # 720p30 H.264 (High, 2.5 Mbit/s, 2 s GOP, B-frames as OBS sends them) + AAC 128k, 20 s,
  # looped by each publisher.
  ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=1280x720:rate=$FPS" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 20 \
      -c:v libx264 -preset veryfast -profile:v high -g $((2 * FPS)) -keyint_min $((2 * FPS)) \
      -sc_threshold 0 -b:v 2500k -maxrate 2500k -bufsize 5000k -pix_fmt yuv420p \
      -c:a aac -b:a 128k "$SCRATCH/cost.mp4"
}
PUB_PIDS=()
start_publishers() {  # url...
  PUB_PIDS=()
  for url in "$@"; do
    ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "${PUB_MEDIA:-$SCRATCH/cost.mp4}" -c copy \
        -f flv -flvflags no_duration_filesize "$url" </dev/null >>"$SCRATCH/cost-publishers.log" 2>&1 &
    PUB_PIDS+=($!); PIDS+=($!)
    sleep 0.2  # no burst of handshakes from one address
  done
}
stop_publishers() {
  for p in "${PUB_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${PUB_PIDS[@]}"; do stop "$p"; done
  PUB_PIDS=()
}
count_live() {  # playlist urls... -> how many list a segment
  local n=0
  for u in "$@"; do lists_segment "$u" && n=$((n + 1)); done
  echo "$n"
}
COST_ROWS="$SCRATCH/cost.rows"
: >"$COST_ROWS"
THUMB_ROWS="$SCRATCH/thumbnails.rows"
: >"$THUMB_ROWS"
POLL_ROWS="$SCRATCH/thumb-poll.rows"
: >"$POLL_ROWS"
cost_level() {  # server n
  local server="$1" n="$2" urls=() playlists=() ids=() pid tree="" poll_pid=""
  if [[ "$server" == ours ]]; then
    start_ours; pid="$VI_PID"
    while read -r id key; do
      ids+=("$id")
      urls+=("rtmp://127.0.0.1:$VI_RTMP/live/$key")
      playlists+=("http://127.0.0.1:$VI_HLS/live/$id/live.m3u8")
    done < <(create_streams "$n")
  else
    start_nginx; pid="$NGX_PID"; tree="--tree"
    for i in $(seq "$n"); do
      urls+=("rtmp://127.0.0.1:$NGX_RTMP/live/s$i")
      playlists+=("http://127.0.0.1:$NGX_HTTP/hls/s$i.m3u8")
    done
  fi
  sleep 2
  local idle; idle="$(python3 "$HERE/proc.py" $tree "$pid")"
  start_publishers "${urls[@]}"
  local end=$((SECONDS + 60)) live=0
  while ((SECONDS < end)); do
    live="$(count_live "${playlists[@]}")"
    ((live == n)) && break
    sleep 1
  done
  sleep 5  # every stream past its first segments
  if [[ "$server" == ours && -n "$THUMB_POLL" ]]; then
    # A listing page's viewers: every thumbnail every THUMB_POLL s, started a cycle before the
    # window so it is in its steady state when measuring begins.
    python3 "$HERE/thumb_poll.py" --port "$VI_HLS" --interval "$THUMB_POLL" \
        --out "$SCRATCH/thumb-poll-$n.json" "${ids[@]}" &
    poll_pid=$!; PIDS+=($!)
    sleep "$THUMB_POLL"
  fi
  local s0 p0 s1 p1 pids syscalls=0 stat_pid="" rec_pid=""
  # Every process of the server (nginx: master and workers) for perf.
  pids="$(python3 "$HERE/proc.py" --list $tree "$pid")"
  if [[ "$PERF_STAT" == 1 ]]; then
    # System calls of the server over the window (a tracepoint count: cheap, no stacks).
    perf stat -x, -e raw_syscalls:sys_enter -p "$pids" -o "$SCRATCH/perf-stat-$server-$n.csv" \
        -- sleep "$COST_WINDOW" 2>/dev/null &
    stat_pid=$!
  fi
  if [[ -n "$PROFILE" ]]; then
    mkdir -p "$PROFILE"
    perf record -q -F "$PROFILE_HZ" $PROFILE_CALLGRAPH -p "$pids" -o "$PROFILE/perf-$server-$n.data" \
        -- sleep "$COST_WINDOW" >/dev/null 2>&1 &
    rec_pid=$!
  fi
  s0="$(python3 "$HERE/proc.py" $tree "$pid")"; p0="$(python3 "$HERE/proc.py" "${PUB_PIDS[@]}")"
  sleep "$COST_WINDOW"
  s1="$(python3 "$HERE/proc.py" $tree "$pid")"; p1="$(python3 "$HERE/proc.py" "${PUB_PIDS[@]}")"
  if [[ "$server" == ours ]]; then
    # The thumbnailer's own account since start: renders (count, seconds), written, failed.
    # Renders by cause and the origin's thumb.jpg answers by outcome (lazy thumbnails; absent
    # from older builds).
    curl -fsS "http://127.0.0.1:$VI_METRICS/metrics" 2>/dev/null |
      awk -v n="$n" '/^ingest_thumbnail_render_seconds_(sum|count) / {v[$1] = $2}
                     /^ingest_thumbnails_written_total / {w = $2}
                     /^ingest_thumbnails_failed_total\{stage="decode"\} / {f = $2}
                     /^ingest_thumbnail_renders_total\{/ {c = $1; gsub(/.*cause="|".*/, "", c); causes = causes c "=" $2 ","}
                     /^hls_thumbnail_requests_total\{/ {o = $1; gsub(/.*outcome="|".*/, "", o); if ($2 > 0) outs = outs o "=" $2 ","}
                     END {print n, v["ingest_thumbnail_render_seconds_count"] + 0,
                          v["ingest_thumbnail_render_seconds_sum"] + 0, w + 0, f + 0,
                          (causes == "" ? "-" : causes), (outs == "" ? "-" : outs)}' \
      >>"$THUMB_ROWS" || true
  fi
  if [[ -n "$poll_pid" ]]; then
    kill -TERM "$poll_pid" 2>/dev/null || true
    wait "$poll_pid" 2>/dev/null || true
    echo "$n $(cat "$SCRATCH/thumb-poll-$n.json" 2>/dev/null || echo '{}')" >>"$POLL_ROWS"
  fi
  if [[ -n "$stat_pid" ]]; then
    wait "$stat_pid" || true
    syscalls="$(awk -F, '/raw_syscalls:sys_enter/ {print $1}' "$SCRATCH/perf-stat-$server-$n.csv" 2>/dev/null)"
    [[ "$syscalls" =~ ^[0-9]+$ ]] || syscalls=0
  fi
  [[ -n "$rec_pid" ]] && { wait "$rec_pid" || true; }
  live="$(count_live "${playlists[@]}")"
  stop_publishers
  sleep 2  # the sessions end (and their last segments are recorded) before the server stops
  if [[ "$server" == ours ]]; then stop_ours; else stop_nginx; fi
  echo "$server $n $live $syscalls $idle $s0 $s1 $p0 $p1" >>"$COST_ROWS"
  log "cost $server x$n: $live live; server $s0 -> $s1; publishers $p0 -> $p1"
}
# Both servers at once: n publishers each (alternating, so neither gets its streams first),
# measured over the same windows; one row per server and window, as cost_level writes.
cost_level_together() {  # n
  local n="$1" urls=() ours_lists=() ngx_lists=() ids=() i=0
  start_ours; start_nginx
  while read -r id key; do
    i=$((i + 1)); ids+=("$id")
    urls+=("rtmp://127.0.0.1:$VI_RTMP/live/$key" "rtmp://127.0.0.1:$NGX_RTMP/live/s$i")
    ours_lists+=("http://127.0.0.1:$VI_HLS/live/$id/live.m3u8")
    ngx_lists+=("http://127.0.0.1:$NGX_HTTP/hls/s$i.m3u8")
  done < <(create_streams "$n")
  sleep 2
  local idle_o idle_g
  idle_o="$(python3 "$HERE/proc.py" "$VI_PID")"; idle_g="$(python3 "$HERE/proc.py" --tree "$NGX_PID")"
  start_publishers "${urls[@]}"
  local end=$((SECONDS + 60))
  while ((SECONDS < end)); do
    (( $(count_live "${ours_lists[@]}") == n && $(count_live "${ngx_lists[@]}") == n )) && break
    sleep 1
  done
  sleep 5  # every stream past its first segments
  local pids_o pids_g r
  pids_o="$(python3 "$HERE/proc.py" --list "$VI_PID")"; pids_g="$(python3 "$HERE/proc.py" --list --tree "$NGX_PID")"
  for ((r = 1; r <= COST_REPEAT; r++)); do
    local so0 sg0 so1 sg1 p0 p1 stat_o="" stat_g="" sc_o=0 sc_g=0
    if [[ "$PERF_STAT" == 1 ]]; then
      perf stat -x, -e raw_syscalls:sys_enter -p "$pids_o" -o "$SCRATCH/perf-stat-ours-$n.csv" \
          -- sleep "$COST_WINDOW" 2>/dev/null &
      stat_o=$!
      perf stat -x, -e raw_syscalls:sys_enter -p "$pids_g" -o "$SCRATCH/perf-stat-nginx-$n.csv" \
          -- sleep "$COST_WINDOW" 2>/dev/null &
      stat_g=$!
    fi
    so0="$(python3 "$HERE/proc.py" "$VI_PID")"; sg0="$(python3 "$HERE/proc.py" --tree "$NGX_PID")"
    p0="$(python3 "$HERE/proc.py" "${PUB_PIDS[@]}")"
    sleep "$COST_WINDOW"
    so1="$(python3 "$HERE/proc.py" "$VI_PID")"; sg1="$(python3 "$HERE/proc.py" --tree "$NGX_PID")"
    p1="$(python3 "$HERE/proc.py" "${PUB_PIDS[@]}")"
    if [[ -n "$stat_o" ]]; then
      wait "$stat_o" "$stat_g" || true
      sc_o="$(awk -F, '/raw_syscalls:sys_enter/ {print $1}' "$SCRATCH/perf-stat-ours-$n.csv" 2>/dev/null)"
      sc_g="$(awk -F, '/raw_syscalls:sys_enter/ {print $1}' "$SCRATCH/perf-stat-nginx-$n.csv" 2>/dev/null)"
      [[ "$sc_o" =~ ^[0-9]+$ ]] || sc_o=0; [[ "$sc_g" =~ ^[0-9]+$ ]] || sc_g=0
    fi
    # The publishers' column is all 2n publishers in both rows.
    echo "ours $n $(count_live "${ours_lists[@]}") $sc_o $idle_o $so0 $so1 $p0 $p1" >>"$COST_ROWS"
    echo "nginx $n $(count_live "${ngx_lists[@]}") $sc_g $idle_g $sg0 $sg1 $p0 $p1" >>"$COST_ROWS"
    log "cost together x$n, window $r: ours $so0 -> $so1; nginx $sg0 -> $sg1"
  done
  stop_publishers
  sleep 2
  stop_ours; stop_nginx
}
cost_table() {
  python3 - "$COST_ROWS" "$COST_WINDOW" "$THUMB_ROWS" "$POLL_ROWS" "$THUMB_POLL" <<'PY' | tee -a "$RESULTS"
import json, sys
rows, window, thumbs, polls, poll_every = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
data = {}
print("\n### cost: passthrough streams (720p30, 2.5 Mbit/s + AAC), %.0f s window\n" % window)
print("| server | publishers | live at end | server CPU % of a core | CPU ms per stream-second | RSS idle | RSS live | PSS live | RSS per stream | threads per stream | wakeups per stream-second | syscalls per stream-second | publishers' CPU % (all) | streams per core |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for line in open(rows):
    f = line.split(" ", 4)
    server, n, live, syscalls = f[0], int(f[1]), int(f[2]), int(f[3])
    objs = [json.loads(x) for x in f[4].replace("} {", "}\n{").splitlines()]
    idle, s0, s1, p0, p1 = objs
    cpu = s1["cpu"] - s0["cpu"]
    # To the nanosecond when every thread of the first reading lived to the second (proc.py).
    if "cpu_ns" in s0 and set(s0.get("tids", [])) <= set(s1.get("tids", [])):
        cpu = (s1["cpu_ns"] - s0["cpu_ns"]) / 1e9
    per = cpu / window / n
    per_stream_rss = (s1["rss"] - idle["rss"]) / n
    spc = 1 / per if per > 0 else float("inf")
    threads = (s1.get("threads", 0) - idle.get("threads", 0)) / n
    wakeups = (s1.get("ctxsw", 0) - s0.get("ctxsw", 0)) / window / n
    sc = f"{syscalls / window / n:.0f}" if syscalls else "–"
    data.setdefault((server, n), []).append((per, per_stream_rss, spc))
    print(f"| {server} | {n} | {live} | {100 * cpu / window:.1f} | {1000 * per:.2f} | "
          f"{idle['rss'] / 2**20:.1f} MiB | {s1['rss'] / 2**20:.1f} MiB | {s1['pss'] / 2**20:.1f} MiB | "
          f"{per_stream_rss / 2**20:.2f} MiB | {threads:.1f} | {wakeups:.0f} | {sc} | "
          f"{100 * (p1['cpu'] - p0['cpu']) / window:.1f} | {spc:.0f} |")
print()
for n in sorted({k[1] for k in data}):
    # The i-th row of ours against the i-th of nginx-rtmp (the same window with COST_TOGETHER).
    for i, (o, g) in enumerate(zip(data.get(("ours", n), []), data.get(("nginx", n), []))):
        print(f"at {n}{f' (window {i + 1})' if len(data[('ours', n)]) > 1 else ''}: ours/nginx CPU per stream ×{o[0] / g[0]:.2f}, memory per stream ×{o[1] / g[1] if g[1] else float('nan'):.2f}, "
              f"streams per core ours {o[2]:.0f} vs nginx {g[2]:.0f} (×{o[2] / g[2]:.2f}; goal ≥ 1.5)")
for line in open(thumbs):
    f = line.split()
    n, count, seconds, written, failed = f[:5]
    causes = f[5].strip(",") if len(f) > 5 and f[5] != "-" else ""
    outcomes = f[6].strip(",") if len(f) > 6 and f[6] != "-" else ""
    mean = f"mean ingest_thumbnail_render_seconds {1000 * float(seconds) / float(count):.1f} ms, " if float(count) > 0 else ""
    print(f"ours x{n}, thumbnails since start: {float(count):.0f} rendered"
          f"{' (' + causes + ')' if causes else ''}, {mean}"
          f"{float(written):.0f} written, {float(failed):.0f} failed"
          f"{'; thumb.jpg requests ' + outcomes if outcomes else ''}")
for line in open(polls):
    n, _, js = line.partition(" ")
    print(f"ours x{n}, thumb.jpg poller (every stream every {poll_every} s): {js.strip()}")
PY
}

# ---- ladder: a 3-rung H.264 ladder per stream, video-ingest against ffmpeg (issue 12 §2/§5) ----
# Both take the same publisher (the LADDER_SOURCE file, -c copy, -re) over RTMP and write HLS
# with 2 s segments: the source passed through plus one libx264 rung per LADDER_RUNGS entry
# (same preset and bitrates), keyframes every 2 s as the source's, audio per LADDER_AUDIO.
# ffmpeg is one `ffmpeg -listen 1` process per stream (RTMP server, split/scale filter graph,
# one libx264 per rung, the hls muxer with a variant per rung and the master playlist).
ladder_media() {
  ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$LADDER_SOURCE:rate=$FPS" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 20 \
      -c:v libx264 -preset veryfast -profile:v high -g $((2 * FPS)) -keyint_min $((2 * FPS)) \
      -sc_threshold 0 -b:v 5000k -maxrate 5000k -bufsize 10000k -pix_fmt yuv420p \
      -c:a aac -b:a 128k "$SCRATCH/ladder.mp4"
}
# One ffmpeg ladder server for a stream: listens for RTMP on port $1, writes HLS under $2.
ffmpeg_ladder() {  # port dir
  local port="$1" dir="$2" split="" maps=() vmap="v:0,a:0" i=1 rung size rate
  local rungs n
  read -r -a rungs <<<"$LADDER_RUNGS"
  n=${#rungs[@]}
  split="[0:v]split=$n"
  for ((i = 1; i <= n; i++)); do split+="[s$i]"; done
  for ((i = 1; i <= n; i++)); do
    size="${rungs[i - 1]%%:*}"
    split+=";[s$i]scale=${size/x/:}[v$i]"
  done
  # Variant 0: the source passed through; variants 1..n: the rungs.
  maps+=(-map 0:v -map 0:a -c:v:0 copy)
  for ((i = 1; i <= n; i++)); do
    rate="${rungs[i - 1]#*:}"
    maps+=(-map "[v$i]" -map 0:a -c:v:$i libx264 -preset:v:$i "$LADDER_PRESET" -profile:v:$i high
           ${LADDER_TUNE:+-tune:v:$i "$LADDER_TUNE"}
           -b:v:$i "$rate" -maxrate:v:$i "$rate" -bufsize:v:$i "$rate"
           -g:v:$i $((2 * FPS)) -keyint_min:v:$i $((2 * FPS)) -sc_threshold:v:$i 0)
    vmap+=" v:$i,a:$i"
  done
  if [[ "$LADDER_AUDIO" == copy ]]; then maps+=(-c:a copy); else maps+=(-c:a aac -b:a "$LADDER_AUDIO"); fi
  mkdir -p "$dir"
  ffmpeg -nostdin -loglevel error -listen 1 -f flv -i "rtmp://127.0.0.1:$port/live/s" \
      -filter_complex "$split" "${maps[@]}" -pix_fmt yuv420p \
      -f hls -hls_time "$SEGMENT" -hls_list_size 6 -hls_flags delete_segments+independent_segments \
      -master_pl_name master.m3u8 -var_stream_map "$vmap" "$dir/v%v/index.m3u8" \
      </dev/null >>"$SCRATCH/ladder-ffmpeg.log" 2>&1 &
}
LADDER_ROWS="$SCRATCH/ladder.rows"
: >"$LADDER_ROWS"
LADDER_RUNG_ROWS="$SCRATCH/ladder-rungs.rows"
: >"$LADDER_RUNG_ROWS"
# Ours: segments written per rung, buffers dropped and failures, from the metrics (a rung that
# falls behind drops its input and costs less: the window's numbers say whether it kept up).
rung_counts() {
  curl -fsS "http://127.0.0.1:$VI_METRICS/metrics" 2>/dev/null |
    awk '/^ingest_rendition_segments_total\{/ {r = $1; gsub(/.*rendition="|".*/, "", r); seg[r] += $2}
         /^ingest_rendition_handoff_dropped_total\{/ {d += $2}
         /^ingest_rendition_failures_total\{/ {f += $2}
         END {for (r in seg) printf "%s=%d ", r, seg[r]; printf "dropped=%d failures=%d\n", d, f}'
}
listening() { ss -ltn "sport = :$1" | grep -q LISTEN; }
ladder_level() {  # server n
  local server="$1" n="$2" urls=() playlists=() pids=() i port
  if [[ "$server" == ours ]]; then
    local saved="${OURS_ENV:-}"
    OURS_ENV="$saved $LADDER_OURS_ENV"; start_ours; OURS_ENV="$saved"
    pids=("$VI_PID")
    while read -r id key; do
      urls+=("rtmp://127.0.0.1:$VI_RTMP/live/$key")
      playlists+=("http://127.0.0.1:$VI_HLS/live/$id/live.m3u8")
    done < <(create_streams "$n")
  else
    rm -rf "$SCRATCH/ladder-hls"
    for ((i = 1; i <= n; i++)); do
      port="$(free_port)"
      ffmpeg_ladder "$port" "$SCRATCH/ladder-hls/s$i"
      pids+=($!); PIDS+=($!)
      await "ffmpeg ladder listening" 20 listening "$port"
      urls+=("rtmp://127.0.0.1:$port/live/s")
      playlists+=("file://$SCRATCH/ladder-hls/s$i/v0/index.m3u8")
    done
  fi
  sleep 2
  # The publishers send the ladder's source.
  PUB_MEDIA="$SCRATCH/ladder.mp4" start_publishers "${urls[@]}"
  local end=$((SECONDS + 60)) live=0
  while ((SECONDS < end)); do
    live="$(count_live "${playlists[@]}")"
    ((live == n)) && break
    sleep 1
  done
  sleep 5
  local s0 s1
  local r0=""
  [[ "$server" == ours ]] && r0="$(rung_counts)"
  s0="$(python3 "$HERE/proc.py" "${pids[@]}")"
  sleep "$LADDER_WINDOW"
  s1="$(python3 "$HERE/proc.py" "${pids[@]}")"
  live="$(count_live "${playlists[@]}")"
  if [[ "$server" == ours ]]; then
    echo "x$n: before the window: ${r0:-?}; after: $(rung_counts)" >>"$LADDER_RUNG_ROWS"
  fi
  stop_publishers
  sleep 2
  if [[ "$server" == ours ]]; then stop_ours; else for p in "${pids[@]}"; do stop "$p" INT; done; fi
  echo "$server $n $live $s0 $s1" >>"$LADDER_ROWS"
  log "ladder $server x$n: $live live; $s0 -> $s1"
}
ladder_table() {
  python3 - "$LADDER_ROWS" "$LADDER_WINDOW" "$LADDER_SOURCE" "$LADDER_RUNGS" "$LADDER_PRESET" <<'PY' | tee -a "$RESULTS"
import json, sys
rows, window, source, rungs, preset = sys.argv[1], float(sys.argv[2]), *sys.argv[3:6]
print(f"\n### ladder: source {source} passed through + {rungs} (libx264 {preset}), {window:.0f} s window\n")
print("| server | streams | live at end | CPU % of a core | CPU s per stream-second | RSS per stream |")
print("|---|---:|---:|---:|---:|---:|")
data = {}
for line in open(rows):
    f = line.split(" ", 3)
    server, n, live = f[0], int(f[1]), int(f[2])
    s0, s1 = [json.loads(x) for x in f[3].replace("} {", "}\n{").splitlines()]
    cpu = s1["cpu"] - s0["cpu"]
    # To the nanosecond when every thread of the first reading lived to the second (proc.py).
    if "cpu_ns" in s0 and set(s0.get("tids", [])) <= set(s1.get("tids", [])):
        cpu = (s1["cpu_ns"] - s0["cpu_ns"]) / 1e9
    data[(server, n)] = cpu / window / n
    print(f"| {server} | {n} | {live} | {100 * cpu / window:.0f} | {cpu / window / n:.2f} | "
          f"{s1['rss'] / n / 2**20:.0f} MiB |")
print()
for n in sorted({k[1] for k in data}):
    o, g = data.get(("ours", n)), data.get(("ffmpeg", n))
    if o and g:
        print(f"at {n}: ours/ffmpeg CPU per stream ×{o / g:.2f}")
PY
}
ladder_cost() {
  ladder_media
  for n in $LADDER_LEVELS; do
    ladder_level ffmpeg "$n"
    if [[ -n "$LADDER_OURS_ENV" ]]; then ladder_level ours "$n"; fi
  done
  ladder_table
  if [[ -s "$LADDER_RUNG_ROWS" ]]; then
    { echo; echo "ours, rung segments written (and source buffers dropped, rung failures), from its metrics:"
      sed 's/^/- /' "$LADDER_RUNG_ROWS"; } | tee -a "$RESULTS"
  fi
  [[ -n "$LADDER_OURS_ENV" ]] ||
    echo "ladder, ours: not measured (LADDER_OURS_ENV is empty: set it to the settings that turn video-ingest's ladder on)" | tee -a "$RESULTS"
}

# ---- the run ----
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nginx -v 2>&1); $(ffmpeg -version | head -1 | cut -d' ' -f1-3); video-ingest $VI_BIN" | tee -a "$RESULTS"
if [[ " $PHASES " == *" cost "* ]]; then cost_media; fi
if [[ " $PHASES " == *" latency "* ]]; then
  for gop in $GOPS; do
    lock
    start_ours; start_nginx
    latency_run "$gop"
    stop_ours; stop_nginx
    unlock
    latency_analyze "$gop"
  done
fi
if [[ " $PHASES " == *" cost "* ]]; then
  lock
  for n in $COST_LEVELS; do
    # Together only when both are asked for (COST_SERVERS="ours" while profiling).
    if [[ "$COST_TOGETHER" == 1 && "$COST_SERVERS" == "ours nginx" ]]; then
      cost_level_together "$n"; continue
    fi
    for server in $COST_SERVERS; do cost_level "$server" "$n"; done
  done
  unlock
  cost_table
fi
if [[ " $PHASES " == *" ladder "* ]]; then
  lock
  ladder_cost
  unlock
fi
echo; echo "==== results ===="; cat "$RESULTS"
