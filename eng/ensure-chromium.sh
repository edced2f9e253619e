#!/usr/bin/env bash
# eng/ensure-chromium.sh — make sure Debian's chromium is installed at /usr/bin/chromium for the browser
# end-to-end tests (Playwright drives it with ExecutablePath; no browser is ever downloaded by Playwright).
# Installs the `chromium` package with apt-get when missing (as root, or through passwordless sudo).
# Exit 0 when /usr/bin/chromium is ready; non-zero with a message otherwise.
set -euo pipefail

BROWSER=/usr/bin/chromium
log() { echo "ensure-chromium.sh: $*" >&2; }

if [[ -x "$BROWSER" ]]; then
  exit 0
fi

if [[ "$(id -u)" == 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  log "ERROR: $BROWSER is missing and this user cannot install packages; run: sudo apt-get update && sudo apt-get install -y chromium"
  exit 1
fi

log "installing chromium with apt-get (one-time)"
export DEBIAN_FRONTEND=noninteractive
# Test projects may install packages in parallel (eng/ceph/rgw.sh too): one apt-get at a time.
exec 9>/tmp/s3presign-apt.lock
flock -w 900 9 || { log "ERROR: timed out waiting for another package installation"; exit 1; }
if [[ ! -x "$BROWSER" ]]; then
  "${SUDO[@]}" apt-get update -q >&2 || { log "ERROR: apt-get update failed"; exit 1; }
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium >&2 || { log "ERROR: apt-get install chromium failed"; exit 1; }
fi
[[ -x "$BROWSER" ]] || { log "ERROR: $BROWSER still missing after installing chromium"; exit 1; }
log "chromium ready: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
