# Trama: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test install lint migrations-check unit smoke translations messages lock clean

$(STAMP): requirements.lock pyproject.toml
	@PYBIN=$$(scripts/find-python) && { [ -x $(PY) ] || $$PYBIN -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null || \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

translations: install
	DEBUG=1 $(PY) manage.py compile_translations

run: install translations
	DEBUG=1 DEMO_MODE=1 $(PY) manage.py migrate
	DEBUG=1 DEMO_MODE=1 $(PY) manage.py load_demo
	@echo "Trama: http://127.0.0.1:8000  (e-mails appear in this terminal)"
	DEBUG=1 DEMO_MODE=1 scripts/run-dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

migrations-check: install
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

unit: install translations
	@scripts/ensure-postgres
	@scripts/ensure-test-tools
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=25

smoke: install translations
	scripts/smoke-sqlite

test: lint migrations-check unit smoke fuzz-short

# Benchmarks (code in trama/benchmarks/).
# Resource-ledger benchmark on PostgreSQL, in a database of its own that the command creates,
# empties and fills (its name must start with trama_bench). bench-ledger is the national
# size: 10 million entries, about 12 minutes on 2 cores (9 to generate, 3 to measure) and
# 12 GB of disk; `manage.py bench_ledger --size full --reuse` measures again without
# regenerating. Results: benchmarks/ledger-<size>.json. bench-ledger-small runs every step
# on 20,000 entries in well under a minute and checks the roll-ups against a rebuild (CI).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_bench
BENCH_SMALL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_bench_small

.PHONY: bench-ledger bench-ledger-small
bench-ledger: install
	@scripts/ensure-postgres
	DEBUG=1 $(PY) manage.py bench_ledger --size full --database-url $(BENCH_DATABASE_URL)

bench-ledger-small: install
	@scripts/ensure-postgres
	DEBUG=1 $(PY) manage.py bench_ledger --size small --database-url $(BENCH_SMALL_DATABASE_URL)

# Search over a community's worth of generated Italian (100,000 threads and replies, 10,000
# practice sheets and library documents, events and calls; words from
# trama/benchmarks/data/search_words.txt), in a database of its own (its name must start with
# trama_bench; created, emptied and filled; about 9 minutes here). Times the search page's
# function for an anonymous visitor, an account outside the community and a member; target p95
# under 100 ms each. `manage.py bench_search --size full --reuse` measures again without
# regenerating. Results: benchmarks/search-<size>.json. bench-search-small: every step on
# little data, with the visibility checks (as in `make test`).
BENCH_SEARCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_bench_search
BENCH_SEARCH_SMALL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_bench_search_small

.PHONY: bench-search bench-search-small
bench-search: install
	@scripts/ensure-postgres
	DEBUG=1 $(PY) manage.py bench_search --size full --database-url $(BENCH_SEARCH_DATABASE_URL)

bench-search-small: install
	@scripts/ensure-postgres
	DEBUG=1 $(PY) manage.py bench_search --size small --database-url $(BENCH_SEARCH_SMALL_DATABASE_URL)

# Open data at national size: 50,000 procedures at every stage (calls, rankings, agreements,
# payments, reports, pledges) and one body with 10,000 art. 27 rows, in a database of its own
# (its name must start with trama_bench; created, emptied and filled, a few minutes here).
# Builds the OCDS bulk files as the nightly job does, in a child process whose peak RSS is
# measured, and times the art. 27 downloads (target under 2 s). `manage.py bench_opendata
# --size full --reuse` measures again without regenerating. Results:
# benchmarks/opendata-<size>.json. The small size runs in `make test`.
BENCH_OPENDATA_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_bench_opendata

.PHONY: bench-opendata
bench-opendata: install
	@scripts/ensure-postgres
	DEBUG=1 $(PY) manage.py bench_opendata --size full --database-url $(BENCH_OPENDATA_DATABASE_URL)

# Proposal submissions: 1,000 proposals to one call over HTTP to gunicorn on loopback from
# 16 clients, the deadline falling 5 s into the run; checks that no receipt is lost,
# duplicated or issued late. Its own database (trama_bench_submissions, dropped and
# recreated) and a throw-away folder for the proposals' files. Results:
# benchmarks/submissions.json.
.PHONY: bench-submissions
bench-submissions: install
	@scripts/ensure-postgres
	PRIVATE_MEDIA_ROOT=$$(mktemp -d) DEBUG=1 $(PY) manage.py bench_submissions

# Pages at speed: each page's throughput (wrk, 16 connections, median of 3 runs) against a
# no-op view served the same way, by gunicorn (DEBUG=0, 2 workers, Redis cache db 3) on port
# 8120, in a database of its own (trama_bench_pages, dropped and recreated, demo data).
# Not part of `make test`. Results: benchmarks/pages.json.
.PHONY: bench-pages
bench-pages: install translations
	@scripts/ensure-postgres
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) scripts/bench_pages.py
# API fuzzing: schemathesis (every check, fixed seed) against gunicorn serving a throw-away
# PostgreSQL database (dropped and recreated, migrated, territories and demo data loaded)
# with a read-write token; fails on any 5xx, any status the OpenAPI document doesn't
# declare, any response off its schema. `make fuzz` is the long run (about 10,600 cases,
# 15 minutes on 2 busy cores); `make test` runs a short one (fuzzing phase, 3 cases per
# operation, under a minute of schemathesis).
FUZZ_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_fuzz
FUZZ_SHORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trama_fuzz_short

.PHONY: fuzz fuzz-short
fuzz: install translations
	@scripts/ensure-postgres
	$(PY) scripts/fuzz --database-url $(FUZZ_DATABASE_URL) --port 8110 --max-examples 300

fuzz-short: install translations
	@scripts/ensure-postgres
	$(PY) scripts/fuzz --database-url $(FUZZ_SHORT_DATABASE_URL) --port 8111 --phases fuzzing --max-examples 3

# Developer helpers: refresh the catalogues after changing strings, and the lock after deps.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l it -l en --no-obsolete --no-location -i ".venv/*" -i "staticfiles/*"
	$(PY) scripts/fill-english trama/locale/en/LC_MESSAGES/django.po

lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.12 -q

clean:
	rm -rf $(VENV) staticfiles db.sqlite3*
