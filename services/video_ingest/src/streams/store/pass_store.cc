#include "streams/store/pass_store.h"

#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "streams/store/store_tx.h"

namespace shopcast::video_ingest::streams {

void GrantPass(pqxx::work& tx, const PassChange& p, absl::Time now) {
  tx.exec_prepared("vi_grant_pass", p.order_id, p.stream_id, p.viewer_id, absl::ToUnixMicros(p.at),
                   absl::ToUnixMicros(now));
}

void RevokePass(pqxx::work& tx, const PassChange& p, absl::Time now) {
  tx.exec_prepared("vi_revoke_pass", p.order_id, p.stream_id, p.viewer_id, absl::ToUnixMicros(p.at),
                   absl::ToUnixMicros(now));
}

absl::StatusOr<bool> PassStore::HasActivePass(const std::string& viewer_id,
                                              const std::string& stream_id) {
  ASSIGN_OR_RETURN(std::set<access::ViewerStream> active, ActivePasses({{viewer_id, stream_id}}));
  return !active.empty();
}

absl::StatusOr<std::map<std::string, access::StreamGate>> PassStore::Gates(
    const std::vector<std::string>& stream_ids) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::map<std::string, access::StreamGate>> {
        std::map<std::string, access::StreamGate> out;
        for (const auto& row :
             tx.exec_prepared("vi_stream_gates", db::TextArray(stream_ids))) {
          out[row[0].as<std::string>()] =
              access::StreamGate{row[2].as<bool>(), row[1].as<std::string>()};
        }
        return out;
      });
}

absl::StatusOr<std::set<access::ViewerStream>> PassStore::ActivePasses(
    const std::vector<access::ViewerStream>& pairs) {
  std::vector<std::string> viewers, streams;
  for (const auto& [viewer, stream] : pairs) {
    viewers.push_back(viewer);
    streams.push_back(stream);
  }
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::set<access::ViewerStream>> {
        std::set<access::ViewerStream> out;
        for (const auto& row : tx.exec_prepared("vi_active_passes", db::TextArray(viewers),
                                                db::TextArray(streams))) {
          out.emplace(row[0].as<std::string>(), row[1].as<std::string>());
        }
        return out;
      });
}

}  // namespace shopcast::video_ingest::streams
