#include "api/errors.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/json.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::gateway::api {
namespace {

namespace http = boost::beast::http;

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";

std::string Trailer(const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
                    const char* key) {
  auto it = trailers.find(key);
  return it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

unsigned HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnknown:
      return 500;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kInternal:
      return 500;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDataLoss:
      return 500;
    default:
      return 500;
  }
}

std::string CodeName(absl::StatusCode code) {
  // absl spells them "INVALID_ARGUMENT", as gRPC does.
  return absl::StatusCodeToString(code);
}

v1::HttpError FromGrpcStatus(const grpc::Status& status,
                             const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
                             absl::string_view domain) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  v1::HttpError e;
  e.set_code(CodeName(code));
  e.set_message(status.error_message());
  bool have_info = false;
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    for (const google::protobuf::Any& any : details.details()) {
      if (!have_info && any.Is<common::v1::ErrorInfo>()) {
        have_info = any.UnpackTo(e.mutable_error_info());
        continue;
      }
      absl::string_view type = any.type_url();
      if (!absl::ConsumePrefix(&type, kTypePrefix)) continue;
      if (pool->FindMessageTypeByName(std::string(type)) == nullptr) continue;
      *e.add_details() = any;
    }
  }
  if (!have_info) {
    e.mutable_error_info()->set_reason(Trailer(trailers, "shopcast-error-reason"));
    e.mutable_error_info()->set_field(Trailer(trailers, "shopcast-error-field"));
  }
  if (e.error_info().domain().empty()) e.mutable_error_info()->set_domain(std::string(domain));
  const bool has_reason = !e.error_info().reason().empty();
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      e.set_message("internal error");
      e.clear_details();
      break;
    case absl::StatusCode::kUnavailable:
      if (!has_reason) {
        e.set_message(absl::StrCat("the ", domain, " service is unavailable; try again shortly"));
        e.mutable_error_info()->set_reason("SERVICE_UNAVAILABLE");
      }
      break;
    case absl::StatusCode::kDeadlineExceeded:
      if (!has_reason) {
        e.set_message(absl::StrCat("the ", domain, " service did not answer in time"));
        e.mutable_error_info()->set_reason("SERVICE_TIMEOUT");
      }
      break;
    default:
      break;
  }
  return e;
}

v1::HttpError FromStatus(const absl::Status& status) {
  v1::HttpError e;
  e.set_code(CodeName(status.code()));
  e.set_message(std::string(status.message()));
  common::v1::ErrorInfo* info = e.mutable_error_info();
  info->set_reason(ReasonOf(status));
  info->set_field(FieldOf(status));
  info->set_domain("gateway");
  constexpr absl::string_view kFacts = "type.shopcast.dev/";
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (!absl::ConsumePrefix(&url, kFacts) || url == "reason" || url == "field") return;
    (*info->mutable_metadata())[std::string(url)] = std::string(value);
  });
  return e;
}

HttpResponse JsonResponse(unsigned status, std::string body) {
  HttpResponse res;
  res.result(status);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse ErrorResponse(v1::HttpError error, absl::string_view request_id) {
  error.set_request_id(std::string(request_id));
  absl::StatusCode code = absl::StatusCode::kUnknown;
  for (int c = 0; c <= 16; ++c) {
    if (CodeName(static_cast<absl::StatusCode>(c)) == error.code()) {
      code = static_cast<absl::StatusCode>(c);
    }
  }
  HttpResponse res = JsonResponse(HttpStatusFromCode(code), MessageToJson(error));
  if (code == absl::StatusCode::kResourceExhausted) {
    auto it = error.error_info().metadata().find("retry_after_ms");
    int64_t ms = 0;
    if (it != error.error_info().metadata().end() && absl::SimpleAtoi(it->second, &ms) && ms > 0) {
      res.set(http::field::retry_after, std::to_string((ms + 999) / 1000));
    }
  }
  return res;
}

}  // namespace shopcast::gateway::api
