#!/usr/bin/env python3
"""A client following one server's live playlist: when does each new segment or partial segment
become fetchable?

  follow.py --url PLAYLIST --out DIR --mode poll|block|hint [--interval 0.1] [--seconds N]

poll:  GET the media playlist every --interval seconds on average (a schedule, not an interval
       after each answer; each step drawn from 0.5-1.5 intervals), for both servers alike.
block: when the playlist says EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES, ask for the next part
       (`_HLS_msn`/`_HLS_part`, RFC 8216bis 6.2.5.2; the next segment with `_HLS_msn` alone when
       the playlist has no parts), so the server answers the moment it lists it; while it does not
       say so, poll as above.
hint:  as block, and also GET the part the playlist's EXT-X-PRELOAD-HINT names as soon as it is
       hinted (RFC 8216bis 6.2.6: the server holds the request until the part exists); a part
       that arrives this way counts as listed when its response has arrived, if that is before
       a playlist listed it.

A master playlist is followed to its first variant. Every URI (segment or EXT-X-PART) first seen
is logged with the time the playlist that listed it had arrived (the moment a client could
start fetching it), then fetched and saved in DIR/files (two fetch threads, so a slow fetch never
delays the next playlist request). DIR/events.jsonl gets one JSON object a line:
  {"ev":"listed","kind":"segment"|"part","msn":…,"part":…,"uri":…,"t":…,"independent":…}
  {"ev":"fetched","uri":…,"file":…,"status":…,"bytes":…,"t0":…,"t":…}
  {"ev":"playlist","url":…,"t0":…,"t":…,"status":…,"blocking":bool}   (every request)
"""
import argparse
import http.client
import json
import os
import queue
import random
import re
import threading
import time
import urllib.parse

ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def attrs(line):
    return {k: v.strip('"') for k, v in ATTR.findall(line.split(":", 1)[1])}


