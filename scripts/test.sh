#!/usr/bin/env bash
# `make test`: lint, then the whole suite on a real Redis and a real database.
set -uo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL when DATABASE_URL names one, or in CI when one answers on localhost; else SQLite.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if [[ "${DATABASE_URL:-}" == postgres* ]]; then
    export TEST_DATABASE_URL="$DATABASE_URL"
  elif [ -n "${CI:-}" ] && .venv/bin/python scripts/probe_postgres.py postgresql://postgres@localhost/postgres; then
    export TEST_DATABASE_URL=postgresql://postgres@localhost/postgres
  fi
fi
echo "test database: ${TEST_DATABASE_URL:-SQLite (temporary file)}"

.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
# The committed widget assets must be what extensions/baton-popup/src builds to.
node scripts/build_widget.mjs --check || exit 1
# The committed static/polaris-tokens.css must hold exactly the Polaris tokens admin.css uses.
node scripts/build_admin_tokens.mjs --check || exit 1

.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: the suite is missing, which is a failure here" >&2
  exit 1
fi
exit "$status"
