#!/usr/bin/env bash
# The shared tier's entry layout: RedisCache (IDistributedCache) keeps each entry as a hash read
# with HMGET; a plain string would be read with GET. Compares both on one 16 KB value, three rounds,
# on a throwaway redis-server (loopback, a free port), and prints the p50 of each round and the
# memory each layout takes.
#   tests/load/redis-layout.sh
set -euo pipefail
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
value=$(head -c 16384 /dev/zero | tr '\0' x)
redis-cli -p "$port" set string "$value" >/dev/null
redis-cli -p "$port" hset hash data "$value" absexp 638000000000000000 sldexp -1 >/dev/null
for round in 1 2 3; do
    for command in "GET string" "HMGET hash absexp sldexp data"; do
        # shellcheck disable=SC2086
        p50=$(redis-benchmark -p "$port" -n 100000 -c 8 -q $command 2>/dev/null | tr '\r' '\n' | grep -o 'p50=[0-9.]* msec' | tail -1)
        echo "round $round  ${command%% *}  $p50"
    done
done
echo "MEMORY USAGE string: $(redis-cli -p "$port" memory usage string) bytes, hash: $(redis-cli -p "$port" memory usage hash) bytes"
