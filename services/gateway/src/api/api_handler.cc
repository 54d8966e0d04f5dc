#include "api/api_handler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "api/cookies.h"
#include "api/errors.h"
#include "api/json.h"
#include "api/openapi.h"
#include "api/routes.h"
#include "calls/calls_in_flight.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "shopcast/log/log.h"
#include "shopcast/server/executor.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.pb.h"

namespace shopcast::gateway {
namespace {

namespace http = boost::beast::http;
namespace userpb = ::shopcast::user::v1;
using api::Route;
using google::protobuf::Message;

constexpr absl::string_view kUserService = "shopcast.user.v1.UserService";

absl::Status Refused(absl::StatusCode code, absl::string_view reason, absl::string_view message) {
  return Error(code, reason, message);
}

// What one API call carries from the request to its answer.
struct Call {
  const Route* route = nullptr;
  HttpRequest request;
  RequestContext context;
  Responder respond;
  std::unique_ptr<Message> message;  // the parsed request
  std::string bearer;                // the verified "Bearer …" header, to forward
  bool cookie_session = false;       // Refresh/Logout authenticated by the cookie
  // The downstream call.
  grpc::ClientContext grpc_context;
  grpc::ByteBuffer request_bytes;
  grpc::ByteBuffer response_bytes;
};

// The API's state and logic. Work queued on the token-checking pool holds it by shared_ptr; the
// downstream calls in flight are counted instead, and Close() waits for them, so the API (and the
// channels its stubs hold) is let go by its owner, never inside one of its own calls' completions
// (where gRPC 1.51 asserts on the channel's reference count, and the process may be exiting).
class ApiHandler final : public std::enable_shared_from_this<ApiHandler> {
 public:
  ApiHandler(ApiOptions options, api::RouteTable routes, std::shared_ptr<AccessCheck> access,
             std::shared_ptr<RateLimits> limits, prometheus::Registry* metrics)
      : options_(std::move(options)),
        routes_(std::move(routes)),
        access_(std::move(access)),
        limits_(std::move(limits)),
        openapi_(api::OpenApiDocument(routes_, options_.version)) {
    for (const auto& [service, channel] : options_.channels) {
      if (channel != nullptr) stubs_.emplace(service, std::make_unique<grpc::GenericStub>(channel));
    }
    if (metrics != nullptr) {
      requests_ = &prometheus::BuildCounter()
                       .Name("shopcast_gateway_api_requests_total")
                       .Help("JSON API requests by service, method and HTTP status")
                       .Register(*metrics);
      duration_ = &prometheus::BuildHistogram()
                       .Name("shopcast_gateway_api_duration_seconds")
                       .Help("JSON API request time, from the request head to the answer")
                       .Register(*metrics);
    }
  }

  // Cancels the downstream calls in flight and waits until each has answered its request. Calls
  // started later are refused. Not on a gRPC callback thread.
  void Close() {
    in_flight_.CloseAndWait([](Call& call) -> grpc::ClientContext& { return call.grpc_context; });
  }

  void Handle(HttpRequest request, const RequestContext& context, Responder respond,
              server::Executor& verify_executor) {
    auto call = std::make_shared<Call>();
    call->context = context;
    call->respond = std::move(respond);
    call->request = std::move(request);
    const absl::string_view target(call->request.target().data(), call->request.target().size());
    const absl::string_view path = target.substr(0, target.find('?'));
    if (path == "/openapi.json") return OpenApi(call);
    call->route = routes_.Find(path);
    if (call->route == nullptr) {
      return Fail(call, Refused(absl::StatusCode::kNotFound, "ROUTE_NOT_FOUND",
                                "no API method at this path"));
    }
    const Route& route = *call->route;
    const http::verb verb = call->request.method();
    if (verb != http::verb::post && !(verb == http::verb::get && route.allow_get)) {
      HttpResponse res = api::ErrorResponse(
          api::FromStatus(Refused(absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
                                  route.allow_get ? "use GET or POST" : "use POST")),
          call->context.request_id);
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, route.allow_get ? "GET, POST" : "POST");
      return Answer(call, std::move(res));
    }
    const std::string& body = call->request.body();
    if (body.size() > route.attributes.max_body_bytes) {
      HttpResponse res = api::ErrorResponse(
          api::FromStatus(Refused(absl::StatusCode::kInvalidArgument, "BODY_TOO_LARGE",
                                  absl::StrCat("the request body is larger than ",
                                               route.attributes.max_body_bytes, " bytes"))),
          call->context.request_id);
      res.result(http::status::payload_too_large);
      return Answer(call, std::move(res));
    }
    if (!body.empty() && !IsJson(call->request)) {
      HttpResponse res = api::ErrorResponse(
          api::FromStatus(Refused(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_MEDIA_TYPE",
                                  "send the request body as application/json")),
          call->context.request_id);
      res.result(http::status::unsupported_media_type);
      return Answer(call, std::move(res));
    }
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(
        route.method->input_type());
    call->message.reset(prototype->New());
    if (absl::Status s = api::JsonToMessage(body, options_.max_json_depth, call->message.get());
        !s.ok()) {
      return Fail(call, s);
    }
    if (route.attributes.ignores_token ||
        call->request.find(http::field::authorization) == call->request.end()) {
      return Continue(call, nullptr);
    }
    // Checking a token may wait for a key fetch: never on the I/O thread.
    auto self = shared_from_this();
    if (!verify_executor.TrySubmit([self, call] { self->Authenticate(call); })) {
      return Fail(call, Refused(absl::StatusCode::kUnavailable, "OVERLOADED",
                                "the gateway is busy; try again shortly"));
    }
  }

