#!/usr/bin/env python3
"""Polls every stream's live thumbnail as a listing page would: each of the given stream ids'
/live/<id>/thumb.jpg once every INTERVAL seconds, requests spread evenly over the interval, on
one kept-alive connection (one thread: its own CPU stays small beside the server's). Runs until
SIGTERM/SIGINT, then writes one JSON line of what it saw (requests, status codes, latency
percentiles in ms) to --out.

  thumb_poll.py --port P --interval 4 --out FILE ID...
"""
import argparse, http.client, json, signal, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--interval", type=float, default=4.0)
ap.add_argument("--out", required=True)
ap.add_argument("ids", nargs="+")
a = ap.parse_args()

stop = False
def on_signal(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

codes, lat = {}, []
conn = None
start = time.monotonic()
step = a.interval / len(a.ids)
k = 0
while not stop:
    due = start + k * step
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
        if stop:
            break
    sid = a.ids[k % len(a.ids)]
    k += 1
    t0 = time.monotonic()
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
        conn.request("GET", f"/live/{sid}/thumb.jpg")
        r = conn.getresponse()
        r.read()
        code = str(r.status)
        if r.getheader("connection", "").lower() == "close":
            conn.close(); conn = None
    except Exception as e:  # a reset or timeout: counted, a new connection next time
        code = type(e).__name__
        if conn is not None:
            conn.close()
        conn = None
    lat.append(1000 * (time.monotonic() - t0))
    codes[code] = codes.get(code, 0) + 1

lat.sort()
def pct(p):
    return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None
with open(a.out, "w") as f:
    json.dump({"requests": len(lat), "codes": codes, "p50_ms": pct(0.5), "p95_ms": pct(0.95),
               "max_ms": round(lat[-1], 1) if lat else None}, f)
    f.write("\n")
