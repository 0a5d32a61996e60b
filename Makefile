# Two commands: `make run` (venv, install, migrate, demo unless JICAI_ENV=production, gunicorn on :8000
# and a job worker) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export FLASK_APP := wsgi
# What the QR codes encode follows where `make run` listens, unless PUBLIC_BASE_URL is set.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-deps test-sqlite test-postgres test-future bench bench-overview clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed requirements-test.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

# Front-end libraries come from npm (package-lock.json) and are served by the app from pwa/vendor/:
# the QR decoder as published, ECharts as a custom build of only the charts the cockpit draws
# (vendor-src/echarts.js, bundled by esbuild, a devDependency).
VENDOR := pwa/vendor/jsQR.js pwa/vendor/echarts.js

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

pwa/vendor/jsQR.js: node_modules/.installed
	mkdir -p pwa/vendor
	cp node_modules/jsqr/dist/jsQR.js pwa/vendor/jsQR.js

pwa/vendor/echarts.js: node_modules/.installed vendor-src/echarts.js
	mkdir -p pwa/vendor
	node_modules/.bin/esbuild vendor-src/echarts.js --bundle --minify --format=esm --target=es2019 \
		--legal-comments=eof --log-level=warning --outfile=$@

run: $(BIN)/.installed $(VENDOR)
	mkdir -p instance
	$(BIN)/flask db upgrade
ifeq ($(JICAI_ENV),production)
	@echo "JICAI_ENV=production: the demo is not loaded (first administrator: flask create-admin, see README)"
else
	$(BIN)/flask demo
endif
	@# The job worker (risk scans, escalation, imports) beside gunicorn; Ctrl-C stops both.
	@trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask worker & worker=$$!; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# What the tests need installed (.ci/run makes it once before its runs start side by side).
test-deps: $(BIN)/.installed-test $(VENDOR)

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set (CI sets it). The two runs share
# nothing (each its own database, temporary directory, ports and queue names), so they run side by
# side; each one's output is printed whole when it ends (-O).
test: $(BIN)/.installed-test $(VENDOR)
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory -j2 -O test-sqlite test-postgres; \
	else $(MAKE) --no-print-directory test-sqlite && \
	echo "TEST_DATABASE_URL not set: PostgreSQL run skipped (CI runs it)"; fi

test-sqlite:
	JICAI_TEST_DB=sqlite $(BIN)/pytest -q tests

test-postgres:
	JICAI_TEST_DB=postgres $(BIN)/pytest -q tests

# The suite pins its own clock (tests/conftest.py): it must pass with the machine's date years ahead.
FUTURE ?= 2030-02-28 23:30:00
test-future: $(BIN)/.installed-test $(VENDOR)
	JICAI_TEST_DB=sqlite faketime '$(FUTURE)' $(BIN)/pytest -q --ignore-glob='*browser*.py' tests

bench: $(BIN)/.installed-test $(VENDOR)
	$(BIN)/python bench/scan_vs_hello.py
	$(BIN)/python bench/labels.py
	$(BIN)/python bench/photo_upload.py
	$(BIN)/python bench/first_load.py
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/offline_sync.py
	$(BIN)/python bench/risk_scan.py
	$(BIN)/python bench/subsidy_import.py
	$(BIN)/python bench/subsidy_rules.py --reuse
	$(BIN)/python bench/hostile_files.py
	$(BIN)/python bench/overview.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/regions_import.py
	$(BIN)/python bench/county_import.py

# The cockpit at province scale (PostgreSQL): SCALE=1 for 1,000,000 subsidy payments.
SCALE ?= 0.1
bench-overview: $(BIN)/.installed-test
	$(BIN)/python bench/overview.py --scale $(SCALE)

clean:
	rm -rf $(VENV) instance test-artifacts node_modules pwa/vendor
