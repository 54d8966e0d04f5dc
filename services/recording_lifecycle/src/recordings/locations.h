#pragma once

// The admin's view of where a recording's media is (Recording.locations): one StorageLocation
// per tier that holds any of its segments, read from the segments' tier pointers (the truth
// per object, see V001) in the caller's transaction. A recording spans two tiers while a move
// runs and when a policy's sale window kept the segments around a sale where they were.

#include <array>
#include <pqxx/pqxx>
#include <string>

#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"

namespace shopcast::recording_lifecycle::recordings {

// The configured provider names of tiers HOT, WARM and COLD (StorageLocation.provider), in
// that order.
using TierProviderNames = std::array<std::string, 3>;

// Appends to `recording->locations` one entry per tier holding segments of `recording` (its id,
// stream_id and tier must be set), in tier order:
//   prefix      "<stream id>/": an object's key is the same in every tier (storage/object_key.h)
//   size_bytes  the sum of the segments there
//   verified    every segment there has a checksum checked in that tier: the mover's verify
//               step for a copy, the writer's own SHA-256 for an original never moved
//   current     the tier playback reads the recording from (Recording.tier)
//   created_at  when the first of those copies got there (written, or switched to by a move)
// EXPIRED segments have no location.
void ReadLocations(pqxx::work& tx, const TierProviderNames& providers, v1::Recording* recording);

}  // namespace shopcast::recording_lifecycle::recordings
