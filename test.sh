#!/usr/bin/env bash
# Restores, builds and runs every EdgeCache test. Installs what it needs when missing.
# Usage: ./test.sh        (from the repository root)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Debian packages the tests use: chromium (the browser checks of the error and status pages),
# prometheus (promtool checks the /metrics output; a real Prometheus server scrapes it),
# redis-server (the shared tier's tests start their own servers on free loopback ports and stop them),
# systemd (systemd-analyze verifies the README's unit file; nothing is started).
apt_packages=()
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v promtool >/dev/null 2>&1 || apt_packages+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || apt_packages+=(systemd)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "test.sh: installing ${apt_packages[*]}"
  # Keep package scripts from starting system services (the tests start their own, on free ports).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  fi
  if [ "$made_policy" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
fi

dotnet restore EdgeCache.sln
dotnet build EdgeCache.sln --no-restore -c Release

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test EdgeCache.sln --no-build -c Release --logger "trx;LogFileName=tests.trx" --results-directory "$results" || status=$?

# One closing line a reader (or CI) can take in at a glance: "N passed, N failed".
passed=0 failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "${passed} passed, ${failed} failed"
exit "$status"