 private:
  static bool IsJson(const HttpRequest& request) {
    auto it = request.find(http::field::content_type);
    if (it == request.end()) return false;
    absl::string_view type(it->value().data(), it->value().size());
    type = absl::StripAsciiWhitespace(type.substr(0, type.find(';')));
    return absl::EqualsIgnoreCase(type, "application/json");
  }

  void OpenApi(const std::shared_ptr<Call>& call) {
    if (call->request.method() != http::verb::get) {
      HttpResponse res =
          api::ErrorResponse(api::FromStatus(Refused(absl::StatusCode::kUnimplemented,
                                                     "METHOD_NOT_ALLOWED", "use GET")),
                             call->context.request_id);
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET");
      return Answer(call, std::move(res));
    }
    HttpResponse res = api::JsonResponse(200, openapi_);
    res.set(http::field::cache_control, "public, max-age=300");
    Answer(call, std::move(res));
  }

  void Authenticate(const std::shared_ptr<Call>& call) {
    auto header = call->request.find(http::field::authorization);
    absl::string_view value(header->value().data(), header->value().size());
    absl::string_view token;
    if (value.size() > 7 && absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
      token = absl::StripAsciiWhitespace(value.substr(7));
    }
    if (token.empty() || absl::StrContains(token, ' ')) {
      return Fail(call, Refused(absl::StatusCode::kUnauthenticated, "TOKEN_MALFORMED",
                                "the Authorization header must be 'Bearer <access token>'"));
    }
    absl::StatusOr<auth::Claims> claims = access_->Verify(token, options_.clock());
    if (!claims.ok()) return Fail(call, claims.status());
    call->bearer = absl::StrCat("Bearer ", token);
    Continue(call, &*claims);
  }

