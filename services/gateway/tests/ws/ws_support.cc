#include "ws_support.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/http/read.hpp"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/common/v1/stream.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::gateway::ws::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using google::protobuf::util::TimeUtil;

// ---- listener -------------------------------------------------------------------------------

TestListener::TestListener(std::shared_ptr<WebSocketAcceptor> acceptor)
    : acceptor_(std::move(acceptor)), listener_(ioc_) {
  net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  listener_.open(ep.protocol());
  listener_.set_option(net::socket_base::reuse_address(true));
  listener_.bind(ep);
  listener_.listen(4096);
  port_ = listener_.local_endpoint().port();
  AcceptNext();
  for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

TestListener::~TestListener() {
  ioc_.stop();
  for (auto& t : threads_) t.join();
}

void TestListener::AcceptNext() {
  listener_.async_accept(
      net::make_strand(ioc_), [this](beast::error_code ec, net::ip::tcp::socket socket) {
        if (!ec) {
          auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
          auto buffer = std::make_shared<beast::flat_buffer>();
          auto request = std::make_shared<HttpRequest>();
          stream->expires_after(std::chrono::seconds(10));
          http::async_read(*stream, *buffer, *request,
                           [this, stream, buffer, request](beast::error_code rec, size_t) {
                             if (rec) return;
                             stream->expires_never();
                             RequestContext ctx;
                             ctx.request_id = ids::NewUniqueId("req");
                             ctx.client_address = "127.0.0.1";
                             ctx.received = absl::Now();
                             acceptor_->Accept(std::move(*request), ctx, std::move(*stream));
                           });
        }
        AcceptNext();
      });
}

// ---- client ---------------------------------------------------------------------------------

WsClient::WsClient(int port, Options options)
    : options_(std::move(options)), work_(net::make_work_guard(ioc_)), ws_(ioc_) {
  auto& sock = beast::get_lowest_layer(ws_).socket();
  sock.open(net::ip::tcp::v4());
  if (options_.receive_buffer_bytes > 0) {
    sock.set_option(net::socket_base::receive_buffer_size(options_.receive_buffer_bytes));
  }
  beast::get_lowest_layer(ws_).connect(
      net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  const std::string protocol = options_.protocol;
  ws_.set_option(websocket::stream_base::decorator([protocol](websocket::request_type& req) {
    if (!protocol.empty()) req.set(http::field::sec_websocket_protocol, protocol);
  }));
  websocket::response_type response;
  ws_.handshake(response, "127.0.0.1", options_.target);
  ws_.binary(binary());
  ws_.read_message_max(64 * 1024 * 1024);
  net::post(ioc_, [this] { DoRead(); });
  thread_ = std::thread([this] { ioc_.run(); });
}

WsClient::~WsClient() {
  net::post(ioc_, [this] {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  });
  work_.reset();
  ioc_.stop();
  thread_.join();
}

void WsClient::Send(const v1::ClientFrame& frame) {
  std::string bytes;
  if (binary()) {
    frame.SerializeToString(&bytes);
  } else {
    REQUIRE(google::protobuf::util::MessageToJsonString(frame, &bytes).ok());
  }
  SendRaw(std::move(bytes), binary());
}

void WsClient::SendRaw(std::string bytes, bool binary_frame) {
  net::post(ioc_, [this, bytes = std::move(bytes), binary_frame]() mutable {
    out_.emplace_back(std::move(bytes), binary_frame);
    DoWrite();
  });
}

void WsClient::DoWrite() {
  if (writing_ || out_.empty()) return;
  writing_ = true;
  ws_.binary(out_.front().second);
  ws_.async_write(net::buffer(out_.front().first), [this](beast::error_code ec, size_t) {
    writing_ = false;
    out_.pop_front();
    if (!ec) DoWrite();
  });
}

void WsClient::DoRead() {
  if (paused_ || reading_) return;
  reading_ = true;
  ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
    reading_ = false;
    if (ec) {
      absl::MutexLock lock(&mu_);
      closed_ = true;
      close_code_ = ws_.reason().code;
      return;
    }
    const std::string bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    v1::ServerFrame frame;
    if (ws_.got_binary()) {
      REQUIRE(frame.ParseFromString(bytes));
    } else {
      REQUIRE(google::protobuf::util::JsonStringToMessage(bytes, &frame).ok());
    }
    {
      absl::MutexLock lock(&mu_);
      frames_.push_back(std::move(frame));
    }
    DoRead();
  });
}

