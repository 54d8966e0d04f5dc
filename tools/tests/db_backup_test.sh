#!/usr/bin/env bash
# tools/db-backup against the run's real PostgreSQL (CTest fixture shopcast_pg; label pg): a
# service-shaped database made with the production roles (k8s/base/postgres-init/roles.psql:
# an owner that migrates, a DML-only app role) is backed up, damaged, and restored, and must
# come back exactly: same rows, same migration state, the app role with its DML rights and no
# more, identities continuing. A restore is refused while a session is connected and when the
# dump is damaged, leaving the database untouched.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
backup="${repo}/tools/db-backup"
roles="${repo}/k8s/base/postgres-init/roles.psql"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() { echo "ok: $*"; }

[[ -n "${SHOPCAST_TEST_PG_ENV:-}" && -s "${SHOPCAST_TEST_PG_ENV}" ]] ||
  fail "SHOPCAST_TEST_PG_ENV does not name the fixture's DSN file (run through ctest)"
admin="$(head -n 1 "${SHOPCAST_TEST_PG_ENV}")"
base_dsn="${admin% dbname=*}"

suffix="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
db="t_backup_${suffix}"
owner="${db}_owner"
app="${db}_app"
work="$(mktemp -d)"
holder_pid=""

q() { # q <dsn> <sql>: one value
  psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 --dbname="$1" \
    --command="$2"
}

cleanup() {
  if [[ -n "${holder_pid}" ]]; then kill "${holder_pid}" 2>/dev/null || true; fi
  psql --no-psqlrc --quiet --dbname="${admin}" \
    --command="DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null 2>&1 || true
  psql --no-psqlrc --quiet --dbname="${admin}" \
    --command="DROP ROLE IF EXISTS ${app}" --command="DROP ROLE IF EXISTS ${owner}" \
    >/dev/null 2>&1 || true
  rm -rf -- "${work}"
}
trap cleanup EXIT

# The fixture trusts local TCP connections, so the roles' passwords are never asked for.
q "${admin}" "CREATE DATABASE ${db}" >/dev/null
superuser_dsn="${base_dsn} dbname=${db}"
owner_dsn="${base_dsn} dbname=${db} user=${owner}"
app_dsn="${base_dsn} dbname=${db} user=${app}"
psql --no-psqlrc --quiet --dbname="${superuser_dsn}" -v db="${db}" -v owner="${owner}" \
  -v owner_password=owner-pw -v app="${app}" -v app_password=app-pw -f "${roles}" >/dev/null

# "Migrations", as the owner: what a service's look like (identity keys, a foreign key, a
# check, an index, a function-backed default, the migration ledger).
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="${owner_dsn}" >/dev/null <<'SQL'
CREATE TABLE schema_migrations (component text, version int, name text, checksum text,
                                PRIMARY KEY (component, version));
INSERT INTO schema_migrations VALUES ('shop', 1, 'V001__orders.sql', 'abc'),
                                     ('shop', 2, 'V002__lines.sql', 'def');
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     buyer text NOT NULL, total_minor bigint NOT NULL CHECK (total_minor >= 0),
                     created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                          sku text NOT NULL, quantity int NOT NULL,
                          PRIMARY KEY (order_id, sku));
CREATE INDEX orders_buyer ON orders (buyer);
SQL

# The service's writes, as the app role.
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="${app_dsn}" >/dev/null <<'SQL'
INSERT INTO orders (buyer, total_minor)
  SELECT 'buyer-' || g, g * 100 FROM generate_series(1, 500) g;
INSERT INTO order_lines SELECT id, 'sku-' || (id % 7), 1 + (id % 3) FROM orders;
SQL

fingerprint() {
  q "${superuser_dsn}" "SELECT md5(
      (SELECT string_agg(id || ':' || buyer || ':' || total_minor || ':' || created_at, ','
                         ORDER BY id) FROM orders) || '|' ||
      (SELECT string_agg(order_id || ':' || sku || ':' || quantity, ',' ORDER BY order_id, sku)
         FROM order_lines) || '|' ||
      (SELECT string_agg(component || version || checksum, ',' ORDER BY component, version)
         FROM schema_migrations))"
}
before="$(fingerprint)"

# --- backup -----------------------------------------------------------------------------
dump="${work}/${db}.dump"
"${backup}" backup "${superuser_dsn}" "${dump}" >"${work}/backup.out"
[[ -s "${dump}" && ! -e "${dump}.partial" ]] || fail "backup left no complete file"
grep -q "3 tables" "${work}/backup.out" || fail "backup summary: $(cat "${work}/backup.out")"
"${backup}" check "${dump}" | grep -q "complete dump of ${db}" || fail "check of a good dump"
pass "backup written and verified"

