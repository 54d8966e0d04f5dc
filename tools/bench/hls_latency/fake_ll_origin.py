#!/usr/bin/env python3
"""A stand-in Low-Latency HLS origin for selfcheck.sh: it releases a pre-encoded MPEG-TS file
(the benchmark's counter video) in real time as 2 s segments of six ~0.33 s parts
("<msn>_<part>.ts", as video-ingest names them), lists them with EXT-X-PART and
CAN-BLOCK-RELOAD=YES, and parks `_HLS_msn`/`_HLS_part` requests until the part exists. It lets
the followers' and the analysis' handling of parts and blocking reloads be checked before
video-ingest writes parts; it measures nothing about any server.

  fake_ll_origin.py SOURCE.ts TAP.json PORTFILE
     writes TAP.json as tap.py would (frame n "sent" at start + n/30) and its port to PORTFILE
"""
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

FPS, PART_FRAMES, SEGMENT_FRAMES = 30, 10, 60
PARTS = SEGMENT_FRAMES // PART_FRAMES
SERVER_DELAY = 0.1  # a part is released this long after its last frame was "sent"


def split_frames(data):
    """The TS packets of the file grouped by video frame (a group starts at a video PES start),
    and the PAT and PMT packets that start the file."""
    packets = [data[i:i + 188] for i in range(0, len(data) - 187, 188)]
    pid = lambda p: ((p[1] & 0x1F) << 8) | p[2]
    starts = lambda p: bool(p[1] & 0x40)
    video = None
    for p in packets:
        if starts(p):
            off = 4 + (1 + p[4] if p[3] & 0x20 else 0)
            if p[off:off + 3] == b"\x00\x00\x01" and 0xE0 <= p[off + 3] <= 0xEF:
                video = pid(p)
                break
    tables = [p for p in packets[:4] if pid(p) in (0, 4096)]
    frames, current, seen_video = [], [], False
    for p in packets:
        if pid(p) in (0, 4096):
            continue
        if pid(p) == video and starts(p):
            # What precedes the first video frame (SDT, audio) goes with it.
            if seen_video:
                frames.append(current)
                current = []
            seen_video = True
        current.append(p)
    frames.append(current)
    return tables, frames


def main():
    source, tap_file, port_file = sys.argv[1:4]
    tables, frames = split_frames(open(source, "rb").read())
    start = time.time() + 1.0
    with open(tap_file, "w") as f:
        json.dump({"fps": FPS, "frames": [[n, start + n / FPS] for n in range(len(frames))]}, f)
    parts = {}  # (msn, index) -> (bytes, release time)
    for f0 in range(0, len(frames) - PART_FRAMES + 1, PART_FRAMES):
        msn, index = f0 // SEGMENT_FRAMES, (f0 % SEGMENT_FRAMES) // PART_FRAMES
        body = b"".join(b"".join(fr) for fr in frames[f0:f0 + PART_FRAMES])
        if index == 0:
            body = b"".join(tables) + body
        parts[(msn, index)] = (body, start + (f0 + PART_FRAMES) / FPS + SERVER_DELAY)

    def released(now):
        return sorted(k for k, (_, t) in parts.items() if t <= now)

    def playlist(avail):
        lines = ["#EXTM3U", "#EXT-X-VERSION:9", "#EXT-X-TARGETDURATION:2",
                 "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0",
                 f"#EXT-X-PART-INF:PART-TARGET={PART_FRAMES / FPS:.3f}",
                 "#EXT-X-MEDIA-SEQUENCE:0"]
        by_msn = {}
        for msn, index in avail:
            by_msn.setdefault(msn, []).append(index)
        for msn in sorted(by_msn):
            for index in by_msn[msn]:
                lines.append(f'#EXT-X-PART:DURATION={PART_FRAMES / FPS:.3f},'
                             f'URI="{msn:06d}_{index}.ts"' + (",INDEPENDENT=YES" if index == 0 else ""))
            if len(by_msn[msn]) == PARTS:
                lines += [f"#EXTINF:{SEGMENT_FRAMES / FPS:.3f},", f"{msn:06d}.ts"]
        return ("\n".join(lines) + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *_):
            pass

        def reply(self, status, body=b"", kind="video/mp2t"):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            name = os.path.basename(url.path)
            now = time.time()
            if name.endswith(".m3u8"):
                want = None
                if "_HLS_msn" in query:
                    msn, index = int(query["_HLS_msn"][0]), int(query.get("_HLS_part", ["0"])[0])
                    want = (msn + 1, 0) if index >= PARTS else (msn, index)
                deadline = now + 6
                while want is not None and time.time() < deadline:
                    avail = released(time.time())
                    if avail and avail[-1] >= want:
                        break
                    time.sleep(0.005)
                return self.reply(200, playlist(released(time.time())),
                                  "application/vnd.apple.mpegurl")
            stem = name[:-3]
            if "_" in stem:
                msn, index = (int(x) for x in stem.split("_"))
                chosen = [parts.get((msn, index))]
            else:
                chosen = [parts.get((int(stem), i)) for i in range(PARTS)]
            if any(p is None or p[1] > now for p in chosen):
                return self.reply(404)
            return self.reply(200, b"".join(p[0] for p in chosen))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
