#!/usr/bin/env bash
# Flash-sale benchmark of product-inventory (README.md beside this file): starts a scratch
# PostgreSQL cluster with durability ON (fsync, synchronous_commit — not the tests'
# SHOPCAST_PG_FAST) and the credentials the service needs, runs flash_sale_grpc_bench from a
# release build against it (the real binary, the naive baseline server, the empty server),
# removes everything after.
#
#   flock /work/.build.lock tools/bench/flash_sale/run.sh [flash_sale_grpc_bench flags...]
#   flock /work/.build.lock tools/bench/flash_sale/run.sh --library [flash_sale_bench flags...]
#
# --library runs the older in-process mode instead (the engine called as a library, no gRPC).
# Hold the lock: the machine's cores are shared and the numbers are CPU-sensitive. This script
# does not take the lock itself (a nested flock on the same file would wait forever).
# Environment: BUILD (default build/release), KEEP=1 keeps the scratch folder (logs).
set -euo pipefail

# Nothing started below (PostgreSQL, the servers) may inherit the build lock's descriptor: a
# straggler would keep the lock after this script is gone. flock(1) itself holds it meanwhile.
for fd in /proc/$$/fd/*; do
  n="${fd##*/}"
  if ((n > 2)) && [[ "$(readlink "$fd" 2>/dev/null)" == *.lock ]]; then eval "exec $n>&-"; fi
done

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
LIBRARY=0
if [[ "${1:-}" == "--library" ]]; then
  LIBRARY=1
  shift
fi
GRPC_BIN="$BUILD/tools/flash_sale_grpc_bench"
LIB_BIN="$BUILD/tools/flash_sale_bench"
BASE_BIN="$BUILD/tools/flash_sale_baseline_server"
PI_BIN="$BUILD/services/product_inventory/product-inventory"
for bin in "$GRPC_BIN" "$LIB_BIN" "$BASE_BIN" "$PI_BIN"; do
  [[ -x "$bin" ]] || {
    echo "run.sh: $bin missing; cmake --build --preset release --target flash_sale_grpc_bench" \
      "flash_sale_baseline_server flash_sale_bench product-inventory" >&2
    exit 2
  }
done

SCRATCH="$(mktemp -d /tmp/shopcast-flash-sale.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' when we are root
cleanup() {
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == "1" ]]; then echo "kept $SCRATCH" >&2; else rm -rf -- "$SCRATCH"; fi
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DSN="$(SHOPCAST_PG_FAST=0 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PORT")"

if [[ "$LIBRARY" == "1" ]]; then
  # Warm-up, not shown: a fresh cluster has to create (zero-fill and fsync) every 16 MB WAL
  # segment the first run writes, stalling every commit meanwhile; a running server recycles
  # old segments instead. One unmeasured batched run leaves enough segments to recycle.
  echo "warm-up (fills and recycles WAL segments, not measured)..."
  "$LIB_BIN" --admin_dsn="$DSN" --scenarios=sustained --engines=batched --seconds=15 >/dev/null
  "$LIB_BIN" --admin_dsn="$DSN" "$@"
  exit 0
fi

"$ROOT/tools/dev-pki" "$SCRATCH/pki" product-inventory >/dev/null
mkdir -p "$SCRATCH/work"
common=(--admin_dsn="$DSN" --work_dir="$SCRATCH/work" --pki_dir="$SCRATCH/pki"
        --product_inventory_bin="$PI_BIN" --baseline_bin="$BASE_BIN")
echo "warm-up (fills and recycles WAL segments, not measured)..."
"$GRPC_BIN" "${common[@]}" --scenarios=sustained --servers=product-inventory --seconds=15 >/dev/null
"$GRPC_BIN" "${common[@]}" "$@"
