#include "ws/frames.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::gateway::ws {
namespace {

constexpr absl::string_view kFactPrefix = "type.shopcast.dev/";

bool PrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::optional<SubprotocolChoice> ChooseSubprotocol(absl::string_view offered) {
  if (absl::StripAsciiWhitespace(offered).empty()) return SubprotocolChoice{};
  for (absl::string_view p : absl::StrSplit(offered, ',')) {
    p = absl::StripAsciiWhitespace(p);
    if (p == kJsonSubprotocol) return SubprotocolChoice{Subprotocol::kJson, true};
    if (p == kProtoSubprotocol) return SubprotocolChoice{Subprotocol::kProto, true};
  }
  return std::nullopt;
}

absl::StatusOr<WsTarget> ParseWsTarget(absl::string_view target) {
  absl::string_view path = target, query;
  if (size_t q = target.find('?'); q != absl::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  WsTarget out;
  if (path == "/ws/v1" || path == "/ws/v1/") {
    // The contract's endpoint: rooms are followed with frames.
  } else if (absl::ConsumePrefix(&path, "/ws/streams/")) {
    absl::ConsumeSuffix(&path, "/");
    if (!ids::IsValidId(path, "str")) {
      return InvalidArgument("stream_id", "STREAM_ID_INVALID", "not a stream id");
    }
    out.stream_id = std::string(path);
  } else {
    return NotFound("WS_PATH_UNKNOWN", "no WebSocket here; use /ws/v1");
  }
  if (query.empty()) return out;
  for (absl::string_view param : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    if (kv.first == "after_sequence") {
      if (!absl::SimpleAtoi(kv.second, &out.after_sequence) || out.after_sequence < 0) {
        return InvalidArgument("after_sequence", "SEQUENCE_INVALID",
                               "after_sequence must be a non-negative integer");
      }
    } else if (kv.first == "skip_presence") {
      out.skip_presence = kv.second == "1" || kv.second == "true";
    }
    // Other parameters (cache busters) are ignored.
  }
  return out;
}

absl::StatusOr<v1::ClientFrame> ReadClientFrame(Subprotocol protocol, bool binary,
                                                absl::string_view bytes) {
  const bool want_binary = protocol == Subprotocol::kProto;
  if (binary != want_binary) {
    return InvalidArgument("", "FRAME_TYPE_MISMATCH",
                           want_binary ? "shopcast.v1.proto takes binary frames"
                                       : "shopcast.v1.json takes text frames");
  }
  v1::ClientFrame frame;
  if (want_binary) {
    if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return InvalidArgument("", "FRAME_MALFORMED", "not a serialized ClientFrame");
    }
  } else {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto s = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(bytes.data(), bytes.size()), &frame, options);
    if (!s.ok()) return InvalidArgument("", "FRAME_MALFORMED", "not a ClientFrame in proto3 JSON");
  }
  if (frame.body_case() == v1::ClientFrame::BODY_NOT_SET) {
    return InvalidArgument("", "FRAME_BODY_MISSING", "the frame has no body");
  }
  const std::string& id = frame.frame_id();
  if (id.size() > 64 || !PrintableAscii(id) ||
      (id.empty() && frame.body_case() != v1::ClientFrame::kHeartbeat)) {
    return InvalidArgument("frame_id", "FRAME_ID_INVALID",
                           "frame_id must be 1..64 printable ASCII characters");
  }
  return frame;
}

FrameBytes WriteServerFrame(const v1::ServerFrame& frame, Subprotocol protocol) {
  auto out = std::make_shared<std::string>();
  if (protocol == Subprotocol::kProto) {
    frame.SerializeToString(out.get());
  } else {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = false;
    (void)google::protobuf::util::MessageToJsonString(frame, out.get(), options);
  }
  return out;
}

EncodedFrame EncodeBoth(const v1::ServerFrame& frame) {
  return EncodedFrame{WriteServerFrame(frame, Subprotocol::kJson),
                      WriteServerFrame(frame, Subprotocol::kProto)};
}

v1::ServerFrame ErrorFrameOf(const absl::Status& status, absl::string_view frame_id, bool fatal) {
  v1::ServerFrame out;
  v1::ErrorFrame* e = out.mutable_error();
  e->set_frame_id(std::string(frame_id));
  e->set_code(absl::StatusCodeToString(status.code()));
  e->set_fatal(fatal);
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      e->set_message("internal error");
      break;
    default:
      e->set_message(std::string(status.message()));
  }
  common::v1::ErrorInfo* info = e->mutable_error_info();
  info->set_reason(ReasonOf(status));
  info->set_field(FieldOf(status));
  info->set_domain("gateway");
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (!absl::StartsWith(url, kFactPrefix) || url == kReasonPayload || url == kFieldPayload) {
      return;
    }
    (*info->mutable_metadata())[std::string(url.substr(kFactPrefix.size()))] = std::string(value);
  });
  return out;
}

absl::Status FromUpstream(const grpc::Status& status, absl::string_view reason_trailer) {
  if (status.ok()) return absl::OkStatus();
  common::v1::ErrorInfo info;
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&info)) break;
    }
  }
  std::string reason = info.reason().empty() ? std::string(reason_trailer) : info.reason();
  absl::StatusCode code = static_cast<absl::StatusCode>(status.error_code());
  std::string message = status.error_message();
  if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
    if (reason.empty()) reason = "UPSTREAM_UNAVAILABLE";
    message = "realtime-push is unavailable; try again";
  }
  absl::Status out = Error(code, reason, message, info.field());
  for (const auto& [k, v] : info.metadata()) {
    out.SetPayload(std::string(kFactPrefix) + k, absl::Cord(v));
  }
  return out;
}

}  // namespace shopcast::gateway::ws
