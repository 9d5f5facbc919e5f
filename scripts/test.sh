#!/usr/bin/env bash
# Install what the tests need and run the whole suite (SQLite, eager Celery, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
bootstrap_venv ".[test]"
# The browser journeys drive Debian's Chromium through Playwright (never a downloaded browser).
if [ -x /usr/bin/chromium ]; then
  step "Chromium found at /usr/bin/chromium"
else
  step "Installing Debian's chromium for the browser journeys"
  apt_install chromium
fi
step "Running the test suite (pytest $*)"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ $status -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure." >&2
  exit 1
fi
exit $status
