#!/usr/bin/env bash
# Hit throughput of EdgeCache variants in interleaved rounds, on the shape of the bench harness's
# hit scenario (wrk -t1 -c32 over 100 warmed 16 KB pages of origin16k.py), with the process's CPU
# time per request from perf stat (task-clock), then the median of each:
#   tests/load/variants.sh ROUNDS http|https 'NAME|ENV=VALUE ...' ...
#   e.g. tests/load/variants.sh 5 http 'base|X=1' 'spin0|DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0' 'floor@kestrel-floor|X=1'
# NAME@kestrel-floor runs tests/load/kestrel-floor (a Kestrel app answering one 16 KB page from
# memory) instead of EdgeCache; NAME@PATH runs another build's EdgeCache.dll. WARM (3) and DUR (8)
# seconds per round. Everything on 127.0.0.1; needs wrk, curl, openssl and perf (linux-perf).
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 ROUNDS http|https 'NAME|ENV=VALUE ...' ..." >&2; exit 1; }
rounds=$1; scheme=$2; shift 2
origin_port=${ORIGIN_PORT:-9480}; port=${EDGECACHE_PORT:-9481}; tls_port=${EDGECACHE_TLS_PORT:-9482}
dur=${DUR:-8}
(( dur >= 4 )) || { echo "variants.sh: DUR must be at least 4 seconds" >&2; exit 1; }
dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null || { echo "variants.sh: build failed" >&2; exit 1; }
floor="$repo/tests/load/kestrel-floor/bin/Release/net10.0/kestrel-floor.dll"
if [[ "$*" == *@kestrel-floor* ]]; then
    dotnet build "$repo/tests/load/kestrel-floor" -c Release -v q -nologo >/dev/null || { echo "variants.sh: kestrel-floor build failed" >&2; exit 1; }
fi
work=$(mktemp -d)
edge=""
origin=""
trap 'kill $origin $edge 2>/dev/null; wait $origin $edge 2>/dev/null; rm -rf "$work"' EXIT
python3 "$repo/tests/load/origin16k.py" "$origin_port" & origin=$!
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
cat >"$work/pages.lua" <<'LUA'
counter = 0
request = function() counter = counter + 1; return wrk.format("GET", "/p/" .. (counter % 100)) end
LUA
if [ "$scheme" = https ]; then url=https://127.0.0.1:$tls_port; else url=http://127.0.0.1:$port; fi
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A rps_of cpu_of
for round in $(seq 1 "$rounds"); do
    for variant in "$@"; do
        name=${variant%%|*}; envs=${variant#*|}
        dll="$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll"
        case $name in *@kestrel-floor) dll=$floor;; *@*) dll=${name#*@};; esac
        (cd "$work" && exec env $envs dotnet "$dll" --origin "http://127.0.0.1:$origin_port" --health-path /health \
            --urls "http://127.0.0.1:$port;https://127.0.0.1:$tls_port" \
            "--Kestrel:Certificates:Default:Path=$work/cert.pem" "--Kestrel:Certificates:Default:KeyPath=$work/key.pem" \
            --management-urls http://127.0.0.1:0 --cache-dir "$work/cache" --EdgeCache:Storage:Disk:Enabled=false \
            --Logging:LogLevel:Default=Warning) >"$work/edge.log" 2>&1 &
        edge=$!
        ready=0
        for _ in $(seq 1 100); do
            curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/p/0" && { ready=1; break; }
            kill -0 "$edge" 2>/dev/null || break
            sleep 0.2
        done
        [ "$ready" = 1 ] || { echo "variants.sh: $name did not answer on port $port" >&2; cat "$work/edge.log" >&2; exit 1; }
        curl -sk -o /dev/null "$url/p/[0-99]"
        wrk -t1 -c32 -d"${WARM:-3}s" -s "$work/pages.lua" "$url" >/dev/null
        wrk -t1 -c32 -d"${dur}s" --latency -s "$work/pages.lua" "$url" >"$work/wrk.txt" & w=$!
        sleep 1
        perf stat -x, -e task-clock -p "$edge" -- sleep $((dur - 2)) 2>"$work/stat.txt"
        wait $w
        rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt")
        [ -n "$rps" ] || { echo "variants.sh: wrk measured nothing for $name" >&2; cat "$work/wrk.txt" >&2; exit 1; }
        p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")
        cpu=$(awk -F, -v r="$rps" -v s=$((dur - 2)) '/task-clock/ { printf "%.1f", $1 * 1000 / (r * s) }' "$work/stat.txt")
        echo "round $round $name: $rps req/s, p99 $p99, CPU per request ${cpu} us"
        rps_of[$name]="${rps_of[$name]:-} $rps"; cpu_of[$name]="${cpu_of[$name]:-} $cpu"
        kill "$edge"; wait "$edge" 2>/dev/null; edge=""
    done
done
for variant in "$@"; do
    name=${variant%%|*}
    echo "$name: median $(median <<<"${rps_of[$name]}") req/s (${rps_of[$name]# }), CPU per request $(median <<<"${cpu_of[$name]}") us"
done
