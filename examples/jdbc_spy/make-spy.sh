#!/usr/bin/env bash
# Makes the JDBC spy fixtures from a real database: starts a throwaway
# PostgreSQL cluster in a temporary folder, runs SpyHeartbeat.java against it
# (a heartbeat UPDATE every 8 s slowed by a row lock another session holds),
# and copies the spy logs it wrote where the fixture and the parser's test
# data expect them. Latencies are measured; only the clock's origin is set to
# the case's (CLOCK, the master gateway's local time when the program starts).
#
#   examples/jdbc_spy/make-spy.sh
#
# Needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin), a JDK 11+ and
# pgjdbc (Debian: apt-get install -y libpostgresql-jdbc-java). Run as root,
# it runs the server as the `postgres` user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
jar=${PGJDBC:-/usr/share/java/postgresql.jar}
clock=${CLOCK:-2026-03-12 10:13:50.410}
port=54329

data=$(mktemp -d /tmp/hbdiag-pg.XXXXXX)
out=$(mktemp -d /tmp/hbdiag-spy.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
as_pg "$pgbin/initdb -A trust -U hbdiag -D $data/db" >/dev/null
as_pg "$pgbin/pg_ctl -D $data/db -o '-p $port -k $data -c listen_addresses=127.0.0.1' -l $data/server.log -w start" >/dev/null
trap 'as_pg "$pgbin/pg_ctl -D $data/db -m fast stop" >/dev/null; rm -rf "$data"' EXIT

java -cp "$jar" "$here/SpyHeartbeat.java" "jdbc:postgresql://127.0.0.1:$port/postgres?user=hbdiag" "$out" "$clock"

fixture=$root/fixtures/db-slow/infagw01/logs/node01
mkdir -p "$fixture" "$root/tests/data/jdbc-spy"
cp "$out/spy.log" "$fixture/spy.log"
for f in spy-timestamp spy-tname spy-plain spy-javadate p6spy p6spy-nourl log4jdbc; do
  cp "$out/$f.log" "$root/tests/data/jdbc-spy/$f.log"
done
rm -rf "$out"
