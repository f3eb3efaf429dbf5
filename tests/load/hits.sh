#!/usr/bin/env bash
# Hit throughput of a Release EdgeCache build, for A/B comparisons between builds in one run:
#   tests/load/hits.sh [REPO] [ENV=VALUE ...]
# REPO: the checkout to measure (default: this one; e.g. a `git worktree` of the previous commit).
# Starts origin16k.py and EdgeCache on 127.0.0.1 (disk tier off), warms 200 pages, then wrk
# (2 threads, 16 connections) 3 s warm-up and 10 s measured over the 200 hits; prints req/s and the
# peak resident set. Interleave builds and quote medians: the machine is small and noisy.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
repo=${1:-$here}; shift || true
origin_port=${ORIGIN_PORT:-9280}
port=${EDGECACHE_PORT:-9281}
work=$(mktemp -d)
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
python3 "$here/tests/load/origin16k.py" "$origin_port" & origin=$!
(cd "$work" && exec env "$@" dotnet "$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll" \
    --origin "http://127.0.0.1:$origin_port" --health-path /health --urls "http://127.0.0.1:$port" \
    --management-urls http://127.0.0.1:0 --cache-dir "$work/cache" --EdgeCache:Storage:Disk:Enabled=false \
    --EdgeCache:OriginProtection:MaxConcurrentRequestsPerClient=0 --Logging:LogLevel:Default=Warning) >/dev/null 2>&1 & edge=$!
trap 'kill $edge $origin 2>/dev/null; wait $edge $origin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
curl -s -o /dev/null "http://127.0.0.1:$port/p/[0-199]"
cat > "$work/pages.lua" <<'LUA'
counter = 0
request = function() counter = counter + 1; return wrk.format("GET", "/p/" .. (counter % 200)) end
LUA
wrk -t2 -c16 -d3s -s "$work/pages.lua" "http://127.0.0.1:$port" >/dev/null
rps=$(wrk -t2 -c16 -d10s -s "$work/pages.lua" "http://127.0.0.1:$port" | awk '/Requests\/sec/ { print $2 }')
echo "$repo: $rps req/s, peak RSS $(awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$edge/status")"
