#!/usr/bin/env bash
# Checkout benchmark (README.md beside this file): starts a scratch PostgreSQL cluster with
# durability ON (fsync, synchronous_commit — not the tests' SHOPCAST_PG_FAST) and the
# credentials both services need (product-inventory's and order's, one CA), runs checkout_bench
# from a release build against the real product-inventory and order binaries, removes
# everything after.
#
#   flock /work/.build.lock tools/bench/checkout/run.sh [checkout_bench flags...]
#
# Hold the lock: the machine's cores are shared and the numbers are CPU-sensitive. This script
# does not take the lock itself (a nested flock on the same file would wait forever).
# Environment: BUILD (default build/release), KEEP=1 keeps the scratch folder (every server's log).
set -euo pipefail

# Nothing started below (PostgreSQL, the servers) may inherit the build lock's descriptor: a
# straggler would keep the lock after this script is gone. flock(1) itself holds it meanwhile.
for fd in /proc/$$/fd/*; do
  n="${fd##*/}"
  if ((n > 2)) && [[ "$(readlink "$fd" 2>/dev/null)" == *.lock ]]; then eval "exec $n>&-"; fi
done

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
BENCH_BIN="$BUILD/tools/checkout_bench"
PI_BIN="$BUILD/services/product_inventory/product-inventory"
ORDER_BIN="$BUILD/services/order/order"
for bin in "$BENCH_BIN" "$PI_BIN" "$ORDER_BIN"; do
  [[ -x "$bin" ]] || {
    echo "run.sh: $bin missing; cmake --build --preset release --target checkout_bench" \
      "product-inventory order" >&2
    exit 2
  }
done

SCRATCH="$(mktemp -d /tmp/shopcast-checkout.XXXXXX)"
chmod 755 "$SCRATCH"  # PostgreSQL runs as 'postgres' when we are root
cleanup() {
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == "1" ]]; then echo "kept $SCRATCH" >&2; else rm -rf -- "$SCRATCH"; fi
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DSN="$(SHOPCAST_PG_FAST=0 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PORT")"

"$ROOT/tools/dev-pki" "$SCRATCH/pki" product-inventory order >/dev/null
mkdir -p "$SCRATCH/work"
common=(--admin_dsn="$DSN" --work_dir="$SCRATCH/work" --pki_dir="$SCRATCH/pki"
        --product_inventory_bin="$PI_BIN" --order_bin="$ORDER_BIN")
# Warm-up, not shown: a fresh cluster has to create (zero-fill and fsync) every 16 MB WAL
# segment the first run writes, stalling every commit meanwhile; a running server recycles old
# segments instead.
echo "warm-up (fills and recycles WAL segments, not measured)..."
"$BENCH_BIN" "${common[@]}" --scenarios=hot --flows=checkout --order_pools=32 --seconds=15 \
  >/dev/null
"$BENCH_BIN" "${common[@]}" "$@"
