#!/usr/bin/env bash
# Load comparison: EdgeCache (Release) beside Varnish and nginx, with the shared bench harness.
# Needs the harness folder (default: ../shared/bench beside the repository; override with BENCH_DIR).
# Not part of ./test.sh: load figures need quiet cores.
#   tests/load/run.sh              # ~4 min; prints the harness table and the ratio lines
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bench=${BENCH_DIR:-$repo/../shared/bench}
[ -x "$bench/compare.sh" ] || { echo "run.sh: no bench harness at $bench (set BENCH_DIR)" >&2; exit 1; }
port=${EDGECACHE_PORT:-8080}
run_dir=${BENCH_RUN_DIR:-${TMPDIR:-/tmp}/edgecache-bench}
mkdir -p "$run_dir"

"$bench/peers-up.sh"

dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
cache_dir=$(mktemp -d)
app="$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll"
(cd "$run_dir" && exec dotnet "$app" --origin http://127.0.0.1:9100 --health-path /health \
    --urls "http://127.0.0.1:$port" --management-urls http://127.0.0.1:0 --cache-dir "$cache_dir" \
    --EdgeCache:HealthInterval=00:00:01 --EdgeCache:HealthTimeout=00:00:01 \
    --Logging:LogLevel:Default=Warning) >"$run_dir/edgecache.log" 2>&1 &
edge=$!
cleanup() {
    kill "$edge" 2>/dev/null || true
    wait "$edge" 2>/dev/null || true
    rm -rf "$cache_dir"
    "$bench/peers-down.sh" || true
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && break
    sleep 0.2
done

EDGECACHE_URL="http://127.0.0.1:$port" OUT_TSV="${OUT_TSV:-$run_dir/results.tsv}" "$bench/compare.sh"
