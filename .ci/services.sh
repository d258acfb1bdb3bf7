#!/usr/bin/env bash
# Install (Debian packages, when missing) and start the services the test suite needs.
# Usage: .ci/services.sh postgres   -> prints the DATABASE_URL to use on its last line
#        .ci/services.sh redis      -> prints the REDIS_URL to use on its last line
#        .ci/services.sh chromium   -> installs chromium and fonts-noto-cjk when missing
set -euo pipefail

PG_USER=${PG_USER:-jxt}
PG_PASSWORD=${PG_PASSWORD:-jxt-test-only}
PG_DB=${PG_DB:-jxt}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "services.sh: $* is missing and installing it needs root (apt-get)." >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >&2
    export APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

postgres() {
  command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ] \
    || apt_install postgresql
  read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
  if [ "$status" != online ]; then
    pg_ctlcluster "$version" "$cluster" start >&2
  fi
  for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q -p $port" && break
    sleep 1
  done
  su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" \
    | grep -q 1 \
    || su postgres -c "psql -q -p $port -c \"CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'\"" >&2
  su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"" \
    | grep -q 1 \
    || su postgres -c "createdb -p $port -O $PG_USER $PG_DB" >&2
  echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
}

redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    redis-server --port 6379 --save '' --daemonize yes </dev/null >/dev/null
  fi
  for _ in $(seq 1 50); do
    redis-cli -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  redis-cli -p 6379 ping >/dev/null 2>&1 || { echo "services.sh: redis-server did not start" >&2; return 1; }
  echo "redis://127.0.0.1:6379/0"
}

chromium() {
  # The real-browser tests (pytest -m browser) drive Debian's Chromium through Playwright
  # (never `playwright install`); fonts-noto-cjk renders the Chinese pages in screenshots.
  # (type -P: the binary, not this function)
  type -P chromium >/dev/null 2>&1 || apt_install chromium
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || apt_install fonts-noto-cjk
  command chromium --version >&2
}

"$@"
