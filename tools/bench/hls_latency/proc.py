#!/usr/bin/env python3
"""CPU time and resident memory of processes, from /proc (run.sh's cost phase).

  proc.py PID… [--tree PID…]      prints {"cpu": seconds, "rss": bytes, "pss": bytes, "pids": n}

CPU is utime + stime of each process (all its threads), RSS the sum of their VmRSS, PSS the sum
of their proportional set sizes (smaps_rollup: a page shared by the master and a worker counts
half in each, so the sum does not count it twice as RSS does); --tree also counts every
descendant of the PIDs that follow it (nginx's master and its workers).
"""
import json
import os
import sys

HZ = os.sysconf("SC_CLK_TCK")


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def one(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / HZ  # utime, stime (fields 14 and 15)
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
        return cpu, rss, pss
    except (OSError, ValueError, IndexError):
        return None


def main():
    pids, tree = [], False
    for a in sys.argv[1:]:
        if a == "--tree":
            tree = True
            continue
        pids.append(int(a))
        if tree:
            stack = children(pids[-1])
            while stack:
                p = stack.pop()
                pids.append(p)
                stack += children(p)
    cpu = rss = pss = n = 0
    for pid in set(pids):
        r = one(pid)
        if r:
            cpu += r[0]
            rss += r[1]
            pss += r[2]
            n += 1
    print(json.dumps({"cpu": cpu, "rss": rss, "pss": pss, "pids": n}))


if __name__ == "__main__":
    main()
