# Two entry points for a fresh Debian machine with Python 3.11 (see README):
#   make demo   set up, generate the synthetic authorities, run the whole pipeline
#   make test   set up, run the whole test suite
# Both are idempotent: setup only installs what is missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.corpar-installed

.PHONY: setup demo test lint clean-outputs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "corpar (Python 3)" >/dev/null
	# Strip notebook outputs on commit (they can hold children's data).
	if git rev-parse --git-dir >/dev/null 2>&1; then $(BIN)/nbstripout --install; fi
	touch $(STAMP)

# PDF export and the accessibility tests use Debian's chromium (Playwright's own browser
# download does not work offline). Installed with apt-get when missing (needs root).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

setup: $(STAMP) $(CHROMIUM)

demo: setup
	$(BIN)/corpar demo

test: setup
	$(BIN)/ruff check pipeline tests notebooks scripts benchmarks
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: setup
	$(BIN)/ruff check pipeline tests notebooks scripts benchmarks
	$(BIN)/ruff format --check pipeline tests

clean-outputs:
	rm -rf outputs/* data/processed/*
