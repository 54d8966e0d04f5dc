#!/usr/bin/env python3
"""Publish-to-playable and glass-to-glass latencies of one publish, from what tap.py, follow.py
and glass.mjs recorded (run.sh calls this after the publisher has finished).

  analyze.py --tap tap.json --follow LABEL=DIR … [--glass glass.json] --warmup 6 --title TEXT

Send time of frame n: when the publisher's tee wrote it (tap.py). Each segment or part a
follower saw listed is decoded (ffmpeg, the top strip as raw luma) and its first frame's
burned-in counter read (blocks.py); parts of a segment are decoded together from its first
part (a part need not start with a keyframe) and split by the byte offsets of its video packets
(ffprobe), which map one to one onto decoded frames (the publisher sends no B-frames).

  publish-to-playable = listed time − send time(first frame of the unit)
  newest frame        = listed time − send time(last frame of the unit)
  glass to glass      = display time of a rendered frame − send time(its counter)

Units whose first frame was sent in the first --warmup seconds are left out (start-up).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import blocks

STRIP = blocks.WIDTH * blocks.STRIP_HEIGHT


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def fmt_s(v):
    return "–" if v is None else f"{v:.2f} s"


def fmt_rate(v):
    return "–" if v is None else f"{v:.2f}"


def decode(path):
    """Counters of every frame of a media file, in decode order (None: unreadable)."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
                        "-vf", f"crop={blocks.WIDTH}:{blocks.STRIP_HEIGHT}:0:0",
                        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                       capture_output=True)
    data = r.stdout
    return [blocks.read_counter(data[i:i + STRIP]) for i in range(0, len(data) - STRIP + 1, STRIP)]


def video_packet_positions(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "packet=pos", "-of", "csv=p=0", path], capture_output=True, text=True)
    # "376," per packet (a trailing separator, blank lines between): the first field.
    fields = (line.split(",")[0].strip() for line in r.stdout.splitlines())
    return [int(f) for f in fields if f.isdigit()]


