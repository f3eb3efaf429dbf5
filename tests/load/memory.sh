#!/usr/bin/env bash
# Memory of a Release EdgeCache; needs only python3 and curl; everything on 127.0.0.1.
#   tests/load/memory.sh [PAGES]   # default 10000: N distinct 16 KB pages in the memory tier,
#                                  # prints idle RSS, loaded RSS and the ratio to the stored bytes
#   tests/load/memory.sh bounds [URLS] [DOWNLOADS]
#       # issue 15: memory tier capped at 20 MB (MEMORY_MB), disk off; floods URLS (default 100000)
#       # distinct ~1,000-character URLs of 16 KB pages, then DOWNLOADS (default 64) concurrent
#       # 12 MB downloads without Content-Length (over the 8 MB Cache:MaxObjectBytes); prints the
#       # resident set after each phase and its peak against idle + memory tier + documented overhead
#       # (traffic table, capture pool: README, Storage).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
mode=pages
if [[ ${1:-} == bounds ]]; then mode=bounds; shift; fi
pages=${1:-10000}
urls=${1:-100000}
downloads=${2:-64}
memory_mb=${MEMORY_MB:-20}
origin_port=${ORIGIN_PORT:-9180}
port=${EDGECACHE_PORT:-9181}
work=$(mktemp -d)
if [[ $mode == pages ]]; then max_bytes=$((pages * 20000 + 64 * 1024 * 1024)); else max_bytes=$((memory_mb * 1024 * 1024)); fi
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
(cd "$work" && exec env ${EDGE_ENV:-} dotnet "$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll" \
    --origin "http://127.0.0.1:$origin_port" --health-path /health --urls "http://127.0.0.1:$port" \
    --management-urls http://127.0.0.1:0 --cache-dir "$work/cache" --EdgeCache:Storage:Disk:Enabled=false \
    --EdgeCache:Storage:Memory:MaxBytes=$max_bytes --EdgeCache:OriginProtection:MaxConcurrentRequestsPerClient=0 \
    --Logging:LogLevel:Default=Warning) >"$work/edgecache.log" 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; wait $edge $origin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
rss() { awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$edge/status"; }
hwm() { awk '/^VmHWM/ { print $2 * 1024 }' "/proc/$edge/status"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-99]"   # the serving path, JIT and pools warmed
sleep 2
idle=$(rss)

if [[ $mode == pages ]]; then
    curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-$((pages - 1))]"
    curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-$((pages - 1))]"   # second pass: all hits
    sleep 2
    loaded=$(rss)
    stored=$((pages * 16384))
    awk -v i="$idle" -v l="$loaded" -v s="$stored" -v n="$pages" 'BEGIN {
        printf "pages %d, bodies %.1f MB; idle RSS %.0f MB; loaded RSS %.0f MB; (loaded - idle) / bodies = %.2f\n",
            n, s / 1e6, i / 1e6, l / 1e6, (l - i) / s }'
    exit 0
fi

# Flood: four curl processes, each a contiguous share of the distinct URLs (one connection each).
long=$(printf 'u%.0s' $(seq 1 960))
share=$((urls / 4))
flood=()
for part in 0 1 2 3; do
    curl -s -o /dev/null "http://127.0.0.1:$port/p/$long/$part-[0-$((share - 1))]" & flood+=($!)
done
wait "${flood[@]}"
sleep 2
flooded=$(rss)
echo "flood: $((share * 4)) distinct URLs of $(( ${#long} + 20 )) characters; RSS idle $(mb "$idle"), after $(mb "$flooded")"

# Downloads: concurrent 12 MB bodies without Content-Length, each checked for its length.
pids=()
for i in $(seq 1 "$downloads"); do
    curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$port/big/$i" >"$work/dl.$i" & pids+=($!)
done
wait "${pids[@]}"
complete=$(cat "$work"/dl.* | grep -c -x 12582912 || true)
sleep 2
downloaded=$(rss)
peak=$(hwm)
echo "downloads: $complete of $downloads complete (12 MB each); RSS after $(mb "$downloaded"), peak $(mb "$peak")"

# The documented bound (README, Storage): idle + memory tier + traffic table + capture pool.
table=$((10000 * 2300))
pool=$((64 * 1024 * 1024))
bound=$((idle + max_bytes + table + pool))
echo "bound: idle $(mb "$idle") + memory tier $(mb "$max_bytes") + traffic table $(mb "$table") + capture pool $(mb "$pool") = $(mb "$bound")"
worst=$(( flooded > downloaded ? flooded : downloaded )); worst=$(( peak > worst ? peak : worst ))
if (( worst > bound )); then
    echo "OVER THE BOUND by $(mb $((worst - bound)))"; exit 1
fi
echo "within the bound"
