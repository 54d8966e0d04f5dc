#include "recordings/rules.h"

#include "absl/strings/ascii.h"
#include "common/event_fields.h"
#include "recordings/stream_events.h"
#include "shopcast/ids/ids.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::recordings {
namespace {

bool HasControl(const std::string& s, bool allow_newlines) {
  for (unsigned char c : s) {
    if (allow_newlines && (c == '\n' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

bool IsAdmin(const Viewer& viewer) { return viewer && viewer->role == auth::Role::kAdmin; }

bool MaySee(const Viewer& viewer, const std::string& host_id, int decision) {
  if (decision == v1::RETENTION_DECISION_SAVE) return true;
  if (!viewer) return false;
  return IsAdmin(viewer) || (!host_id.empty() && viewer->user_id == host_id);
}

absl::StatusOr<int> PageSizeOf(const common::v1::PageRequest& page) {
  if (page.page_size() < 0 || page.page_size() > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID", "page_size must be 0..100");
  }
  if (page.page_token().size() > pagetoken::kMaxTokenBytes) {
    return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page_token is too long");
  }
  return page.page_size() == 0 ? kDefaultPageSize : page.page_size();
}

absl::Status CheckRecordingId(const std::string& id, const std::string& field) {
  if (!ids::IsValidId(id, "rec")) {
    return InvalidArgument(field, "RECORDING_ID_INVALID", "not a rec_ recording id");
  }
  return absl::OkStatus();
}

absl::Status CheckStreamId(const std::string& id, const std::string& field) {
  if (!ids::IsValidId(id, "str")) {
    return InvalidArgument(field, "STREAM_ID_INVALID", "not a str_ stream id");
  }
  return absl::OkStatus();
}

absl::Status CheckPlainId(const std::string& id, const std::string& field,
                          const std::string& reason) {
  if (!IsPlainId(id)) return InvalidArgument(field, reason, "not a valid id");
  return absl::OkStatus();
}

absl::Status CheckGetRecording(const v1::GetRecordingRequest& request) {
  switch (request.key_case()) {
    case v1::GetRecordingRequest::kRecordingId:
      return CheckRecordingId(request.recording_id(), "recording_id");
    case v1::GetRecordingRequest::kStreamId:
      return CheckStreamId(request.stream_id(), "stream_id");
    default:
      return InvalidArgument("key", "KEY_REQUIRED", "give recording_id or stream_id");
  }
}

absl::Status CheckListRecordings(const v1::ListRecordingsRequest& request) {
  if (!request.host_id().empty()) {
    RETURN_IF_ERROR(CheckPlainId(request.host_id(), "host_id", "HOST_ID_INVALID"));
  }
  for (int d : request.decisions()) {
    if (d < v1::RETENTION_DECISION_UNDECIDED || d > v1::RETENTION_DECISION_DELETE) {
      return InvalidArgument("decisions", "DECISION_INVALID", "decisions: UNDECIDED, SAVE, DELETE");
    }
  }
  for (int t : request.tiers()) {
    if (t < v1::STORAGE_TIER_HOT || t > v1::STORAGE_TIER_EXPIRED) {
      return InvalidArgument("tiers", "TIER_INVALID", "tiers: HOT, WARM, COLD, EXPIRED");
    }
  }
  return PageSizeOf(request.page()).status();
}

absl::Status CheckListMoments(const v1::ListMomentsRequest& request) {
  const int scopes =
      !request.recording_id().empty() + !request.product_id().empty() + !request.host_id().empty();
  if (scopes != 1) {
    return InvalidArgument("recording_id", "MOMENT_SCOPE_INVALID",
                           "give exactly one of recording_id, product_id, host_id");
  }
  if (!request.recording_id().empty()) {
    RETURN_IF_ERROR(CheckRecordingId(request.recording_id(), "recording_id"));
  }
  if (!request.product_id().empty()) {
    RETURN_IF_ERROR(CheckPlainId(request.product_id(), "product_id", "PRODUCT_ID_INVALID"));
  }
  if (!request.host_id().empty()) {
    RETURN_IF_ERROR(CheckPlainId(request.host_id(), "host_id", "HOST_ID_INVALID"));
  }
  return PageSizeOf(request.page()).status();
}

absl::Status CheckSaveOrDelete(const v1::SaveOrDeleteRequest& request) {
  RETURN_IF_ERROR(CheckRecordingId(request.recording_id(), "recording_id"));
  if (request.decision() != v1::RETENTION_DECISION_SAVE &&
      request.decision() != v1::RETENTION_DECISION_DELETE) {
    return InvalidArgument("decision", "DECISION_INVALID", "decision must be SAVE or DELETE");
  }
  return absl::OkStatus();
}

absl::Status CheckUpdateRecording(const v1::UpdateRecordingRequest& request) {
  if (!request.has_update_mask() || request.update_mask().paths().empty()) {
    return InvalidArgument("update_mask", "UPDATE_MASK_REQUIRED", "name the fields to change");
  }
  bool title = false, description = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "title") {
      title = true;
    } else if (path == "description") {
      description = true;
    } else {
      return InvalidArgument("update_mask", "UPDATE_MASK_INVALID",
                             "update_mask paths: title, description");
    }
  }
  const v1::Recording& r = request.recording();
  RETURN_IF_ERROR(CheckRecordingId(r.id(), "recording.id"));
  if (r.version() < 1) {
    return InvalidArgument("recording.version", "VERSION_REQUIRED", "give the version you read");
  }
  if (title) {
    const std::optional<size_t> n = Utf8Length(r.title());
    const bool blank = absl::StripAsciiWhitespace(r.title()).empty();
    if (!n || *n < 1 || *n > kMaxTitleChars || blank || HasControl(r.title(), false)) {
      return InvalidArgument("recording.title", "TITLE_INVALID",
                             "title: 1..120 characters, not only spaces, no control characters");
    }
  }
  if (description) {
    const std::optional<size_t> n = Utf8Length(r.description());
    if (!n || *n > kMaxDescriptionChars || HasControl(r.description(), true)) {
      return InvalidArgument("recording.description", "DESCRIPTION_INVALID",
                             "description: 0..2000 characters, no control characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle::recordings
