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
# Whole-suite runs are spread over the CPUs with pytest-xdist (-n, at most 4 workers; each has
# its own test database and Chromium). Passing -n/--numprocesses/--dist or -p no:xdist yourself
# overrides this (-n 0 runs serially); plain `pytest tests/x/test_y.py` never uses xdist.
args=("$@")
parallel=1
prev=""
for arg in "$@"; do
  case "$arg" in
    -n*|--numprocesses|--numprocesses=*|--dist|--dist=*|-pno:xdist) parallel=0 ;;
    no:xdist) if [ "$prev" = "-p" ]; then parallel=0; fi ;;
  esac
  prev="$arg"
done
if [ $parallel = 1 ]; then
  workers=${BOARDSVC_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}
  if [ "$workers" -gt 4 ]; then workers=4; fi
  # worksteal: a worker that runs out of tests takes some of another's (the default "load"
  # left one worker idle for about two minutes at the end of the suite).
  if [ "$workers" -ge 2 ]; then args=(-n "$workers" --dist worksteal "${args[@]}"); fi
fi
step "Running the test suite (pytest ${args[*]})"
set +e
.venv/bin/python -m pytest "${args[@]}"
status=$?
set -e
if [ $status -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure." >&2
  exit 1
fi
exit $status
