# ketasim: the two front-door commands are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup sysdeps run serve test lint typecheck pytest demo calibrate validate cross-validate bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

# System packages the app's tests drive: a PostgreSQL server and a headless Chromium.
# Installed only when missing, so a warm machine skips the network entirely.
sysdeps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup sysdeps
	$(VENV)/bin/pytest

test: lint typecheck pytest

demo: setup
	$(VENV)/bin/ketasim demo --out ketasim-demo

# Long jobs, not part of `make test`; their results are committed.
# Calibration (about 5 minutes on two cores): writes the current calibrated set and docs/calibration.md.
calibrate: setup
	$(VENV)/bin/ketasim calibrate --patients 400 --max-iterations 10 --report docs/calibration.md

# Every library target against the current model: table, JSON and an HTML report.
validate: setup
	$(VENV)/bin/ketasim validate --json --report docs/validation-report.html > docs/validation.json

# Leave-one-study-out cross-validation of the current set (studies sharing a cohort leave together).
cross-validate: setup
	$(VENV)/bin/ketasim validate --cross-validate --json > docs/cross-validation.json

# Engine benchmarks against scipy LSODA and libroadrunner, measured in the same run.
bench: setup
	$(VENV)/bin/ketasim bench --out benchmarks/results/engine.json --markdown docs/performance.md

# The clinic app on an SQLite file with a demo clinic (idempotent seed).
run: setup
	$(VENV)/bin/ketasim db migrate
	$(VENV)/bin/ketasim db seed-demo
	$(VENV)/bin/ketasim serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) ketasim-demo .pytest_cache .mypy_cache .ruff_cache test-artifacts ketasim.db*