class Client:
    """One keep-alive HTTP connection per thread (reconnects after an error)."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.conn = None
        self.netloc = None

    def get(self, url):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        for attempt in (0, 1):
            if self.conn is None or self.netloc != u.netloc:
                self.conn = http.client.HTTPConnection(u.netloc, timeout=self.timeout)
                self.netloc = u.netloc
            try:
                self.conn.request("GET", path)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        return None, b""


def parse_media(text):
    """(media sequence, segments [(msn, uri)], parts [(msn, index, uri, independent)],
    can_block_reload, ended, preload hint (msn, index, uri) or None)."""
    hint_uri = None
    seq = 0
    segments, parts = [], []
    pending_parts = []
    can_block = False
    ended = False
    lines = text.splitlines()
    for line in lines:
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            seq = int(line.split(":", 1)[1])
    msn = seq
    for line in lines:
        line = line.strip()
        if line.startswith("#EXT-X-SERVER-CONTROL:"):
            can_block = attrs(line).get("CAN-BLOCK-RELOAD") == "YES"
        elif line.startswith("#EXT-X-SKIP:"):
            msn += int(attrs(line).get("SKIPPED-SEGMENTS", "0"))
        elif line.startswith("#EXT-X-PART:"):
            a = attrs(line)
            pending_parts.append((a.get("URI", ""), a.get("INDEPENDENT") == "YES"))
        elif line.startswith("#EXT-X-PRELOAD-HINT:"):
            a = attrs(line)
            if a.get("TYPE") == "PART":
                hint_uri = a.get("URI")
        elif line.startswith("#EXT-X-ENDLIST"):
            ended = True
        elif line and not line.startswith("#"):
            for i, (uri, ind) in enumerate(pending_parts):
                parts.append((msn, i, uri, ind))
            pending_parts = []
            segments.append((msn, line))
            msn += 1
    for i, (uri, ind) in enumerate(pending_parts):
        parts.append((msn, i, uri, ind))
    # The hinted part follows the parts listed after the last complete segment.
    hint = (msn, len(pending_parts), hint_uri) if hint_uri else None
    return seq, segments, parts, can_block, ended, hint


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", choices=["poll", "block", "hint"], default="poll")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    os.makedirs(os.path.join(args.out, "files"), exist_ok=True)
    log = open(os.path.join(args.out, "events.jsonl"), "a", buffering=1)
    log_lock = threading.Lock()

    def emit(obj):
        with log_lock:
            log.write(json.dumps(obj) + "\n")

    fetches = queue.Queue()

    def fetcher():
        client = Client(timeout=10)
        while True:
            uri = fetches.get()
            if uri is None:
                return
            name = os.path.basename(urllib.parse.urlsplit(uri).path)
            t0 = time.time()
            try:
                status, body = client.get(uri)
            except (OSError, http.client.HTTPException) as e:
                emit({"ev": "fetched", "uri": uri, "status": str(e), "t0": t0, "t": time.time()})
                continue
            t = time.time()
            path = os.path.join(args.out, "files", name)
            if status == 200:
                with open(path, "wb") as f:
                    f.write(body)
            emit({"ev": "fetched", "uri": uri, "file": path if status == 200 else None,
                  "status": status, "bytes": len(body), "t0": t0, "t": t})

    workers = [threading.Thread(target=fetcher, daemon=True) for _ in range(2)]
    for w in workers:
        w.start()

    seen = set()
    seen_lock = threading.Lock()

    def first_sight(uri):
        with seen_lock:
            if uri in seen:
                return False
            seen.add(uri)
            return True

    hints = queue.Queue()

    def hint_fetcher():
        # One hinted part at a time, the newest hint first (an older one is listed by now).
        client = Client(timeout=10)
        while True:
            h = hints.get()
            if h is None:
                return
            while not hints.empty():
                nxt = hints.get()
                if nxt is None:
                    return
                h = nxt
            msn, index, uri = h
            with seen_lock:
                if uri in seen:
                    continue
            t0 = time.time()
            try:
                status, body = client.get(uri)
            except (OSError, http.client.HTTPException):
                continue
            t = time.time()
            if status != 200 or not first_sight(uri):
                continue
            emit({"ev": "listed", "kind": "part", "msn": msn, "part": index, "uri": uri,
                  "independent": None, "t": t, "via": "hint"})
            path = os.path.join(args.out, "files", os.path.basename(urllib.parse.urlsplit(uri).path))
            with open(path, "wb") as f:
                f.write(body)
            emit({"ev": "fetched", "uri": uri, "file": path, "status": status,
                  "bytes": len(body), "t0": t0, "t": t})

    hint_thread = None
    if args.mode == "hint":
        hint_thread = threading.Thread(target=hint_fetcher, daemon=True)
        hint_thread.start()

    client = Client(timeout=15)
    deadline = time.time() + args.seconds
    url = args.url
    # The media playlist: a master playlist is followed to its first variant.
    while time.time() < deadline:
        try:
            status, body = client.get(url)
        except (OSError, http.client.HTTPException):
            status, body = None, b""
        if status == 200:
            text = body.decode("utf-8", "replace")
            if "#EXT-X-STREAM-INF" in text:
                lines = text.splitlines()
                for i, line in enumerate(lines):
                    if line.startswith("#EXT-X-STREAM-INF"):
                        url = urllib.parse.urljoin(url, lines[i + 1].strip())
                        break
            break
        time.sleep(args.interval)
    emit({"ev": "media_playlist", "url": url})

    next_tick = time.time()
    block_target = None  # (msn, part or None) to ask for, when the server can block
    while time.time() < deadline:
        req_url = url
        blocking = args.mode in ("block", "hint") and block_target is not None
        if blocking:
            msn, part = block_target
            q = f"_HLS_msn={msn}" + (f"&_HLS_part={part}" if part is not None else "")
            req_url = url + ("&" if "?" in url else "?") + q
        else:
            # On average every --interval, each wait drawn from 0.5-1.5 intervals: a fixed
            # cadence would lock onto the servers' own (media-timed) rhythm and bias every
            # reading by the same fraction of an interval.
            next_tick += args.interval * random.uniform(0.5, 1.5)
            delay = next_tick - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                next_tick = time.time()  # fell behind (a slow answer): keep the cadence from now
        t0 = time.time()
        try:
            status, body = client.get(req_url)
        except (OSError, http.client.HTTPException) as e:
            status, body = str(e), b""
        t = time.time()
        emit({"ev": "playlist", "t0": t0, "t": t, "status": status, "blocking": blocking})
        if status != 200:
            block_target = None
            if blocking:
                time.sleep(args.interval)  # e.g. 400 for a target too far ahead: poll once
            continue
        seq, segments, parts, can_block, ended, hint = parse_media(
            body.decode("utf-8", "replace"))
        if hint_thread is not None and hint is not None:
            hints.put((hint[0], hint[1], urllib.parse.urljoin(url, hint[2])))
        for msn, uri in segments:
            full = urllib.parse.urljoin(url, uri)
            if not first_sight(full):
                continue
            emit({"ev": "listed", "kind": "segment", "msn": msn, "uri": full, "t": t})
            fetches.put(full)
        for msn, index, uri, independent in parts:
            full = urllib.parse.urljoin(url, uri)
            if not first_sight(full):
                continue
            emit({"ev": "listed", "kind": "part", "msn": msn, "part": index, "uri": full,
                  "independent": independent, "t": t})
            fetches.put(full)
        if ended:
            break
        if args.mode in ("block", "hint") and can_block:
            if parts:
                msn, index = parts[-1][0], parts[-1][1]
                # The part after the last one listed; past the end of its segment it means the
                # first part of the next segment (RFC 8216bis 6.2.5.2).
                block_target = (msn, index + 1)
            elif segments:
                block_target = (segments[-1][0] + 1, None)
            else:
                block_target = None
        else:
            block_target = None
    if hint_thread is not None:
        hints.put(None)
        hint_thread.join(timeout=15)
    for _ in workers:
        fetches.put(None)
    for w in workers:
        w.join(timeout=15)


if __name__ == "__main__":
    main()
