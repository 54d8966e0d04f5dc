#pragma once

// API errors: the HTTP status mapped from the gRPC code (grpc-gateway's table) and a
// shopcast.gateway.v1.HttpError body with the service's ErrorInfo and typed details.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"
#include "http/exchange.h"
#include "shopcast/gateway/v1/gateway.pb.h"

namespace shopcast::gateway::api {

// OK 200, CANCELLED 499, UNKNOWN 500, INVALID_ARGUMENT 400, DEADLINE_EXCEEDED 504, NOT_FOUND 404,
// ALREADY_EXISTS 409, PERMISSION_DENIED 403, UNAUTHENTICATED 401, RESOURCE_EXHAUSTED 429,
// FAILED_PRECONDITION 400, ABORTED 409, OUT_OF_RANGE 400, UNIMPLEMENTED 501, INTERNAL 500,
// UNAVAILABLE 503, DATA_LOSS 500 (grpc-gateway's runtime.HTTPStatusFromCode).
unsigned HttpStatusFromCode(absl::StatusCode code);

// The gRPC code name, e.g. "FAILED_PRECONDITION".
std::string CodeName(absl::StatusCode code);

// The HttpError for a downstream call's status: the ErrorInfo and the typed details from the
// status details (google.rpc.Status), the reason and field from the trailers when the details
// are absent. INTERNAL, UNKNOWN and DATA_LOSS messages are replaced by a generic one; so are
// UNAVAILABLE and DEADLINE_EXCEEDED without a service reason (transport detail), which get the
// reasons SERVICE_UNAVAILABLE / SERVICE_TIMEOUT. Details of a type this binary does not know
// are dropped. `domain` fills ErrorInfo.domain when the service left it empty.
v1::HttpError FromGrpcStatus(const grpc::Status& status,
                             const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
                             absl::string_view domain);

// The HttpError for an error the gateway itself found (bad JSON, rate limit, bad token):
// shopcast::Error statuses keep their reason, field and metadata payloads.
v1::HttpError FromStatus(const absl::Status& status);

// The response for `error` (status from its code, JSON body, request_id filled in, no-store).
// A RESOURCE_EXHAUSTED with ErrorInfo.metadata retry_after_ms also gets Retry-After (whole
// seconds, rounded up).
HttpResponse ErrorResponse(v1::HttpError error, absl::string_view request_id);

// A JSON response with `status` and `body`, Cache-Control: no-store.
HttpResponse JsonResponse(unsigned status, std::string body);

}  // namespace shopcast::gateway::api
