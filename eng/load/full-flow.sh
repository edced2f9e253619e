#!/usr/bin/env bash
# eng/load/full-flow.sh — load of full flows (issue → PUT → validate) against three sample instances that share one
# PostgreSQL store and one Ceph RGW, then proof that nothing was lost or leaked.
#
#   flock -o /tmp/s3presign-heavy.lock ./eng/load/full-flow.sh      # 16 workers, 60 s, by default
#   CONCURRENCY=32 DURATION=30 ./eng/load/full-flow.sh
#   (also WARMUP=5 ABANDON=0.05 MIN_SIZE=1024 MAX_SIZE=65536 INSTANCES=3 BASE_PORT=5101 RGW_PORT=7485 PG_PORT=25435)
#
# 1. Starts (idempotently) a Ceph RGW on RGW_PORT (eng/ceph/rgw.sh, with a lifecycle "day" of RGW_LC_DEBUG_INTERVAL
#    = 3600 s, so that the bucket's safety-net rule cannot delete anything during the run and the sweeper alone has to
#    clean up) and PostgreSQL on PG_PORT (eng/postgres/pg.sh, database s3presign_fullflow); builds the sample and
#    eng/load/FullFlow (Release); drops s3_uploads and empties the bucket s3presign-fullflow.
# 2. Starts INSTANCES (3) sample processes on 127.0.0.1:BASE_PORT.. (Release, Development, logging at Warning but
#    S3Presign's sweep lines) with ConnectionStrings__Uploads (the EF Core PostgreSQL store), PendingTtl PENDING_TTL,
#    UploadUrlExpiry UPLOAD_URL_EXPIRY and SweepInterval SWEEP_INTERVAL seconds (30/20/5), every sweeper on, plus the
#    VAR=value words in SAMPLE_ENV ({i} = instance number), e.g. SAMPLE_ENV="DOTNET_TieredPGO=0".
# 3. Runs eng/load/FullFlow: CONCURRENCY workers, WARMUP s warm-up, then DURATION s measured; each flow POSTs
#    /uploads on one instance (round-robin), PUTs a MIN_SIZE..MAX_SIZE-byte PNG to the presigned URL with the returned
#    headers, and validates on another instance; ABANDON (5 %) of the flows stop after the PUT. Any non-2xx (or a
#    validate answer that is not "validated" with the right size) is an error.
# 4. Waits until no upload is pending (at most the last deadline + 3 sweep intervals + 10 s), then checks:
#    lost   = validated uploads whose row is not Validated, whose object is missing or has the wrong size, or whose
#             object still carries the pending tag (the lifecycle rule would delete it);
#    leaked = objects in the bucket that are not validated uploads + pending rows past their deadline
#             + incomplete multipart uploads; and every abandoned upload must have ended Expired (the sweeper).
# 5. Prints the summary (machine, config, flows/s, per-route requests/s and p50/p90/p99/max, errors, sweep, lost,
#    leaked, CPU per process over the measured window) and two `top` snapshots taken during the run.
#    Exit code 1 when errors, lost or leaked > 0 or an abandoned upload was not expired.
#
# The sample processes are stopped on exit; RGW and PostgreSQL keep running for the next run (STOP_SERVERS=1 stops
# them; by hand: eng/ceph/rgw.sh stop --port 7485; eng/postgres/pg.sh stop --port 25435). Daemons started here do
# not inherit a lock file descriptor (use `flock -o` anyway, so that nothing the command starts holds the lock).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-60}"
WARMUP="${WARMUP:-5}"
ABANDON="${ABANDON:-0.05}"
MIN_SIZE="${MIN_SIZE:-1024}"
MAX_SIZE="${MAX_SIZE:-65536}"
INSTANCES="${INSTANCES:-3}"
BASE_PORT="${BASE_PORT:-5101}"
RGW_PORT="${RGW_PORT:-7485}"
PG_PORT="${PG_PORT:-25435}"
PENDING_TTL="${PENDING_TTL:-30}"
UPLOAD_URL_EXPIRY="${UPLOAD_URL_EXPIRY:-20}"
SWEEP_INTERVAL="${SWEEP_INTERVAL:-5}"
STOP_SERVERS="${STOP_SERVERS:-0}"
SAMPLE_ENV="${SAMPLE_ENV:-}"   # extra VAR=value words for the samples only; {i} becomes the instance number
BUCKET="${BUCKET:-s3presign-fullflow}"
export RGW_LC_DEBUG_INTERVAL="${RGW_LC_DEBUG_INTERVAL:-3600}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORK="$(mktemp -d /tmp/s3presign-fullflow.XXXXXX)"
log() { echo "full-flow.sh: $*" >&2; }