  // After the token (if any) checked: cookie session, rate limit, then the call.
  void Continue(const std::shared_ptr<Call>& call, const auth::Claims* claims) {
    const Route& route = *call->route;
    if (claims == nullptr && route.attributes.auth_required) {
      return Fail(call, Refused(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                                "sign in first: this call needs 'Authorization: Bearer <access "
                                "token>'"));
    }
    if (absl::Status s = UseSessionCookie(call); !s.ok()) return Fail(call, s);
    if (route.attributes.action) {
      const std::string caller = claims != nullptr && !route.attributes.per_address
                                     ? absl::StrCat("u:", claims->subject)
                                     : absl::StrCat("a:", call->context.client_address);
      const absl::Duration wait = limits_->Take(*route.attributes.action, caller, absl::Now());
      if (wait > absl::ZeroDuration()) {
        absl::Status s = Refused(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                                 "too many requests; try again after the Retry-After delay");
        s.SetPayload("type.shopcast.dev/retry_after_ms",
                     absl::Cord(std::to_string(
                         absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))))));
        return Fail(call, s);
      }
    }
    if (route.service == "gateway") return AnswerLocally(call);
    Forward(call);
  }

  // A Refresh or Logout with no refresh token in its body uses the cookie's, with CSRF proof.
  absl::Status UseSessionCookie(const std::shared_ptr<Call>& call) {
    if (call->route->method->service()->full_name() != kUserService) return absl::OkStatus();
    std::string* token = nullptr;
    if (auto* r = dynamic_cast<userpb::RefreshRequest*>(call->message.get())) {
      token = r->mutable_refresh_token();
    } else if (auto* l = dynamic_cast<userpb::LogoutRequest*>(call->message.get())) {
      token = l->mutable_refresh_token();
    }
    if (token == nullptr || !token->empty()) return absl::OkStatus();
    std::optional<std::string> cookie = api::CookieValue(call->request, api::kRefreshCookie);
    if (!cookie || cookie->empty()) return absl::OkStatus();  // the service says what is missing
    RETURN_IF_ERROR(api::CheckCsrf(call->request, call->context.secure, options_.allowed_origins));
    *token = *std::move(cookie);
    call->cookie_session = true;
    return absl::OkStatus();
  }

  void AnswerLocally(const std::shared_ptr<Call>& call) {
    const std::string& name = call->route->method->name();
    if (name == "GetServerInfo") {
      v1::GetServerInfoResponse res;
      res.set_version(options_.version);
      res.set_revision(options_.revision);
      res.add_api_versions("v1");
      *res.mutable_server_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(options_.clock()));
      return Answer(call, api::JsonResponse(200, api::MessageToJson(res)));
    }
    if (name == "GetClientConfig") {
      v1::GetClientConfigResponse res;
      *res.mutable_config() = options_.client_config;
      return Answer(call, api::JsonResponse(200, api::MessageToJson(res)));
    }
    Fail(call, Refused(absl::StatusCode::kUnimplemented, "METHOD_NOT_IMPLEMENTED",
                       "this gateway does not implement the method"));
  }

  void Forward(const std::shared_ptr<Call>& call) {
    const Route& route = *call->route;
    auto stub = stubs_.find(route.service);
    if (stub == stubs_.end()) {
      return Fail(call, Refused(absl::StatusCode::kUnavailable, "SERVICE_NOT_CONFIGURED",
                                absl::StrCat("the ", route.service,
                                             " service is not available through this gateway")));
    }
    grpc::ClientContext& ctx = call->grpc_context;
    ctx.set_deadline(absl::ToChronoTime(call->context.received + route.attributes.deadline));
    if (!call->bearer.empty()) ctx.AddMetadata("authorization", call->bearer);
    if (!call->context.request_id.empty()) {
      ctx.AddMetadata("x-request-id", call->context.request_id);
    }
    if (route.service == "user" && !call->context.client_address.empty()) {
      ctx.AddMetadata("x-shopcast-client-address", call->context.client_address);
    }
    const std::string bytes = call->message->SerializeAsString();
    grpc::Slice slice(bytes);
    call->request_bytes = grpc::ByteBuffer(&slice, 1);
    if (!in_flight_.Start(call)) {
      return Fail(call, Refused(absl::StatusCode::kUnavailable, "SHUTTING_DOWN",
                                "the gateway is shutting down; try again shortly"));
    }
    // `this` outlives the call: Close() waits for its Done.
    stub->second->UnaryCall(&ctx, route.grpc_method, grpc::StubOptions(), &call->request_bytes,
                            &call->response_bytes, [this, call](grpc::Status status) {
                              Finish(call, status);
                              in_flight_.Done(call.get());
                            });
  }

  // On a gRPC callback thread: parse and print, nothing that waits.
  void Finish(const std::shared_ptr<Call>& call, const grpc::Status& status) {
    const Route& route = *call->route;
    const bool is_login = route.method->full_name() == absl::StrCat(kUserService, ".Login");
    const bool is_refresh = route.method->full_name() == absl::StrCat(kUserService, ".Refresh");
    const bool is_logout = route.method->full_name() == absl::StrCat(kUserService, ".Logout");
    const bool is_password_change =
        route.method->full_name() == absl::StrCat(kUserService, ".ChangePassword");
    if (!status.ok()) {
      HttpResponse res = api::ErrorResponse(
          api::FromGrpcStatus(status, call->grpc_context.GetServerTrailingMetadata(),
                              route.service),
          call->context.request_id);
      // A session cookie the user service refused is of no further use.
      if (call->cookie_session && status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        for (const std::string& c : api::ClearedSessionCookies()) {
          res.insert(http::field::set_cookie, c);
        }
      }
      return Answer(call, std::move(res));
    }
    std::unique_ptr<Message> response(google::protobuf::MessageFactory::generated_factory()
                                          ->GetPrototype(route.method->output_type())
                                          ->New());
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (call->response_bytes.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    if (!response->ParseFromString(bytes)) {
      log::Error("api_response_unparsable").Kv("method", route.grpc_method);
      return Fail(call, absl::InternalError("unparsable response"));
    }
    std::vector<std::string> cookies;
    userpb::TokenPair* tokens = nullptr;
    if (is_login) tokens = static_cast<userpb::LoginResponse*>(response.get())->mutable_tokens();
    if (is_refresh) {
      tokens = static_cast<userpb::RefreshResponse*>(response.get())->mutable_tokens();
    }
    // The change ended every session, the cookie's too: the new one replaces it.
    if (is_password_change) {
      tokens = static_cast<userpb::ChangePasswordResponse*>(response.get())->mutable_tokens();
    }
    if (tokens != nullptr && !tokens->refresh_token().empty()) {
      const absl::Time expires =
          absl::FromUnixSeconds(tokens->refresh_token_expires_at().seconds());
      cookies = api::SessionCookies(tokens->refresh_token(), api::NewCsrfToken(),
                                    expires - options_.clock());
      tokens->clear_refresh_token();
    }
    if (is_logout) cookies = api::ClearedSessionCookies();
    HttpResponse res = api::JsonResponse(200, api::MessageToJson(*response));
    for (const std::string& c : cookies) res.insert(http::field::set_cookie, c);
    Answer(call, std::move(res));
  }

  void Fail(const std::shared_ptr<Call>& call, const absl::Status& status) {
    v1::HttpError error = api::FromStatus(status);
    if (status.code() == absl::StatusCode::kInternal) error.set_message("internal error");
    Answer(call, api::ErrorResponse(std::move(error), call->context.request_id));
  }

  void Answer(const std::shared_ptr<Call>& call, HttpResponse res) {
    res.version(call->request.version());
    res.keep_alive(call->request.keep_alive());
    const std::string service = call->route != nullptr ? call->route->service : "none";
    const std::string method = call->route != nullptr ? call->route->method->name() : "none";
    const double seconds = absl::ToDoubleSeconds(absl::Now() - call->context.received);
    if (requests_ != nullptr) {
      requests_
          ->Add({{"service", service},
                 {"method", method},
                 {"status", std::to_string(res.result_int())}})
          .Increment();
      duration_
          ->Add({{"service", service}},
                prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                        2.5, 5, 10})
          .Observe(seconds);
    }
    log::Info("api_request")
        .Kv("service", service)
        .Kv("method", method)
        .Kv("status", static_cast<int64_t>(res.result_int()))
        .Kv("ms", seconds * 1000)
        .Kv("request_id", call->context.request_id);
    std::move(call->respond)(std::move(res));
  }

  const ApiOptions options_;
  const api::RouteTable routes_;
  std::shared_ptr<AccessCheck> access_;
  std::shared_ptr<RateLimits> limits_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  const std::string openapi_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* duration_ = nullptr;
  calls::CallsInFlight<Call> in_flight_;
};

