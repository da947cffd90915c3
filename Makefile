# freight — two commands set everything up from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
RUNSTAMP := $(VENV)/.installed-run

.PHONY: run test lint typecheck unit slow bench bench-timings setup clean

# The venv is (re)built when missing or when pyproject.toml changes. `make run` installs the
# runtime dependencies only; `make test` adds the test and lint tools (the dev extras).
$(RUNSTAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNSTAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $(RUNSTAMP)

setup: $(STAMP)

## The headline job: validate the calibrated base against observed.csv (prints targets met and
## validation figures met), then appraise every plan project under the central future modelled
## in 2025, 2035 and 2045 (benefit profile through them, held after 2045); CSVs in results/. `run` and `appraise` use the
## default method, the calibrated behavioural model (logit); add `--method mcf` for the planner's
## system optimum with capacity shadow prices.
run: $(RUNSTAMP)
	$(BIN)/freight validate network_data/chuannan_yuxi
	$(BIN)/freight calibrate scenarios/base_2023.toml --no-fit \
		--observed network_data/chuannan_yuxi/observed.csv --out results/validation_base_2023
	$(BIN)/freight run scenarios/future_2025_central.toml --out results/future_2025_central
	$(BIN)/freight plot results/future_2025_central --out results/future_2025_central/map.png \
		--geojson results/future_2025_central/links.geojson
	$(BIN)/freight appraise scenarios/plan_2025_central.toml scenarios/plan_2035_central.toml \
		scenarios/plan_2045_central.toml --out results/appraisal_central --jobs 2

## Lint, type-check and run the test suite (slow tests excluded; `make slow` runs them).
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check freight solvers tools cli.py tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n 2 -m "not slow" -p no:cacheprovider

slow: $(STAMP)
	$(BIN)/pytest -q -m slow -p no:cacheprovider

## Function timings with pytest-benchmark (each asserts its answer).
bench-timings: $(STAMP)
	$(BIN)/pytest benchmarks/timings -p no:cacheprovider --benchmark-only

bench: $(STAMP) bench-timings
	$(BIN)/python benchmarks/perf/bench_mincostflow.py
	$(BIN)/python benchmarks/perf/bench_multicommodity.py
	$(BIN)/python benchmarks/perf/bench_assignment.py
	$(BIN)/python benchmarks/perf/bench_regional.py

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
