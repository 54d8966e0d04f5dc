#pragma once

// What the WebSocket hub's tests stand on: a small TCP listener that reads the upgrade request
// and hands the connection to the acceptor (as src/http/ will), a WebSocket client with its own
// I/O thread, test doubles of AccessCheck (the real libs/auth verifier on a test key) and
// RateLimits, and a real realtime-push process (its binary on this run's PostgreSQL) with rooms
// opened and events published the way video-ingest and product-inventory do.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/websocket/stream.hpp"
#include "shopcast/auth/tokens.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "shopcast/testing/temp_dir.h"
#include "support/process_fixture.h"  // realtime-push's process fixture
#include "ws/hub.h"

namespace shopcast::gateway::ws::testing {

namespace v1 = ::shopcast::gateway::v1;
namespace rp = ::shopcast::realtime_push::v1;

// Accepts TCP connections on 127.0.0.1:<ephemeral>, reads one HTTP request each and hands it
// to the acceptor with its socket (on a strand, as the real server does).
class TestListener {
 public:
  explicit TestListener(std::shared_ptr<WebSocketAcceptor> acceptor);
  ~TestListener();
  int port() const { return port_; }

 private:
  void AcceptNext();
  std::shared_ptr<WebSocketAcceptor> acceptor_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor listener_;
  int port_ = 0;
  std::vector<std::thread> threads_;
};

// One WebSocket client. Frames it receives are kept in order; reading can be paused (a client
// that stops reading). Thread-safe.
class WsClient {
 public:
  struct Options {
    std::string target = "/ws/v1";
    std::string protocol = "shopcast.v1.json";  // "" offers none
    int receive_buffer_bytes = 0;               // SO_RCVBUF before connecting; 0 = default
  };
  WsClient(int port, Options options);
  explicit WsClient(int port) : WsClient(port, Options{}) {}
  ~WsClient();

  bool binary() const { return options_.protocol == "shopcast.v1.proto"; }
  // A frame in the client's subprotocol.
  void Send(const v1::ClientFrame& frame);
  // Raw bytes as a text (or binary) frame.
  void SendRaw(std::string bytes, bool binary_frame);

  // Waits until a received frame (at index >= `from`) satisfies `pred`; its index, or -1.
  int WaitFor(const std::function<bool(const v1::ServerFrame&)>& pred,
              absl::Duration timeout = absl::Seconds(30), size_t from = 0);
  std::vector<v1::ServerFrame> Frames() const;
  // The durable room events received for `stream_id`, by sequence, in arrival order.
  std::vector<int64_t> Sequences(const std::string& stream_id) const;

  void PauseReading();
  void ResumeReading();
  // Waits for the connection to end; the close code the server sent (0 = none / dropped).
  bool WaitClosed(absl::Duration timeout, int* close_code = nullptr);
  bool closed() const;

 private:
  void DoRead();
  void DoWrite();
  Options options_;
  boost::asio::io_context ioc_;
  // Keeps run() going while reading is paused and nothing else is pending.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<v1::ServerFrame> frames_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int close_code_ ABSL_GUARDED_BY(mu_) = 0;
  bool paused_ = false;                           // I/O thread
  bool reading_ = false;                          // I/O thread
  std::deque<std::pair<std::string, bool>> out_;  // I/O thread
  bool writing_ = false;                          // I/O thread
};

// AccessCheck with the real verifier on the world's key.
class TestAccess final : public AccessCheck {
 public:
  explicit TestAccess(const auth::SigningKey& key);
  absl::StatusOr<auth::Claims> Verify(absl::string_view token, absl::Time now) override;

  // While held, Verify waits (as a slow key fetch would) until Release.
  void Hold();
  void Release();
  int waiting() const;  // calls waiting now

  // Every token of `user_id` is revoked from now on (as a logout everywhere would be): Verify
  // and CheckRevoked answer TOKEN_REVOKED, and the revocation sequence moves on.
  void RevokeUser(const std::string& user_id);
  absl::Status CheckRevoked(const auth::Claims& claims) override;
  int64_t RevocationSequence() const override;