void WsClient::PauseReading() {
  net::post(ioc_, [this] { paused_ = true; });
}

void WsClient::ResumeReading() {
  net::post(ioc_, [this] {
    paused_ = false;
    DoRead();
  });
}

int WsClient::WaitFor(const std::function<bool(const v1::ServerFrame&)>& pred,
                      absl::Duration timeout, size_t from) {
  int found = -1;
  shopcast::testing::WaitUntil(
      [&] {
        absl::MutexLock lock(&mu_);
        for (size_t i = from; i < frames_.size(); ++i) {
          if (pred(frames_[i])) {
            found = static_cast<int>(i);
            return true;
          }
        }
        return closed_;
      },
      timeout, absl::Milliseconds(5));
  return found;
}

std::vector<v1::ServerFrame> WsClient::Frames() const {
  absl::MutexLock lock(&mu_);
  return frames_;
}

std::vector<int64_t> WsClient::Sequences(const std::string& stream_id) const {
  std::vector<int64_t> out;
  absl::MutexLock lock(&mu_);
  for (const auto& f : frames_) {
    if (f.has_room_event() && f.room_event().stream_id() == stream_id &&
        !f.room_event().ephemeral()) {
      out.push_back(f.room_event().sequence());
    }
  }
  return out;
}

bool WsClient::WaitClosed(absl::Duration timeout, int* close_code) {
  const bool ok = shopcast::testing::WaitUntil([&] { return closed(); }, timeout);
  if (close_code != nullptr) {
    absl::MutexLock lock(&mu_);
    *close_code = close_code_;
  }
  return ok;
}

bool WsClient::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

// ---- doubles --------------------------------------------------------------------------------

TestAccess::TestAccess(const auth::SigningKey& key)
    : verifier_({auth::PublicKeyOf(key)}, "shopcast-user", "shopcast") {}

absl::StatusOr<auth::Claims> TestAccess::Verify(absl::string_view token, absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    const auto released = [this] { return !held_; };
    mu_.Await(absl::Condition(&released));
    --waiting_;
  }
  absl::StatusOr<auth::Claims> claims = verifier_.Verify(token, now);
  if (claims.ok()) {
    if (absl::Status revoked = CheckRevoked(*claims); !revoked.ok()) return revoked;
  }
  return claims;
}

void TestAccess::RevokeUser(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  revoked_.insert(user_id);
}

absl::Status TestAccess::CheckRevoked(const auth::Claims& claims) {
  absl::MutexLock lock(&mu_);
  if (revoked_.count(claims.subject) == 0) return absl::OkStatus();
  return Unauthenticated("TOKEN_REVOKED", "the token was revoked");
}

int64_t TestAccess::RevocationSequence() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(revoked_.size());
}

void TestAccess::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void TestAccess::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

int TestAccess::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

absl::Duration TestLimits::Take(RateAction action, absl::string_view caller, absl::Time) {
  absl::MutexLock lock(&mu_);
  int& n = taken_[{static_cast<int>(action), std::string(caller)}];
  if (n >= allowed_) return absl::Seconds(1);
  ++n;
  return absl::ZeroDuration();
}

// ---- realtime-push --------------------------------------------------------------------------

