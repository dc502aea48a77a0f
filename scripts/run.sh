#!/usr/bin/env bash
# `make run`: migrate, then start the Procfile's web and worker on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
# .env fills in what the environment does not set: `shopify app dev` passes its tunnel and
# the app's credentials, and those must win over what .env remembers.
env_file="${BATON_ENV_FILE:-.env}"
given=$(export -p)
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
eval "$given" || true  # a read-only variable keeps its value either way
mkdir -p .run

# Every process `make run` starts runs in the foreground under honcho, redis-server included:
# stopping `make run` (Ctrl-C, or SIGTERM to it) stops all of them, and nothing is left behind.
free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis=""
if [ -z "${REDIS_URL:-}" ]; then
  redis_port=$(free_port)
  redis="redis: exec redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no"
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "starting redis-server on port $redis_port (set REDIS_URL to use your own)"
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
# The demo's Klaviyo and Mailchimp: local stand-ins in a process of their own (they keep their
# state in memory, which the web's several workers could not share), unless a URL is given.
vendors=""
if [ -n "$demo" ] && [ -z "${KLAVIYO_BASE_URL:-}${MAILCHIMP_BASE_URL:-}" ]; then
  vendors_port=$(free_port)
  vendors="vendors: exec python -m app.demo.vendors --port $vendors_port"
  export KLAVIYO_BASE_URL="http://127.0.0.1:$vendors_port/demo/klaviyo"
  export MAILCHIMP_BASE_URL="http://127.0.0.1:$vendors_port/demo/mailchimp/3.0"
fi
flask db upgrade
# The worker seeds the demo once Redis answers (seeding queues the code pools' first fill).
seed=""
if [ -n "$demo" ]; then
  seed="flask baton demo-seed && "
  echo "Demo storefront: http://127.0.0.1:$port/demo/storefront"
  echo "Demo admin:      http://127.0.0.1:$port/demo/admin"
  if [ -n "$vendors" ]; then
    echo "Demo Klaviyo and Mailchimp: connect them under Email platforms with the demo keys;"
    echo "                 what they hold: http://127.0.0.1:$port/demo/admin/holdings"
  fi
fi
# honcho gives each process type PORT+100 in file order: web comes first, on $port.
procfile=.run/Procfile
worker=$(sed -n 's/^worker: //p' Procfile)
{
  grep '^web:' Procfile
  echo "worker: python scripts/wait_for_redis.py && $seed exec $worker"
  if [ -n "$redis" ]; then echo "$redis"; fi
  if [ -n "$vendors" ]; then echo "$vendors"; fi
} > "$procfile"
echo "Baton: http://127.0.0.1:$port/  (liveness: /livez, health: /healthz)"
# .env is already exported above, so honcho must not load it a second time over REDIS_URL.
exec honcho --env /dev/null --procfile "$procfile" start --port "$port"
