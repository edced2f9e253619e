#!/usr/bin/env bash
# eng/bench/wrk.sh — endpoint throughput of the sample's issue endpoint against a bare minimal-API endpoint, in one run.
#
#   ./eng/bench/wrk.sh            # DURATION=10s CONNECTIONS=32 THREADS=2 WARMUP=15s ROUNDS=3 by default
#
# Starts (if needed) a local Ceph RGW on port 7480 the way eng/run-sample.sh does, runs samples/S3Presign.Sample
# (Release) on 127.0.0.1:5090, eng/bench/BareEndpoint (Release) on 127.0.0.1:5091, which answers with a response
# the sample gave (same JSON, same size), and the same bare endpoint behind the sample's demo authentication and
# RequireAuthorization (BARE_AUTH=1) on 127.0.0.1:5092. wrk POSTs
# {"filename":"a.png","contentType":"image/png","size":1000} with X-Demo-User: bench to each (eng/bench/post.lua),
# after a warm-up, in ROUNDS interleaved rounds (sample, bare, bare+auth, then again) so that a shared machine's
# changing load hits all three alike; prints every round, the medians and the ratio of the medians.
# Traffic goes to 127.0.0.1 only; each wrk run is bounded by DURATION. Installs Debian's wrk when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-10s}"
# Steady state, not start-up: tiered compilation (with dynamic PGO) keeps recompiling the sample's longer request path
# for several seconds under load (perf showed the JIT at ~15 % of the sample's CPU 7 s in, ~0.3 % after 25 s), while the
# bare endpoint's short path settles sooner. Each endpoint gets the same warm-up.
WARMUP="${WARMUP:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
SAMPLE_URL="http://127.0.0.1:5090"
BARE_URL="http://127.0.0.1:5091"
AUTH_URL="http://127.0.0.1:5092"
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

# All apps: Release, the same host (WebApplication.CreateBuilder), Development (the sample's demo authentication
# needs it), and the same log levels: Warning, so that none writes a console line per request. (The sample's
# appsettings.json says Information for its own categories and Warning for Microsoft.AspNetCore; S3Presign logs
# nothing per issue, so Information would not change the sample's figure either.)
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

BARE_AUTH=1 BARE_RESPONSE_FILE="$WORK/response.json" \
  dotnet "$ROOT/eng/bench/BareEndpoint/bin/Release/net10.0/BareEndpoint.dll" --urls "$AUTH_URL" >"$WORK/auth.log" 2>&1 &
PIDS+=($!)
wait_for "$AUTH_URL"
if [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"filename":"a.png","contentType":"image/png","size":1000}' "$AUTH_URL/uploads")" != 401 ]]; then
  echo "wrk.sh: the bare endpoint with authentication let an anonymous request through" >&2; exit 1
fi

warm() { # url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$ROOT/eng/bench/post.lua" "$1/uploads" >/dev/null
}

run() { # name url -> "requests/s p50 p99", full output in $WORK/name.txt
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/eng/bench/post.lua" "$2/uploads" >"$WORK/$1.txt"
  if grep -q "Non-2xx" "$WORK/$1.txt"; then
    echo "wrk.sh: $1 answered errors:" >&2; cat "$WORK/$1.txt" >&2; return 1
  fi
  awk '/^Requests\/sec:/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } END { print rps, p50, p99 }' "$WORK/$1.txt"
}

warm "$SAMPLE_URL"; warm "$BARE_URL"; warm "$AUTH_URL"
: >"$WORK/rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  for target in "sample $SAMPLE_URL" "bare $BARE_URL" "bare+auth $AUTH_URL"; do
    set -- $target
    result="$(run "$1" "$2")"
    echo "$round $1 $result" | tee -a "$WORK/rounds.txt" >&2
  done
done

echo "wrk: threads=$THREADS connections=$CONNECTIONS duration=$DURATION rounds=$ROUNDS machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round endpoint requests/s p50 p99"; cat "$WORK/rounds.txt"
median() { # endpoint -> median requests/s over the rounds
  awk -v e="$1" '$2 == e { print $3 }' "$WORK/rounds.txt" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
SAMPLE_RPS="$(median sample)"; BARE_RPS="$(median bare)"; AUTH_RPS="$(median bare+auth)"
awk -v s="$SAMPLE_RPS" -v b="$BARE_RPS" -v a="$AUTH_RPS" 'BEGIN {
  printf "medians: issue endpoint %.0f req/s, bare endpoint %.0f req/s, bare endpoint + demo auth %.0f req/s\n", s, b, a
  printf "ratio issue/bare %.1f %% (bare+auth/bare %.1f %%, issue/bare+auth %.1f %%)\n", 100 * s / b, 100 * a / b, 100 * s / a }'
