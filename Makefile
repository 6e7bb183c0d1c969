# Two commands do everything on a fresh machine: `make test` and `make demo`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test demo lint bench clean

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

test: install lint
	$(PY) -m pytest

demo: install
	$(VENV)/bin/propgrade demo --out demo-out

bench: install
	$(PY) -m tests.bench.bench_grade

clean:
	rm -rf $(VENV) demo-out .pytest_cache
