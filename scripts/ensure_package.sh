#!/usr/bin/env bash
# ensure_package.sh COMMAND PACKAGE [HINT]: make sure COMMAND exists, installing PACKAGE from
# Debian's packages when we are root; otherwise say what to install (and HINT, if given).
set -euo pipefail
command_name=$1 package=$2 hint=${3:-}
command -v "$command_name" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing $package from Debian's packages…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
else
  echo "$command_name is missing: install it (Debian: sudo apt-get install $package)" >&2
  [ -n "$hint" ] && echo "$hint" >&2
  exit 1
fi
