#!/usr/bin/env bash
# Flash-sale benchmark of the product-inventory stock engine (README.md beside this file):
# starts a scratch PostgreSQL cluster with durability ON (fsync, synchronous_commit — not the
# tests' SHOPCAST_PG_FAST), runs flash_sale_bench from a release build against it, removes it.
#
#   flock /work/.build.lock tools/bench/flash_sale/run.sh [flash_sale_bench flags...]
#
# Hold the lock: the machine's cores are shared and the numbers are CPU-sensitive. This script
# does not take the lock itself (a nested flock on the same file would wait forever).
# Environment: BUILD (default build/release), KEEP=1 keeps the scratch folder.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
BENCH_BIN="$BUILD/tools/flash_sale_bench"
[[ -x "$BENCH_BIN" ]] || {
  echo "run.sh: $BENCH_BIN missing; cmake --build --preset release --target flash_sale_bench" >&2
  exit 2
}

SCRATCH="$(mktemp -d /tmp/shopcast-flash-sale.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' when we are root
cleanup() {
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  [[ "${KEEP:-0}" == "1" ]] || rm -rf -- "$SCRATCH"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DSN="$(SHOPCAST_PG_FAST=0 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PORT")"
# Warm-up, not shown: a fresh cluster has to create (zero-fill and fsync) every 16 MB WAL
# segment the first run writes, stalling every commit meanwhile; a running server recycles
# old segments instead. One unmeasured batched run leaves enough segments to recycle.
echo "warm-up (fills and recycles WAL segments, not measured)..."
"$BENCH_BIN" --admin_dsn="$DSN" --scenarios=sustained --engines=batched --seconds=15 >/dev/null
"$BENCH_BIN" --admin_dsn="$DSN" "$@"
