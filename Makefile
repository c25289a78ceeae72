# techcurve — every target sets up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= $(if $(TECHCURVE_DATA),$(TECHCURVE_DATA),../shared/data)
OUT    ?= out/demo
STAMP  := $(VENV)/.stamp-install

.PHONY: setup demo test fuzz bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m techcurve.match.warm  # Numba's kernels compiled once, not by the first run
	touch $(STAMP)

demo: $(STAMP)
	TECHCURVE_DATA="$(DATA)" bash scripts/demo.sh "$(OUT)"

test: $(STAMP)
	$(BIN)/python -m pytest

# the readers' fuzz harness (tests/test_ingest_robust.py) with a large budget; `make test`
# runs it with 25 examples per test. Both are seeded (derandomized): reruns repeat them.
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	TECHCURVE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_ingest_robust.py -k "random_bytes or malformed"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
