#!/usr/bin/env bash
# eng/run-sample.sh — run the S3Presign sample web app on a fresh machine with one command.
#
#   ./eng/run-sample.sh
#
# If no S3 endpoint is configured (S3Uploads__ServiceUrl unset), starts a local Ceph RADOS Gateway with
# eng/ceph/rgw.sh on port 7480 (idempotent) and uses its credentials. Then runs samples/S3Presign.Sample at
# http://127.0.0.1:5080 (override with SAMPLE_URL) in the Development environment, which the sample's
# demo-only X-Demo-User authentication requires. The sample creates its bucket (S3Uploads__Bucket, default
# s3presign-sample), the lifecycle safety net and the CORS rule for its origin if missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ -z "${S3Uploads__ServiceUrl:-}" ]]; then
  echo "run-sample.sh: no S3Uploads__ServiceUrl; starting a local Ceph RGW on port 7480 (eng/ceph/rgw.sh)" >&2
  exports="$("$ROOT/eng/ceph/rgw.sh" start --port 7480)"
  eval "$exports"
fi

export S3Uploads__Bucket="${S3Uploads__Bucket:-s3presign-sample}"
export S3Uploads__ForcePathStyle="${S3Uploads__ForcePathStyle:-true}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
URL="${SAMPLE_URL:-http://127.0.0.1:5080}"

echo "run-sample.sh: S3 endpoint ${S3Uploads__ServiceUrl}, bucket ${S3Uploads__Bucket}" >&2
echo "run-sample.sh: building and starting the sample; it will be served at ${URL}" >&2
exec dotnet run --project "$ROOT/samples/S3Presign.Sample" --no-launch-profile --urls "$URL"
