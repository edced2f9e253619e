#!/usr/bin/env bash
# eng/ceph/rgw.sh — a throw-away, one-node Ceph cluster with a RADOS Gateway
# (S3-compatible server) for the S3Presign tests. Debian bookworm, root, no Docker.
#
#   eng/ceph/rgw.sh start  [--port 7480] [--mon-port 6790] [--dir /tmp/s3presign-ceph-PORT]
#   eng/ceph/rgw.sh stop   [--port 7480] [--dir ...]
#   eng/ceph/rgw.sh status [--port 7480] [--dir ...]
#   eng/ceph/rgw.sh stop-gateway|start-gateway|restart-gateway [--port 7480] [--dir ...]
#
# start: one monitor (msgr v1 only), no manager (not needed by RGW), one OSD on
#   memstore (RAM, nothing on disk), one radosgw (beast on 127.0.0.1:PORT), and an
#   S3 user whose keys are RGW_ACCESS_KEY / RGW_SECRET_KEY (defaults below).
#   Waits until http://127.0.0.1:PORT/ answers, then prints export-able lines on
#   stdout; everything else goes to stderr or to logs under the cluster dir.
#   Idempotent: if the gateway already answers on PORT it just prints the lines.
# stop: kills the daemons of that cluster (by their pid files) and removes the dir.
# status: says whether the gateway answers and which daemons are alive (exit 0/1).
# stop-gateway: stops only the radosgw of that cluster (SIGTERM, then SIGKILL after
#   RGW_STOP_TIMEOUT seconds, 3 by default: a clean radosgw shutdown can take 2 min);
#   mon and osd keep running, so buckets and objects survive. For outage tests.
# start-gateway: starts that cluster's radosgw again with the same config and waits
#   until it answers, then prints the lines. Fails if the mon or osd is not running
#   (`start` on a cluster whose gateway is down wipes it and starts afresh).
# restart-gateway: stop-gateway, then start-gateway.
#
# Several clusters can run side by side: each has its own dir, config, mon port,
# admin sockets and pid files, and every command gets `-c <dir>/ceph.conf`.
#
# Tuned for tests: a lifecycle "day" lasts RGW_LC_DEBUG_INTERVAL seconds (10 by
# default) and lifecycle processing runs all the time.
set -euo pipefail

# The daemons started below must not inherit the caller's open descriptors (a held `flock`, a CI log pipe, a test
# runner's redirections): they would hold them for the daemons' whole life. Keep only stdin, stdout and stderr.
for fd in /proc/$$/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi; done

usage() {
  sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "rgw.sh: $*" >&2; }

