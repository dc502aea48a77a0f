#!/usr/bin/env bash
# Widget tests drive Debian's chromium through Playwright; never a browser download.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium from Debian's packages…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing: install it (Debian: sudo apt-get install chromium)" >&2
  exit 1
fi
