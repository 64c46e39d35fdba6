#!/usr/bin/env bash
# Throughput benchmark: hbdiag analyze against `rg -c` (same terms, same
# files, same threads) on generated bundles, with peak RSS, in one table:
# the plain profile (mostly quiet INFO lines), gzipped, one large node.log,
# and the flood profile (`gen_bundle --flood`: many matching lines) at x1
# and x4 (MB_PER_HOST x 4), then single ~200 MB files of each structured
# kind and a 1 GB packet capture. The terms are the ones hbdiag searches every record for (`hbdiag
# rules terms`), case ignored as hbdiag does; other rows compare with rg on
# a short hand-picked list, and the flood rows with the six alternatives
# `ERROR|FATAL|heartbeat|GC pause|Full GC|Exception`.
#
#   benches/bench.sh [HOSTS=8] [MB_PER_HOST=64] [THREADS=nproc]
#
# SKIP_X4=1 leaves out the x4 flood bundle and the single large files
# (they need about 3.5 GB of disk under target/bench/).
#
# Needs rg and hyperfine (as root: apt-get install -y ripgrep hyperfine);
# installs nothing itself. Bundles go to target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=${1:-8}
mb=${2:-64}
threads=${3:-$(nproc)}
out=target/bench
short='DOM_10025|DOM_10094|DOM_10162|DOM_10065|ORA-|SQLException|Connection refused|No route to host|timed out|Connection reset|Full GC|UnknownHostException'

for tool in rg hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y ripgrep hyperfine time)" >&2; exit 1; }
done

cargo build --release --quiet --bin hbdiag --example gen_bundle --example gen_captures
hbdiag=target/release/hbdiag
gen=target/release/examples/gen_bundle
quiet=$($hbdiag analyze --help | grep -q -- '--quiet' && echo --quiet || true)
export RAYON_NUM_THREADS=$threads

generate() { # DIR HOSTS MB [--gzip]
  [ -d "$1" ] || $gen "$@" >/dev/null
}

bytes_of() { du -sb "$1" | cut -f1; }

# Mean wall seconds of a command (hyperfine, warm cache).
seconds() {
  hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$out/h.json" --style none "$1" >/dev/null 2>&1
  python3 -c "import json;print(json.load(open('$out/h.json'))['results'][0]['mean'])"
}

peak_rss_mb() {
  /usr/bin/time -v bash -c "$1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}'
}

report() { # LABEL TEXT_DIR TOOL_SECONDS REF_SECONDS REF_NAME CMD
  local size mbps
  size=$(bytes_of "$2") # text bytes (a gzipped bundle counts its plain twin's)
  mbps=$(python3 -c "print(round($size/1048576/$3))")
  printf '%-22s %7.2f s  %5s MB/s  ref %-14s %6.2f s  ratio %5.2f  peak RSS %s MB\n' \
    "$1" "$3" "$mbps" "$5" "$4" "$(python3 -c "print($3/$4)")" "$(peak_rss_mb "$6")"
}

mkdir -p "$out"
terms=$out/terms.txt
$hbdiag rules terms | cut -f1 > "$terms"
plain=$out/plain-${hosts}x${mb}
gz=$out/gz-${hosts}x${mb}
quarter=$out/plain-${hosts}x$((mb / 4))
generate "$plain" "$hosts" "$mb"
generate "$gz" "$hosts" "$mb" --gzip
generate "$quarter" "$hosts" $((mb / 4))

echo "bundle: $hosts hosts x $mb MB, $threads thread(s), $(nproc) core(s)"
run() { echo "$hbdiag analyze $1 --format json -o /dev/null $quiet"; }

echo "rg terms: the $(wc -l < "$terms") of \`hbdiag rules terms\`, -i -F (short list: $short)"
# rg exits 1 when a file has no match; that is not a failure here.
rg_c() { echo "rg -j $threads -c $* || true"; }

t_plain=$(seconds "$(run "$plain")")
t_rg=$(seconds "$(rg_c -i -F -f "$terms" "$plain")")
t_rg_short=$(seconds "$(rg_c "'$short'" "$plain")")
report "plain" "$plain" "$t_plain" "$t_rg" "rg -c terms" "$(run "$plain")"
report "plain" "$plain" "$t_plain" "$t_rg_short" "rg -c short" "$(run "$plain")"

t_gz=$(seconds "$(run "$gz")")
t_rgz=$(seconds "$(rg_c -z -i -F -f "$terms" "$gz")")
t_gunzip=$(seconds "find $gz -type f -print0 | sort -z | xargs -0 -n1 gzip -dc > /dev/null")
report "gzip" "$plain" "$t_gz" "$t_rgz" "rg -z terms" "$(run "$gz")"
report "gzip" "$plain" "$t_gz" "$t_gunzip" "gzip -dc" "$(run "$gz")"

