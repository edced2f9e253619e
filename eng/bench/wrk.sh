#!/usr/bin/env bash
# eng/bench/wrk.sh — endpoint throughput of the sample's issue endpoint against a bare minimal-API endpoint, in one run.
#
#   ./eng/bench/wrk.sh            # DURATION=10s CONNECTIONS=32 THREADS=2 by default
#
# Starts (if needed) a local Ceph RGW on port 7480 the way eng/run-sample.sh does, runs samples/S3Presign.Sample
# (Release) on 127.0.0.1:5090 and eng/bench/BareEndpoint (Release) on 127.0.0.1:5091, which answers with a response
# the sample gave (same JSON, same size). wrk POSTs {"filename":"a.png","contentType":"image/png","size":1000} with
# X-Demo-User: bench to both (eng/bench/post.lua), after a warm-up, and prints requests/s and the ratio.
# Traffic goes to 127.0.0.1 only; each wrk run is bounded by DURATION. Installs Debian's wrk when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-3s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
SAMPLE_URL="http://127.0.0.1:5090"
BARE_URL="http://127.0.0.1:5091"
WORK="$(mktemp -d /tmp/s3presign-wrk.XXXXXX)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk.sh: installing wrk (Debian package)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi

if [[ -z "${S3Uploads__ServiceUrl:-}" ]]; then
  echo "wrk.sh: starting a local Ceph RGW on port 7480 (eng/ceph/rgw.sh)" >&2
  eval "$("$ROOT/eng/ceph/rgw.sh" start --port 7480)"
fi

echo "wrk.sh: building the sample and the bare endpoint (Release)" >&2
dotnet build -c Release -v q -nologo "$ROOT/samples/S3Presign.Sample" >&2
dotnet build -c Release -v q -nologo "$ROOT/eng/bench/BareEndpoint" >&2

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -H 'X-Demo-User: bench' \
        -d '{"filename":"a.png","contentType":"image/png","size":1000}' "$1/uploads"; then return 0; fi
    sleep 0.5
  done
  echo "wrk.sh: $1 did not come up" >&2; return 1
}

# Both apps: Release, Development (the sample's demo authentication needs it), logging at Warning so that neither
# writes a console line per request.
export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export S3Uploads__Bucket="${S3Uploads__Bucket:-s3presign-sample}" S3Uploads__ForcePathStyle=true
dotnet "$ROOT/samples/S3Presign.Sample/bin/Release/net10.0/S3Presign.Sample.dll" --urls "$SAMPLE_URL" >"$WORK/sample.log" 2>&1 &
PIDS+=($!)
wait_for "$SAMPLE_URL"

curl -s -X POST -H 'Content-Type: application/json' -H 'X-Demo-User: bench' \
  -d '{"filename":"a.png","contentType":"image/png","size":1000}' "$SAMPLE_URL/uploads" >"$WORK/response.json"
echo "wrk.sh: sample response is $(wc -c <"$WORK/response.json") bytes" >&2

BARE_RESPONSE_FILE="$WORK/response.json" \
  dotnet "$ROOT/eng/bench/BareEndpoint/bin/Release/net10.0/BareEndpoint.dll" --urls "$BARE_URL" >"$WORK/bare.log" 2>&1 &
PIDS+=($!)
wait_for "$BARE_URL"
curl -s -X POST -H 'Content-Type: application/json' -d '{"filename":"a.png","contentType":"image/png","size":1000}' \
  "$BARE_URL/uploads" >"$WORK/bare.json"
echo "wrk.sh: bare response is $(wc -c <"$WORK/bare.json") bytes" >&2

run() { # name url -> requests/s
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$ROOT/eng/bench/post.lua" "$2/uploads" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/eng/bench/post.lua" "$2/uploads" >"$WORK/$1.txt"
  if grep -q "Non-2xx" "$WORK/$1.txt"; then
    echo "wrk.sh: $1 answered errors:" >&2; cat "$WORK/$1.txt" >&2; return 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' "$WORK/$1.txt"
}

SAMPLE_RPS="$(run sample "$SAMPLE_URL")"
BARE_RPS="$(run bare "$BARE_URL")"
echo "== sample issue endpoint (POST /uploads) =="; cat "$WORK/sample.txt"
echo "== bare minimal-API endpoint =="; cat "$WORK/bare.txt"
echo "wrk: threads=$THREADS connections=$CONNECTIONS duration=$DURATION machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
awk -v s="$SAMPLE_RPS" -v b="$BARE_RPS" 'BEGIN { printf "issue endpoint %.0f req/s, bare endpoint %.0f req/s, ratio %.1f %%\n", s, b, 100 * s / b }'
