#!/bin/sh
# Records dated top/free/PSI snapshots on this machine the way OSWatcher
# and support collection scripts take them (a `zzz ***<date>` marker, then
# each tool), while eight busy loops starve its CPUs for 60 s. The
# recording is examples/snapshots/recorded/oswatcher-cpu.dat; shift.py
# moves it to a case's clock.
#
# usage: make-snapshots.sh OUT.dat
set -eu
out=$1
: > "$out"
snapshot() {
    echo "zzz ***$(LC_ALL=C date)"
    LC_ALL=C top -b -n 1 -w 160 | head -n 12
    LC_ALL=C free -m
    grep . /proc/pressure/cpu /proc/pressure/memory /proc/pressure/io || true
}
for i in 1 2 3 4 5 6; do snapshot >> "$out"; sleep 5; done
for i in 1 2 3 4 5 6 7 8; do timeout 60 sh -c 'while :; do :; done' & done
for i in $(seq 12); do snapshot >> "$out"; sleep 5; done
wait
for i in 1 2 3 4 5 6; do snapshot >> "$out"; sleep 5; done