PushWorld::PushWorld(std::function<PushSetup(const realtime_push::testing::Deployment&)> setup) {
  deployment_ = std::make_unique<realtime_push::testing::Deployment>();
  PushSetup extra;
  if (setup != nullptr) extra = setup(*deployment_);
  extra_env_ = std::move(extra.env);
  if (extra.key) {
    key_ = *extra.key;
  } else {
    auto key = auth::GenerateSigningKey("gwtest");
    REQUIRE(key.ok());
    key_ = *key;
  }
  key_.kid = auth::KeyIdFor(key_.public_pem);  // what realtime-push names the key it loads
  std::ofstream(dir_.File("verify.pub.pem")) << key_.public_pem;
  issuer_ =
      std::make_unique<auth::TokenIssuer>(key_, "shopcast-user", "shopcast", absl::Minutes(15));
  access_ = std::make_unique<TestAccess>(key_);
  {
    // A free port now, kept for restarts.
    net::io_context ioc;
    net::ip::tcp::acceptor probe(ioc,
                                 net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    grpc_port_ = probe.local_endpoint().port();
  }
  Start();
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                 grpc::InsecureChannelCredentials());
}

void PushWorld::Start() {
  std::vector<std::string> env{
      "SHOPCAST_REALTIME_PUSH_VERIFY_KEY_FILES=" + dir_.File("verify.pub.pem"),
      "SHOPCAST_REALTIME_PUSH_GRPC_ADDR=127.0.0.1:" + std::to_string(grpc_port_),
      "SHOPCAST_REALTIME_PUSH_LOG_LEVEL=info", "SHOPCAST_REALTIME_PUSH_END_LINGER=200ms"};
  env.insert(env.end(), extra_env_.begin(), extra_env_.end());
  process_ = std::make_unique<realtime_push::testing::Process>(*deployment_, "realtime-push",
                                                               std::move(env));
  internal_ = process_->InternalStub();
}

void PushWorld::Restart() {
  process_->Kill();
  process_.reset();
  Start();
}

PushWorld::~PushWorld() = default;

void PushWorld::Deliver(const std::string& type, const std::string& stream_id,
                        const google::protobuf::Message& payload) {
  auto tls = auth::LoadServiceTls(deployment_->TlsOf("video-ingest"));
  REQUIRE(tls.ok());
  auto channel = clients::MakeInternalChannel("realtime-push", process_->internal_target(), *tls);
  REQUIRE(channel.ok());
  auto sink = common::v1::EventSink::NewStub(*channel);
  common::v1::DeliverEventsRequest request;
  common::v1::Event* e = request.add_events();
  e->set_id(ids::NewId("evt"));
  e->set_type(type);
  e->set_source("video_ingest");
  e->set_aggregate_id(stream_id);
  *e->mutable_occurred_at() = TimeUtil::GetCurrentTime();
  e->mutable_payload()->PackFrom(payload);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  common::v1::DeliverEventsResponse response;
  grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
  REQUIRE(s.ok());
  REQUIRE(response.accepted_ids_size() == 1);
}

std::string PushWorld::OpenRoom(const std::string& host_id) {
  const std::string stream = ids::NewId("str");
  video_ingest::v1::StreamWentLive live;
  live.set_stream_id(stream);
  live.set_host_id(host_id);
  live.set_title("Friday mugs");
  Deliver("video_ingest.stream_went_live", stream, live);
  return stream;
}

void PushWorld::EndRoom(const std::string& stream_id, const std::string& host_id) {
  video_ingest::v1::StreamEnded ended;
  ended.set_stream_id(stream_id);
  ended.set_host_id(host_id);
  ended.set_status(common::v1::STREAM_STATUS_ENDED);
  ended.set_end_reason(video_ingest::v1::STREAM_END_REASON_HOST_ENDED);
  *ended.mutable_ended_at() = TimeUtil::GetCurrentTime();
  Deliver("video_ingest.stream_ended", stream_id, ended);
}

