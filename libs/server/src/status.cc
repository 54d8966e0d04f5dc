#include "shopcast/server/status.h"

#include "shopcast/log/log.h"
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
      log::Error("internal_error").Kv("code", absl::StatusCodeToString(s.code()))
          .Kv("detail", std::string(s.message()));
      return grpc::Status(code, "internal error");
    default:
      return grpc::Status(code, std::string(s.message()));
  }
}

}  // namespace shopcast::server
