#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian (as root) and run the whole suite:
# PostGIS, Chromium (with CJK fonts) and LibreOffice Calc from apt; the package with its test
# extras from the lock (uv.lock) into the project's own .venv (install.sh); a PostgreSQL
# cluster started with a test database; then pytest from .venv.  `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
need=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s libreoffice-calc >/dev/null 2>&1 || need+=(libreoffice-calc)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

bash install.sh test

# PostgreSQL 15 + PostGIS: start the cluster, create the test role and database.
pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='gridpatrol'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE gridpatrol LOGIN SUPERUSER PASSWORD 'gridpatrol'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='gridpatrol_test'\"" \
  | grep -q 1 || su postgres -c "createdb -O gridpatrol gridpatrol_test"
su postgres -c "psql -q -d gridpatrol_test -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
export GRIDPATROL_TEST_POSTGIS="postgresql://gridpatrol:gridpatrol@127.0.0.1:5432/gridpatrol_test"

exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