int64_t PushWorld::Publish(const std::string& stream_id, int title_bytes) {
  const int n = ++published_;
  rp::PublishRequest request;
  request.set_stream_id(stream_id);
  request.set_event_id(absl::StrCat("evt_gwtest_", n, "_", ids::NewUniqueId("e")));
  rp::RoomEvent* e = request.mutable_event();
  *e->mutable_occurred_at() = TimeUtil::GetCurrentTime();
  rp::ProductCard* card = e->mutable_product_created()->mutable_product();
  card->set_product_id(ids::NewId("prd"));
  std::string title = absl::StrCat("Mug ", n, " ");
  if (static_cast<int>(title.size()) < title_bytes) title.append(title_bytes - title.size(), 'm');
  card->set_title(title);
  card->set_version(1);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  rp::PublishResponse response;
  grpc::Status s = internal_->Publish(&ctx, request, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response.sequence();
}

std::string PushWorld::Token(const std::string& user_id, const std::string& name) {
  auto t = issuer_->Issue(user_id, auth::Role::kViewer, absl::Now(), {}, name);
  REQUIRE(t.ok());
  return t->token;
}

std::string PushWorld::TokenExpiringAt(const std::string& user_id, absl::Time expires_at,
                                       const std::string& name) {
  // The issuer's tokens live 15 minutes from their issue time.
  auto t = issuer_->Issue(user_id, auth::Role::kViewer, expires_at - absl::Minutes(15), {}, name);
  REQUIRE(t.ok());
  return t->token;
}

int64_t PushWorld::ViewerCount(const std::string& stream_id) {
  auto stub = rp::RealtimePushService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rp::GetRoomStatsRequest request;
  request.set_stream_id(stream_id);
  rp::GetRoomStatsResponse response;
  if (!stub->GetRoomStats(&ctx, request, &response).ok()) return -1;
  return response.stats().viewer_count();
}

// ---- frames ---------------------------------------------------------------------------------

v1::ClientFrame SubscribeFrame(const std::string& frame_id, const std::string& stream_id,
                               int64_t after_sequence, bool skip_presence) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_subscribe_room()->set_stream_id(stream_id);
  f.mutable_subscribe_room()->set_after_sequence(after_sequence);
  f.mutable_subscribe_room()->set_skip_presence(skip_presence);
  return f;
}

v1::ClientFrame AuthenticateFrame(const std::string& frame_id, const std::string& token) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_authenticate()->set_access_token(token);
  return f;
}

v1::ClientFrame ChatFrame(const std::string& frame_id, const std::string& stream_id,
                          const std::string& text) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_send_chat()->set_stream_id(stream_id);
  f.mutable_send_chat()->set_text(text);
  f.mutable_send_chat()->set_client_message_id("m-" + frame_id);
  return f;
}

v1::ClientFrame HeartbeatFrame() {
  v1::ClientFrame f;
  *f.mutable_heartbeat()->mutable_client_time() = TimeUtil::GetCurrentTime();
  return f;
}

std::function<bool(const v1::ServerFrame&)> IsRoomStarted(const std::string& stream_id) {
  return [stream_id](const v1::ServerFrame& f) {
    return f.has_room_started() && f.room_started().stream_id() == stream_id;
  };
}
std::function<bool(const v1::ServerFrame&)> IsEvent(const std::string& stream_id, int64_t seq) {
  return [stream_id, seq](const v1::ServerFrame& f) {
    return f.has_room_event() && f.room_event().stream_id() == stream_id &&
           !f.room_event().ephemeral() && f.room_event().sequence() == seq;
  };
}
std::function<bool(const v1::ServerFrame&)> IsErrorFor(const std::string& frame_id) {
  return [frame_id](const v1::ServerFrame& f) {
    return f.has_error() && f.error().frame_id() == frame_id;
  };
}
std::function<bool(const v1::ServerFrame&)> IsAckFor(const std::string& frame_id) {
  return [frame_id](const v1::ServerFrame& f) {
    return f.has_ack() && f.ack().frame_id() == frame_id;
  };
}
std::function<bool(const v1::ServerFrame&)> IsRoomEnded(const std::string& stream_id) {
  return [stream_id](const v1::ServerFrame& f) {
    return f.has_room_ended() && f.room_ended().stream_id() == stream_id;
  };
}

}  // namespace shopcast::gateway::ws::testing
