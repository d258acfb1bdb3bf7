# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-sqlite test-postgres lint install install-dev bench clean browser-deps \
	production production-check collectstatic

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.base: requirements/base.txt | $(PY)
	$(PIP) install -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/dev.txt requirements/base.txt | $(PY)
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

## make test: ruff, migrations check, the whole suite on SQLite and on PostgreSQL
test: install-dev lint test-sqlite test-postgres

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

test-postgres: install-dev browser-deps
	@url=$$(.ci/services.sh postgres | tail -n 1) && redis=$$(.ci/services.sh redis) && \
	  DATABASE_URL=$$url REDIS_URL=$$redis .ci/pytest.sh PostgreSQL -q

bench: install-dev
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