# One large file: the bundle's node.logs end to end, read in pieces.
single=$out/single-${hosts}x${mb}
if [ ! -d "$single" ]; then
  mkdir -p "$single/host/logs/node"
  find "$plain" -name node.log -print0 | sort -z | xargs -0 cat > "$single/host/logs/node/node.log"
fi
t_single=$(seconds "$(run "$single")")
t_rg_single=$(seconds "$(rg_c -i -F -f "$terms" "$single")")
report "one node.log" "$single" "$t_single" "$t_rg_single" "rg -c terms" "$(run "$single")"

t_quarter=$(seconds "$(run "$quarter")")
echo "linearity: input x4 -> time x$(python3 -c "print(round($t_plain/$t_quarter, 2))") ($t_quarter s -> $t_plain s)"

# The flood profile: INFO lines full of signal words, recurring timeouts
# with stack traces, a >= 50 ms GC pause every few seconds, vmstat at 1 s,
# FlinkServer role logs. x4 is the same mix over four times the time.
flood_terms='ERROR|FATAL|heartbeat|GC pause|Full GC|Exception'
flood_row() { # LABEL DIR
  local t t_rg
  t=$(seconds "$(run "$2")")
  t_rg=$(seconds "$(rg_c "'$flood_terms'" "$2")")
  report "$1" "$2" "$t" "$t_rg" "rg -c six" "$(run "$2")"
}
flood=$out/flood-${hosts}x${mb}
generate "$flood" "$hosts" "$mb" --flood
flood_row "flood ($(du -sh "$flood" | cut -f1))" "$flood"
[ -n "${SKIP_X4:-}" ] && exit 0
flood4=$out/flood-${hosts}x$((mb * 4))
generate "$flood4" "$hosts" $((mb * 4)) --flood
flood_row "flood x4 ($(du -sh "$flood4" | cut -f1))" "$flood4"

# Single large files of each structured kind, made from the x4 flood
# bundle's files of that kind end to end (repeated up to ~200 MB).
single_file() { # NAME FIND_PATH_PATTERN TARGET_PATH
  local dir=$out/single-$1 target
  target=$dir/host/$3
  if [ ! -f "$target" ]; then
    mkdir -p "$(dirname "$target")"
    : > "$target"
    while [ "$(stat -c %s "$target")" -lt $((200 * 1024 * 1024)) ]; do
      find "$flood4" -path "$2" -print0 | sort -z | xargs -0 cat >> "$target"
    done
  fi
  echo "$dir"
}
echo "single files (~200 MB each): wall time and peak RSS"
for spec in "exceptions */exceptions.log logs/node01/exceptions.log" \
  "gc_g1 */infa0[1357]/*/gc.log logs/node01/gc.log" \
  "gc_cms */infa0[2468]/*/gc.log logs/node01/gc.log" \
  "vmstat */vmstat-*.log vmstat-host.log" \
  "flinkserver */flinkserver.log var/log/Bigdata/flink/flinkserver/flinkserver.log"; do
  set -f; set -- $spec; set +f
  dir=$(single_file "$1" "$2" "$3")
  size=$(du -sh "$dir" | cut -f1)
  printf '  %-12s %5s  analyze %6.2f s  peak RSS %s MB\n' "$1" "$size" \
    "$(seconds "$(run "$dir")")" "$(peak_rss_mb "$(run "$dir")")"
  if [ "${1#gc_}" != "$1" ]; then
    printf '  %-12s %5s  gc      %6.2f s  peak RSS %s MB\n' "$1" "$size" \
      "$(seconds "$hbdiag gc $dir/host/$3 > /dev/null")" "$(peak_rss_mb "$hbdiag gc $dir/host/$3")"
  fi
done

# A 1 GB packet capture of the master gateway (`gen_captures --large`):
# heartbeats amid a JDBC result set streaming from the DB port.
capture=$out/single-capture/host/captures/hb.pcapng
if [ ! -f "$capture" ]; then
  mkdir -p "$(dirname "$capture")"
  target/release/examples/gen_captures --large 1024 "$capture"
fi
dir=$out/single-capture
printf '  %-12s %5s  analyze %6.2f s  peak RSS %s MB\n' capture "$(du -sh "$dir" | cut -f1)" \
  "$(seconds "$(run "$dir")")" "$(peak_rss_mb "$(run "$dir")")"
