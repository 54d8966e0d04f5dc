#include "streams/store/marker_store.h"

#include "nlohmann/json.hpp"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "streams/store/store_tx.h"

namespace shopcast::video_ingest::streams {
namespace {

std::string AttributesJson(const std::vector<MarkerAttribute>& attributes) {
  nlohmann::json out = nlohmann::json::array();
  for (const MarkerAttribute& a : attributes) {
    if (a.number) {
      out.push_back(nlohmann::json::array({a.name, *a.number}));
    } else {
      out.push_back(nlohmann::json::array({a.name, a.text}));
    }
  }
  // Invalid UTF-8 (another service's text) is replaced rather than refused: the playlist
  // neutralises it anyway.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The attributes as stored; a row this service did not write in the expected shape yields none.
std::vector<MarkerAttribute> ParseAttributes(const std::string& text, const std::string& id) {
  std::vector<MarkerAttribute> out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) {
    log::Warn("stream_marker_attributes_unreadable").Kv("marker_id", id);
    return out;
  }
  for (const nlohmann::json& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) continue;
    if (pair[1].is_number_integer()) {
      out.push_back(MarkerAttribute{pair[0].get<std::string>(), "", pair[1].get<int64_t>()});
    } else if (pair[1].is_string()) {
      out.push_back(
          MarkerAttribute{pair[0].get<std::string>(), pair[1].get<std::string>(), std::nullopt});
    }
  }
  return out;
}

}  // namespace

bool InsertMarker(pqxx::work& tx, const Marker& m, absl::Time now) {
  const pqxx::result r = tx.exec_prepared(
      "vi_insert_marker", m.marker_id, m.event_id, m.stream_id, m.kind,
      absl::ToUnixMicros(m.starts_at), internal::Micros(m.ends_at).get(),
      AttributesJson(m.attributes), absl::ToUnixMicros(m.occurred_at), absl::ToUnixMicros(now));
  return !r.empty();
}

absl::StatusOr<std::vector<Marker>> MarkerStore::Applying(
    const std::vector<std::string>& stream_ids, absl::Time since) {
  if (stream_ids.empty()) return std::vector<Marker>();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Marker>> {
    std::vector<Marker> out;
    for (const auto& row :
         tx.exec_prepared("vi_applying_markers", db::TextArray(stream_ids),
                          absl::ToUnixMicros(since))) {
      Marker m;
      m.marker_id = row[0].as<std::string>();
      m.event_id = row[1].as<std::string>();
      m.stream_id = row[2].as<std::string>();
      m.kind = row[3].as<std::string>();
      m.starts_at = absl::FromUnixMicros(row[4].as<int64_t>());
      if (!row[5].is_null()) m.ends_at = absl::FromUnixMicros(row[5].as<int64_t>());
      m.attributes = ParseAttributes(row[6].as<std::string>(), m.marker_id);
      m.occurred_at = absl::FromUnixMicros(row[7].as<int64_t>());
      out.push_back(std::move(m));
    }
    return out;
  });
}

absl::StatusOr<int> MarkerStore::PurgeEndedBefore(absl::Time before) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    return static_cast<int>(
        tx.exec_prepared("vi_purge_markers", absl::ToUnixMicros(before)).affected_rows());
  });
}

}  // namespace shopcast::video_ingest::streams
