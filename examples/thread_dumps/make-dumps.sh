#!/usr/bin/env bash
# Makes the thread-dump fixtures from a real JVM: runs HeartbeatBlocked.java
# in each mode, dumps it twice with the JDK's own tools, and writes the dumps
# where the fixture bundles expect them. The dumps are untouched except for
# their first line, the dump's local time, which is set to the scenario's
# clock (the incident is on 2026-03-12; the JVM ran today).
#
#   examples/thread_dumps/make-dumps.sh [JAVA_HOME]
#
# Needs a JDK 11+ (java, jstack, jcmd); Debian: apt-get install -y openjdk-17-jdk-headless.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:+$1/bin/}

# dump MODE TOOL OUT TIME...: one JVM in MODE, one dump per TIME into OUT-N.txt
dump() {
  local mode=$1 tool=$2 out=$3
  shift 3
  local log
  log=$(mktemp)
  "${bin}java" "$here/HeartbeatBlocked.java" "$mode" >"$log" &
  local launcher=$!
  for _ in $(seq 100); do grep -q ready "$log" && break; sleep 0.1; done
  local pid
  pid=$(awk '/ready/ {print $2}' "$log")
  local n=1
  for time in "$@"; do
    case $tool in
      jstack) "${bin}jstack" "$pid" ;;
      jstack-l) "${bin}jstack" -l "$pid" ;;
      jcmd) "${bin}jcmd" "$pid" Thread.print -l ;;
    esac | sed "1,3s/^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}$/$time/" >"$out-$n.txt"
    n=$((n + 1))
    sleep 2
  done
  kill "$pid" "$launcher" 2>/dev/null || true
  rm -f "$log"
}

db=$root/fixtures/blocked-thread-db/infawk01/logs/node03/threaddumps
peer=$root/fixtures/blocked-thread-peer/infawk01/logs/node03/threaddumps
mkdir -p "$db" "$peer"
dump db jstack-l "$db/jstack" "2026-03-12 09:44:20" "2026-03-12 09:44:50"
dump peer jcmd "$peer/node03_threaddump" "2026-03-12 09:44:31"
mkdir -p "$root/tests/data/thread-dumps"
dump db jstack "$root/tests/data/thread-dumps/jdk17-jstack-db" "2026-03-12 09:44:20"
dump peer jstack "$root/tests/data/thread-dumps/jdk17-jstack-peer-no-locks" "2026-03-12 09:44:20"

# The same dumps from another JDK, for the parser's format tests:
#   OTHER_JDK=/usr/lib/jvm/temurin-25-jdk-amd64 make-dumps.sh
if [ -n "${OTHER_JDK:-}" ]; then
  bin=$OTHER_JDK/bin/
  major=$("${bin}java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  dump db jstack-l "$root/tests/data/thread-dumps/jdk$major-jstack-l-db" "2026-03-12 09:44:20"
  dump peer jcmd "$root/tests/data/thread-dumps/jdk$major-jcmd-peer" "2026-03-12 09:44:20"
fi
