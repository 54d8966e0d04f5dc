#!/usr/bin/env python3
"""Independent reference of the lottery draw ("shopcast-lottery-v1", see draw.h).

Recomputes a recorded draw from its audit record and checks it:

  verify_draw.py SEED_HEX COMMITMENT_HEX UNITS ENTRANT [ENTRANT ...]

prints the entrants digest and the winners (rank 1 first) and exits 1 when SHA-256(seed) is not
the commitment. Only the Python standard library; the unit tests' vectors come from here.
"""
import hashlib
import hmac
import struct
import sys

ALGORITHM = b"shopcast-lottery-v1"


def entrants_digest(entrants):
    h = hashlib.sha256()
    for e in entrants:
        b = e.encode()
        h.update(struct.pack(">I", len(b)) + b)
    return h.digest()


def words(seed, digest):
    b = 0
    while True:
        block = hmac.new(seed, ALGORITHM + digest + struct.pack(">Q", b), hashlib.sha256).digest()
        for i in range(0, 32, 8):
            yield struct.unpack(">Q", block[i:i + 8])[0]
        b += 1


def draw(seed, entrants, units):
    digest = entrants_digest(entrants)
    stream = words(seed, digest)
    order = list(range(len(entrants)))
    n = len(entrants)
    for i in range(min(units, n)):
        m = n - i
        limit = 2**64 - (2**64 % m)
        while True:
            w = next(stream)
            if w < limit:
                break
        j = i + w % m
        order[i], order[j] = order[j], order[i]
    return digest, [entrants[k] for k in order[:min(units, n)]]


def main(argv):
    seed = bytes.fromhex(argv[1])
    commitment = bytes.fromhex(argv[2])
    units = int(argv[3])
    entrants = argv[4:]
    ok = hashlib.sha256(seed).digest() == commitment
    digest, winners = draw(seed, entrants, units)
    print("commitment_ok", ok)
    print("entrants_digest", digest.hex())
    print("winners", " ".join(winners))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
