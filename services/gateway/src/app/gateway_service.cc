#include "app/gateway_service.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"

namespace shopcast::gateway {
namespace {

google::protobuf::Duration ToProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

// Page sizes the list RPCs of every service accept (order's, product-inventory's, …).
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
// realtime-push's chat limit (chat/text_rules.h).
constexpr int kChatMaxChars = 500;

}  // namespace

v1::ClientConfig MakeClientConfig(const Config& config) {
  v1::ClientConfig c;
  absl::string_view base = config.public_url;
  absl::string_view authority = base;
  const bool tls = absl::ConsumePrefix(&authority, "https://");
  if (!tls) absl::ConsumePrefix(&authority, "http://");
  c.set_websocket_url(absl::StrCat(tls ? "wss://" : "ws://", authority, "/ws/v1"));
  c.set_live_hls_base_url(absl::StrCat(base, "/live/"));
  c.set_rtmp_ingest_url(config.rtmp_ingest_url);
  c.set_srt_ingest_url(config.srt_ingest_url);
  for (const std::string& code : config.supported_currencies) c.add_supported_currencies(code);
  c.set_token_issuer(config.token_issuer);
  c.set_token_audience(config.token_audience);
  v1::ClientLimits* limits = c.mutable_limits();
  limits->set_chat_max_chars(kChatMaxChars);
  limits->set_max_room_subscriptions(config.ws_max_room_subscriptions);
  limits->set_max_client_frame_bytes(config.ws_max_frame_bytes);
  *limits->mutable_default_hold_duration() = ToProto(config.default_hold_duration);
  limits->set_default_page_size(kDefaultPageSize);
  limits->set_max_page_size(kMaxPageSize);
  *c.mutable_heartbeat_interval() = ToProto(config.ws_heartbeat_interval);
  *c.mutable_idle_timeout() = ToProto(config.ws_idle_timeout);
  for (const auto& [name, on] : config.features) (*c.mutable_features())[name] = on;
  return c;
}

GatewayInfo::GatewayInfo(std::string version, const Config& config)
    : version_(std::move(version)), revision_(config.build_revision) {
  *client_config_.mutable_config() = MakeClientConfig(config);
}

v1::GetServerInfoResponse GatewayInfo::ServerInfo(absl::Time now) const {
  v1::GetServerInfoResponse r;
  r.set_version(version_);
  r.set_revision(revision_);
  r.add_api_versions("v1");
  *r.mutable_server_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  return r;
}

v1::GetClientConfigResponse GatewayInfo::ClientConfig() const { return client_config_; }

grpc::ServerUnaryReactor* GatewayService::GetServerInfo(grpc::CallbackServerContext* ctx,
                                                        const v1::GetServerInfoRequest*,
                                                        v1::GetServerInfoResponse* response) {
  *response = info_.ServerInfo(absl::Now());
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::GetClientConfig(grpc::CallbackServerContext* ctx,
                                                          const v1::GetClientConfigRequest*,
                                                          v1::GetClientConfigResponse* response) {
  *response = info_.ClientConfig();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace shopcast::gateway
