#pragma once

// Access passes to gated streams as the order service reports them, and the batched reads the
// HLS origin's AccessCache refreshes from (stream gates, active passes). Grant and Revoke run
// inside the event sink's transaction, beside the inbox mark that makes a redelivery a no-op.

#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "access/access_cache.h"
#include "shopcast/db/pool.h"

namespace shopcast::video_ingest::streams {

// One order's pass: who may watch what, and when the order service said so.
struct PassChange {
  std::string order_id;
  std::string stream_id;
  std::string viewer_id;
  absl::Time at;  // granted_at or revoked_at as the event states it
};

// Active while granted and not revoked. A revocation is final: a grant of the same order that
// arrives after it (a duplicate, or out of order) leaves the pass revoked.
void GrantPass(pqxx::work& tx, const PassChange& pass, absl::Time now);
void RevokePass(pqxx::work& tx, const PassChange& pass, absl::Time now);

class PassStore final : public access::AccessSource {
 public:
  explicit PassStore(db::Pool& pool) : pool_(pool) {}

  // Whether the viewer holds an active pass for the stream.
  absl::StatusOr<bool> HasActivePass(const std::string& viewer_id, const std::string& stream_id);

  absl::StatusOr<std::map<std::string, access::StreamGate>> Gates(
      const std::vector<std::string>& stream_ids) override;
  absl::StatusOr<std::set<access::ViewerStream>> ActivePasses(
      const std::vector<access::ViewerStream>& pairs) override;

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::video_ingest::streams
