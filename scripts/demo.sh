#!/usr/bin/env bash
# Run boardsvc with demo data on the embedded default: SQLite, no Redis, no Docker.
# Web server + Celery worker + Celery beat (kombu's filesystem transport needs no server).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
bootstrap_venv "."

export DJANGO_SETTINGS_MODULE=config.settings.local
HOST="${BOARDSVC_HOST:-127.0.0.1}"
PORT="${BOARDSVC_PORT:-8000}"
PY=.venv/bin/python

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo

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
echo "Press Ctrl-C to stop."
echo
$PY manage.py runserver "$HOST:$PORT" --noreload
