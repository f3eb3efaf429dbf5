#!/usr/bin/env bash
# Start-up: time from process start to the first hit with N entries in the disk tier, file caches
# dropped first. Fills the disk tier through EdgeCache itself (once per cache folder), stops the
# origin, restarts EdgeCache and polls one stored page until it answers (a hit: the origin is gone).
# EdgeCache runs with the repository's templates, which compile in the background meanwhile.
#   tests/load/startup.sh [ENTRIES]   # default 100000 (~1.7 GB of disk, a few minutes to fill)
#   TEMPLATES=/nonexistent tests/load/startup.sh   # the same start with the built-in pages only, to compare
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
entries=${1:-100000}
templates=${TEMPLATES:-$repo/templates}
origin_port=${ORIGIN_PORT:-9180}
port=${EDGECACHE_PORT:-9181}
work=${STARTUP_DIR:-${TMPDIR:-/tmp}/edgecache-startup-$entries}
mkdir -p "$work"
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
app="$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll"
start_edge() {
    (cd "$work" && exec dotnet "$app" --origin "http://127.0.0.1:$origin_port" --health-path /health \
        --urls "http://127.0.0.1:$port" --management-urls http://127.0.0.1:0 --cache-dir "$work/cache" \
        --EdgeCache:Storage:Disk:MaxBytes=$((entries * 20000)) --EdgeCache:Degraded:TemplatesPath="$templates" \
        --Logging:LogLevel:Default=Warning --Logging:LogLevel:EdgeCache.Templates=Information) >>"$work/edgecache.log" 2>&1 &
    edge=$!
}
edge=""; origin=""
trap 'kill $edge $origin 2>/dev/null || true; wait 2>/dev/null || true' EXIT
if [ ! -f "$work/filled" ]; then
    python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
    start_edge
    for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
    for ((from = 0; from < entries; from += 10000)); do
        to=$((from + 9999 < entries - 1 ? from + 9999 : entries - 1))
        curl -s -o /dev/null "http://127.0.0.1:$port/p/[$from-$to]" &
    done
    wait "$(jobs -p | tail -n +3)" 2>/dev/null || true
    while [ "$(find "$work/cache" -type f | wc -l)" -lt "$entries" ]; do sleep 1; done
    kill "$edge" "$origin"; wait "$edge" "$origin" 2>/dev/null || true
    touch "$work/filled"
fi
echo "entries on disk: $(find "$work/cache" -type f | wc -l)"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(could not drop file caches: not root?)"
log_lines=$(wc -l <"$work/edgecache.log" 2>/dev/null || echo 0)
started=$(date +%s.%N)
start_edge
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/p/$((entries / 2))")" = 200 ]; do sleep 0.02; done
answered=$(date +%s.%N)
status=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/p/$((entries / 2))" | tr -d '\r' | awk -F': ' 'tolower($1) == "cache-status" { print $2 }')
awk -v a="$started" -v b="$answered" 'BEGIN { printf "first answer %.2f s after the process started\n", b - a }'
echo "its Cache-Status now: $status (the origin is not running: any 200 came from the cache)"
for _ in $(seq 1 300); do tail -n +"$((log_lines + 1))" "$work/edgecache.log" | grep -q "Templates ready\|Template does not compile" && break; sleep 0.1; done
tail -n +"$((log_lines + 1))" "$work/edgecache.log" | grep -m1 -o "Templates ready.*\|Template does not compile.*" || echo "templates: no result within 30 s"
