#!/usr/bin/env bash
# What a Redis outage costs a reader. EdgeCache with --redis in front of a loopback origin; wrk
# asks for distinct pages (every request a miss: a shared-tier read, an origin fetch, a write
# behind), 20 s per phase: Redis up, killed (refused), restarted, paused (SIGSTOP: hung, connections
# open), resumed. Prints wrk's latency
# percentiles and errors for each phase; compare the phases of one run (the machine is noisy).
#   tests/load/redis-outage.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
origin_port=$(free_port); redis_port=$(free_port); port=$(free_port)
work=$(mktemp -d)
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
redis=""; origin=""; edge=""
cleanup() { kill $edge $origin $redis 2>/dev/null || true; wait 2>/dev/null || true; cp "$work/edgecache.log" "${KEEP_LOG:-/dev/null}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
start_redis() { redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null & redis=$!; }
start_redis
python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
(cd "$work" && exec dotnet "$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll" --origin "http://127.0.0.1:$origin_port" \
    --health-path /health --redis "127.0.0.1:$redis_port" --urls "http://127.0.0.1:$port" --management-urls http://127.0.0.1:0 \
    --cache-dir "$work/cache" --Logging:LogLevel:Default=Warning --Logging:LogLevel:EdgeCache.Caching.Stores.RedisStore=Information) >"$work/edgecache.log" 2>&1 & edge=$!
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && break; sleep 0.2; done
cat >"$work/distinct.lua" <<'LUA'
local n = 0
local base = math.random(1, 1000000000)
request = function()
  n = n + 1
  return wrk.format("GET", "/p/" .. base .. "-" .. n)
end
LUA
phase() {
    echo "== $1"
    wrk -t2 -c16 -d20s --latency -s "$work/distinct.lua" "http://127.0.0.1:$port" | grep -E "^\s+(50|90|99)%|Requests/sec|Non-2xx|Socket errors"
}
phase "Redis up"
kill -9 $redis; wait $redis 2>/dev/null || true
phase "Redis killed (connections refused)"
start_redis
sleep 2
phase "Redis back"
kill -STOP $redis
phase "Redis paused (SIGSTOP: hung, connections open)"
kill -CONT $redis
sleep 2
phase "Redis resumed"
echo "== log lines during the run: $(wc -l <"$work/edgecache.log") (warnings and above)"
