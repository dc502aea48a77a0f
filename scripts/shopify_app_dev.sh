#!/usr/bin/env bash
# Run by `shopify app dev` (see shopify.web.toml). The CLI passes its tunnel as APP_URL, the
# app's credentials as SHOPIFY_API_KEY and SHOPIFY_API_SECRET, the TOML's scopes as SCOPES and
# the port to listen on as PORT; Baton reads SHOPIFY_APP_URL and SHOPIFY_SCOPES.
set -euo pipefail
cd "$(dirname "$0")/.."
export SHOPIFY_APP_URL="${APP_URL:?APP_URL is unset: run this through shopify app dev}"
if [ -n "${SCOPES:-}" ]; then
  export SHOPIFY_SCOPES="$SCOPES"
fi
export PORT="${PORT:-8000}"
exec make run
