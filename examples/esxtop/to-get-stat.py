#!/usr/bin/env python3
"""Turns an esxtop batch CSV (make-esxtop.py's) into what vCenter would
export for the same VMs over the same time with PowerCLI:

    Get-Stat -Entity (Get-VM) -Realtime -Stat mem.vmmemctl.average,
      mem.swapped.average,cpu.ready.summation,cpu.costop.summation,
      cpu.swapwait.summation | Export-Csv get-stat.csv

vCenter's real-time interval is 20 s: every fourth 5 s esxtop sample
becomes one, its MB in KB and its % of time in milliseconds of the
interval. The layout (a #TYPE line, then PowerCLI's sample properties,
en-US timestamps) follows PowerCLI's FloatSampleImpl objects as
Export-Csv writes them in Windows PowerShell 5.1; no vCenter is at hand.

usage: to-get-stat.py ESXTOP.csv OUT.csv
"""
import csv
import datetime as dt
import re
import sys

COUNTERS = {  # esxtop column -> (metric id, unit, to vCenter's unit)
    "MemCtl MBytes": ("mem.vmmemctl.average", "KB", lambda v: v * 1024),
    "Swapped MBytes": ("mem.swapped.average", "KB", lambda v: v * 1024),
    "% Ready": ("cpu.ready.summation", "millisecond", lambda v: v * 200),
    "% CoStop": ("cpu.costop.summation", "millisecond", lambda v: v * 200),
    "% Swap Wait": ("cpu.swapwait.summation", "millisecond", lambda v: v * 200),
}
DESCRIPTION = {
    "mem.vmmemctl.average": "Amount of guest physical memory reclaimed from the virtual machine by the balloon driver in the guest",
    "mem.swapped.average": "Amount of guest physical memory that is swapped out to the swap space",
    "cpu.ready.summation": "Time that the virtual machine was ready, but could not get scheduled to run on the physical CPU",
    "cpu.costop.summation": "Time the virtual machine is ready to run, but is unable to run due to co-scheduling constraints",
    "cpu.swapwait.summation": "CPU time spent waiting for swap-in",
}
COLUMN = re.compile(r"^\\\\[^\\]+\\Group (Cpu|Memory)\((\d+):([^)]*(?:\([^)]*\))?)\)\\(.+)$")


def main():
    src, out = sys.argv[1], sys.argv[2]
    rows = list(csv.reader(open(src, newline="")))
    header, samples = rows[0], rows[1:]
    wanted = []
    for at, name in enumerate(header):
        m = COLUMN.match(name)
        if m and m.group(4) in COUNTERS and not m.group(3) in ("system", "idle", "helper", "drivers", "ft", "vmotion", "vimsh"):
            wanted.append((at, int(m.group(2)), m.group(3), COUNTERS[m.group(4)]))
    with open(out, "w", newline="") as f:
        f.write("#TYPE VMware.VimAutomation.ViCore.Impl.V1.Stat.FloatSampleImpl\r\n")
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        w.writerow(["Value", "Timestamp", "MetricId", "Unit", "Description", "Entity",
                    "EntityId", "IntervalSecs", "Instance"])
        for row in samples[3::4]:
            at = dt.datetime.strptime(row[0], "%m/%d/%Y %H:%M:%S")
            stamp = f"{at.month}/{at.day}/{at.year} {at.strftime('%I').lstrip('0')}:{at:%M:%S %p}"
            for column, gid, vm, (metric, unit, convert) in wanted:
                value = convert(float(row[column]))
                w.writerow([f"{value:.0f}", stamp, metric, unit, DESCRIPTION[metric], vm,
                            f"VirtualMachine-vm-{gid}", "20", ""])


main()
