# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-sqlite test-postgres lint install install-dev bench bench-smoke clean \
	browser-deps production production-check collectstatic

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.base: requirements/base.txt | $(PY)
	$(PIP) install -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/dev.txt requirements/load.txt requirements/base.txt | $(PY)
	$(PIP) install -r requirements/dev.txt
	touch $@ $(VENV)/.base

install: $(VENV)/.base
install-dev: $(VENV)/.dev

## make demo: install, migrate, load the seed, create demo users, serve on 127.0.0.1:8000
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed
	$(PY) manage.py refresh_snapshots --period 2025-07
	$(PY) manage.py refresh_snapshots --period 2025-final
	$(PY) manage.py create_demo_users
	DEPARTMENT_TIER=1 $(PY) manage.py runserver 127.0.0.1:8000

## make production: the production sequence of docs/deployment.md, run with the production
## environment loaded (set -a; . /etc/jixiaotong/env; set +a): check --deploy, migrate,
## collectstatic. Without collectstatic every page of APP_ENV=production is a 500.
production: install production-check
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput

production-check: install
	@test "$$APP_ENV" = production || { echo "APP_ENV=production is not set (docs/deployment.md)"; exit 1; }
	$(PY) manage.py check --deploy --fail-level WARNING

collectstatic: install
	$(PY) manage.py collectstatic --noinput

## make test: ruff, migrations check, the whole suite on SQLite and on PostgreSQL, and every
## benchmark at its --smoke size
test: install-dev lint test-sqlite test-postgres bench-smoke

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# The real-browser tests drive Debian's chromium (installed with fonts-noto-cjk when missing).
browser-deps:
	.ci/services.sh chromium

# Redis for the Celery integration test: started here, so that test fails (never skips) in CI.
test-sqlite: install-dev browser-deps
	@redis=$$(.ci/services.sh redis) && \
	  env -u DATABASE_URL REDIS_URL=$$redis .ci/pytest.sh SQLite -q

# The browser tests (UI, JavaScript, CSP, axe; ~3 min) run once, on SQLite: what they drive does
# not depend on the database, and the whole suite must stay well within CI's 30 minutes.
test-postgres: install-dev
	@url=$$(.ci/services.sh postgres | tail -n 1) && redis=$$(.ci/services.sh redis) && \
	  DATABASE_URL=$$url REDIS_URL=$$redis .ci/pytest.sh PostgreSQL -q -m "not browser"

# The benchmarks: every bench/*.py with a __main__ block (not _*.py), each in a fresh process.
BENCH_SCRIPTS = $(shell grep -l '^if __name__ == "__main__":' $(filter-out bench/_%,$(wildcard bench/*.py)))

## make bench: every benchmark at full size (minutes each; BENCH_DATABASE_URL for PostgreSQL)
bench: install-dev
	@test -n "$(BENCH_SCRIPTS)" || { echo "bench: no benchmark found in bench/" >&2; exit 1; }
	@for f in $(BENCH_SCRIPTS); do echo "== $$f"; $(PY) $$f || exit 1; done

## make bench-smoke: every benchmark at its --smoke size (seconds), so a renamed function breaks
## here; each on a fresh SQLite file under bench/out/ (never the developer's database)
bench-smoke: install-dev
	@test -n "$(BENCH_SCRIPTS)" || { echo "bench-smoke: no benchmark found in bench/" >&2; exit 1; }
	@all=$$(date +%s%N); \
	for f in $(BENCH_SCRIPTS); do \
	  echo "== $$f --smoke"; start=$$(date +%s%N); \
	  env -u BENCH_DATABASE_URL -u DATABASE_URL $(PY) $$f --smoke \
	    || { echo "bench-smoke: $$f --smoke FAILED" >&2; exit 1; }; \
	  ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	  echo "== $$f --smoke: passed in $$((ms / 1000)).$$((ms % 1000 / 100)) s"; \
	done; \
	ms=$$(( ($$(date +%s%N) - all) / 1000000 )); \
	echo "bench-smoke: all passed in $$((ms / 1000)).$$((ms % 1000 / 100)) s"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
