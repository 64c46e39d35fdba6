#!/usr/bin/env python3
"""Moves snapshots make-snapshots.sh recorded to a fixture's clock: every
`zzz ***<date>` marker and top header moves by the same amount, so the
first marker falls at START. Nothing else changes.

    shift.py SRC DEST --start "2026-03-12 09:43:00"
"""
import argparse
import datetime as dt
import re

MARKER = re.compile(r"^zzz \*\*\*(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d) (\w+) (\d{4})$")
TOP = re.compile(r"^top - (\d\d:\d\d:\d\d)")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("src")
    args.add_argument("dest")
    args.add_argument("--start", required=True)
    a = args.parse_args()
    start = dt.datetime.strptime(a.start, "%Y-%m-%d %H:%M:%S")
    lines = open(a.src).read().split("\n")

    def marked(m):
        return dt.datetime.strptime(f"{m.group(1)} {m.group(3)}", "%a %b %d %H:%M:%S %Y")

    first = next(marked(m) for l in lines if (m := MARKER.match(l)))
    delta = start - first
    out, day = [], first
    for line in lines:
        if m := MARKER.match(line):
            day = marked(m)
            at = day + delta
            line = f"zzz ***{at:%a %b} {at.day:2d} {at:%H:%M:%S} {m.group(2)} {at:%Y}"
        elif m := TOP.match(line):
            clock = dt.datetime.combine(day.date(), dt.time.fromisoformat(m.group(1)))
            line = f"top - {(clock + delta):%H:%M:%S}" + line[m.end():]
        out.append(line)
    open(a.dest, "w").write("\n".join(out))


main()