# A backup that cannot be taken leaves no file behind.
if "${backup}" backup "${base_dsn} dbname=no_such_db_${suffix}" "${work}/none.dump" 2>/dev/null
then
  fail "backup of a missing database succeeded"
fi
[[ ! -e "${work}/none.dump" && ! -e "${work}/none.dump.partial" ]] || fail "failed backup left a file"
pass "a failed backup leaves nothing"

# --- damage: lost and altered rows, a dropped table, a stray table --------------------------
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="${app_dsn}" >/dev/null <<'SQL'
DELETE FROM orders WHERE id % 2 = 0;
UPDATE orders SET total_minor = 0 WHERE id < 50;
SQL
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="${owner_dsn}" >/dev/null <<'SQL'
DROP TABLE order_lines;
DELETE FROM schema_migrations WHERE version = 2;
SQL
damaged="$(fingerprint 2>/dev/null || echo gone)"
[[ "${damaged}" != "${before}" ]] || fail "the damage did not change the data"

# --- refusals ---------------------------------------------------------------------------
# A damaged dump (truncated: as after a full disk or an interrupted copy) is refused before
# anything is touched.
head -c "$(($(stat -c %s "${dump}") * 2 / 3))" "${dump}" >"${work}/truncated.dump"
if "${backup}" restore "${superuser_dsn}" "${work}/truncated.dump" 2>"${work}/err"; then
  fail "restore of a truncated dump succeeded"
fi
grep -q "damaged dump\|not a readable" "${work}/err" || fail "unclear refusal: $(cat "${work}/err")"
[[ "$(q "${superuser_dsn}" "SELECT count(*) FROM orders")" == "250" ]] ||
  fail "a refused restore changed the database"
pass "a truncated dump is refused, the database untouched"

# While the service (any other session) is connected, restore refuses.
psql --no-psqlrc --quiet --dbname="${app_dsn}" --command="SELECT pg_sleep(120)" \
  >/dev/null 2>&1 &
holder_pid=$!
deadline=$((SECONDS + 30))
until [[ "$(q "${superuser_dsn}" "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND usename = '${app}'")" == "1" ]]; do
  ((SECONDS < deadline)) || fail "the holding session never showed up"
  sleep 0.1
done
if "${backup}" restore "${superuser_dsn}" "${dump}" 2>"${work}/err"; then
  fail "restore ran while another session was connected"
fi
grep -q "other session(s) are connected" "${work}/err" || fail "unclear refusal: $(cat "${work}/err")"
q "${superuser_dsn}" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE datname = current_database() AND usename = '${app}'" >/dev/null
wait "${holder_pid}" 2>/dev/null || true
holder_pid=""
pass "restore refused while a session is connected"

# --- restore ----------------------------------------------------------------------------
"${backup}" restore "${superuser_dsn}" "${dump}" >/dev/null
after="$(fingerprint)"
[[ "${after}" == "${before}" ]] || fail "restored data differs from the backup"
[[ "$(q "${superuser_dsn}" "SELECT count(*) FROM orders")" == "500" ]] || fail "row count"
[[ "$(q "${superuser_dsn}" "SELECT tableowner FROM pg_tables WHERE tablename = 'order_lines'")" \
   == "${owner}" ]] || fail "restored tables are not the owner role's"
pass "restore brought back every row, table and migration"

# The runtime role kept exactly its rights: DML works (identities continue after the restored
# maximum), DDL and TRUNCATE do not.
new_id="$(q "${app_dsn}" "INSERT INTO orders (buyer, total_minor) VALUES ('after', 1) RETURNING id")"
((new_id > 500)) || fail "identity restarted at ${new_id}"
q "${app_dsn}" "INSERT INTO order_lines VALUES (${new_id}, 'sku-x', 1)" >/dev/null
if q "${app_dsn}" "CREATE TABLE intruder (x int)" 2>/dev/null; then
  fail "the app role may create tables after the restore"
fi
if q "${app_dsn}" "TRUNCATE orders CASCADE" 2>/dev/null; then
  fail "the app role may truncate after the restore"
fi
pass "the app role keeps DML only; identities continue"

# Restoring again over an intact database is harmless (idempotent), and a new backup of the
# restored database restores to the same data.
"${backup}" backup "${superuser_dsn}" "${work}/second.dump" >/dev/null
"${backup}" restore "${superuser_dsn}" "${work}/second.dump" >/dev/null
[[ "$(q "${superuser_dsn}" "SELECT count(*) FROM orders")" == "501" ]] || fail "second round trip"
pass "backup of a restored database round-trips"

echo "db_backup_test: all passed"
