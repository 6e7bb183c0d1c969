# Two commands do everything on a fresh machine: `make test` and `make demo`.
# `make check` is the fast loop while working: lint, types, the unit tests (no end-to-end
# test: those are marked `slow`, see tests/README.md); `make test` is the whole suite, as CI.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install check test demo lint types bench clean

install: $(STAMP)

# torch first, exactly 2.13.0 (the local CPU wheel): installing the project afterwards
# then finds torch satisfied and never resolves a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	bash .ci/system-packages.sh || true
	touch $(STAMP)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# mypy.ini says what is checked and how strictly
types: install
	$(PY) -m mypy

check: install lint types
	$(PY) -m pytest -m "not slow" -q

test: install lint types
	$(PY) -m pytest

demo: install
	$(VENV)/bin/propgrade demo --out demo-out

bench: install
	$(PY) -m tests.bench.bench_grade

clean:
	rm -rf $(VENV) demo-out .pytest_cache
