#!/usr/bin/env python3
"""CPU time and resident memory of processes, from /proc (run.sh's cost phase).

  proc.py --list [--tree] PID…     prints the PIDs (with --tree their descendants), comma separated
  proc.py PID… [--tree PID…]      prints {"cpu": seconds, "rss": bytes, "pss": bytes, "pids": n,
                                           "threads": n, "ctxsw": n}

CPU is utime + stime of each process (all its threads, the ones that ended included; in clock
ticks, 10 ms: a 30 s window of a server using 0.5 % of a core is only ~15 of them), and cpu_ns
the same time to the nanosecond from each living thread's schedstat (the run time the
scheduler accounted); "tids" lists those threads, so a reader can tell whether a thread ended
between two readings (then its time is missing from cpu_ns and only cpu is whole). RSS the sum of their VmRSS, PSS the sum
of their proportional set sizes (smaps_rollup: a page shared by the master and a worker counts
half in each, so the sum does not count it twice as RSS does); --tree also counts every
descendant of the PIDs that follow it (nginx's master and its workers). threads counts the tasks
of every process, ctxsw sums every thread's voluntary and involuntary context switches since it
started (a thread's wakeups; the difference between two readings is what a window cost).
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
        threads = ctxsw = cpu_ns = 0
        tids = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches:",
                                            "nonvoluntary_ctxt_switches:")):
                            ctxsw += int(line.split()[1])
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    cpu_ns += int(f.read().split()[0])
                threads += 1
                tids.append(int(tid))
            except (OSError, ValueError, IndexError):
                pass  # a thread that ended meanwhile
        return cpu, rss, pss, threads, ctxsw, cpu_ns, tids
    except (OSError, ValueError, IndexError):
        return None


def main():
    pids, tree, listing = [], False, False
    for a in sys.argv[1:]:
        if a == "--tree":
            tree = True
            continue
        if a == "--list":
            listing = True
            continue
        pids.append(int(a))
        if tree:
            stack = children(pids[-1])
            while stack:
                p = stack.pop()
                pids.append(p)
                stack += children(p)
    if listing:
        print(",".join(str(p) for p in sorted(set(pids))))
        return
    cpu = rss = pss = n = threads = ctxsw = cpu_ns = 0
    tids = []
    for pid in set(pids):
        r = one(pid)
        if r:
            cpu += r[0]
            rss += r[1]
            pss += r[2]
            threads += r[3]
            ctxsw += r[4]
            cpu_ns += r[5]
            tids += r[6]
            n += 1
    print(json.dumps({"cpu": cpu, "rss": rss, "pss": pss, "pids": n, "threads": threads,
                      "ctxsw": ctxsw, "cpu_ns": cpu_ns, "tids": sorted(tids)}))


if __name__ == "__main__":
    main()
