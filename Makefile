# Two commands for a fresh machine with Python 3.11 and make:
#   make run    set up, then compare QOF, Somerset-style opt-out and QOF withdrawn (results/practice/)
#   make test   set up, then run the test suite
# More: make county (the same for a Somerset-sized county), make bench, make calibration
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run county test bench calibration setup browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

SCENARIOS := qof optout withdrawn

run: $(STAMP)
	$(BIN)/qofsim compare $(SCENARIOS:%=scenarios/%_practice.yaml) --name practice --replications 10 --warmup-years 1

county: $(STAMP)
	$(BIN)/qofsim compare $(SCENARIOS:%=scenarios/%_county.yaml) --name county --replications 3 --warmup-years 1

# Headless Chromium renders the HTML report in the tests (Debian package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

calibration: $(STAMP)
	$(BIN)/python benchmarks/calibration.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
