#!/usr/bin/env bash
# Memory of a Release EdgeCache; needs only python3 and curl; everything on 127.0.0.1.
#   tests/load/memory.sh [PAGES]   # default 10000: N distinct 16 KB pages in the memory tier with
#                                  # their Brotli and gzip forms (prose-like pages, /t/N of
#                                  # origin16k.py; PAGE=p for the older one-paragraph
#                                  # filler pages); prints idle RSS, loaded RSS and the ratio of the
#                                  # growth to the bodies and to every stored byte (the tier's own count)
#   tests/load/memory.sh bounds [URLS] [DOWNLOADS]
#       # issue 15: memory tier capped at 20 MB (MEMORY_MB), disk off; ROUNDS (default 3) of: a
#       # flood of URLS (default 100000) new distinct ~1,000-character URLs of 16 KB pages, then
#       # DOWNLOADS (default 64) concurrent 12 MB downloads without Content-Length (over the 8 MB
#       # Cache:MaxObjectBytes). Prints the resident set and the collector's view after each phase;
#       # fails if the peak passes idle + memory tier + documented overhead (traffic table, capture
#       # pool, runtime working space RUNTIME_MB: README, Storage) or if the resident set still
#       # grows after round 2.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
mode=pages
if [[ ${1:-} == bounds ]]; then mode=bounds; shift; fi
pages=${1:-10000}
urls=${1:-100000}
downloads=${2:-64}
rounds=${ROUNDS:-3}
runtime_mb=${RUNTIME_MB:-96}
memory_mb=${MEMORY_MB:-20}
origin_port=${ORIGIN_PORT:-9180}
port=${EDGECACHE_PORT:-9181}
management_port=${MANAGEMENT_PORT:-9182}
work=$(mktemp -d)
if [[ $mode == pages ]]; then max_bytes=$((pages * 40000 + 64 * 1024 * 1024)); else max_bytes=$((memory_mb * 1024 * 1024)); fi
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
(cd "$work" && exec env ${EDGE_ENV:-} dotnet "$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll" \
    --origin "http://127.0.0.1:$origin_port" --health-path /health --urls "http://127.0.0.1:$port" \
    --management-urls "http://127.0.0.1:$management_port" --cache-dir "$work/cache" --EdgeCache:Storage:Disk:Enabled=false \
    --EdgeCache:Storage:Memory:MaxBytes=$max_bytes --EdgeCache:OriginProtection:MaxConcurrentRequestsPerClient=0 \
    --Logging:LogLevel:Default=Warning) >"$work/edgecache.log" 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; wait $edge $origin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
rss() { awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$edge/status"; }
threads() { awk '/^Threads/ { print $2 }' "/proc/$edge/status"; }
hwm() { awk '/^VmHWM/ { print $2 * 1024 }' "/proc/$edge/status"; }
gc() {   # the collector's view after its last collection: managed heap by generation, committed, fragmentation
    curl -s "http://127.0.0.1:$management_port/metrics" | awk '
        /^dotnet_gc_last_collection_heap_size_bytes/ { heap += $2; match($0, /gen[0-2]|loh|poh/); gens = gens sprintf(" %s %.0f", substr($0, RSTART, RLENGTH), $2 / 1e6) }
        /^dotnet_gc_last_collection_memory_committed_size_bytes/ { committed = $2 }
        /^dotnet_gc_last_collection_heap_fragmentation_size_bytes/ { frag += $2 }
        END { printf "GC heap %.0f MB (%s), committed %.0f MB, fragmentation %.0f MB", heap / 1e6, substr(gens, 2), committed / 1e6, frag / 1e6 }'
}
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-99]"   # the serving path, JIT and pools warmed
sleep 2
idle=$(rss)
echo "idle: $(gc)"

