#!/usr/bin/env bash
# Memory: resident set of a Release EdgeCache holding N distinct 16 KB pages in its memory tier,
# against its idle resident set. Needs only python3 and curl; everything on 127.0.0.1.
#   tests/load/memory.sh [PAGES]     # default 10000; prints idle RSS, loaded RSS and the ratio
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pages=${1:-10000}
origin_port=${ORIGIN_PORT:-9180}
port=${EDGECACHE_PORT:-9181}
work=$(mktemp -d)
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
(cd "$work" && exec env ${EDGE_ENV:-} dotnet "$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll" \
    --origin "http://127.0.0.1:$origin_port" --health-path /health --urls "http://127.0.0.1:$port" \
    --management-urls http://127.0.0.1:0 --cache-dir "$work/cache" --EdgeCache:Storage:Disk:Enabled=false \
    --EdgeCache:Storage:Memory:MaxBytes=$((pages * 20000 + 64 * 1024 * 1024)) \
    --Logging:LogLevel:Default=Warning) >"$work/edgecache.log" 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; wait $edge $origin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
rss() { awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$edge/status"; }
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-99]"   # the serving path, JIT and pools warmed
sleep 2
idle=$(rss)
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-$((pages - 1))]"
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-$((pages - 1))]"   # second pass: all hits
sleep 2
loaded=$(rss)
stored=$((pages * 16384))
awk -v i="$idle" -v l="$loaded" -v s="$stored" -v n="$pages" 'BEGIN {
    printf "pages %d, bodies %.1f MB; idle RSS %.0f MB; loaded RSS %.0f MB; (loaded - idle) / bodies = %.2f\n",
        n, s / 1e6, i / 1e6, l / 1e6, (l - i) / s }'
