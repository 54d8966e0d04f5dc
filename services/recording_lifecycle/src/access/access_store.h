#pragma once

// Paid access in the database (V040): applies what access_events.h read, inside the event's
// own transaction (the EventSink's), and answers "may this viewer play this gated stream".

#include <pqxx/pqxx>
#include <string>

#include "absl/status/status.h"
#include "access/access_events.h"

namespace shopcast::recording_lifecycle::access {

// Applies `change` (monostate: nothing). Gating keeps the highest version seen; a pass once
// revoked stays revoked (a repeated or late grant does not revive it).
absl::Status Apply(pqxx::work& tx, const AccessChange& change);

}  // namespace shopcast::recording_lifecycle::access