hms() { printf '%02d:%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

# Replaces the calling (sub)shell with a command after closing every inherited descriptor that points at a *.lock
# file, so that a daemon it starts (RGW, PostgreSQL, the samples) never keeps a caller's `flock` lock alive after this
# script ends. Call it only where a subshell is forked anyway: `$(without_locks …)` or `without_locks … &` (then $!
# is the command's own pid).
without_locks() {
  local fd n
  for fd in /proc/$BASHPID/fd/*; do
    n="${fd##*/}"
    if [[ "$n" =~ ^[0-9]+$ ]] && ((n > 2 && n != 255)) && [[ "$(readlink "$fd" 2>/dev/null)" == *.lock ]]; then
      eval "exec $n>&-"
    fi
  done
  exec "$@"
}

PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "$STOP_SERVERS" == 1 ]]; then
    "$ROOT/eng/ceph/rgw.sh" stop --port "$RGW_PORT" >&2 || true
    "$ROOT/eng/postgres/pg.sh" stop --port "$PG_PORT" >&2 || true
  fi
  if ((rc != 0)); then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ servers
log "starting Ceph RGW on $RGW_PORT and PostgreSQL on $PG_PORT (idempotent)"
exports="$(without_locks "$ROOT/eng/ceph/rgw.sh" start --port "$RGW_PORT")"   # fails the script if RGW cannot start
eval "$exports"
CEPH_DIR="/tmp/s3presign-ceph-$RGW_PORT"
if ! grep -q "rgw lc debug interval = $RGW_LC_DEBUG_INTERVAL\$" "$CEPH_DIR/ceph.conf" 2>/dev/null; then
  log "warning: the RGW on $RGW_PORT was started earlier with another lifecycle day ($(grep -h 'rgw lc debug interval' "$CEPH_DIR/ceph.conf" 2>/dev/null || echo unknown));"
  log "         its safety-net rule may delete abandoned objects before the sweeper does (eng/ceph/rgw.sh stop --port $RGW_PORT, then rerun)"
fi
exports="$(without_locks "$ROOT/eng/postgres/pg.sh" start --port "$PG_PORT" --db s3presign_fullflow)"
eval "$exports"
PG="$S3PRESIGN_PG"

log "building the sample and the load generator (Release)"
dotnet build -c Release -v q -nologo "$ROOT/samples/S3Presign.Sample" >&2
dotnet build -c Release -v q -nologo "$ROOT/eng/load/FullFlow" >&2
FULLFLOW=(dotnet "$ROOT/eng/load/FullFlow/bin/Release/net10.0/FullFlow.dll")

"${FULLFLOW[@]}" reset --pg "$PG" --s3-url "$S3Uploads__ServiceUrl" --bucket "$BUCKET"