def load_follow(directory):
    listed, fetched = {}, {}
    requests = blocking = 0
    with open(os.path.join(directory, "events.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e["ev"] == "listed":
                listed[e["uri"]] = e
            elif e["ev"] == "fetched":
                fetched[e["uri"]] = e
            elif e["ev"] == "playlist":
                requests += 1
                blocking += 1 if e.get("blocking") else 0
    return listed, fetched, (requests, blocking)


def units_of(directory):
    """[{kind, msn, part, t_listed, t_fetched, first, last}] for every unit decoded."""
    listed, fetched, requests = load_follow(directory)
    units = []
    parts_by_msn = {}
    for uri, e in listed.items():
        f = fetched.get(uri)
        if not f or f.get("status") != 200:
            continue
        if e["kind"] == "segment":
            counters = decode(f["file"])
            good = [c for c in counters if c is not None]
            units.append({"kind": "segment", "msn": e["msn"], "t_listed": e["t"],
                          "t_fetched": f["t"], "first": counters[0] if counters else None,
                          "last": good[-1] if good else None})
        else:
            parts_by_msn.setdefault(e["msn"], []).append((e["part"], e, f))
    with tempfile.TemporaryDirectory() as tmp:
        for msn, parts in parts_by_msn.items():
            parts.sort(key=lambda p: p[0])
            # Only the run of parts from part 0 without a gap can be decoded.
            run = []
            for i, p in enumerate(parts):
                if p[0] != i:
                    break
                run.append(p)
            if not run:
                continue
            joined = os.path.join(tmp, f"{msn}.ts")
            offsets = []
            with open(joined, "wb") as out:
                for _, _, f in run:
                    offsets.append(out.tell())
                    with open(f["file"], "rb") as src:
                        out.write(src.read())
                end = out.tell()
            counters = decode(joined)
            positions = video_packet_positions(joined)
            if len(positions) != len(counters):
                print(f"analyze: {directory} segment {msn}: {len(positions)} video packets, "
                      f"{len(counters)} frames decoded; its parts are left out", file=sys.stderr)
                continue
            for k, (index, e, f) in enumerate(run):
                lo, hi = offsets[k], offsets[k + 1] if k + 1 < len(offsets) else end
                frames = [counters[j] for j, pos in enumerate(positions) if lo <= pos < hi]
                if not frames:
                    continue  # an audio-only part
                good = [c for c in frames if c is not None]
                units.append({"kind": "part", "msn": msn, "part": index, "t_listed": e["t"],
                              "t_fetched": f["t"], "first": frames[0],
                              "last": good[-1] if good else None})
    return units, requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", required=True)
    ap.add_argument("--follow", action="append", default=[], help="LABEL=DIR")
    ap.add_argument("--glass")
    ap.add_argument("--warmup", type=float, default=6)
    ap.add_argument("--seconds", type=float, default=0, help="publish length, for req/s")
    ap.add_argument("--title", default="")
    ap.add_argument("--json", help="write the summary here too")
    args = ap.parse_args()

    tap = json.load(open(args.tap))
    fps = tap["fps"]
    sent = {n: t for n, t in tap["frames"]}
    if not sent:
        sys.exit("analyze: the tap saw no frame")
    # Pacing: how late each frame left against ideal -re pacing from the earliest-sent frame's
    # schedule (the first frames wait for the connections, then ffmpeg catches up).
    t0 = min(t - n / fps for n, t in sent.items())
    lag = [t - (t0 + n / fps) for n, t in sent.items()]
    warm_frame = int(args.warmup * fps)

    def send_time(n):
        return sent.get(n, t0 + n / fps)

    summary = {"title": args.title, "frames_sent": len(sent),
               "pacing_lag_p50": pct(lag, 0.5), "pacing_lag_p99": pct(lag, 0.99),
               "rows": [], "glass": {}}
    print(f"\n### {args.title}\n")
    print(f"frames sent: {len(sent)}; publisher pacing (send time − ideal -re schedule): "
          f"p50 {pct(lag, 0.5) * 1000:.0f} ms, p99 {pct(lag, 0.99) * 1000:.0f} ms, "
          f"max {max(lag) * 1000:.0f} ms")
    print()
    print("| follower | unit | units | unreadable | publish→playable p50 | p90 | p99 | "
          "newest frame p50 | listed→fetched p50 | playlist req/s | blocking reloads |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for spec in args.follow:
        label, directory = spec.split("=", 1)
        units, requests = units_of(directory)
        for kind in ("segment", "part"):
            mine = [u for u in units if u["kind"] == kind]
            if not mine:
                continue
            unreadable = sum(1 for u in mine if u["first"] is None)
            ok = [u for u in mine if u["first"] is not None and u["first"] >= warm_frame]
            lat = [u["t_listed"] - send_time(u["first"]) for u in ok]
            newest = [u["t_listed"] - send_time(u["last"]) for u in ok if u["last"] is not None]
            fetch = [u["t_fetched"] - u["t_listed"] for u in ok]
            rate = requests[0] / args.seconds if args.seconds else float("nan")
            row = {"follower": label, "unit": kind, "units": len(ok), "unreadable": unreadable,
                   "p50": pct(lat, 0.5), "p90": pct(lat, 0.9), "p99": pct(lat, 0.99),
                   "newest_p50": pct(newest, 0.5), "fetch_p50": pct(fetch, 0.5),
                   "requests_per_s": rate, "blocking_requests": requests[1]}
            summary["rows"].append(row)
            print(f"| {label} | {kind} | {len(ok)} | {unreadable} | {row['p50']:.2f} s | "
                  f"{row['p90']:.2f} s | {row['p99']:.2f} s | {row['newest_p50']:.2f} s | "
                  f"{row['fetch_p50'] * 1000:.0f} ms | {rate:.1f} | {requests[1]} |")

    # Each server's best way to learn of new media: parts over segments, blocking over polling.
    def headline(server):
        rows = [r for r in summary["rows"] if r["follower"].split("/")[0] == server
                and r["units"] > 0]
        # A "block" follower that never could block polled like the other: take the poller then.
        # Among the followers that could block (block, hint), the quicker one.
        rows.sort(key=lambda r: (r["unit"] != "part", r["blocking_requests"] == 0,
                                 r["follower"].split("/")[-1] != "poll",
                                 r["p50"] if r["blocking_requests"] else 0))
        return rows[0] if rows else None

    ours, nginx = headline("ours"), headline("nginx")
    if ours and nginx:
        print(f"\npublish→playable p50: ours {ours['p50']:.2f} s ({ours['follower']}, "
              f"{ours['unit']}s) vs nginx-rtmp {nginx['p50']:.2f} s ({nginx['follower']}, "
              f"{nginx['unit']}s): nginx/ours ×{nginx['p50'] / ours['p50']:.2f} "
              f"(goal: ours ≤ 0.50 s with parts)")
        summary["headline"] = {"ours": ours, "nginx": nginx}

    if args.glass and os.path.exists(args.glass):
        glass = json.load(open(args.glass))
        print("\n| player | samples | unreadable | glass-to-glass p50 | p90 | stalls | "
              "hls.js errors | hls.js latency (its own estimate) | its target | playback rate "
              "p50 (max) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, g in glass.items():
            samples = g.get("samples", [])
            good = [s for s in samples if s["counter"] is not None]
            lat = [s["t"] - send_time(s["counter"]) for s in good]
            est = [s["hlsLatency"] for s in good if s.get("hlsLatency") is not None]
            # The playback rate hls.js set while sampled (above 1: catching up with its target).
            rates = [s["playbackRate"] for s in samples if s.get("playbackRate") is not None]
            row = {"samples": len(good), "unreadable": len(samples) - len(good),
                   "p50": pct(lat, 0.5), "p90": pct(lat, 0.9), "stalls": g.get("stalls"),
                   "errors": len(g.get("errors", [])), "fatal": g.get("fatal"),
                   "hls_latency_p50": pct(est, 0.5),
                   "hls_target": (g.get("hls") or {}).get("targetLatency"),
                   "rate_p50": pct(rates, 0.5) if rates else None,
                   "rate_max": max(rates) if rates else None}
            summary["glass"][label] = row
            print(f"| {label} | {row['samples']} | {row['unreadable']} | {row['p50']:.2f} s | "
                  f"{row['p90']:.2f} s | {row['stalls']} | {row['errors']}"
                  f"{' (fatal ' + row['fatal'] + ')' if row['fatal'] else ''} | "
                  f"{row['hls_latency_p50']:.2f} s | "
                  f"{fmt_s(row['hls_target'])} | "
                  f"{fmt_rate(row['rate_p50'])} ({fmt_rate(row['rate_max'])}) |")
            if g.get("errors"):
                names = sorted(set(g["errors"]))
                print(f"|   {label}: hls.js errors seen: {', '.join(names)} | | | | | | | | | |")
            # Each stall: when (seconds after the publish began), what was buffered ahead of the
            # playhead and the playback rate then (player.html's stallLog).
            log = g.get("stallLog", [])
            for e in (e for e in log if e["what"] != "rate"):
                print(f"|   {label}: {e['what']} at {e['t'] - t0:.1f} s, {e['ahead']:.2f} s "
                      f"buffered ahead, rate {e['rate']}, hls.js latency "
                      f"{(e.get('latency') or 0):.2f} s | | | | | | | | | |")
            rate_changes = sum(1 for e in log if e["what"] == "rate")
            if rate_changes and g.get("firstPlayingAt") and samples:
                played = samples[-1]["t"] - g["firstPlayingAt"] / 1000
                capped = "at least " if rate_changes >= 400 else ""  # player.html keeps 400
                print(f"|   {label}: {capped}{rate_changes} playback-rate changes in {played:.0f} s "
                      f"of play | | | | | | | | | |")
        o, n = summary["glass"].get("ours"), summary["glass"].get("nginx")
        if o and n and o["samples"] and n["samples"]:
            print(f"\nglass to glass p50: ours {o['p50']:.2f} s vs nginx-rtmp {n['p50']:.2f} s: "
                  f"nginx/ours ×{n['p50'] / o['p50']:.2f} (goal: ours ≤ 2 s and ×3)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