die() {
  log "ERROR: $*"
  # Show what the daemons said, to make failures diagnosable from CI output.
  if [[ -d "${DIR:-}/log" ]]; then
    local f
    for f in "$DIR"/log/*.log "$DIR"/log/*.out; do
      [[ -s "$f" ]] || continue
      echo "----- tail of $f -----" >&2
      tail -n 40 "$f" >&2 || true
    done
  fi
  exit 1
}

# ---------------------------------------------------------------- arguments
CMD="${1:-}"
[[ -n "$CMD" ]] || usage
shift

PORT=7480
MON_PORT=""
DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --mon-port) MON_PORT="$2"; shift 2 ;;
    --mon-port=*) MON_PORT="${1#*=}"; shift ;;
    --dir) DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
# Default mon port: 6790 for 7480, 6791 for 7481, ... (keeps clusters apart).
MON_PORT="${MON_PORT:-$((6790 + PORT - 7480))}"
[[ "$MON_PORT" =~ ^[0-9]+$ ]] || die "--mon-port must be a number"
DIR="${DIR:-/tmp/s3presign-ceph-$PORT}"
DIR="$(realpath -m "$DIR")"   # the config needs absolute paths

ACCESS_KEY="${RGW_ACCESS_KEY:-s3presign-access}"
SECRET_KEY="${RGW_SECRET_KEY:-s3presign-secret-key-for-tests}"
RGW_UID="${RGW_UID:-s3presign}"
LC_DEBUG_INTERVAL="${RGW_LC_DEBUG_INTERVAL:-10}"
TIMEOUT="${RGW_START_TIMEOUT:-90}"          # seconds, for each wait below
MEMSTORE_BYTES="${RGW_MEMSTORE_BYTES:-2147483648}"  # 2 GiB cap; RAM is used only as filled

CONF="$DIR/ceph.conf"
URL="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------- helpers
print_exports() {
  cat <<EOF
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export S3Uploads__ServiceUrl=$URL
EOF
}

# True when something speaks HTTP on the gateway port.
rgw_answers() {
  curl -s -o /dev/null --max-time 2 "$URL/" 2>/dev/null
}

# True when the pid file names a live daemon of THIS cluster (its command line
# has our -c <conf>), so a stale pid file never makes us kill a stranger.
pid_alive() {  # $1 = pid file
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "-c $CONF "
}

# Removes the cluster dir, but only if it is one of ours (or empty): a wrong
# --dir must never wipe anything else.
wipe_dir() {
  [[ -d "$DIR" ]] || return 0
  if [[ -f "$CONF" ]] && head -n 1 "$CONF" | grep -q 'eng/ceph/rgw.sh'; then
    rm -rf "$DIR"
  elif [[ -z "$(ls -A "$DIR")" ]]; then
    rmdir "$DIR"
  else
    die "$DIR exists and is not a cluster dir of rgw.sh; not touching it"
  fi
}

# Runs a ceph client command against this cluster, never hanging for long.
cephc() {
  timeout 30 ceph -c "$CONF" --connect-timeout 15 "$@"
}

# Waits up to TIMEOUT seconds for "$@" to succeed; $1 is a description.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${TIMEOUT}s waiting for $what"
    fi
    sleep 0.3
  done
}

port_in_use() {  # $1 = TCP port on 127.0.0.1
  ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# Installs whatever is missing (fresh machine); a no-op when all is there.
ensure_packages() {
  local missing=()
  if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null \
    || ! command -v ceph-osd >/dev/null || ! command -v ceph >/dev/null; then
    missing+=(radosgw ceph-mon ceph-osd ceph-common)
  fi
  command -v curl >/dev/null || missing+=(curl)
  command -v uuidgen >/dev/null || missing+=(uuid-runtime)
  command -v ss >/dev/null || missing+=(iproute2)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt-get)"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  # Test projects start their clusters in parallel: one apt-get at a time.
  (
    flock -w 900 9 || die "timed out waiting for another package installation"
    "${sudo[@]}" apt-get update >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
  ) 9>/tmp/s3presign-apt.lock
}

# True while a process exists and is not a zombie (daemons are reparented to
# PID 1, which may reap them late).
proc_running() {  # $1 = pid
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

# Kills this cluster's daemons (only those named by pid files in $DIR/run).
# The data is thrown away anyway, so they get 1 s to exit on SIGTERM and are
# then killed (radosgw alone takes ~10 s to shut down cleanly).
kill_daemons() {
  local pf pids=() p i alive
  for pf in "$DIR"/run/*.pid; do
    [[ -e "$pf" ]] || continue
    if pid_alive "$pf"; then pids+=("$(cat "$pf")"); fi
  done
  ((${#pids[@]})) || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 10; i++)); do
    alive=0
    for p in "${pids[@]}"; do proc_running "$p" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    alive=0
    for p in "${pids[@]}"; do proc_running "$p" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  log "warning: some daemons of $DIR did not die: ${pids[*]}"
}

write_conf() {
  local fsid="$1"
  cat >"$CONF" <<EOF
# Generated by eng/ceph/rgw.sh — throw-away test cluster, do not use for data.
[global]
fsid = $fsid
# msgr v1 only: with a mon port other than 6789, clients would otherwise try
# msgr2 on it and hang until 'rgw init timeout'.
mon host = v1:127.0.0.1:$MON_PORT
mon initial members = a
ms bind msgr2 = false
ms bind ipv6 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1

# No cephx between daemons or clients (S3 auth in RGW is separate).
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
keyring = $DIR/keyring

# Everything of this cluster lives in its own dir.
run dir = $DIR/run
admin socket = $DIR/run/\$cluster-\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
mon cluster log file = $DIR/log/cluster.log
log to stderr = false
err to stderr = true
crash dir = $DIR/crash

# One OSD: pools of size 1, few PGs, no health noise, no autoscaler (no mgr).
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# Do not stop the mon when the disk holding the dir is nearly full.
mon data avail crit = 0
mon data avail warn = 1
# Commit map changes at once rather than batching them for 1 s: RGW creates
# its pools one at a time on first start, each a new osdmap epoch.
paxos propose interval = 0.05
paxos min wait = 0.01

[mon]
mon data = $DIR/mon/\$cluster-\$id

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
# The OSD's own crush/device-class update at start is refused by the mon
# ("wrong fsid") with auth none; the script places osd.0 in the crush map.
osd crush update on start = false
osd class update on start = false
# A small, quiet OSD.
osd op num shards = 1
osd op num threads per shard = 2

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw init timeout = $TIMEOUT
rgw thread pool size = 64
rgw enable usage log = false
# Lifecycle for tests: a "day" lasts rgw_lc_debug_interval seconds, and the LC
# thread runs every rgw_lc_debug_interval seconds at any time of day.
rgw lc debug interval = $LC_DEBUG_INTERVAL
rgw lifecycle work time = 00:00-23:59
EOF
}

# Makes sure the S3 user exists and has ACCESS_KEY / SECRET_KEY.
ensure_user() {
  local admin=(timeout 60 radosgw-admin -c "$CONF") info
  if ! info="$("${admin[@]}" user info --uid "$RGW_UID" 2>/dev/null)"; then
    "${admin[@]}" user create --uid "$RGW_UID" --display-name "S3Presign tests" \
      --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" \
      >>"$DIR/log/radosgw-admin.out" 2>&1 || die "radosgw-admin user create failed"
  elif ! grep -qF "\"secret_key\": \"$SECRET_KEY\"" <<<"$info" \
    || ! grep -qF "\"access_key\": \"$ACCESS_KEY\"" <<<"$info"; then
    "${admin[@]}" key create --uid "$RGW_UID" --key-type s3 \
      --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" \
      >>"$DIR/log/radosgw-admin.out" 2>&1 || die "radosgw-admin key create failed"
  fi
}

# ---------------------------------------------------------------- commands
do_start() {
  if rgw_answers; then
    log "gateway already answers on $URL"
    # Ours? Then make sure the keys asked for now work too.
    [[ -f "$CONF" ]] && ensure_user
    print_exports
    return 0
  fi
  ensure_packages

  local t0=$SECONDS
  # Leftovers of a dead or half-started cluster in this dir: start afresh.
  if [[ -d "$DIR" ]]; then
    kill_daemons
    wipe_dir
  fi
  port_in_use "$MON_PORT" && die "mon port $MON_PORT is already in use (pick another with --mon-port)"
  port_in_use "$PORT" && die "port $PORT is in use but does not answer HTTP"
  mkdir -p "$DIR"/{run,log,crash,mon/ceph-a,osd/ceph-0}

  local fsid osd_uuid
  fsid="$(uuidgen)"
  osd_uuid="$(uuidgen)"
  write_conf "$fsid"

  # Keyring: unused with auth none, but some tools complain without one.
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' \
    --cap osd 'allow *' --cap mgr 'allow *' >/dev/null

  # --- monitor
  log "starting mon on v1:127.0.0.1:$MON_PORT (dir $DIR)"
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$MON_PORT]" \
    --set-min-mon-release pacific "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
    >>"$DIR/log/mkfs.out" 2>&1 || die "ceph-mon --mkfs failed"
  ceph-mon -c "$CONF" -i a >>"$DIR/log/mon.a.out" 2>&1 || die "ceph-mon failed to start"
  wait_for "the monitor" cephc mon stat

  # --- one OSD on memstore
  log "starting osd.0 (memstore)"
  local id
  id="$(cephc osd new "$osd_uuid")" || die "ceph osd new failed"
  [[ "$id" == 0 ]] || die "unexpected osd id '$id'"
  cephc osd crush add osd.0 1 root=default >/dev/null 2>&1 || die "ceph osd crush add failed"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" \
    >>"$DIR/log/mkfs.out" 2>&1 || die "ceph-osd --mkfs failed"
  ceph-osd -c "$CONF" -i 0 >>"$DIR/log/osd.0.out" 2>&1 || die "ceph-osd failed to start"
  wait_for "osd.0 to be up" bash -c "ceph -c '$CONF' --connect-timeout 10 osd dump 2>/dev/null | grep -q '^osd.0 up'"

  # --- RADOS gateway (creates its pools itself on first start)
  log "starting radosgw on $URL"
  radosgw -c "$CONF" -n client.rgw >>"$DIR/log/client.rgw.out" 2>&1 || die "radosgw failed to start"
  local deadline=$((SECONDS + TIMEOUT)) started=$SECONDS
  until rgw_answers; do
    # radosgw forks at once and writes its pid file; give it 5 s to do so.
    if ! pid_alive "$DIR/run/client.rgw.pid" && ((SECONDS - started >= 5)); then
      die "radosgw exited"
    fi
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $URL"
    sleep 0.3
  done

  ensure_user

  log "ready in $((SECONDS - t0))s: $URL (logs in $DIR/log)"
  print_exports
}

do_stop() {
  if [[ -d "$DIR" ]]; then
    kill_daemons
    wipe_dir
    log "stopped the cluster in $DIR"
  else
    log "nothing to stop in $DIR"
  fi
}

do_status() {
  local rc=0 name
  if rgw_answers; then
    echo "gateway answers on $URL"
  else
    echo "gateway does not answer on $URL"
    rc=1
  fi
  for name in mon.a osd.0 client.rgw; do
    if pid_alive "$DIR/run/$name.pid"; then
      echo "$name running (pid $(cat "$DIR/run/$name.pid"))"
    else
      echo "$name not running"
      rc=1
    fi
  done
  return "$rc"
}

# Stops this cluster's radosgw only (mon and osd, hence the data, stay).
do_stop_gateway() {
  local pf="$DIR/run/client.rgw.pid" pid i grace="${RGW_STOP_TIMEOUT:-3}"
  [[ "$grace" =~ ^[0-9]+$ ]] || die "RGW_STOP_TIMEOUT must be a whole number of seconds"
  if ! pid_alive "$pf"; then
    rgw_answers && die "something answers on $URL but it is not the radosgw of $DIR; not touching it"
    log "radosgw of $DIR is not running"
    return 0
  fi
  pid="$(cat "$pf")"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    proc_running "$pid" || break
    sleep 0.1
  done
  if proc_running "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      proc_running "$pid" || break
      sleep 0.1
    done
    proc_running "$pid" && die "radosgw (pid $pid) did not die"
    log "stopped radosgw (pid $pid, killed after ${grace}s)"
  else
    log "stopped radosgw (pid $pid)"
  fi
  # Closed sockets may linger briefly; the port must be free for the next start.
  for ((i = 0; i < 50; i++)); do
    port_in_use "$PORT" || return 0
    sleep 0.1
  done
  die "port $PORT is still in use after radosgw stopped"
}

# Starts this cluster's radosgw again, with the same config; the mon and osd must be running.
do_start_gateway() {
  [[ -f "$CONF" ]] || die "no cluster in $DIR (use start)"
  local name
  for name in mon.a osd.0; do
    pid_alive "$DIR/run/$name.pid" || die "$name of $DIR is not running; the cluster's data is gone (use stop, then start)"
  done
  if pid_alive "$DIR/run/client.rgw.pid" && rgw_answers; then
    log "gateway already answers on $URL"
    print_exports
    return 0
  fi
  pid_alive "$DIR/run/client.rgw.pid" && die "radosgw of $DIR runs but does not answer on $URL (use restart-gateway)"
  port_in_use "$PORT" && die "port $PORT is in use by something else"

  local t0=$SECONDS
  log "starting radosgw on $URL (existing cluster in $DIR)"
  radosgw -c "$CONF" -n client.rgw >>"$DIR/log/client.rgw.out" 2>&1 || die "radosgw failed to start"
  local deadline=$((SECONDS + TIMEOUT)) started=$SECONDS
  until rgw_answers; do
    if ! pid_alive "$DIR/run/client.rgw.pid" && ((SECONDS - started >= 5)); then
      die "radosgw exited"
    fi
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $URL"
    sleep 0.1
  done
  log "gateway back in $((SECONDS - t0))s: $URL"
  print_exports
}

case "$CMD" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  stop-gateway) do_stop_gateway ;;
  start-gateway) do_start_gateway ;;
  restart-gateway) do_stop_gateway; do_start_gateway ;;
  -h|--help|help) usage ;;
  *) log "unknown command: $CMD"; usage ;;
esac
