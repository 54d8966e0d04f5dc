#!/usr/bin/env bash
# Checks the clients' Low-Latency HLS path before video-ingest writes parts (about 30 s): the
# benchmark's counter video served by fake_ll_origin.py as parts with blocking reloads, followed
# by follow.py (poll and block) and decoded by analyze.py. Passes when every part of both
# followers is decoded with its counter and the blocking follower used blocking reloads. Prints
# the (meaningless, fake-server) latencies on the way. Measures nothing; needs ffmpeg.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
D="$(mktemp -d /tmp/shopcast-hls-selfcheck.XXXXXX)"
ORIGIN=""
trap '[[ -n "$ORIGIN" ]] && kill "$ORIGIN" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=640x360:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -filter_complex "[0:v]$(python3 "$HERE/blocks.py" filter),format=yuv420p[v]" \
    -map '[v]' -map 1:a -t 20 -c:v libx264 -preset veryfast -tune zerolatency -g 30 \
    -keyint_min 30 -sc_threshold 0 -b:v 1500k -c:a aac -f mpegts "$D/source.ts"
python3 "$HERE/fake_ll_origin.py" "$D/source.ts" "$D/tap.json" "$D/port" & ORIGIN=$!
for _ in $(seq 50); do [[ -s "$D/port" ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$D/port")/live.m3u8"
python3 "$HERE/follow.py" --url "$url" --out "$D/poll" --mode poll --seconds 18 & a=$!
python3 "$HERE/follow.py" --url "$url" --out "$D/block" --mode block --seconds 18 & b=$!
wait "$a" "$b"
python3 "$HERE/analyze.py" --tap "$D/tap.json" --warmup 2 --seconds 18 --title "selfcheck (fake origin)" \
    --follow "ours/poll=$D/poll" --follow "ours/block=$D/block" --json "$D/summary.json"
python3 - "$D/summary.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
parts = {r["follower"]: r for r in rows if r["unit"] == "part"}
assert set(parts) == {"ours/poll", "ours/block"}, f"parts decoded for {sorted(parts)}"
for r in parts.values():
    assert r["units"] >= 30 and r["unreadable"] == 0, r
assert parts["ours/block"]["blocking_requests"] >= 30, parts["ours/block"]
print("selfcheck: ok")
PY