# ------------------------------------------------------------------ samples
TARGETS=() WATCH=()
start_sample() { # index
  local url="http://127.0.0.1:$((BASE_PORT + $1 - 1))"
  without_locks env \
    ASPNETCORE_ENVIRONMENT=Development \
    Logging__LogLevel__Default=Warning \
    Logging__LogLevel__S3Presign=Information \
    ConnectionStrings__Uploads="$PG" \
    S3Uploads__ServiceUrl="$S3Uploads__ServiceUrl" \
    S3Uploads__Bucket="$BUCKET" \
    S3Uploads__ForcePathStyle=true \
    S3Uploads__PendingTtl="$(hms "$PENDING_TTL")" \
    S3Uploads__UploadUrlExpiry="$(hms "$UPLOAD_URL_EXPIRY")" \
    S3Uploads__SweepInterval="$(hms "$SWEEP_INTERVAL")" \
    ${SAMPLE_ENV//\{i\}/$1} \
    dotnet "$ROOT/samples/S3Presign.Sample/bin/Release/net10.0/S3Presign.Sample.dll" --urls "$url" \
    >"$WORK/sample-$1.log" 2>&1 &
  PIDS+=($!)
  TARGETS+=("$url")
  WATCH+=("sample-$1:$!")
}
wait_sample() { # index
  local url="${TARGETS[$(($1 - 1))]}" code
  for _ in $(seq 1 120); do
    # A listing: proves the app, the demo authentication and the store answer, and creates nothing.
    code="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Demo-User: probe' "$url/uploads" || true)"
    if [[ "$code" == 200 ]]; then return 0; fi
    if ! kill -0 "${PIDS[$(($1 - 1))]}" 2>/dev/null; then log "sample $1 exited:"; cat "$WORK/sample-$1.log" >&2; exit 1; fi
    sleep 0.5
  done
  log "sample $1 did not come up:"; cat "$WORK/sample-$1.log" >&2; exit 1
}
# The first instance creates s3_uploads alone. (Started together, all three race to create it; the losers carry on
# correctly, but EF Core logs their failed CREATE TABLE at Error level, which would fail this run's log check.)
start_sample 1
wait_sample 1
for i in $(seq 2 "$INSTANCES"); do start_sample "$i"; done
for i in $(seq 2 "$INSTANCES"); do wait_sample "$i"; done
log "instances up: ${TARGETS[*]}"

declare -A DAEMON=([mon.a]=ceph-mon [osd.0]=ceph-osd [client.rgw]=radosgw)
for name in mon.a osd.0 client.rgw; do
  if [[ -s "$CEPH_DIR/run/$name.pid" ]]; then WATCH+=("${DAEMON[$name]}:$(cat "$CEPH_DIR/run/$name.pid")"); fi
done
PG_TREE="postgres:$(head -n1 "/tmp/s3presign-pg-$PG_PORT/data/postmaster.pid")"

# Two `top` frames during the measured window (the second frame of `top -d 2 -n 2` covers those 2 s).
(
  set +e +o pipefail   # `head` closing the pipe early must not end the sampler before its second frame
  sleep $((WARMUP + DURATION / 3))
  { echo "--- top at $((DURATION / 3)) s of the measured window"; top -b -d 2 -n 2 -w 160 | awk '/^top -/ { n++ } n == 2' | head -n 22; } >"$WORK/top.txt"
  sleep $((DURATION / 3))
  { echo "--- top at $((2 * DURATION / 3)) s of the measured window"; top -b -d 2 -n 2 -w 160 | awk '/^top -/ { n++ } n == 2' | head -n 22; } >>"$WORK/top.txt"
) &
PIDS+=($!)

# ------------------------------------------------------------------ load
set +e
"${FULLFLOW[@]}" run \
  --targets "$(IFS=,; echo "${TARGETS[*]}")" \
  --pg "$PG" --s3-url "$S3Uploads__ServiceUrl" --bucket "$BUCKET" \
  --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --abandon "$ABANDON" \
  --min-size "$MIN_SIZE" --max-size "$MAX_SIZE" \
  --pending-ttl "$PENDING_TTL" --upload-url-expiry "$UPLOAD_URL_EXPIRY" --sweep-interval "$SWEEP_INTERVAL" \
  --label "EF Core PostgreSQL store, Ceph RGW memstore, all on this machine" \
  --watch "$(IFS=,; echo "${WATCH[*]}")" --watch-tree "$PG_TREE"
rc=$?
set -e

echo "sweeps that expired uploads, per instance (S3Presign's log lines):"
for i in $(seq 1 "$INSTANCES"); do
  printf '  sample-%d: %s sweeps expired %s uploads\n' "$i" \
    "$(grep -c 'Sweep expired' "$WORK/sample-$i.log" || true)" \
    "$(grep -o 'Sweep expired [0-9]*' "$WORK/sample-$i.log" | awk '{ s += $3 } END { print s + 0 }')"
done
if grep -q -E '^(fail|crit):' "$WORK"/sample-*.log; then
  echo "sample logs have errors:"; grep -h -E -A3 '^(fail|crit)' "$WORK"/sample-*.log | head -n 40
  rc=1
fi
if [[ -s "$WORK/top.txt" ]]; then cat "$WORK/top.txt"; fi
exit "$rc"
