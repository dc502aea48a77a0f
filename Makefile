# Two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed

.PHONY: run test bench lint format install lock env redis wrk chromium node build clean

run: install env redis  ## Start web and worker on embedded defaults (SQLite + a local Redis)
	scripts/run.sh

test: install node redis chromium  ## Lint, then run the whole suite against a real Redis and database
	scripts/test.sh

bench: install node redis wrk chromium  ## Run every benchmark; each prints its figure and a same-run baseline ratio
	$(VENV)/bin/python -m benchmarks

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

install: $(STAMP)

# The widget's front-end tools (esbuild, axe-core, Lighthouse), pinned in package-lock.json.
node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	scripts/ensure_package.sh npm npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: node  ## Build the widget's assets and the admin's Polaris tokens (commit the result)
	node scripts/build_widget.mjs
	node scripts/build_admin_tokens.mjs

# Installs exactly the lock (every package pinned with its hashes), then the app itself.
$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

lock: install  ## Re-resolve requirements.txt and requirements-dev.txt from pyproject.toml (UPGRADE=1 for newer)
	scripts/lock.sh

env: install  ## Create .env with fresh SECRET_KEY, ENCRYPTION_KEYS and BATON_DEMO_SECRET (never overwrites)
	$(VENV)/bin/python scripts/make_env.py

# Debian packages the targets need: tests and `make run` start their own redis-server, the
# benchmarks drive load with wrk, and the widget tests drive chromium.
wrk:
	scripts/ensure_package.sh wrk wrk

redis:
	scripts/ensure_package.sh redis-server redis-server "or set REDIS_URL to a running Redis."

chromium:
	scripts/ensure_package.sh chromium chromium

clean:
	rm -rf $(VENV) node_modules instance .run .pytest_cache .ruff_cache .hypothesis test-artifacts
