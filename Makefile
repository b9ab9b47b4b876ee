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
# Warm-up: at least the longest review cycle compared (opt-out: 24 months x 1.5 for patients who agree fewer reviews)

run: $(STAMP)
	$(BIN)/qofsim compare $(SCENARIOS:%=scenarios/%_practice.yaml) --name practice --replications 10 --warmup-years 3

county: $(STAMP)
	$(BIN)/qofsim compare $(SCENARIOS:%=scenarios/%_county.yaml) --name county --replications 3 --warmup-years 3

# Headless Chromium renders the HTML report in the tests. Installed only where that needs no
# password (as root, or with passwordless sudo); otherwise say what to install, and the
# browser test is skipped with the same advice. Never prompts, so 'make test' runs unattended.
CHROMIUM ?= chromium
INSTALL_HINT := install Chromium to run the report's browser test: 'sudo apt-get install chromium' (Debian/Ubuntu) or your system's chromium package

browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "note: headless Chromium not found and no root or passwordless sudo; $(INSTALL_HINT)"; exit 0; fi; \
	  command -v apt-get >/dev/null 2>&1 || { echo "note: headless Chromium not found and no apt-get; $(INSTALL_HINT)"; exit 0; }; \
	  $$SUDO apt-get update -qq </dev/null && $$SUDO apt-get install -y -qq chromium </dev/null >/dev/null \
	    || echo "note: could not install Chromium; $(INSTALL_HINT)"; }

# -n auto: one test process per core (pytest-xdist); the suite is independent tests, and the
# slowest (notebooks, Dask, process pools) overlap instead of queueing.
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n auto

# Every part, England included (about 80 minutes of it on two idle cores); pick parts with
#   make bench BENCH_PARTS="county naive scaling profile"
BENCH_PARTS ?= county naive scaling profile england
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --parts $(BENCH_PARTS)

calibration: $(STAMP)
	$(BIN)/python benchmarks/calibration.py
	$(BIN)/python benchmarks/access.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
