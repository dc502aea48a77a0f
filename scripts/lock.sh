#!/usr/bin/env bash
# `make lock`: resolve pyproject.toml's pins and everything they pull in, with hashes, into
# requirements.txt (the runtime: what Heroku's buildpack and the Dockerfile install) and
# requirements-dev.txt (runtime, tests and `make run`'s tools, held to the runtime's versions).
# Existing pins are kept unless UPGRADE=1 asks uv for the newest allowed versions.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=".venv/bin/uv"
flags=(--quiet --generate-hashes --python-version 3.11 --python-platform linux)
if [ "${UPGRADE:-}" = "1" ]; then flags+=(--upgrade); fi
"$uv" pip compile pyproject.toml "${flags[@]}" -o requirements.txt
"$uv" pip compile pyproject.toml --extra dev --extra test "${flags[@]}" \
  --constraint requirements.txt -o requirements-dev.txt
echo "requirements.txt: $(grep -c '^[a-z0-9]' requirements.txt) packages;" \
  "requirements-dev.txt: $(grep -c '^[a-z0-9]' requirements-dev.txt)"
