#!/usr/bin/env python3
"""When the publisher sent each frame: a third output of the publisher's tee muxer.

The publisher (one ffmpeg, -re) writes the same FLV packets to video-ingest, to nginx-rtmp and,
over TCP, to this listener, one after the other for each packet. Each video tag's arrival time
here is that frame's send time; its FLV timestamp (ms) gives its frame number (ts * fps, the
burned-in counter of the same frame, since the filter graph numbers frames from 0 at pts 0).

  tap.py --out FILE --fps 30     prints "port <n>" once listening; on the publisher's EOF (or
                                 SIGTERM) writes {"fps":…, "frames": [[n, unix seconds], …]}
"""
import argparse
import json
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--fps", type=float, required=True)
    args = ap.parse_args()
    frames = []

    def write(*_):
        with open(args.out, "w") as f:
            json.dump({"fps": args.fps, "frames": frames}, f)
        sys.exit(0)

    signal.signal(signal.SIGTERM, write)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print(f"port {srv.getsockname()[1]}", flush=True)
    conn, _ = srv.accept()
    buf = bytearray()
    header_done = False
    while True:
        data = conn.recv(1 << 16)
        now = time.time()
        if not data:
            break
        buf += data
        if not header_done:
            if len(buf) < 13:
                continue
            if buf[:3] != b"FLV":
                sys.exit("tap: not FLV")
            skip = struct.unpack(">I", buf[5:9])[0] + 4  # header + PreviousTagSize0
            del buf[:skip]
            header_done = True
        while len(buf) >= 11:
            size = int.from_bytes(buf[1:4], "big")
            if len(buf) < 11 + size + 4:
                break
            tag_type = buf[0] & 0x1F
            ts = int.from_bytes(buf[4:7], "big") | (buf[7] << 24)
            if tag_type == 9 and size > 1 and (buf[11] & 0x0F) == 7:
                # AVC: packet type 1 is a frame (0 is the sequence header, 2 end of sequence).
                if size > 2 and buf[12] == 1:
                    frames.append([round(ts * args.fps / 1000.0), now])
            del buf[:11 + size + 4]
    write()


if __name__ == "__main__":
    main()
