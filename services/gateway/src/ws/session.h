#pragma once

// One WebSocket: what it follows and who it acts as, the client frames it answers, and its
// bounded send queue. The socket itself (plain or TLS Beast stream) is the transport below;
// everything here runs on the socket's strand except Send/RoomEnded/RoomFailed (any thread).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "http/exchange.h"
#include "shopcast/auth/tokens.h"
#include "ws/compact_time.h"
#include "ws/frames.h"
#include "ws/hub.h"
#include "ws/peer.h"
#include "ws/rooms.h"

namespace shopcast::gateway::ws {

// What sessions share: the hub's parts.
struct HubCore {
  HubCore(WsOptions o, std::shared_ptr<grpc::Channel> channel, AccessCheck* a, RateLimits* l,
          prometheus::Registry* registry);
  virtual ~HubCore();
  virtual void Unregister(uint64_t id) = 0;

  const WsOptions options;
  HubMetrics metrics;
  // SubscribeNotifications calls open (one per socket that asked, until it ends or the socket
  // closes): shopcast_gateway_ws_notification_subscriptions.
  prometheus::Gauge* notification_calls = nullptr;
  boost::asio::io_context background;  // timers and token checks (AccessCheck may block)
  std::unique_ptr<Rooms> rooms;
  AccessCheck* access;
  RateLimits* limits;
};

class NotificationsCall;

class Session : public Peer, public std::enable_shared_from_this<Session> {
  friend class NotificationsCall;  // forgets itself (OnStrand) when it ends on its own

 public:
  Session(HubCore& hub, uint64_t id, Subprotocol protocol, const RequestContext& context,
          WsTarget target);
  ~Session() override;

  // Peer (any thread).
  uint64_t id() const override { return id_; }
  Subprotocol subprotocol() const override { return protocol_; }
  bool Send(const FrameBytes& bytes, SendKind kind) override;
  void RoomEnded(const std::string& stream_id, v1::RoomEndReason reason, int64_t last_sequence,
                 absl::Duration retry_after) override;
  void RoomFailed(const std::string& stream_id, const std::string& frame_id,
                  const absl::Status& status) override;

  // Any thread: going_away now, closed (1001) after drain_close_after.
  void Drain();
  // Any thread: the revocation list moved on; a sign-in it now voids is downgraded as an expired
  // one is, but with TOKEN_REVOKED (a logout, password change or deleted account elsewhere must
  // not leave this socket receiving the user's notifications).
  void RecheckRevocation();

  // The hub's deadline sweep (its own thread), every WsOptions::timer_tick with the time in
  // Unix nanoseconds: a transport without timers of its own acts on deadlines that have come.
  virtual void SweepTick(int64_t /*now_unix_ns*/) {}

 protected:
  // For the transport, on the strand.
  void OnOpen();
  void OnMessage(const std::string& bytes, bool binary);
  void OnClosed();
  // A deadline passed (idle, stuck queue, drain, close); the transport re-arms at NextDeadline.
  void OnTimer();
  absl::Time NextDeadline() const;
  // The frame to write next (left queued until WriteDone), or null when the queue is empty
  // (the writer stops; the next Send restarts it).
  FrameBytes NextToWrite();
  void WriteDone();
  bool closed() const { return closed_; }
  const std::string& connection_id() const { return connection_id_; }

  // Transport hooks.
  virtual void Post(std::function<void()> fn) = 0;
  virtual void KickWriter() = 0;                                     // any thread
  virtual void CloseAfterFlush(uint16_t code, const char* why) = 0;  // strand
  virtual void Abort() = 0;                                          // strand
  virtual void Rearm() = 0;  // strand: timer to NextDeadline

 private:
  struct RoomSub {
    std::string stream_id;
    bool presence = false;
    bool presence_joined = false;
    CompactTime last_beat;
  };

  void SendFrame(const v1::ServerFrame& frame);
  void SendError(const absl::Status& status, const std::string& frame_id, bool fatal = false);
  void BadFrame(const absl::Status& status, const std::string& frame_id);
  // Takes one from the socket's frame budget: zero, or how long until one is back.
  absl::Duration TakeFrameToken(absl::Time now);
  // Downgrades an expired sign-in (told with a TOKEN_EXPIRED error frame; notifications stop;
  // presence moves to the anonymous session); true if the connection is signed in now.
  bool SignedIn(absl::Time now);
  // Ends the sign-in for `why` (UNAUTHENTICATED with its reason), as SignedIn describes.
  void LoseSignIn(const absl::Status& why);
  // Why a write needs a sign-in: TOKEN_EXPIRED after an expiry (until the next authenticate),
  // else LOGIN_REQUIRED with `message`.
  absl::Status SignInRequired(const char* message) const;
  RoomSub* FindRoom(const std::string& stream_id);
  void ForgetRoom(const std::string& stream_id, bool leave_presence);

