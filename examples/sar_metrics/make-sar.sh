#!/usr/bin/env bash
# Records real sysstat data of this machine under two kinds of crunch and
# writes it as the text and CSV a support engineer collects (`sar -A`,
# `sadf -d`, and `iostat -x -t` beside them), for the metrics fixtures:
#   0-60 s     quiet
#   60-180 s   the disk saturated: four dd write with O_DIRECT and O_DSYNC
#   180-300 s  the NIC drops packets: UDP floods a veth whose peer has a
#              smaller MTU, so the veth driver drops every datagram (tx drop)
#   300-330 s  quiet
# sadc samples every 5 s. Needs root (ip link), sysstat (apt-get install -y
# sysstat) and ~2 GB of free disk in $TMPDIR.
#
#   examples/sar_metrics/make-sar.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make-sar.sh OUT_DIR}
mkdir -p "$out"
work=$(mktemp -d)
trap 'ip link del hbv0 2>/dev/null || true; rm -rf "$work"' EXIT

ip link add hbv0 type veth peer name hbv1
ip link set hbv0 mtu 9000 up
ip link set hbv1 mtu 1500 up
ip addr add 10.77.0.1/24 dev hbv0
ip neigh replace 10.77.0.2 lladdr 02:00:00:00:00:02 dev hbv0 nud permanent

/usr/lib/sysstat/sadc -S XALL 5 67 "$work/sa" &
sadc=$!
LC_ALL=C iostat -x -t 5 67 >"$out/iostat-x.txt" &
sleep 60
writers=()
for job in 1 2 3 4; do
  timeout 120 bash -c "while true; do dd if=/dev/zero of=$work/fill$job bs=64k count=8192 oflag=direct,dsync status=none; rm -f $work/fill$job; done" &
  writers+=($!)
done
wait "${writers[@]}" || true
timeout 120 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try:
        s.sendto(b'x' * 4000, ('10.77.0.2', 9))
    except OSError:
        pass
" || true
wait "$sadc"
LC_ALL=C sar -A -f "$work/sa" >"$out/sar-A.txt"
LC_ALL=C sadf -d "$work/sa" -- -A >"$out/sadf-d.csv"
wait
echo "wrote $out/sar-A.txt, $out/sadf-d.csv and $out/iostat-x.txt"
