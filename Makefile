# One entry point for newcomers and CI. Everything installs into .venv and fhir_profiles/node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_MODULES := fhir_profiles/node_modules/.installed

.PHONY: setup run test lint typecheck pytest ig ig-verify node web-vendor interop fuzz chaos clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

$(NODE_MODULES): fhir_profiles/package.json fhir_profiles/package-lock.json
	cd fhir_profiles && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_MODULES)

## web-vendor: install the web pages' charting library (locked in service/web/vendor/) and copy its
## built file to service/web/static/vendor/, where it is committed (users need no build step)
WEB_VENDOR := service/web/vendor
web-vendor:
	cd $(WEB_VENDOR) && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p service/web/static/vendor
	sed '/^\/\/# sourceMappingURL=/d' $(WEB_VENDOR)/node_modules/chart.js/dist/chart.umd.min.js \
	  > service/web/static/vendor/chart.umd.min.js
	cp $(WEB_VENDOR)/node_modules/chart.js/LICENSE.md service/web/static/vendor/chart.js-LICENSE.md

## run: set up and start the service on the embedded default (SQLite, Stockholm demo directory)
run: setup
	$(BIN)/lus-fhir serve --demo

## ig: regenerate the guide's JSON (vendored R4 definitions, SUSHI output, invalid examples, docs)
ig: setup node
	$(BIN)/python -m fhir_profiles.build

## ig-verify: regenerate the guide and fail if the generated files were out of date
ig-verify: setup node
	$(BIN)/python -m fhir_profiles.build --check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -n auto --durations=15

## test: set up and run every check (guide drift, lint, types, tests)
test: ig-verify lint typecheck pytest
	$(BIN)/lus-fhir ig check

## interop: build and start a real HAPI FHIR JPA server (Maven, no Docker) with the guide installed,
## then compare validators and run the conformance suites against it (reports in build/interop/)
interop: setup
	docker/hapi/build.sh
	$(BIN)/lus-fhir ig pack --out build/ig
	LUS_FHIR_TEST_HAPI_URL="$$(docker/hapi/start.sh 8090 build/ig/se.lusfhir.ig-0.1.0.tgz)" \
	  $(BIN)/pytest -m hapi tests/interop; rc=$$?; docker/hapi/stop.sh; exit $$rc

## fuzz: FUZZ_REQUESTS (default 100000) fuzz requests against a real `lus-fhir serve` on SQLite, and
## on PostgreSQL when LUS_FHIR_TEST_POSTGRES_URL is set; FUZZ_SEED repeats a run (docs/hardening.md)
FUZZ_REQUESTS ?= 100000
fuzz: setup
	$(BIN)/python -m tests.fuzz.run --requests $(FUZZ_REQUESTS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

## chaos: CHAOS_ROUNDS (default 100) rounds of SIGKILL to a real server or worker under a steady
## write + delivery load, on SQLite and on a PostgreSQL cluster of its own (restarted once), then
## SIGTERM drains and a full disk (SQLite); checks nothing acknowledged was lost and every
## notification arrived (docs/hardening.md). CHAOS_SEED repeats a run, CHAOS_BACKEND=sqlite|postgres
CHAOS_ROUNDS ?= 100
CHAOS_BACKEND ?= all
chaos: setup
	$(BIN)/python -m tests.chaos.run --rounds $(CHAOS_ROUNDS) --backend $(CHAOS_BACKEND) \
	  $(if $(CHAOS_SEED),--seed $(CHAOS_SEED))

clean:
	rm -rf $(VENV) fhir_profiles/node_modules .mypy_cache .ruff_cache .pytest_cache
