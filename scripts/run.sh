#!/usr/bin/env bash
# `make run`: migrate, then start the Procfile's web and worker on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
# .env fills in what the environment does not set: `shopify app dev` passes its tunnel and
# the app's credentials, and those must win over what .env remembers.
given=$(export -p)
set -a
# shellcheck disable=SC1091
. ./.env
set +a
eval "$given" || true  # a read-only variable keeps its value either way
mkdir -p .run

if [ -z "${REDIS_URL:-}" ]; then
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$PWD/.run/redis.pid" --logfile "$PWD/.run/redis.log"
  export REDIS_URL="redis://127.0.0.1:$port/0"
  trap 'kill "$(cat .run/redis.pid)" 2>/dev/null || true' EXIT
  echo "started redis-server on port $port (set REDIS_URL to use your own)"
fi

export PATH="$PWD/.venv/bin:$PATH" FLASK_APP=app
port="${PORT:-8000}"
# Demo mode: no Shopify credentials in .env, so `make run` asks for the demo by name. The
# demo shop talks to the local Shopify fake; the app itself refuses it anywhere else.
demo=""
if [ -z "${SHOPIFY_API_KEY:-}${SHOPIFY_API_SECRET:-}${SHOPIFY_APP_URL:-}" ] && [ "${BATON_DEMO:-1}" != "0" ]; then
  demo=1
  export BATON_DEMO=1
  export SHOPIFY_ADMIN_BASE_URL="${SHOPIFY_ADMIN_BASE_URL:-http://127.0.0.1:$port/demo/shopify}"
fi
flask db upgrade
if [ -n "$demo" ]; then
  flask baton demo-seed
  echo "Demo storefront: http://127.0.0.1:$port/demo/storefront"
  echo "Demo admin:      http://127.0.0.1:$port/demo/admin"
fi
echo "Baton: http://127.0.0.1:$port/  (health: http://127.0.0.1:$port/healthz)"
# .env is already exported above, so honcho must not load it a second time over REDIS_URL.
honcho --env /dev/null start --port "$port" web worker