if [[ $mode == pages ]]; then
    page=${PAGE:-t}
    curl -s -o /dev/null "http://127.0.0.1:$port/$page/[0-$((pages - 1))]"
    curl -s -o /dev/null -H 'Accept-Encoding: br' "http://127.0.0.1:$port/$page/[0-$((pages - 1))]"   # second pass: all hits
    sleep 2
    loaded=$(rss)
    bodies=$((pages * 16384))
    metrics=$(curl -s "http://127.0.0.1:$management_port/metrics")
    tier=$(awk '/^edgecache_cache_bytes\{tier="memory"\}/ { printf "%.0f", $2 }' <<<"$metrics")
    evicted=$(awk '/^edgecache_evictions_total\{tier="memory"\}/ { printf "%.0f", $2 }' <<<"$metrics")
    [[ ${evicted:-0} == 0 ]] || echo "WARNING: $evicted entries evicted (the tier bound, $max_bytes bytes, is too small for the figure)"
    echo "after: $(gc)"
    awk -v i="$idle" -v l="$loaded" -v b="$bodies" -v s="$tier" -v n="$pages" 'BEGIN {
        printf "pages %d, bodies %.1f MB, stored with headers and encoded forms %.1f MB (edgecache_cache_bytes); idle RSS %.0f MB; loaded RSS %.0f MB\n",
            n, b / 1e6, s / 1e6, i / 1e6, l / 1e6
        printf "(loaded - idle) / bodies = %.2f; (loaded - idle) / stored = %.2f\n", (l - i) / b, (l - i) / s }'
    exit 0
fi

# Each round: a flood of distinct URLs (new ones every round), then concurrent 12 MB downloads
# without Content-Length, each checked for its length. Round 1 takes the heap to its working size;
# a bounded process then ends every later round where round 2 ended: nothing it holds grows with
# the number of URLs or downloads.
long=$(printf 'u%.0s' $(seq 1 960))
share=$((urls / 4))
settled=()
for round in $(seq 1 "$rounds"); do
    flood=()
    for part in 0 1 2 3; do   # four curl processes, each a contiguous share (one connection each)
        curl -s -o /dev/null "http://127.0.0.1:$port/p/$long/r$round-$part-[0-$((share - 1))]" & flood+=($!)
    done
    wait "${flood[@]}"
    sleep 2
    echo "round $round flood: $((share * 4)) distinct URLs of $(( ${#long} + 20 )) characters; RSS $(mb "$(rss)"), $(threads) threads"
    echo "  $(gc)"
    pids=()
    for i in $(seq 1 "$downloads"); do
        curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$port/big/$i" >"$work/dl.$i" & pids+=($!)
    done
    wait "${pids[@]}"
    complete=$(cat "$work"/dl.* | grep -c -x 12582912 || true)
    sleep 2
    settled+=("$(rss)")
    echo "round $round downloads: $complete of $downloads complete (12 MB each); RSS $(mb "$(rss)"), peak so far $(mb "$(hwm)"), $(threads) threads"
    echo "  $(gc)"
done

# The documented bound (README, Storage): idle + memory tier + traffic table + capture pool +
# the runtime's working space (RUNTIME_MB: collector headroom, code and stacks of the paths used).
table=$((10000 * 2300))
pool=$((64 * 1024 * 1024))
runtime=$((runtime_mb * 1024 * 1024))
bound=$((idle + max_bytes + table + pool + runtime))
echo "bound: idle $(mb "$idle") + memory tier $(mb "$max_bytes") + traffic table $(mb "$table") + capture pool $(mb "$pool") + runtime $(mb "$runtime") = $(mb "$bound")"
[[ -n ${HOLD:-} ]] && { echo "holding pid $edge for $HOLD s"; sleep "$HOLD"; }
status=0
peak=$(hwm)
echo "peak $(mb "$peak"): $(mb $((peak - idle - max_bytes - table - pool))) above idle + tier + table + pool"
if (( peak > bound )); then
    echo "OVER THE BOUND by $(mb $((peak - bound)))"; status=1
fi
if (( rounds > 2 )); then
    second=${settled[1]}; last=${settled[-1]}
    if (( last > second + second / 20 )); then
        echo "GREW: $(mb "$second") after round 2, $(mb "$last") after round $rounds (more than 5%)"; status=1
    else
        echo "no growth: $(mb "$second") after round 2, $(mb "$last") after round $rounds"
    fi
fi
(( status == 0 )) && echo "within the bound"
exit $status