  // Answers one parsed client frame (on the strand).
  void Dispatch(const v1::ClientFrame& frame);
  void HandleAuthenticate(const std::string& frame_id, const v1::Authenticate& a);
  // The end of an authenticate's check: the ack or the error, then the frames held behind it.
  void AnswerAuthenticate(const std::string& frame_id, const std::string& token,
                          const absl::StatusOr<auth::Claims>& claims);
  void ReleaseHeld();
  void HandleSubscribe(const std::string& frame_id, const v1::SubscribeRoom& s);
  void HandleUnsubscribe(const std::string& frame_id, const v1::UnsubscribeRoom& u);
  void HandleChat(const std::string& frame_id, const v1::SendChat& c);
  void HandleLike(const std::string& frame_id, const v1::Like& l);
  void HandleHeartbeat(const std::string& frame_id, const v1::Heartbeat& h);
  void HandleNotifications(const std::string& frame_id, const v1::SubscribeNotifications& n);

  void PresenceJoin(const std::string& stream_id);
  void PresenceBeat(const std::string& stream_id);
  void PresenceLeave(const std::string& stream_id, const std::string& token);
  void StartNotifications();
  void StopNotifications();
  // Runs `fn` on the strand if the session is still alive.
  void OnStrand(std::function<void(Session&)> fn);
  // A unary realtime-push call with the call timeout and, when given, the token.
  template <typename Resp, typename Req, typename StartFn>
  void Unary(Req request, const std::string& token, StartFn start,
             std::function<void(Session&, const absl::Status&, Resp&)> done);

  // Who the socket acts as; null for anonymous viewers (most idle sockets), so they keep
  // neither string.
  struct SignIn {
    std::string user_id;
    std::string token;
    absl::Time expires;
    auth::Claims claims;  // asked again when the revocation list moves on
  };
  const std::string& user_id() const;  // "" when anonymous
  const std::string& token() const;    // "" when anonymous
  absl::Time token_expires() const;    // InfiniteFuture when anonymous

 protected:
  HubCore& hub_;

 private:
  const uint64_t id_;
  const Subprotocol protocol_;
  const std::string connection_id_;  // also the presence / reaction session id
  const std::string client_address_;
  // What the path asked to follow (/ws/streams/{id}); null without one, and once opened.
  std::unique_ptr<WsTarget> target_;
  CompactTime opened_;

  // Strand state. Laid out so an idle socket's session stays small (see compact_time.h).
  bool closed_ = false;
  bool draining_ = false;
  // Why the socket was signed out by the server (TOKEN_EXPIRED at the expiry, TOKEN_REVOKED by a
  // revocation), not authenticated since; OK otherwise.
  absl::Status lost_sign_in_;
  bool authenticating_ = false;  // an authenticate is being checked: later frames are held
  // Frames that arrived while authenticating_, answered in order after it; null when none.
  std::unique_ptr<std::deque<v1::ClientFrame>> held_;
  int bad_frames_ = 0;
  std::unique_ptr<SignIn> sign_in_;
  std::vector<RoomSub> rooms_;
  CompactTime last_rx_;
  CompactTime stuck_deadline_ = absl::InfiniteFuture();
  CompactTime close_deadline_ = absl::InfiniteFuture();
  double tokens_ = 0;
  CompactTime tokens_at_;
  std::shared_ptr<NotificationsCall> notifications_;

  // The send queue (any thread).
  mutable absl::Mutex q_mu_;
  std::vector<FrameBytes> queue_ ABSL_GUARDED_BY(q_mu_);
  size_t head_ ABSL_GUARDED_BY(q_mu_) = 0;
  size_t queued_bytes_ ABSL_GUARDED_BY(q_mu_) = 0;
  bool writer_running_ ABSL_GUARDED_BY(q_mu_) = false;
  bool queue_closed_ ABSL_GUARDED_BY(q_mu_) = false;
};

}  // namespace shopcast::gateway::ws
