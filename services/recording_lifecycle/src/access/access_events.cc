#include "access/access_events.h"

#include "absl/strings/str_cat.h"
#include "common/event_fields.h"
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::recording_lifecycle::access {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

absl::Status Invalid(absl::string_view field, absl::string_view reason, absl::string_view what) {
  return InvalidArgument(field, reason, absl::StrCat("access event: ", what));
}

absl::StatusOr<int64_t> OptionalMicros(const google::protobuf::Timestamp& t, bool present,
                                       absl::string_view field) {
  if (!present) return 0;
  if (!IsValidEventTime(t)) {
    return Invalid(field, "ACCESS_TIME_INVALID", "a time out of range");
  }
  return t.seconds() * 1'000'000 + t.nanos() / 1000;
}

absl::Status CheckStream(const std::string& stream_id) {
  if (!ids::IsValidId(stream_id, "str")) {
    return Invalid("stream_id", "STREAM_ID_INVALID", "not a str_ stream id");
  }
  return absl::OkStatus();
}

template <typename Pass>
absl::Status CheckPass(const Pass& p) {
  RETURN_IF_ERROR(CheckStream(p.stream_id()));
  if (!IsPlainId(p.order_id())) return Invalid("order_id", "ORDER_ID_INVALID", "no valid order id");
  if (!ids::IsValidId(p.viewer_id(), "usr")) {
    return Invalid("viewer_id", "VIEWER_ID_INVALID", "not a usr_ viewer id");
  }
  return absl::OkStatus();
}

absl::StatusOr<AccessChange> Created(const common::v1::Event& event) {
  vi::StreamCreated created;
  if (!event.payload().UnpackTo(&created)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not a video_ingest.v1.StreamCreated");
  }
  RETURN_IF_ERROR(CheckStream(created.stream_id()));
  return Gating{created.stream_id(), created.gated(), 0};
}

absl::StatusOr<AccessChange> Updated(const common::v1::Event& event) {
  vi::StreamUpdated updated;
  if (!event.payload().UnpackTo(&updated)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not a video_ingest.v1.StreamUpdated");
  }
  RETURN_IF_ERROR(CheckStream(updated.stream_id()));
  if (updated.version() < 1) return Invalid("version", "VERSION_INVALID", "version below 1");
  return Gating{updated.stream_id(), updated.gated(), updated.version()};
}

absl::StatusOr<AccessChange> Granted(const common::v1::Event& event) {
  order::v1::AccessPassGranted granted;
  if (!event.payload().UnpackTo(&granted)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not an order.v1.AccessPassGranted");
  }
  RETURN_IF_ERROR(CheckPass(granted));
  ASSIGN_OR_RETURN(const int64_t at,
                   OptionalMicros(granted.granted_at(), granted.has_granted_at(), "granted_at"));
  return PassGranted{granted.order_id(), granted.stream_id(), granted.viewer_id(), at};
}

absl::StatusOr<AccessChange> Revoked(const common::v1::Event& event) {
  order::v1::AccessPassRevoked revoked;
  if (!event.payload().UnpackTo(&revoked)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not an order.v1.AccessPassRevoked");
  }
  RETURN_IF_ERROR(CheckPass(revoked));
  ASSIGN_OR_RETURN(const int64_t at,
                   OptionalMicros(revoked.revoked_at(), revoked.has_revoked_at(), "revoked_at"));
  return PassRevoked{revoked.order_id(), revoked.stream_id(), revoked.viewer_id(), at};
}

}  // namespace

absl::StatusOr<AccessChange> AccessChangeOf(const common::v1::Event& event) {
  if (event.source() == "video_ingest") {
    if (event.type() == "video_ingest.stream_created") return Created(event);
    if (event.type() == "video_ingest.stream_updated") return Updated(event);
  } else if (event.source() == "order") {
    if (event.type() == "order.access_pass_granted") return Granted(event);
    if (event.type() == "order.access_pass_revoked") return Revoked(event);
  }
  return AccessChange();
}

}  // namespace shopcast::recording_lifecycle::access
