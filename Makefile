# Two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format install env redis wrk chromium clean

run: install env redis  ## Start web and worker on embedded defaults (SQLite + a local Redis)
	scripts/run.sh

test: install redis chromium  ## Lint, then run the whole suite against a real Redis and database
	scripts/test.sh

bench: install redis wrk chromium  ## Run every benchmark; each prints its figure and a same-run baseline ratio
	$(VENV)/bin/python -m benchmarks

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

env: install  ## Create .env with fresh SECRET_KEY and ENCRYPTION_KEYS (never overwrites)
	$(VENV)/bin/python scripts/make_env.py

wrk:
	scripts/ensure_wrk.sh

redis:
	scripts/ensure_redis.sh

chromium:
	scripts/ensure_chromium.sh

clean:
	rm -rf $(VENV) instance .run .pytest_cache .ruff_cache
