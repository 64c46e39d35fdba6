#!/usr/bin/env python3
"""Writes the esxtop batch CSV of fixtures/ballooned-vm (and the variants the
tests use) as `esxtop -b -d 5` prints it on an ESXi host: a perfmon-style
header `"(PDH-CSV 4.0) (UTC)(0)","\\\\host\\Object(instance)\\Counter",...`
and one quoted row per 5 s sample.

No ESXi host is available here, so the figures are scripted, not recorded:
the layout follows VMware's "Interpreting esxtop Statistics" (batch mode)
and the counter names of public esxtop-CSV readers; the spelling of the
balloon counter (`MemCtl MBytes`) is inferred from the interactive column
MCTLSZ, and hbdiag matches it by its parts.

The story: esx07 overcommits its memory at 09:40 UTC when ora-db01 grows;
the balloon driver of the VM INFAWK01.corp.example (the bundle's infawk01)
inflates to 6 GB and the host swaps 1.5 GB of it, while its vCPUs wait for
swapped pages (% Swap Wait) and for a physical CPU (% Ready).

usage: make-esxtop.py OUT.csv [--balloon-from HH:MM] [--vm NAME]
"""
import argparse
import datetime as dt
import random

HOST = "esx07.corp.example"
CPU_COUNTERS = ["% Used", "% Run", "% System", "% Wait", "% VmWait", "% Ready",
                "% Idle", "% Overlap", "% CoStop", "% Max Limited", "% Swap Wait"]
MEM_COUNTERS = ["Members", "Memory Size MBytes", "Memory Granted Size MBytes",
                "Memory Consumed Size MBytes", "Target Size MBytes", "Touched MBytes",
                "Swapped MBytes", "Swap Target MBytes", "Swap Read MBytes/sec",
                "Swap Written MBytes/sec", "MemCtl MBytes", "MemCtl Target MBytes",
                "MemCtl Max MBytes", "Shared MBytes", "Overhead MBytes"]
SYSTEM_GROUPS = [(1, "system"), (2, "idle"), (3, "helper"), (4, "drivers"),
                 (5, "ft"), (6, "vmotion"), (7, "vimsh")]


def main():
    args = argparse.ArgumentParser()
    args.add_argument("out")
    args.add_argument("--balloon-from", default="09:40")
    args.add_argument("--vm", default="INFAWK01.corp.example")
    opts = args.parse_args()
    rng = random.Random(45640)
    vms = [(20116, opts.vm, 16384, 4), (20233, "infagw01", 16384, 4),
           (21877, "ora-db01", 65536, 8), (24410, "jenkins-02", 8192, 2)]
    start = dt.datetime(2026, 3, 12, 9, 30, 5)
    hh, mm = map(int, opts.balloon_from.split(":"))
    squeeze = start.replace(hour=hh, minute=mm, second=0)
    header = ['(PDH-CSV 4.0) (UTC)(0)']
    header += [f"\\\\{HOST}\\Memory\\{c}" for c in
               ["Machine MBytes", "Kernel MBytes", "Free MBytes", "State",
                "Memory Overcommit (1 Minute Avg)"]]
    header += [f"\\\\{HOST}\\Physical Cpu(_Total)\\% Util Time"]
    groups = SYSTEM_GROUPS + [(gid, name) for gid, name, _, _ in vms]
    for gid, name in groups:
        header += [f"\\\\{HOST}\\Group Cpu({gid}:{name})\\{c}" for c in CPU_COUNTERS]
    for gid, name in groups:
        header += [f"\\\\{HOST}\\Group Memory({gid}:{name})\\{c}" for c in MEM_COUNTERS]
    rows = []
    for i in range(12 * 20):
        at = start + dt.timedelta(seconds=5 * i)
        since = (at - squeeze).total_seconds()
        # 0 before the squeeze, then up to 1 over four minutes.
        tight = 0.0 if since < 0 else min(1.0, since / 240.0)
        row = [at.strftime("%m/%d/%Y %H:%M:%S")]
        free = 262144 * (0.22 - 0.2 * tight) + rng.uniform(-200, 200)
        row += [f"{262144:.0f}", f"{5120 + rng.uniform(0, 40):.0f}", f"{free:.0f}",
                f"{3 if tight > 0.5 else 0}", f"{0.1 + 0.3 * tight:.2f}"]
        row += [f"{55 + 30 * tight + rng.uniform(-5, 5):.2f}"]
        cpu_rows, mem_rows = [], []
        for gid, name in groups:
            vm = next((v for v in vms if v[0] == gid), None)
            squeezed = vm is not None and vm[1] == opts.vm
            ready = rng.uniform(0.5, 2.5) + (40 * tight if squeezed else 0)
            swap_wait = 18 * tight + rng.uniform(0, 2) if squeezed and tight > 0 else 0.0
            costop = rng.uniform(0, 0.4) + (2 * tight if squeezed else 0)
            used = rng.uniform(5, 60) if vm else rng.uniform(0, 3)
            cpu_rows += [f"{used:.2f}", f"{used * 0.95:.2f}", f"{rng.uniform(0, 2):.2f}",
                         f"{rng.uniform(200, 380):.2f}", f"{rng.uniform(0, 1):.2f}",
                         f"{ready:.2f}", f"{rng.uniform(100, 350):.2f}",
                         f"{rng.uniform(0, 0.5):.2f}", f"{costop:.2f}", "0.00",
                         f"{swap_wait:.2f}"]
            size = vm[2] if vm else 0
            balloon = 6144 * tight if squeezed else 0.0
            swapped = 1536 * max(0.0, tight - 0.3) / 0.7 if squeezed else 0.0
            mem_rows += [f"{vm[3] if vm else 1}", f"{size}", f"{size - balloon:.2f}",
                         f"{size * 0.8 - balloon:.2f}", f"{size:.2f}",
                         f"{size * 0.3 * rng.uniform(0.9, 1.1):.2f}", f"{swapped:.2f}",
                         f"{swapped:.2f}", f"{swapped / 60:.2f}", f"{swapped / 40:.2f}",
                         f"{balloon:.2f}", f"{balloon:.2f}", f"{size * 0.65:.2f}",
                         f"{size * 0.05:.2f}", f"{size * 0.01:.2f}"]
        row += cpu_rows + mem_rows
        rows.append(row)
    with open(opts.out, "w", newline="") as out:
        for fields in [header] + rows:
            out.write(",".join(f'"{f}"' for f in fields) + "\r\n")


if __name__ == "__main__":
    main()
