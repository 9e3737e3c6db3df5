VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench bench-sweep fuzz clean chromium libreoffice

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PIP) install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/caseload plan --out plan

# The report test opens report.html in Debian's headless Chromium (never `playwright install`).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# The workbook test opens plan.xlsx in Debian's headless LibreOffice Calc.
libreoffice:
	command -v soffice >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-calc-nogui)

test: $(TEST_STAMP) chromium libreoffice
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .

fuzz: $(TEST_STAMP)  # the long fuzz run (thousands of mutated inputs); `make test` runs a short one
	$(PY) -m tests.fuzzing --cases $${FUZZ_CASES:-3000} --seed $${FUZZ_SEED:-1}

bench: $(STAMP)
	$(PY) -m benchmarks

bench-sweep: $(STAMP)
	$(PY) -m benchmarks.sweep

clean:
	rm -rf $(VENV) plan .pytest_cache
