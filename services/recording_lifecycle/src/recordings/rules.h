#pragma once

// The recordings RPCs' pure rules: request checks (each invalid field -> INVALID_ARGUMENT with
// a reason and the field) and who may see or change a recording.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "shopcast/auth/caller.h"
#include "shopcast/common/v1/page.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"

namespace shopcast::recording_lifecycle::recordings {

namespace v1 = ::shopcast::recording_lifecycle::v1;

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

// The caller, or nobody (public calls without a token).
using Viewer = std::optional<auth::Caller>;

// Recordings not SAVED are visible to their host and admins only.
bool MaySee(const Viewer& viewer, const std::string& host_id, int decision);
bool IsAdmin(const Viewer& viewer);

// page.page_size 0 (the default, 20) or 1..100 (PAGE_SIZE_INVALID); the token at most 512 bytes
// (PAGE_TOKEN_INVALID).
absl::StatusOr<int> PageSizeOf(const common::v1::PageRequest& page);

// rec_… / str_… / usr_… / prd_… ids as the contract spells them; `field` names the request field.
absl::Status CheckRecordingId(const std::string& id, const std::string& field);
absl::Status CheckStreamId(const std::string& id, const std::string& field);
// A user or product id: 1..64 of [A-Za-z0-9_.-].
absl::Status CheckPlainId(const std::string& id, const std::string& field,
                          const std::string& reason);

absl::Status CheckGetRecording(const v1::GetRecordingRequest& request);
absl::Status CheckListRecordings(const v1::ListRecordingsRequest& request);
absl::Status CheckListMoments(const v1::ListMomentsRequest& request);
absl::Status CheckSaveOrDelete(const v1::SaveOrDeleteRequest& request);
// Also what the mask names: title 1..120 characters of valid UTF-8 with no control characters
// and not only spaces (TITLE_INVALID), description 0..2000 (DESCRIPTION_INVALID).
absl::Status CheckUpdateRecording(const v1::UpdateRecordingRequest& request);

}  // namespace shopcast::recording_lifecycle::recordings
