#!/usr/bin/env bash
# Production-shape smoke test (issue 15). This machine has no container engine, so this is how
# the compose topology is proven: start exactly what docker-compose.yml starts, with the same
# commands and settings, on a PostgreSQL and a Redis that are already running, and drive one
# case from submission to booking over HTTP.
#
#   PGBIN=/usr/lib/postgresql/15/bin PGPORT=55432 REDISPORT=56379 bash .ci/smoke_production.sh
#
# - Database: a fresh database and fresh owner and runtime roles (random passwords), made by
#   the compose file's own initdb script (deploy/postgres/initdb/), unless SMOKE_OWNER_ROLE and
#   SMOKE_APP_ROLE (existing roles; SMOKE_OWNER_PASSWORD / SMOKE_APP_PASSWORD when the cluster
#   checks passwords) and SMOKE_DB (an existing database owned by the owner) name others. What
#   this script created is dropped at the end (SMOKE_KEEP=1 keeps it, and the logs).
# - Commands and environment are read from docker-compose.yml and the Dockerfile by
#   .ci/compose_commands.py; only host names, ports, paths, role and database names change.
# - Operator variables, as compose reads them from the shell: DJANGO_SECRET_KEY and the
#   passwords are generated; everything else keeps the compose defaults (SSL redirect on,
#   behind a proxy). The driver is the TLS proxy: it sends X-Forwarded-Proto: https and the
#   public Host ($SMOKE_PUBLIC_HOST, the one DJANGO_ALLOWED_HOSTS), as compose's own web
#   healthcheck does. Each can be overridden from the calling shell.
# - SMOKE_COMPOSE_FILE runs another compose file (default: docker-compose.yml), e.g. to see this
#   test fail on a changed one; SMOKE_HEALTH_TIMEOUT (120) bounds the wait for the healthchecks.
# - Redis: the services use database 0, as compose does; no other worker may consume from it
#   while this runs (the script refuses to start when its queues already hold messages).
#
# Exit 0 when every service came up healthy, the drive passed and every service stopped
# cleanly; otherwise 1, with the logs of the processes that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
STARTED=$SECONDS
step() { echo; echo "=== [smoke $((SECONDS - STARTED))s] $*"; }
die() { echo "SMOKE FAILED: $*" >&2; exit 1; }

PY=.venv/bin/python
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PGPORT=${PGPORT:-55432}
REDISPORT=${REDISPORT:-56379}
PGSUPERUSER=${PGSUPERUSER:-postgres}
RUN=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d /tmp/boardsvc-smoke.XXXXXX)
secret() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }

# --- what compose_commands.py substitutes, and the operator's variables -------------------------
export SMOKE_PGPORT=$PGPORT SMOKE_REDISPORT=$REDISPORT SMOKE_VAR_DIR=$WORK/var SMOKE_HOME=$WORK/home
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export SMOKE_WEBPORT=${SMOKE_WEBPORT:-$(free_port)}
export SMOKE_DB_NAME=${SMOKE_DB:-boardsvc_smoke_$RUN}
if [ -n "${SMOKE_OWNER_ROLE:-}" ] || [ -n "${SMOKE_APP_ROLE:-}" ]; then
  : "${SMOKE_OWNER_ROLE:?set SMOKE_OWNER_ROLE with SMOKE_APP_ROLE}"
  : "${SMOKE_APP_ROLE:?set SMOKE_APP_ROLE with SMOKE_OWNER_ROLE}"
  CREATE_ROLES=0
  export BOARDSVC_DB_OWNER_PASSWORD=${SMOKE_OWNER_PASSWORD:-unused-with-trust-auth}
  export BOARDSVC_DB_APP_PASSWORD=${SMOKE_APP_PASSWORD:-unused-with-trust-auth}
else
  CREATE_ROLES=1
  export SMOKE_OWNER_ROLE=boardsvc_owner_smoke_$RUN SMOKE_APP_ROLE=boardsvc_app_smoke_$RUN
  BOARDSVC_DB_OWNER_PASSWORD=$(secret 32) BOARDSVC_DB_APP_PASSWORD=$(secret 32)
  export BOARDSVC_DB_OWNER_PASSWORD BOARDSVC_DB_APP_PASSWORD
fi
CREATE_DB=$([ -n "${SMOKE_DB:-}" ] && echo 0 || echo 1)
[ "$CREATE_DB" = 1 ] || [ "$CREATE_ROLES" = 0 ] \
  || die "SMOKE_DB needs SMOKE_OWNER_ROLE and SMOKE_APP_ROLE: the roles that database was made for"
DJANGO_SECRET_KEY=$(secret 60)
POSTGRES_PASSWORD=$(secret 32)  # required by the file; the db service is this machine's cluster
export DJANGO_SECRET_KEY POSTGRES_PASSWORD
PUBLIC_HOST=${SMOKE_PUBLIC_HOST:-boards.smoke.invalid}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-$PUBLIC_HOST}

PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U "$PGSUPERUSER" -v ON_ERROR_STOP=1 -q -X)
SERVICES=(web worker solver beat)
queued() {  # messages waiting in the queues the workers consume (compose: worker -Q celery, solver -Q solver)
  local total=0 n queue
  for queue in celery solver; do
    n=$(redis-cli -p "$REDISPORT" llen "$queue" 2>/dev/null)
    [[ $n =~ ^[0-9]+$ ]] || n=0
    total=$((total + n))
  done
  echo "$total"
}
declare -A PIDS=() STATUS=()
FAILED=()

# --- stopping, and the logs of what failed ------------------------------------------------------
stop_services() {  # NAME...: SIGTERM to each at once, up to 20s to exit, then their statuses
  local name pid status deadline=$((SECONDS + 20))
  for name in "$@"; do
    pid=${PIDS[$name]:-}
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    else
      echo "$name had exited before the end of the smoke test" >&2
      FAILED+=("$name")
    fi
  done
  for name in "$@"; do
    pid=${PIDS[$name]:-}
    [ -n "$pid" ] || continue
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name did not stop within 20s of SIGTERM: killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
      FAILED+=("$name")
    fi
    status=0
    wait "$pid" 2>/dev/null || status=$?
    STATUS[$name]=$status
    echo "$name stopped (status $status) $((SECONDS - deadline + 20))s after SIGTERM"
    [ "$status" = 0 ] || FAILED+=("$name")
    unset "PIDS[$name]"
  done
}

stop_all() { stop_services beat web worker solver; }

