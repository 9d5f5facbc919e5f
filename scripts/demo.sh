#!/usr/bin/env bash
# Run boardsvc with demo data on the embedded default: SQLite, no Redis, no Docker.
# Web server + Celery worker + Celery beat (kombu's filesystem transport needs no server).
# This command keeps running: it serves until you press Ctrl-C. Run the tests
# (bash scripts/test.sh) from a second terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
bootstrap_venv "."

export DJANGO_SETTINGS_MODULE=config.settings.local
HOST="${BOARDSVC_HOST:-127.0.0.1}"
PORT="${BOARDSVC_PORT:-8000}"
PY=.venv/bin/python

step "Creating or updating the database (SQLite in var/ unless DATABASE_URL is set)"
$PY manage.py migrate --noinput -v0
step "Seeding the demo data (boards, meetings, rooms, synthetic cases; nothing new if seeded)"
$PY manage.py seed_demo

step "Starting the Celery worker and beat in the background"
mkdir -p var/log
$PY -m celery -A config worker --pool=solo --loglevel=INFO -Q celery,solver \
    > var/log/worker.log 2>&1 &
WORKER=$!
$PY -m celery -A config beat --loglevel=INFO > var/log/beat.log 2>&1 &
BEAT=$!
trap 'kill $WORKER $BEAT 2>/dev/null || true' EXIT INT TERM

echo
echo "boardsvc is running at http://$HOST:$PORT/  (API docs: http://$HOST:$PORT/api/docs/)"
echo "Background worker and periodic jobs log to var/log/worker.log and var/log/beat.log."
echo "This command keeps serving until you press Ctrl-C: run the tests from a second terminal"
echo "(bash scripts/test.sh)."
echo
$PY manage.py runserver "$HOST:$PORT" --noreload
