# EcoComply — the two commands a newcomer types: `make run` and `make test` (README "Quick start").
#
#   make run     install into .venv (first time / when pyproject.toml changes) and serve the embedded default
#   make test    install with test extras, lint, run the test suite   (PYTEST_ARGS='-k credit -x' ...)
#   make bench   install with test extras, run the benchmarks          (BENCH_ARGS=...)
#   make bench-check  fail when the decision path's instructions per decision (valgrind callgrind) grew > 15 %
#                over bench/baseline.json (a +30 % regression fails with room; the count repeats within ~1 %)
#   make lint    ruff check
#   make clean   remove .venv, var/ (embedded data: SQLite files and the token secret) and caches

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Only the source directories that exist (bench/ may not yet).
LINT_DIRS := $(wildcard shared services tests bench)

SERVE_ARGS  ?=
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist; each worker has its own stacks, databases, Kafka-protocol mock
# and, where no server answers, its own throwaway PostgreSQL). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
BENCH_ARGS  ?=
BENCH_CHECK_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test bench bench-check lint clean system-deps system-deps-test

help:
	@echo "make run    install (first time) and serve EcoComply at http://127.0.0.1:8000/"
	@echo "make test   install test extras, lint, run the test suite (PYTEST_ARGS=...)"
	@echo "make bench  run the benchmarks (BENCH_ARGS=...)"
	@echo "make bench-check  fail if instructions per decision grew > 15 % over bench/baseline.json (needs valgrind)"
	@echo "make lint   ruff check"
	@echo "make clean  remove .venv, var/ and caches"

# The virtualenv. On Debian/Ubuntu `python3 -m venv` needs the python3-venv package; a half-made
# .venv (no pip) is removed so that the next run starts clean.
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "EcoComply needs Python >= 3.11, found " + sys.version.split()[0] + " (set PYTHON=python3.11)")'
	@echo "creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	@test -x $@ || { rm -rf $(VENV); echo "$(VENV) has no pip; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

# Stamps: reinstall only when pyproject.toml changes (the package itself is installed editable).
$(VENV)/.installed: pyproject.toml | $(BIN)/pip
	@echo "installing ecocomply into $(VENV) (pip install -e .)"
	@$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/pip
	@echo "installing ecocomply with test extras into $(VENV) (pip install -e '.[test]')"
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@ $(VENV)/.installed

# System packages (a CJK font for the PDF documents; Chromium and pdftotext for the tests), installed
# with apt only when missing.
system-deps:
	@deploy/system-deps.sh runtime

system-deps-test:
	@deploy/system-deps.sh test

run: system-deps $(VENV)/.installed
	$(BIN)/ecocomply serve $(SERVE_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINT_DIRS)

# Make's own exit status is 2 on any failure (GNU make); pytest's code is printed on failure.
test: system-deps-test lint
	@$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS) || { rc=$$?; echo "pytest failed (exit $$rc)" >&2; exit $$rc; }

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-check: $(VENV)/.installed-test
	$(BIN)/python -m bench.check $(BENCH_CHECK_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis *.egg-info build dist
	find $(LINT_DIRS) -name __pycache__ -type d -prune -exec rm -rf {} +
