#include "access/access_store.h"

#include <optional>

#include "access/access_sql.h"

namespace shopcast::recording_lifecycle::access {
namespace {

std::optional<int64_t> Micros(int64_t us) {
  return us == 0 ? std::nullopt : std::optional<int64_t>(us);
}

}  // namespace

absl::Status Apply(pqxx::work& tx, const AccessChange& change) {
  if (const auto* g = std::get_if<Gating>(&change)) {
    tx.exec_params0(sql::kUpsertGating, g->stream_id, g->gated, g->version);
  } else if (const auto* p = std::get_if<PassGranted>(&change)) {
    tx.exec_params0(sql::kGrant, p->order_id, p->stream_id, p->viewer_id, Micros(p->granted_us));
  } else if (const auto* r = std::get_if<PassRevoked>(&change)) {
    tx.exec_params0(sql::kRevoke, r->order_id, r->stream_id, r->viewer_id, Micros(r->revoked_us));
  }
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle::access