 private:
  auth::TokenVerifier verifier_;
  mutable absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
};

// RateLimits that allows `allowed` takes per caller and action, then refuses for a second.
class TestLimits final : public RateLimits {
 public:
  explicit TestLimits(int allowed = 1000) : allowed_(allowed) {}
  absl::Duration Take(RateAction action, absl::string_view caller, absl::Time now) override;

 private:
  int allowed_;
  absl::Mutex mu_;
  std::map<std::pair<int, std::string>, int> taken_ ABSL_GUARDED_BY(mu_);
};

// What a test adds to realtime-push before it starts (given the deployment, e.g. for its
// service certificates): more environment, and the key tokens are signed with (a user service
// fixture's, so that realtime-push and that service agree) instead of a fresh one.
struct PushSetup {
  std::vector<std::string> env;
  std::optional<auth::SigningKey> key;
};

// A real realtime-push process on a fresh database, tokens it accepts, rooms and events.
class PushWorld {
 public:
  explicit PushWorld(
      std::function<PushSetup(const realtime_push::testing::Deployment&)> setup = nullptr);
  ~PushWorld();

  // A room opened (and LIVE) as video-ingest's go-live event does it.
  std::string OpenRoom(const std::string& host_id);
  // Publishes a product_created event (title padded to `title_bytes`); its sequence.
  int64_t Publish(const std::string& stream_id, int title_bytes = 16);
  // Ends the stream (the room closes).
  void EndRoom(const std::string& stream_id, const std::string& host_id);
  std::string Token(const std::string& user_id, const std::string& name = "");
  // A token of the same issuer whose `exp` is `expires_at` (past or future).
  std::string TokenExpiringAt(const std::string& user_id, absl::Time expires_at,
                              const std::string& name = "");
  // realtime-push's database (to look at what the API does not show, e.g. presence rows).
  const std::string& dsn() const { return deployment_->dsn(); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  TestAccess& access() { return *access_; }
  realtime_push::testing::Process& process() { return *process_; }
  int64_t ViewerCount(const std::string& stream_id);
  // SIGKILLs realtime-push and starts it again on the same public port and database.
  void Restart();

 private:
  void Start();
  void Deliver(const std::string& type, const std::string& stream_id,
               const google::protobuf::Message& payload);
  shopcast::testing::TempDir dir_;
  auth::SigningKey key_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
  std::unique_ptr<TestAccess> access_;
  std::unique_ptr<realtime_push::testing::Deployment> deployment_;
  std::unique_ptr<realtime_push::testing::Process> process_;
  int grpc_port_ = 0;  // fixed, so that the hub's channel finds the restarted process
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rp::RealtimePushInternalService::Stub> internal_;
  std::vector<std::string> extra_env_;
  std::atomic<int> published_{0};
};

// Client frames.
v1::ClientFrame SubscribeFrame(const std::string& frame_id, const std::string& stream_id,
                               int64_t after_sequence = 0, bool skip_presence = false);
v1::ClientFrame AuthenticateFrame(const std::string& frame_id, const std::string& token);
v1::ClientFrame ChatFrame(const std::string& frame_id, const std::string& stream_id,
                          const std::string& text);
v1::ClientFrame HeartbeatFrame();

// Frame predicates.
std::function<bool(const v1::ServerFrame&)> IsRoomStarted(const std::string& stream_id);
std::function<bool(const v1::ServerFrame&)> IsEvent(const std::string& stream_id, int64_t seq);
std::function<bool(const v1::ServerFrame&)> IsErrorFor(const std::string& frame_id);
std::function<bool(const v1::ServerFrame&)> IsAckFor(const std::string& frame_id);
std::function<bool(const v1::ServerFrame&)> IsRoomEnded(const std::string& stream_id);

}  // namespace shopcast::gateway::ws::testing
