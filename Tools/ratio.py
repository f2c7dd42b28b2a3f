#!/usr/bin/env python3
"""Times commands against a baseline, interleaved, for Tools/bench.sh.

    Tools/ratio.py RUNS 'LABEL=COMMAND' 'LABEL=COMMAND' ...    (the first is the baseline)

Each round runs every command once, in turn (after one warm-up round), so a machine whose load
changes during the run slows all of them alike; hyperfine runs each command's rounds back to
back instead. For each command: the median wall and CPU (user + system of the command and its
children) time, and the median over rounds of its time divided by the baseline's in that round.
CPU time moves far less than wall time on a shared machine. Prints one line per command.
"""
import resource
import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    cmds = [a.split("=", 1) for a in sys.argv[2:]]
    wall = {n: [] for n, _ in cmds}
    cpu = {n: [] for n, _ in cmds}
    for r in range(runs + 1):
        for name, cmd in cmds:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t1 = time.perf_counter()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r == 0:
                continue
            wall[name].append(t1 - t0)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    base = cmds[0][0]
    for name, _ in cmds:
        def ratio(v):
            return statistics.median([a / b if b > 0 else float("inf") for a, b in zip(v[name], v[base])])
        line = f"  {name:40} CPU {statistics.median(cpu[name]) * 1000:9.1f} ms   wall {statistics.median(wall[name]) * 1000:9.1f} ms"
        if name != base:
            line += f"   / {base}: CPU {ratio(cpu):5.2f}, wall {ratio(wall):5.2f}"
        print(line, flush=True)


main()
