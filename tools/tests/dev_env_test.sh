#!/usr/bin/env bash
# `tools/dev check-env` against the service binaries of a build tree: the settings `tools/dev up`
# gives each service name only flags that binary has (an unknown SHOPCAST_* variable would be
# ignored without a word), give every peer address it has a flag for, and are accepted by the
# binary's own configuration checks. Then that the check catches each of those mistakes.
#
#   dev_env_test.sh <build dir>
#
# Nothing is started: keys and certificates go to a fresh temporary .local.
set -uo pipefail

DEV="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dev"
BUILD="$(cd "${1:?usage: dev_env_test.sh <build dir>}" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Runs "$@" with tools/dev's functions, its binaries taken from $BUILD and .local in $WORK.
in_dev() {
  (
    # shellcheck source=/dev/null
    source "$DEV"
    # shellcheck disable=SC2034  # read by the functions sourced above
    LOCAL="$WORK/.local"
    # shellcheck disable=SC2317
    build_dir() { echo "$BUILD"; }
    "$@"
  ) 2>&1
}

# Runs the check with service_env's lines for <service> passed through <sed script> first.
check_with() {
  local service="$1" script="$2"
  eval "$(declare -f service_env | sed '1s/service_env/real_service_env/')"
  # shellcheck disable=SC2317
  service_env() {
    if [[ "$1" == "$service" ]]; then real_service_env "$@" | sed "$script"; else real_service_env "$@"; fi
  }
  cmd_check_env
}

out="$(in_dev cmd_check_env)" || fail "the settings tools/dev up gives the services do not check out:
$out"

out="$(in_dev check_with gateway "\$a SHOPCAST_GATEWAY_ORDER_ADR=127.0.0.1:50060")" &&
  fail "a misspelt variable should fail the check"
grep -q "SHOPCAST_GATEWAY_ORDER_ADR is no flag of gateway" <<<"$out" ||
  fail "the check should name the misspelt variable; got:
$out"

out="$(in_dev check_with gateway '/^SHOPCAST_GATEWAY_ORDER_ADDR=/d')" &&
  fail "a peer left out should fail the check"
grep -q "gateway: --order_addr is not set" <<<"$out" ||
  fail "the check should name the peer address left out; got:
$out"

out="$(in_dev check_with gateway "\$a SHOPCAST_GATEWAY_UPSTREAM_TIMEOUT=1h")" &&
  fail "a value the binary refuses should fail the check"
grep -q "gateway: rejects its configuration: .*upstream_timeout" <<<"$out" ||
  fail "the check should show the binary's own complaint; got:
$out"

if ((failures)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "tools/dev check-env: all checks passed"
