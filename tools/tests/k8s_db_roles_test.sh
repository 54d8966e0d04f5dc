#!/usr/bin/env bash
# The database roles of k8s/ against every service's real migrations (CTest, label pg, with the
# run's PostgreSQL): for each service with a database, a database set up by
# k8s/base/postgres-init/roles.psql, then the service binary run as its pod runs it —
#   `<binary> migrate` with the settings of k8s/base/<service>/config.env and the owner role
#   (the init container), then again with the app role (what `serve` does first at start-up) —
# must succeed; afterwards the app role must hold SELECT, INSERT, UPDATE, DELETE on every table
# the migrations made and USAGE on every sequence, and must not be able to create or truncate.
# Running the binaries with config.env also proves each accepts every setting the ConfigMap
# gives it.
#   k8s_db_roles_test.sh <build-dir>
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
build="${1:?usage: $0 <build-dir>}"
roles="${repo}/k8s/base/postgres-init/roles.psql"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ -n "${SHOPCAST_TEST_PG_ENV:-}" && -s "${SHOPCAST_TEST_PG_ENV}" ]] ||
  fail "SHOPCAST_TEST_PG_ENV does not name the fixture's DSN file (run through ctest)"
admin="$(head -n 1 "${SHOPCAST_TEST_PG_ENV}")"
base_dsn="${admin% dbname=*}"
pg_host="$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"${admin}")"
pg_port="$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"${admin}")"
suffix="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
work="$(mktemp -d)"
made=()

q() {
  psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 --dbname="$1" \
    --command="$2"
}

cleanup() {
  for db in "${made[@]}"; do
    psql --no-psqlrc --quiet --dbname="${admin}" \
      --command="DROP DATABASE IF EXISTS ${db} WITH (FORCE)" \
      --command="DROP ROLE IF EXISTS ${db}_app" --command="DROP ROLE IF EXISTS ${db}_owner" \
      >/dev/null 2>&1 || true
  done
  rm -rf -- "${work}"
}
trap cleanup EXIT

# The environment a pod of <service> gets from its ConfigMap, pointed at the test server.
config_env() {
  local svc="$1"
  grep -E '^[A-Z_][A-Z0-9_]*=' "${repo}/k8s/base/${svc}/config.env" |
    grep -vE '^PG(HOST|PORT|DATABASE)='
}

# run_as <svc> <binary> <db> <role> <log>: `<binary> migrate` as a pod's container would.
run_as() {
  local svc="$1" binary="$2" db="$3" role="$4" log="$5"
  local prefix
  prefix="SHOPCAST_$(tr 'a-z-' 'A-Z_' <<<"${svc}")"
  local -a env_args=()
  while IFS= read -r line; do env_args+=("${line}"); done < <(config_env "${svc}")
  # recording-lifecycle: what its Deployment adds from the Secret recording-lifecycle-cold-store
  # (endpoint and bucket as variables, the key pair as files); stand-ins, migrate never calls it.
  if [[ "${svc}" == recording-lifecycle ]]; then
    mkdir -p "${work}/hot" "${work}/warm"
    printf 'stand-in' >"${work}/s3-key-id"
    printf 'stand-in' >"${work}/s3-secret"
    env_args+=("${prefix}_S3_ENDPOINT=https://s3.example.invalid" "${prefix}_S3_BUCKET=stand-in"
      "RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID_FILE=${work}/s3-key-id"
      "RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY_FILE=${work}/s3-secret"
      "${prefix}_HOT_ROOT=${work}/hot" "${prefix}_WARM_ROOT=${work}/warm")
  fi
  # A writable stand-in for the paths the ConfigMap names that are volumes in the pod.
  env -i PATH="${PATH}" HOME="${work}" TMPDIR="${work}" "${env_args[@]}" \
    "${prefix}_SEGMENT_ROOT=${work}/hot" "${prefix}_IMAGE_ROOT=${work}/images" \
    PGHOST="${pg_host}" PGPORT="${pg_port}" PGDATABASE="${db}" PGUSER="${role}" \
    PGPASSWORD=unused "${prefix}_DB_DSN=connect_timeout=5 application_name=${svc}-test" \
    "${binary}" migrate >"${log}" 2>&1
}

