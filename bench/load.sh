#!/usr/bin/env bash
# Load benchmark of the production shape (issue 15, "Load benchmark"), in one command:
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/boardsvc_load bench/load.sh [--scale 1.0] \
#       [bench/load_run.py flags, e.g. --duration 10 --workers 2 --threads 4]
#
# Creates the database named in DATABASE_URL when it does not exist, migrates it and fills it
# with the synthetic data set (bench/load_data.py, ~2.5 minutes at scale 1); a database that
# already holds the data set is reused (each run books some of its unbooked procedures, so a
# new database gives the booking writes the most inputs). Then starts gunicorn, a Celery worker
# and Redis on loopback and measures (bench/load_run.py). Needs redis-server on PATH and the
# project's .venv; results are printed and written to artifacts/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database (created when missing)}"
scale=1.0
if [[ "${1:-}" == "--scale" ]]; then
    scale=$2
    shift 2
fi
.venv/bin/python - <<'PY'
import os

import psycopg

url = os.environ["DATABASE_URL"]
server, name = url.rsplit("/", 1)
with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
PY
.venv/bin/python bench/load_data.py --scale "$scale" --if-present reuse
.venv/bin/python bench/load_run.py "$@"
