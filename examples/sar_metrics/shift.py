#!/usr/bin/env python3
"""Moves a `sar -A` text or `sadf -d` CSV that make-sar.sh recorded to a
fixture's clock and host: every time moves by the same amount (so the first
sample falls at START), the banner's date and host name and sadf's host
column are replaced. Nothing else changes.

    shift.py SRC DEST --start "2026-03-12 09:42:13" --host infawk01
"""
import argparse
import datetime as dt
import re

TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)")
BANNER = re.compile(r"^(Linux \S+ )\([^)]*\)(\s+)\S+")
SADF = re.compile(r"^([^;#]+);(\d+);(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("src")
    args.add_argument("dest")
    args.add_argument("--start", required=True)
    args.add_argument("--host", required=True)
    a = args.parse_args()
    start = dt.datetime.strptime(a.start, "%Y-%m-%d %H:%M:%S")
    lines = open(a.src).read().split("\n")
    sadf = lines[0].startswith("# hostname;")
    if sadf:
        first = next(SADF.match(l).group(3) for l in lines if SADF.match(l))
        delta = start - dt.datetime.strptime(first, "%Y-%m-%d %H:%M:%S")
    else:
        first = next(TIME.match(l).group(0) for l in lines if TIME.match(l))
        delta = dt.datetime.combine(start.date(), dt.time.fromisoformat(first))
        delta = start - delta
    out = []
    for line in lines:
        if sadf and (m := SADF.match(line)):
            at = dt.datetime.strptime(m.group(3), "%Y-%m-%d %H:%M:%S") + delta
            line = f"{a.host};{m.group(2)};{at:%Y-%m-%d %H:%M:%S}" + line[m.end():]
        elif not sadf and (m := BANNER.match(line)):
            line = f"{m.group(1)}({a.host}){m.group(2)}{start:%m/%d/%y}" + line[m.end():]
        elif not sadf and (m := TIME.match(line)):
            at = (dt.datetime.combine(start.date(), dt.time.fromisoformat(m.group(0))) + delta).time()
            line = f"{at:%H:%M:%S}" + line[m.end():]
        out.append(line)
    open(a.dest, "w").write("\n".join(out))


main()
