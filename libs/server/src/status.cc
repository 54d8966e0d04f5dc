#include "shopcast/server/status.h"

#include "absl/strings/match.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/log/log.h"
#include "shopcast/status/details.h"
#include "shopcast/status/status.h"

namespace shopcast::server {

grpc::Status ToGrpcStatus(const absl::Status& s, grpc::ServerContextBase* ctx) {
  if (s.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(s.code());
  std::string reason = ReasonOf(s);
  std::string field = FieldOf(s);
  if (ctx != nullptr) {
    if (!reason.empty()) ctx->AddTrailingMetadata(kReasonTrailer, reason);
    if (!field.empty()) ctx->AddTrailingMetadata(kFieldTrailer, field);
  }
  switch (s.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      log::Error("internal_error")
          .Kv("code", absl::StatusCodeToString(s.code()))
          .Kv("detail", std::string(s.message()));
      return grpc::Status(code, "internal error");
    default: {
      common::v1::ErrorInfo info;
      info.set_reason(reason);
      info.set_field(field);
      // Every other shopcast payload is a fact for the caller (e.g. retry_after_ms).
      constexpr absl::string_view kPrefix = "type.shopcast.dev/";
      s.ForEachPayload([&](absl::string_view type_url, const absl::Cord& value) {
        if (!absl::StartsWith(type_url, kPrefix) || type_url == kReasonPayload ||
            type_url == kFieldPayload) {
          return;
        }
        (*info.mutable_metadata())[std::string(type_url.substr(kPrefix.size()))] =
            std::string(value);
      });
      google::rpc::Status details;
      details.set_code(static_cast<int>(code));
      details.set_message(std::string(s.message()));
      details.add_details()->PackFrom(info);
      // Typed details (shopcast/status/details.h) follow the ErrorInfo, as they were attached.
      s.ForEachPayload([&](absl::string_view type_url, const absl::Cord& value) {
        if (!absl::StartsWith(type_url, kDetailPayloadPrefix)) return;
        google::protobuf::Any* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(value));
      });
      return grpc::Status(code, std::string(s.message()), details.SerializeAsString());
    }
  }
}

}  // namespace shopcast::server