declare -A binaries=(
  [user]=services/user/user
  [video-ingest]=services/video_ingest/video-ingest
  [realtime-push]=services/realtime_push/realtime-push
  [product-inventory]=services/product_inventory/product-inventory
  [order]=services/order/order
  [recording-lifecycle]=services/recording_lifecycle/recording-lifecycle
)

for svc in user video-ingest realtime-push product-inventory order recording-lifecycle; do
  binary="${build}/${binaries[${svc}]}"
  [[ -x "${binary}" ]] || fail "${binary} is not built"
  db="t_roles_$(tr '-' '_' <<<"${svc}")_${suffix}"
  made+=("${db}")
  q "${admin}" "CREATE DATABASE ${db}" >/dev/null
  psql --no-psqlrc --quiet --dbname="${base_dsn} dbname=${db}" -v db="${db}" \
    -v owner="${db}_owner" -v owner_password=o -v app="${db}_app" -v app_password=a \
    -f "${roles}" >/dev/null

  run_as "${svc}" "${binary}" "${db}" "${db}_owner" "${work}/${svc}-owner.log" ||
    fail "${svc}: migrate as the owner role failed: $(tail -n 3 "${work}/${svc}-owner.log")"
  run_as "${svc}" "${binary}" "${db}" "${db}_app" "${work}/${svc}-app.log" ||
    fail "${svc}: start-up's migration check as the app role failed:" \
      "$(tail -n 3 "${work}/${svc}-app.log")"

  dsn="${base_dsn} dbname=${db}"
  tables="$(q "${dsn}" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
  ((tables > 1)) || fail "${svc}: the migrations made ${tables} tables"
  missing="$(q "${dsn}" "SELECT string_agg(tablename, ', ') FROM pg_tables
      WHERE schemaname = 'public' AND tableowner = '${db}_owner' AND NOT (
        has_table_privilege('${db}_app', format('public.%I', tablename), 'SELECT') AND
        has_table_privilege('${db}_app', format('public.%I', tablename), 'INSERT') AND
        has_table_privilege('${db}_app', format('public.%I', tablename), 'UPDATE') AND
        has_table_privilege('${db}_app', format('public.%I', tablename), 'DELETE'))")"
  [[ -z "${missing}" ]] || fail "${svc}: the app role lacks DML on ${missing}"
  foreign="$(q "${dsn}" "SELECT string_agg(tablename, ', ') FROM pg_tables
      WHERE schemaname = 'public' AND tableowner <> '${db}_owner'")"
  [[ -z "${foreign}" ]] || fail "${svc}: tables not owned by the owner role: ${foreign}"
  sequences="$(q "${dsn}" "SELECT string_agg(sequencename, ', ') FROM pg_sequences
      WHERE schemaname = 'public' AND
            NOT has_sequence_privilege('${db}_app', format('public.%I', sequencename), 'USAGE')")"
  [[ -z "${sequences}" ]] || fail "${svc}: the app role cannot use sequences ${sequences}"
  if q "${base_dsn} dbname=${db} user=${db}_app" "CREATE TABLE intruder (x int)" 2>/dev/null; then
    fail "${svc}: the app role may create tables"
  fi
  if q "${base_dsn} dbname=${db} user=${db}_app" \
    "TRUNCATE schema_migrations" 2>/dev/null; then
    fail "${svc}: the app role may truncate"
  fi
  echo "ok: ${svc}: migrated as ${db}_owner (${tables} tables), starts as ${db}_app with DML only"
done
echo "k8s_db_roles_test: all passed"