finish() {
  local code=$?
  set +e
  [ -z "${BEAT_HEALTH:-}" ] || kill "$BEAT_HEALTH" 2>/dev/null  # a poll still running
  stop_all
  local left
  left=$(queued)
  [ "$left" = 0 ] || echo "note: $left message(s) of this run left in Redis' celery/solver queues"
  if [ ${#FAILED[@]} -gt 0 ]; then
    for name in $(printf '%s\n' "${FAILED[@]}" | sort -u); do
      echo; echo "--- log of $name (failed) ---"; tail -n 200 "$WORK/$name.log"
    done
    code=1
  elif [ "$code" != 0 ]; then  # every service ran: their last lines, for the step that failed
    for name in "${SERVICES[@]}"; do
      [ -f "$WORK/$name.log" ] || continue
      echo; echo "--- last lines of $name ---"; tail -n 40 "$WORK/$name.log"
    done
  fi
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then
    echo "kept: database $SMOKE_DB_NAME, roles $SMOKE_OWNER_ROLE/$SMOKE_APP_ROLE, logs in $WORK"
  else
    export PGOPTIONS="-c client_min_messages=warning"
    [ "$CREATE_DB" = 1 ] && "${PSQL[@]}" -d postgres \
      -c "DROP DATABASE IF EXISTS \"$SMOKE_DB_NAME\" WITH (FORCE)"
    [ "$CREATE_ROLES" = 1 ] && "${PSQL[@]}" -d postgres \
      -c "DROP ROLE IF EXISTS \"$SMOKE_OWNER_ROLE\"" -c "DROP ROLE IF EXISTS \"$SMOKE_APP_ROLE\""
    if [ "$code" = 0 ] || ! compgen -G "$WORK/*.log" > /dev/null; then
      rm -rf "$WORK"
    else
      echo "logs kept in $WORK"
    fi
  fi
  if [ "$code" = 0 ]; then
    echo; echo "=== [smoke $((SECONDS - STARTED))s] passed"
  else
    echo; echo "=== [smoke $((SECONDS - STARTED))s] FAILED" >&2
  fi
  exit "$code"
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- 1. the services this machine provides: PostgreSQL and Redis -------------------------------
step "1. PostgreSQL on 127.0.0.1:$PGPORT, Redis on 127.0.0.1:$REDISPORT"
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" || die "no PostgreSQL on 127.0.0.1:$PGPORT"
[ "$(redis-cli -p "$REDISPORT" ping 2>/dev/null)" = PONG ] || die "no Redis on 127.0.0.1:$REDISPORT"
waiting=$(queued)
[ "$waiting" = 0 ] \
  || die "Redis' celery/solver queues already hold $waiting message(s): something else uses this Redis"

# --- 2. the database and its two roles, as the db service's initdb script makes them -----------
step "2. Database $SMOKE_DB_NAME, owner role $SMOKE_OWNER_ROLE, runtime role $SMOKE_APP_ROLE"
if [ "$CREATE_DB" = 1 ]; then
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE \"$SMOKE_DB_NAME\""
fi
if [ "$CREATE_ROLES" = 1 ]; then
  for script in deploy/postgres/initdb/*.sh; do
    env PATH="$PGBIN:$PATH" PGHOST=127.0.0.1 PGPORT="$PGPORT" \
      POSTGRES_USER="$PGSUPERUSER" POSTGRES_DB="$SMOKE_DB_NAME" \
      BOARDSVC_DB_OWNER="$SMOKE_OWNER_ROLE" BOARDSVC_DB_APP="$SMOKE_APP_ROLE" sh "$script"
  done
elif [ "$CREATE_DB" = 1 ]; then  # the initdb script's grants, for roles that exist already
  "${PSQL[@]}" -d postgres -v db="$SMOKE_DB_NAME" -v owner="$SMOKE_OWNER_ROLE" \
    -v app="$SMOKE_APP_ROLE" <<'SQL'
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
SQL
fi

# --- 3. the image's build step, and the migrate service as the owner role ---------------------
step "3. Build (the Dockerfile's collectstatic) beside the migrate service (owner role)"
mkdir -p "$WORK/var" "$WORK/home"
$PY .ci/compose_commands.py build > "$WORK/build.log" 2>&1 &
BUILD_PID=$!
if ! $PY .ci/compose_commands.py run migrate > "$WORK/migrate.log" 2>&1; then
  wait "$BUILD_PID" || true
  echo "--- log of migrate (failed) ---"; tail -n 200 "$WORK/migrate.log"; die "migrate failed"
fi
tail -n 1 "$WORK/migrate.log"
if ! wait "$BUILD_PID"; then
  echo "--- log of build (failed) ---"; tail -n 200 "$WORK/build.log"; die "the build step failed"
fi

# --- 4. web, worker and beat as the runtime role, until their healthchecks pass ----------------
WEB_ROLE=$($PY .ci/compose_commands.py show web | $PY -c 'import json, sys, urllib.parse as u
print(u.urlsplit(json.load(sys.stdin)["environment"]["DATABASE_URL"]).username)')
step "4. web (gunicorn on 127.0.0.1:$SMOKE_WEBPORT), worker, solver and beat, connecting as $WEB_ROLE"
for name in "${SERVICES[@]}"; do
  $PY .ci/compose_commands.py run "$name" > "$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!  # compose_commands.py execs the service: this is its own process
done

# Beat's schedule is a shelve: with dbm.gnu (the python image has it) it is the one file that
# beat's healthcheck tests; an interpreter with only dbm.dumb writes celerybeat-schedule.dat/.dir
# instead, and that healthcheck cannot pass here. Then the .dat file is what is checked.
DBM_GNU=$($PY -c 'import dbm.gnu' 2>/dev/null && echo 1 || echo 0)
health_ok() {  # NAME: the service's compose healthcheck passes once
  if [ "$1" = beat ] && [ "$DBM_GNU" = 0 ]; then
    [ -f "$WORK/var/celerybeat-schedule.dat" ]
  else
    $PY .ci/compose_commands.py healthcheck "$1" > "$WORK/$1.health" 2>&1
  fi
}
wait_healthy() {  # NAME SECONDS: poll the healthcheck while the service lives (run in background)
  local deadline=$((SECONDS + $2))
  until health_ok "$1"; do
    kill -0 "${PIDS[$1]}" 2>/dev/null || { echo "$1 exited while starting"; return 1; }
    if [ $SECONDS -ge "$deadline" ]; then
      echo "$1: no pass within $2s; the healthcheck's last words:"
      tail -n 3 "$WORK/$1.health" 2>/dev/null
      return 1
    fi
    sleep 1
  done
  echo "$1: healthy after $((SECONDS - STARTED))s"
}
# web and beat are polled together; the worker's check (a `celery inspect ping`, a Django start
# of its own each time) only once web is up, by when the worker has usually started too.
HEALTH_TIMEOUT=${SMOKE_HEALTH_TIMEOUT:-120}
wait_healthy beat "$HEALTH_TIMEOUT" & BEAT_HEALTH=$!
unhealthy() { FAILED+=("$1"); die "$1: its compose healthcheck did not pass"; }
wait_healthy web "$HEALTH_TIMEOUT" || unhealthy web
wait_healthy worker "$HEALTH_TIMEOUT" || unhealthy worker
wait_healthy solver "$HEALTH_TIMEOUT" || unhealthy solver
wait "$BEAT_HEALTH" || { BEAT_HEALTH=""; unhealthy beat; }
BEAT_HEALTH=""
[ "$DBM_GNU" = 1 ] || echo "beat: checked celerybeat-schedule.dat (this interpreter has no dbm.gnu)"

# --- 5. one case from submission to booking, over HTTP -----------------------------------------
step "5. Drive one case from submission to booking (.ci/smoke_drive.py)"
$PY .ci/smoke_drive.py --base-url "http://127.0.0.1:$SMOKE_WEBPORT" --host "$PUBLIC_HOST" \
  --pgbin "$PGBIN" --run "$RUN"

step "6. Stop the services"
stop_all
[ ${#FAILED[@]} = 0 ] || die "service(s) failed: ${FAILED[*]}"
