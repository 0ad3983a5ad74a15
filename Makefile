# Two commands for a newcomer on a fresh machine (Python 3.11+ with venv):
#   make serve   set up .venv and serve the bundled sample dataset on http://127.0.0.1:8000
#   make test    set up .venv with test extras and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint bench sample boundary clean

serve: $(VENV)/.installed-runtime
	$(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-access-log

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

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,sample]'
	touch $@ $(VENV)/.installed-runtime

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