// What the server holds: the pool that checks tokens, and the API. The pool's workers hold only
// the API, so this is never destroyed on one of them (which would join itself); destroying it
// runs what is queued, joins, then waits for the downstream calls still in flight (cancelled).
class ApiFront final : public RouteHandler {
 public:
  ApiFront(std::shared_ptr<ApiHandler> api, int threads, int queue)
      : api_(std::move(api)), verify_executor_(threads, queue) {}
  ~ApiFront() override {
    verify_executor_.Shutdown();  // no token check starts a call after this
    api_->Close();
  }

  void Handle(HttpRequest request, const RequestContext& context, Responder respond) override {
    api_->Handle(std::move(request), context, std::move(respond), verify_executor_);
  }

 private:
  std::shared_ptr<ApiHandler> api_;
  server::Executor verify_executor_;  // after api_: stopped first
};

}  // namespace

absl::StatusOr<std::shared_ptr<RouteHandler>> MakeApiHandler(ApiOptions options,
                                                             std::shared_ptr<AccessCheck> access,
                                                             std::shared_ptr<RateLimits> limits,
                                                             prometheus::Registry* metrics) {
  if (access == nullptr || limits == nullptr) {
    return absl::InvalidArgumentError("the API needs an AccessCheck and RateLimits");
  }
  auto routes = api::RouteTable::Build();
  if (!routes.ok()) return routes.status();
  const int threads = std::max(1, options.verify_threads);
  const int queue = std::max(1, options.verify_queue);
  auto api = std::make_shared<ApiHandler>(std::move(options), *std::move(routes), std::move(access),
                                          std::move(limits), metrics);
  return std::shared_ptr<RouteHandler>(std::make_shared<ApiFront>(std::move(api), threads, queue));
}

}  // namespace shopcast::gateway
