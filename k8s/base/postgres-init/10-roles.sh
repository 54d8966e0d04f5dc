#!/usr/bin/env bash
# First boot of a service's PostgreSQL (the official image runs /docker-entrypoint-initdb.d/*.sh
# once, on an empty data directory, as the superuser over the local socket): creates the
# service's owner and runtime roles (roles.psql beside this file). The StatefulSet passes the
# names and passwords from the Secrets <service>-db-owner and <service>-db-app. To rotate their
# passwords, update the Secrets and run it again:
#   kubectl exec <service>-db-0 -- bash /docker-entrypoint-initdb.d/10-roles.sh
psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
  --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
  -v db="${POSTGRES_DB}" \
  -v owner="${SHOPCAST_DB_OWNER_USER}" -v owner_password="${SHOPCAST_DB_OWNER_PASSWORD}" \
  -v app="${SHOPCAST_DB_APP_USER}" -v app_password="${SHOPCAST_DB_APP_PASSWORD}" \
  -f /docker-entrypoint-initdb.d/roles.psql
