#pragma once

// The access area's SQL (V040), as named constants.

#include "recordings/sql_time.h"

namespace shopcast::recording_lifecycle::access::sql {

// $1 stream, $2 gated, $3 version. An older version than the stored one changes nothing.
inline constexpr char kUpsertGating[] =
    "INSERT INTO stream_access (stream_id, gated, version, updated_at) VALUES ($1, $2, $3, now()) "
    "ON CONFLICT (stream_id) DO UPDATE SET gated = EXCLUDED.gated, version = EXCLUDED.version, "
    "updated_at = now() WHERE stream_access.version < EXCLUDED.version";

// $1 order, $2 stream, $3 viewer, $4 granted_at (us; NULL = now). A known pass is left alone.
inline constexpr char kGrant[] =
    "INSERT INTO access_passes (order_id, stream_id, viewer_id, granted_at) VALUES ($1, $2, $3, "
    "COALESCE(" SHOPCAST_RL_TS("$4") ", now())) ON CONFLICT (order_id) DO NOTHING";

// $1 order, $2 stream, $3 viewer, $4 revoked_at (us; NULL = now). A revocation that arrives
// first still records the pass, revoked; the first revocation's time is kept.
inline constexpr char kRevoke[] =
    "INSERT INTO access_passes (order_id, stream_id, viewer_id, revoked_at) VALUES ($1, $2, $3, "
    "COALESCE(" SHOPCAST_RL_TS("$4") ", now())) ON CONFLICT (order_id) DO UPDATE SET "
    "revoked_at = COALESCE(access_passes.revoked_at, EXCLUDED.revoked_at)";

}  // namespace shopcast::recording_lifecycle::access::sql
