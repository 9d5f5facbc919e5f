#!/bin/sh
# The two database roles of README "Database roles", made once when the PostgreSQL volume is
# first initialised (the image runs /docker-entrypoint-initdb.d/* as the superuser):
#   boardsvc_owner  owns the database and every table; only migrations connect as it.
#   boardsvc_app    web, worker and beat; privileges granted by `manage.py db_roles` after
#                   each migrate: INSERT and SELECT only on the audit tables (issue 10 item 3).
# Neither is a superuser. Passwords come from the environment, never from this file.
set -eu
: "${BOARDSVC_DB_OWNER_PASSWORD:?set BOARDSVC_DB_OWNER_PASSWORD}"
: "${BOARDSVC_DB_APP_PASSWORD:?set BOARDSVC_DB_APP_PASSWORD}"
psql -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner="${BOARDSVC_DB_OWNER:-boardsvc_owner}" -v owner_pw="$BOARDSVC_DB_OWNER_PASSWORD" \
  -v app="${BOARDSVC_DB_APP:-boardsvc_app}" -v app_pw="$BOARDSVC_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'owner_pw';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO :"owner";
-- PostgreSQL 15+: the public schema belongs to the database owner, and nobody else may create
-- objects in it. Only the roles named here may connect.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
SQL
