#!/usr/bin/env bash
# eng/postgres/pg.sh — a throw-away PostgreSQL cluster for the S3Presign tests.
# Debian bookworm, no Docker.
#
#   eng/postgres/pg.sh start  [--port 25432] [--dir /tmp/s3presign-pg-PORT] [--db s3presign]
#   eng/postgres/pg.sh stop   [--port 25432] [--dir ...]
#   eng/postgres/pg.sh status [--port 25432] [--dir ...]
#
# start: initdb's a cluster in DIR (as the `postgres` user when run as root; the
#   server refuses to run as root), trust auth on 127.0.0.1 only, no unix socket
#   outside DIR, fsync off (tests only), starts it on 127.0.0.1:PORT, creates the
#   database, and prints on stdout an export-able line:
#     export S3PRESIGN_PG="Host=127.0.0.1;Port=PORT;Username=postgres;Database=DB"
#   Everything else goes to stderr or to DIR/server.log.
#   Idempotent: if the server already answers on PORT it (re)creates the database
#   if needed and just prints the line. Installs `postgresql` (apt-get) when
#   initdb is missing.
# stop: stops that cluster (pg_ctl -m fast) and removes DIR.
# status: exit 0 when the server answers on PORT, 1 otherwise.
set -euo pipefail

# The daemons started below must not inherit the caller's open descriptors (a held `flock`, a CI log pipe, a test
# runner's redirections): they would hold them for the daemons' whole life. Keep only stdin, stdout and stderr.
for fd in /proc/$$/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi; done

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "pg.sh: $*" >&2; }

die() {
  log "ERROR: $*"
  if [[ -s "${DIR:-}/server.log" ]]; then
    echo "----- tail of $DIR/server.log -----" >&2
    tail -n 40 "$DIR/server.log" >&2 || true
  fi
  exit 1
}

CMD="${1:-}"
[[ -n "$CMD" ]] || usage
shift

# Test ports are 2543x, below Linux's ephemeral range (32768-60999): a server restarted mid-test on a port in that range
# can find it taken by some outgoing connection's local end ("could not bind … Address already in use"; seen once on 55434).
PORT=25432
DIR=""
DB="s3presign"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --dir) DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --db) DB="$2"; shift 2 ;;
    --db=*) DB="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
[[ "$DB" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--db must be a plain identifier"
DIR="${DIR:-/tmp/s3presign-pg-$PORT}"
DIR="$(realpath -m "$DIR")"
DATA="$DIR/data"
TIMEOUT="${PG_START_TIMEOUT:-60}"

# The newest installed server's binaries (Debian keeps them out of PATH).
find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" ]] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_packages() {
  find_bindir >/dev/null && return 0
  log "installing postgresql (apt-get)"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  # Test projects start their servers in parallel: one apt-get at a time (shared with eng/ceph/rgw.sh).
  (
    flock -w 900 9 || die "timed out waiting for another package installation"
    if ! find_bindir >/dev/null; then
      "${sudo[@]}" apt-get update >&2
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    fi
  ) 9>/tmp/s3presign-apt.lock
  find_bindir >/dev/null || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    # From /: the caller's directory (e.g. a mode-700 mktemp clone) may be closed to postgres, and pg_ctl complains.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1; }

psql_() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }

export_line() {
  echo "export S3PRESIGN_PG=\"Host=127.0.0.1;Port=$PORT;Username=postgres;Database=$DB\""
}

ensure_database() {
  if [[ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]]; then
    # Two starters may race here: a duplicate-database error is fine if it exists afterwards.
    psql_ -d postgres -c "CREATE DATABASE \"$DB\"" >&2 2>/dev/null \
      || [[ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" == "1" ]] \
      || die "could not create database $DB"
  fi
}

start() {
  ensure_packages
  BIN="$(find_bindir)"
  if answers; then
    ensure_database
    export_line
    return 0
  fi

  mkdir -p "$DIR"
  (
    # Two test projects starting the same cluster at once: one initdb, one pg_ctl start.
    flock -w 120 8 || die "timed out waiting for another start of $DIR"
    if answers; then exit 0; fi
    if [[ ! -s "$DATA/PG_VERSION" ]]; then
      log "initdb in $DATA"
      rm -rf "$DATA"
      mkdir -p "$DATA"
      ((EUID == 0)) && { id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres; chown -R postgres: "$DIR"; }
      as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
      cat >>"$DATA/postgresql.conf" <<EOF
# eng/postgres/pg.sh: throw-away test cluster
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
EOF
      cat >"$DATA/pg_hba.conf" <<EOF
# eng/postgres/pg.sh: trust on loopback only
local all all trust
host  all all 127.0.0.1/32 trust
EOF
    fi
    ((EUID == 0)) && chown -R postgres: "$DIR"
    # Stale lock files from a killed server (its pid file, its socket lock) would stop pg_ctl. A PID is stale when it is
    # gone, a zombie not yet reaped (PID 1 here reaps late), or reused by another program.
    for lockfile in "$DATA/postmaster.pid" "$DIR/.s.PGSQL.$PORT.lock"; do
      [[ -f "$lockfile" ]] || continue
      pid="$(head -n1 "$lockfile" | tr -dc '0-9')"
      state="$(ps -o stat=,comm= -p "${pid:-0}" 2>/dev/null || true)"
      if [[ -z "$state" || "$state" == Z* || "$state" != *postgres* ]]; then
        rm -f "$lockfile"
      fi
    done
    log "starting on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t "$TIMEOUT" start >&2 || die "pg_ctl start failed"
  ) 8>"$DIR.lock"

  local waited=0
  until answers; do
    ((waited++ < TIMEOUT)) || die "server did not answer on 127.0.0.1:$PORT within ${TIMEOUT}s"
    sleep 1
  done
  ensure_database
  export_line
}

stop() {
  BIN="$(find_bindir)" || { log "no PostgreSQL installed; nothing to stop"; return 0; }
  if [[ -f "$DATA/postmaster.pid" ]]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || log "pg_ctl stop failed"
  fi
  rm -rf "$DIR" "$DIR.lock"
}

status() {
  BIN="$(find_bindir)" || { log "no PostgreSQL installed"; return 1; }
  if answers; then log "answers on 127.0.0.1:$PORT ($DIR)"; return 0; fi
  log "not answering on 127.0.0.1:$PORT"
  return 1
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
