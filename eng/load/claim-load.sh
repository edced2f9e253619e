#!/usr/bin/env bash
# eng/load/claim-load.sh — how fast N sweepers drain expired uploads from the PostgreSQL store's table.
#
#   eng/load/claim-load.sh [--pending 1000000] [--due 100000] [--workers 4] [--batch 1000] [--port 25432]
#
# Seeds s3_uploads (same DDL as S3Presign.EntityFrameworkCore creates) in a scratch database with PENDING
# uploads still in time and DUE uploads past their deadline, then runs WORKERS psql sessions that each loop
# "claim a batch (the store's exact FOR UPDATE SKIP LOCKED statement), then CAS-update each claimed row to
# Expired" until nothing is due — the sweeper's database work without S3. Prints the time, the rate, and
# checks that every due row was expired exactly once and no in-time row was touched.
set -euo pipefail
PENDING=1000000 DUE=100000 WORKERS=4 BATCH=1000 PORT=25432
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pending) PENDING="$2"; shift 2 ;; --due) DUE="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;; --batch) BATCH="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;; *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
HERE="$(cd "$(dirname "$0")" && pwd)"
"$HERE/../postgres/pg.sh" start --port "$PORT" --db s3presign_load >/dev/null
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
PSQL=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d s3presign_load)
NOW=640290960000000000            # 2030-01-01 12:00 UTC in ticks
LEASE=$((5 * 60 * 10000000))

echo "seeding $PENDING pending-in-time + $DUE due rows..." >&2
"${PSQL[@]}" <<SQL
DROP TABLE IF EXISTS s3_uploads;
CREATE TABLE s3_uploads (
  id character varying(64) NOT NULL CONSTRAINT pk_s3_uploads PRIMARY KEY, owner text NOT NULL, key text NOT NULL,
  bucket text NOT NULL, file_name text NOT NULL, content_type text NOT NULL, declared_size bigint,
  checksum_sha256 text, content_md5 text, mode integer NOT NULL, multipart_upload_id text, metadata text,
  status integer NOT NULL, status_reason text, created_at bigint NOT NULL, upload_expires_at bigint NOT NULL,
  validate_before bigint NOT NULL, validated_at bigint, updated_at bigint NOT NULL, size bigint, etag text,
  claimed_until bigint, claim_token character varying(36), version bigint NOT NULL);
CREATE INDEX ix_s3_uploads_claim_token ON s3_uploads (claim_token) WHERE claim_token IS NOT NULL;
CREATE INDEX ix_s3_uploads_owner_created ON s3_uploads (owner, created_at);
CREATE INDEX ix_s3_uploads_pending_due ON s3_uploads (validate_before, id) WHERE status = 0;
INSERT INTO s3_uploads (id, owner, key, bucket, file_name, content_type, mode, status, created_at, upload_expires_at, validate_before, updated_at, version)
SELECT md5(g::text), 'owner' || (g % 10000), 'uploads/' || md5(g::text), 'bucket', 'photo.png', 'image/png', 0, 0,
       $NOW, $NOW, CASE WHEN g <= $PENDING THEN $NOW + 600000000 + g::bigint ELSE $NOW - g::bigint * 1000 END, $NOW, 1
FROM generate_series(1, $PENDING + $DUE) AS g;
VACUUM ANALYZE s3_uploads;
SQL

cat >/tmp/s3presign-claim-worker.sql <<SQL
DO \$\$
DECLARE n int; total int := 0; r record;
BEGIN
  LOOP
    n := 0;
    FOR r IN
      UPDATE s3_uploads AS u SET claimed_until = $NOW + $LEASE, version = u.version + 1
      WHERE u.id = ANY (ARRAY (
        SELECT id FROM s3_uploads
        WHERE status = 0 AND validate_before <= $NOW AND (claimed_until IS NULL OR claimed_until <= $NOW)
        ORDER BY validate_before, id LIMIT $BATCH FOR UPDATE SKIP LOCKED))
      RETURNING u.id, u.version
    LOOP
      UPDATE s3_uploads SET status = 3, status_reason = 'expired', claimed_until = NULL, claim_token = NULL,
             version = r.version + 1, updated_at = $NOW
      WHERE id = r.id AND version = r.version;
      n := n + 1;
    END LOOP;
    COMMIT;
    total := total + n;
    EXIT WHEN n = 0;
  END LOOP;
  RAISE NOTICE 'worker expired %', total;
END \$\$;
SQL

echo "draining with $WORKERS workers, batches of $BATCH..." >&2
start=$(date +%s.%N)
pids=()
for _ in $(seq "$WORKERS"); do "${PSQL[@]}" -f /tmp/s3presign-claim-worker.sql 2>&1 | sed 's/^psql.*NOTICE: */  /' & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
end=$(date +%s.%N)

read -r expired twice touched <<<"$("${PSQL[@]}" -At -F ' ' -c "SELECT count(*) FILTER (WHERE status = 3), count(*) FILTER (WHERE status = 3 AND version <> 3), count(*) FILTER (WHERE status = 0 AND version <> 1) FROM s3_uploads")"
secs=$(echo "$end - $start" | bc -l)
printf 'table: %d rows (%d pending in time, %d due)\n' $((PENDING + DUE)) "$PENDING" "$DUE"
printf 'expired %d rows in %.2f s = %.0f rows/s with %d workers, batch %d\n' "$expired" "$secs" "$(echo "$expired / $secs" | bc -l)" "$WORKERS" "$BATCH"
printf 'claimed more than once: %d; in-time rows touched: %d\n' "$twice" "$touched"
[[ "$expired" == "$DUE" && "$twice" == 0 && "$touched" == 0 ]] || { echo "MISMATCH" >&2; exit 1; }
