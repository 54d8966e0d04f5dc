#!/usr/bin/env bash
# A/B comparison in CPU time per reservation, for a machine shared with other work (where
# throughput says little): one durable scratch cluster, one warm-up, then the sustained scenario
# on product-inventory for each variant in turn, ROUNDS times, interleaved so that a change in
# the machine's other load hits every variant alike. Prints each run's CPU row (client, server,
# PostgreSQL cluster: µs per granted reservation, from /proc; see grpc_bench.cc) and its rate.
#
#   flock /work/.build.lock tools/bench/flash_sale/cpu_per_op.sh \
#       before=/tmp/pi-old:/tmp/bench-old after=build/release/services/product_inventory/product-inventory
#
# A variant is label=<product-inventory binary>[:<flash_sale_grpc_bench binary>] (default: the
# release build's bench). Environment: ROUNDS (3), SECONDS_PER_RUN (15), BUILD (build/release),
# NAIVE=1: each round also runs the naive baseline server first (same cluster, same length) and
# every variant's row then shows its ratio to that round's naive rate (the goal's measure).
set -euo pipefail

# As run.sh: nothing started here may keep the build lock's descriptor.
for fd in /proc/$$/fd/*; do
  n="${fd##*/}"
  if ((n > 2)) && [[ "$(readlink "$fd" 2>/dev/null)" == *.lock ]]; then eval "exec $n>&-"; fi
done

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
ROUNDS="${ROUNDS:-3}"
SECS="${SECONDS_PER_RUN:-15}"
(($# > 0)) || { echo "usage: $0 label=pi_bin[:bench_bin]..." >&2; exit 2; }

SCRATCH="$(mktemp -d /tmp/shopcast-cpu-per-op.XXXXXX)"
chmod 755 "$SCRATCH"
cleanup() {
  "$ROOT/tools/pg-cluster" stop "$SCRATCH/pg" >/dev/null 2>&1 || true
  rm -rf -- "$SCRATCH"
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DSN="$(SHOPCAST_PG_FAST=0 "$ROOT/tools/pg-cluster" start "$SCRATCH/pg" "$PORT")"
"$ROOT/tools/dev-pki" "$SCRATCH/pki" product-inventory >/dev/null
mkdir -p "$SCRATCH/work"

run() {  # run <pi_bin> <bench_bin> <seconds> [servers]
  "$2" --admin_dsn="$DSN" --work_dir="$SCRATCH/work" --pki_dir="$SCRATCH/pki" \
    --product_inventory_bin="$1" --baseline_bin="$BUILD/tools/flash_sale_baseline_server" \
    --scenarios=sustained --servers="${4:-product-inventory}" --seconds="$3"
}

first="${1#*=}"
run "${first%%:*}" "${BUILD}/tools/flash_sale_grpc_bench" 15 >/dev/null  # Warm-up (WAL segments).
printf '%-12s %5s %10s %9s %9s %11s %9s %8s %7s\n' variant round granted/s client_us server_us \
  postgres_us total_us p99_ms ÷naive
for ((r = 1; r <= ROUNDS; r++)); do
  naive=""
  if [[ "${NAIVE:-0}" == "1" ]]; then
    out="$(run "${first%%:*}" "${BUILD}/tools/flash_sale_grpc_bench" "$SECS" naive)"
    load="$(grep -E '^sustained +naive +[0-9]' <<<"$out" | head -1)"
    read -r _ _ _ _ _ _ _ _ naive _ nphh _ <<<"$load"
    printf '%-12s %5d %10s %9s %9s %11s %9s %8s\n' naive "$r" "$naive" - - - - "$nphh"
  fi
  for v in "$@"; do
    label="${v%%=*}"
    bins="${v#*=}"
    pi="${bins%%:*}"
    bench="$BUILD/tools/flash_sale_grpc_bench"
    [[ "$bins" == *:* ]] && bench="${bins#*:}"
    out="$(run "$pi" "$bench" "$SECS")"
    load="$(grep -E '^sustained +product-inventory +[0-9]' <<<"$out" | head -1)"
    cpu="$(grep -E '^sustained +product-inventory +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$' <<<"$out")"
    read -r _ _ _ _ _ _ _ _ rate _ p99 _ <<<"$load"
    read -r _ _ client server pg total <<<"$cpu"
    ratio=""
    [[ -n "$naive" ]] && ratio="$(awk -v a="$rate" -v b="$naive" 'BEGIN { printf "%.1fx", a / b }')"
    printf '%-12s %5d %10s %9s %9s %11s %9s %8s %7s\n' "$label" "$r" "$rate" "$client" "$server" \
      "$pg" "$total" "$p99" "$ratio"
  done
done
