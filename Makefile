# The newcomer's commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Local development defaults; production sets these in its environment (see docs/operations.md).
export DEBUG ?= true

.PHONY: install run test test-fast validation-report worker beat bench lint migrate clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py demo_setup
	@echo "Serving the EDC on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	@bash scripts/test.sh

# The default SQLite pass alone, for a quick loop while coding.
test-fast: install
	$(BIN)/python -m pytest -q -m "not integration"

# The validation package (docs/validation.md): the SQLite pass with its results in JUnit XML, then
# the requirement traceability matrix in var/validation/. Fails when a test failed.
VALIDATION_ARGS ?= -m "not integration"
validation-report: install
	@mkdir -p var/validation
	$(BIN)/python -m pytest -q $(VALIDATION_ARGS) --junitxml=var/validation/junit.xml; \
	status=$$?; \
	$(BIN)/python scripts/validation_report.py --junit var/validation/junit.xml || status=1; \
	exit $$status

worker: install
	$(BIN)/celery -A trial_edc worker --loglevel=info

beat: install
	$(BIN)/celery -A trial_edc beat --loglevel=info

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
