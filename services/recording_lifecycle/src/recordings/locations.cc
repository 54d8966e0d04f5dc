#include "recordings/locations.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "recordings/recordings_sql.h"

namespace shopcast::recording_lifecycle::recordings {

void ReadLocations(pqxx::work& tx, const TierProviderNames& providers, v1::Recording* recording) {
  const pqxx::result rows = tx.exec_params(sql::kLocations, recording->id());
  for (const pqxx::row& row : rows) {
    const int tier = row[0].as<int>();
    if (tier < 1 || tier > 3) continue;
    v1::StorageLocation* l = recording->add_locations();
    l->set_tier(static_cast<v1::StorageTier>(tier));
    l->set_provider(providers[static_cast<size_t>(tier - 1)]);
    l->set_prefix(absl::StrCat(recording->stream_id(), "/"));
    l->set_size_bytes(row[1].as<int64_t>());
    l->set_verified(row[2].as<bool>());
    l->set_current(tier == static_cast<int>(recording->tier()));
    TimestampOfMicros(row[3].as<int64_t>(), l->mutable_created_at());
  }
}

}  // namespace shopcast::recording_lifecycle::recordings
