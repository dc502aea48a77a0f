#!/usr/bin/env bash
# The benchmarks drive load with wrk, Debian's HTTP load generator.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
else
  echo "wrk is missing: install it (Debian: sudo apt-get install wrk)" >&2
  exit 1
fi
