#!/usr/bin/env bash
# Installs Debian's chromium for the status page's browser test, once. Playwright cannot download its
# own browser here, so playwright-core drives this one (see test/browser/chromium.ts).
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
  echo "error: $CHROMIUM is missing; install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium > /dev/null
"$CHROMIUM" --version >&2
