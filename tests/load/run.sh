#!/usr/bin/env bash
# Load comparison: EdgeCache (Release) beside Varnish and nginx, with the shared bench harness.
# Needs the harness folder (default: ../shared/bench beside the repository; override with BENCH_DIR).
# Not part of ./test.sh: load figures need quiet cores.
#   tests/load/run.sh            # ~5 min: hit, the three outage drills, gzip hits and TLS hits,
#                                # EdgeCache with built-in defaults (--origin, --health-path /health)
#   tests/load/run.sh shipped    # the same with the repository's own appsettings.json
#   RUNS=3 tests/load/run.sh     # three runs, then the median of each ratio
# EdgeCache listens on http://127.0.0.1:$EDGECACHE_PORT (8080) and, with the certificate the harness
# made for nginx, on https://127.0.0.1:$EDGECACHE_TLS_PORT (8443); the harness gets both
# (EDGECACHE_URL, EDGECACHE_TLS_URL) and GZIP=1 (GZIP=0 or EDGECACHE_TLS_PORT= leaves a scenario out).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bench=${BENCH_DIR:-$repo/../shared/bench}
[ -x "$bench/compare.sh" ] || { echo "run.sh: no bench harness at $bench (set BENCH_DIR)" >&2; exit 1; }
mode=${1:-defaults}
case $mode in defaults|shipped) ;; *) echo "run.sh: unknown mode '$mode' (defaults or shipped)" >&2; exit 1;; esac
port=${EDGECACHE_PORT:-8080}
tls_port=${EDGECACHE_TLS_PORT-8443}
runs=${RUNS:-1}
run_dir=${BENCH_RUN_DIR:-${TMPDIR:-/tmp}/edgecache-bench}
tls_dir=$run_dir/nginx/tls
export BENCH_RUN_DIR=$run_dir GZIP=${GZIP:-1}
mkdir -p "$run_dir"

edge=""
ratios=$(mktemp)
cache_dir=$(mktemp -d)
cleanup() {
    [ -z "$edge" ] || { kill "$edge" 2>/dev/null; wait "$edge" 2>/dev/null; } || true
    rm -rf "$cache_dir" "$ratios"
    "$bench/peers-down.sh" || true
}
trap cleanup EXIT
"$bench/peers-up.sh"

dotnet build "$repo/src/EdgeCache" -c Release -v q -nologo >/dev/null
app="$repo/src/EdgeCache/bin/Release/net10.0/EdgeCache.dll"
urls="http://127.0.0.1:$port"
args=(--urls "$urls" --management-urls http://127.0.0.1:0 --cache-dir "$cache_dir" --Logging:LogLevel:Default=Warning)
if [ -n "$tls_port" ]; then
    urls="$urls;https://127.0.0.1:$tls_port"
    args=(--urls "$urls" "${args[@]:2}"
        "--Kestrel:Certificates:Default:Path=$tls_dir/cert.pem" "--Kestrel:Certificates:Default:KeyPath=$tls_dir/key.pem")
    export EDGECACHE_TLS_URL="https://127.0.0.1:$tls_port"
fi
if [ "$mode" = shipped ]; then
    # The repository's settings file as shipped (it proxies to 127.0.0.1:9100, the harness origin,
    # probes /health); only the listeners and the cache folder are this run's.
    args=(--config "$repo/appsettings.json" "${args[@]}")
else
    args=(--origin http://127.0.0.1:9100 --health-path /health "${args[@]}")
fi
(cd "$run_dir" && exec dotnet "$app" "${args[@]}") >"$run_dir/edgecache.log" 2>&1 &
edge=$!

ready=0
for _ in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && { ready=1; break; }
    kill -0 "$edge" 2>/dev/null || break
    sleep 0.2
done
[ "$ready" = 1 ] || { echo "run.sh: EdgeCache did not answer on port $port" >&2; cat "$run_dir/edgecache.log" >&2; exit 1; }

export EDGECACHE_URL="http://127.0.0.1:$port"
for run in $(seq 1 "$runs"); do
    out=${OUT_TSV:-$run_dir/results.tsv}
    [ "$runs" = 1 ] || out="${out%.tsv}-$run.tsv"
    echo "== run $run of $runs ($mode), $(date -u +%Y-%m-%dT%H:%MZ)"
    OUT_TSV="$out" "$bench/compare.sh" 2>&1 | tee "${out%.tsv}.log"
    grep ' rps edgecache/' "${out%.tsv}.log" >>"$ratios" || true
done
if [ "$runs" -gt 1 ]; then
    echo "== medians of $runs runs ($mode)"
    # "hit rps edgecache/varnish = 1.05 (a / b)": the median ratio per line kind
    sed 's/ (.*//' "$ratios" | awk -F' = ' '
        { n[$1]++; v[$1, n[$1]] = $2 + 0 }
        END { for (k in n) { c = n[k]; for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[k, j] < v[k, i]) { t = v[k, i]; v[k, i] = v[k, j]; v[k, j] = t }
              m = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2; printf "%s = %.2f (median of %d)\n", k, m, c } }' | sort
fi
