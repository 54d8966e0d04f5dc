#include "ws/session.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "google/protobuf/util/time_util.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::gateway::ws {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}
google::protobuf::Duration ToProto(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

void PrepareCall(grpc::ClientContext& ctx, const std::string& token, const std::string& request_id,
                 absl::Duration timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::microseconds(absl::ToInt64Microseconds(timeout)));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  if (!request_id.empty()) ctx.AddMetadata("x-request-id", request_id);
}

std::string ReasonTrailer(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("shopcast-error-reason");
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// Frames a socket may send behind an `authenticate` still being checked (a slow key fetch).
constexpr size_t kMaxHeldFrames = 16;

// RESOURCE_EXHAUSTED with `reason` and retry_after_ms (the wait, rounded up, at least 1 ms).
absl::Status RateLimited(absl::Duration wait, absl::string_view reason = "RATE_LIMITED",
                         absl::string_view message = "too many requests; slow down") {
  absl::Status s = Error(absl::StatusCode::kResourceExhausted, reason, message);
  const int64_t ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))));
  s.SetPayload("type.shopcast.dev/retry_after_ms", absl::Cord(std::to_string(ms)));
  return s;
}

}  // namespace

// The signed-in user's notifications (realtime-push SubscribeNotifications), forwarded to one
// socket. Deletes nothing itself: the session and the gRPC library share it.
class NotificationsCall final : public grpc::ClientReadReactor<rp::SubscribeNotificationsResponse> {
 public:
  NotificationsCall(Rooms* rooms, prometheus::Gauge* open, std::weak_ptr<Session> session,
                    Subprotocol protocol)
      : guard_(rooms), open_(open), session_(std::move(session)), protocol_(protocol) {
    open_->Increment();
  }
  ~NotificationsCall() override { open_->Decrement(); }

  void Start(rp::RealtimePushService::Stub& stub, const std::string& token,
             const std::string& request_id, std::shared_ptr<NotificationsCall> self) {
    self_ = std::move(self);
    if (!token.empty()) ctx_.AddMetadata("authorization", "Bearer " + token);
    if (!request_id.empty()) ctx_.AddMetadata("x-request-id", request_id);
    stub.async()->SubscribeNotifications(&ctx_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void Cancel() {
    cancelled_.store(true);
    ctx_.TryCancel();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    auto session = session_.lock();
    if (session == nullptr || cancelled_.load()) return;
    v1::ServerFrame frame;
    if (response_.has_notification()) {
      *frame.mutable_notification() = response_.notification();
    } else if (response_.message_case() == rp::SubscribeNotificationsResponse::kUnreadCount) {
      frame.set_unread_notifications(response_.unread_count());
    }
    if (frame.body_case() != v1::ServerFrame::BODY_NOT_SET &&
        !session->Send(WriteServerFrame(frame, protocol_), SendKind::kEvent)) {
      overflowed_.store(true);
      ctx_.TryCancel();
      return;
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<NotificationsCall> self = std::move(self_);  // the library is done with it
    auto session = session_.lock();
    if (session != nullptr && !cancelled_.load()) {
      absl::Status s =
          overflowed_.load()
              ? Error(absl::StatusCode::kResourceExhausted, "SUBSCRIBER_TOO_SLOW",
                      "notifications fell behind; list them, then subscribe again")
              : FromUpstream(
                    status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "ended") : status,
                    ReasonTrailer(ctx_));
      // Says what ended: the frame answers no client frame.
      s.SetPayload("type.shopcast.dev/subscription", absl::Cord("notifications"));
      session->Send(WriteServerFrame(ErrorFrameOf(s, ""), protocol_), SendKind::kControl);
      // Ended on its own (realtime-push restarting, the socket too slow): the session forgets
      // it, so that the client's next subscribe_notifications starts a new call.
      session->OnStrand([self](Session& owner) {
        if (owner.notifications_ == self) owner.notifications_.reset();
      });
    }
  }

 private:
  Rooms::CallGuard guard_;  // first member: counts until the context is gone
  prometheus::Gauge* open_;
  std::weak_ptr<Session> session_;
  Subprotocol protocol_;
  grpc::ClientContext ctx_;
  rp::SubscribeNotificationsRequest request_;
  rp::SubscribeNotificationsResponse response_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> overflowed_{false};
  std::shared_ptr<NotificationsCall> self_;
};

HubCore::HubCore(WsOptions o, std::shared_ptr<grpc::Channel> channel, AccessCheck* a, RateLimits* l,
                 prometheus::Registry* registry)
    : options(std::move(o)), metrics(registry), access(a), limits(l) {
  if (registry == nullptr) {
    static auto* fallback = new prometheus::Registry();  // as HubMetrics: no null checks
    registry = fallback;
  }
  notification_calls = &prometheus::BuildGauge()
                            .Name("shopcast_gateway_ws_notification_subscriptions")
                            .Help(
                                "Open realtime-push SubscribeNotifications calls (one per "
                                "socket that asked)")
                            .Register(*registry)
                            .Add({});
  rooms = std::make_unique<Rooms>(options, std::move(channel), metrics, background);
}

HubCore::~HubCore() = default;

Session::Session(HubCore& hub, uint64_t id, Subprotocol protocol, const RequestContext& context,
                 WsTarget target)
    : hub_(hub),
      id_(id),
      protocol_(protocol),
      connection_id_(ids::NewUniqueId("wsc")),
      client_address_(context.client_address),
      target_(target.stream_id ? std::make_unique<WsTarget>(std::move(target)) : nullptr) {
  // The upgrade's request id is not kept (bytes per idle socket): this line ties it to the
  // connection id, which the socket's log lines and its upstream calls (x-request-id) carry.
  log::Debug("ws_accepted")
      .Kv("connection_id", connection_id_)
      .Kv("request_id", context.request_id);
  opened_ = absl::Now();
  last_rx_ = opened_;
  tokens_ = hub_.options.client_frame_burst;
  tokens_at_ = opened_;
}

Session::~Session() = default;

const std::string& Session::user_id() const {
  static const std::string kNone;
  return sign_in_ != nullptr ? sign_in_->user_id : kNone;
}

const std::string& Session::token() const {
  static const std::string kNone;
  return sign_in_ != nullptr ? sign_in_->token : kNone;
}

absl::Time Session::token_expires() const {
  return sign_in_ != nullptr ? sign_in_->expires : absl::InfiniteFuture();
}

// ---- the send queue -------------------------------------------------------------------------

bool Session::Send(const FrameBytes& bytes, SendKind kind) {
  if (bytes == nullptr) return true;
  const WsOptions& o = hub_.options;
  bool kick = false, abort = false;
  {
    absl::MutexLock lock(&q_mu_);
    if (queue_closed_) return true;  // closing: nothing more goes out, and nobody is cut
    const size_t frames = queue_.size() - head_;
    const bool over =
        queued_bytes_ + bytes->size() > o.send_queue_max_bytes || frames >= o.send_queue_max_frames;
    if (over && kind != SendKind::kControl) return false;
    // Control frames may exceed the bound by a slack (one room_ended per room, an error);
    // beyond it the socket is hopeless and is closed.
    if (over && queued_bytes_ > 2 * o.send_queue_max_bytes + 64 * 1024) {
      queue_closed_ = true;
      abort = true;
    }
    if (abort) {
      // fall through to the abort below, outside the lock
    } else {
      if (head_ > 0 && head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
      }
      queue_.push_back(bytes);
      queued_bytes_ += bytes->size();
      if (!writer_running_) {
        writer_running_ = true;
        kick = true;
      }
    }
  }
  if (abort) {
    std::weak_ptr<Session> weak = weak_from_this();
    Post([weak] {
      if (auto s = weak.lock(); s != nullptr && !s->closed_) {
        s->hub_.metrics.stuck_closes->Increment();
        s->Abort();
      }
    });
    return false;
  }
  if (kick) KickWriter();
  return true;
}

FrameBytes Session::NextToWrite() {
  absl::MutexLock lock(&q_mu_);
  if (head_ == queue_.size()) {
    writer_running_ = false;
    // An idle socket keeps no queue storage (10,000 idle sockets × a grown vector add up).
    std::vector<FrameBytes>().swap(queue_);
    head_ = 0;
    return nullptr;
  }
  return queue_[head_];
}

void Session::WriteDone() {
  {
    absl::MutexLock lock(&q_mu_);
    if (head_ < queue_.size()) {
      queued_bytes_ -= queue_[head_]->size();
      queue_[head_].reset();
      ++head_;
      if (head_ >= 256 && head_ * 2 >= queue_.size()) {
        // Written frames leave the vector's front now and then, so it stays bounded.
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }
  }
  hub_.metrics.frames_out->Increment();
}

void Session::SendFrame(const v1::ServerFrame& frame) {
  Send(WriteServerFrame(frame, protocol_), SendKind::kControl);
}

void Session::SendError(const absl::Status& status, const std::string& frame_id, bool fatal) {
  SendFrame(ErrorFrameOf(status, frame_id, fatal));
}

// ---- rooms' callbacks -----------------------------------------------------------------------

void Session::OnStrand(std::function<void(Session&)> fn) {
  std::weak_ptr<Session> weak = weak_from_this();
  Post([weak, fn = std::move(fn)] {
    if (auto s = weak.lock(); s != nullptr && !s->closed_) fn(*s);
  });
}

void Session::RoomEnded(const std::string& stream_id, v1::RoomEndReason reason,
                        int64_t last_sequence, absl::Duration retry_after) {
  // The frame is queued now, in order after the room's last event to this socket.
  v1::ServerFrame f;
  v1::RoomEnded* e = f.mutable_room_ended();
  e->set_stream_id(stream_id);
  e->set_reason(reason);
  e->set_last_sequence(last_sequence);
  if (retry_after > absl::ZeroDuration()) *e->mutable_retry_after() = ToProto(retry_after);
  Send(WriteServerFrame(f, protocol_), SendKind::kControl);
  OnStrand([stream_id, reason](Session& s) {
    s.ForgetRoom(stream_id, /*leave_presence=*/true);
    if (reason == v1::ROOM_END_REASON_TOO_SLOW) {
      log::Info("ws_slow_cut").Kv("connection_id", s.connection_id_).Kv("stream_id", stream_id);
      if (s.stuck_deadline_ == absl::InfiniteFuture()) {
        s.stuck_deadline_ = absl::Now() + s.hub_.options.stuck_close_after;
        s.Rearm();
      }
    }
  });
}

void Session::RoomFailed(const std::string& stream_id, const std::string& frame_id,
                         const absl::Status& status) {
  Send(WriteServerFrame(ErrorFrameOf(status, frame_id), protocol_), SendKind::kControl);
  OnStrand([stream_id](Session& s) { s.ForgetRoom(stream_id, /*leave_presence=*/true); });
}

Session::RoomSub* Session::FindRoom(const std::string& stream_id) {
  for (RoomSub& r : rooms_) {
    if (r.stream_id == stream_id) return &r;
  }
  return nullptr;
}

void Session::ForgetRoom(const std::string& stream_id, bool leave_presence) {
  for (auto it = rooms_.begin(); it != rooms_.end(); ++it) {
    if (it->stream_id != stream_id) continue;
    if (leave_presence && it->presence_joined) PresenceLeave(stream_id, token());
    rooms_.erase(it);
    return;
  }
}

// ---- lifecycle ------------------------------------------------------------------------------

void Session::OnOpen() {
  hub_.metrics.sockets->Increment();
  v1::ServerFrame f;
  v1::Welcome* w = f.mutable_welcome();
  w->set_connection_id(connection_id_);
  *w->mutable_server_time() = ToProto(absl::Now());
  *w->mutable_heartbeat_interval() = ToProto(hub_.options.heartbeat_interval);
  *w->mutable_idle_timeout() = ToProto(hub_.options.idle_timeout);
  w->set_max_client_frame_bytes(static_cast<int32_t>(hub_.options.max_client_frame_bytes));
  SendFrame(f);
  log::Debug("ws_open")
      .Kv("connection_id", connection_id_)
      .Kv("subprotocol", protocol_ == Subprotocol::kJson ? "json" : "proto");
  if (target_ != nullptr) {
    v1::SubscribeRoom s;
    s.set_stream_id(*target_->stream_id);
    s.set_after_sequence(target_->after_sequence);
    s.set_skip_presence(target_->skip_presence);
    target_.reset();  // an idle socket keeps no copy of what it was opened with
    HandleSubscribe("path", s);
  }
  Rearm();
}

void Session::OnClosed() {
  if (closed_) return;
  {
    absl::MutexLock lock(&q_mu_);
    queue_closed_ = true;
    queue_.clear();
    head_ = 0;
    queued_bytes_ = 0;
  }
  for (const RoomSub& r : rooms_) {
    hub_.rooms->Leave(r.stream_id, id_);
    if (r.presence_joined) PresenceLeave(r.stream_id, token());
  }
  rooms_.clear();
  StopNotifications();
  closed_ = true;
  hub_.metrics.sockets->Decrement();
  log::Info("ws_closed")
      .Kv("connection_id", connection_id_)
      .Kv("seconds", absl::ToDoubleSeconds(absl::Now() - opened_))
      .Kv("signed_in", !user_id().empty());
  hub_.Unregister(id_);
}

void Session::Drain() {
  OnStrand([](Session& s) {
    if (s.draining_) return;
    s.draining_ = true;
    v1::ServerFrame f;
    *f.mutable_going_away()->mutable_reconnect_within() =
        ToProto(s.hub_.options.drain_reconnect_within);
    *f.mutable_going_away()->mutable_close_after() = ToProto(s.hub_.options.drain_close_after);
    s.SendFrame(f);
    s.close_deadline_ = absl::Now() + s.hub_.options.drain_close_after;
    s.Rearm();
  });
}

absl::Time Session::NextDeadline() const {
  const absl::Time expiry = user_id().empty() ? absl::InfiniteFuture() : token_expires();
  return std::min({last_rx_.get() + hub_.options.idle_timeout, stuck_deadline_.get(),
                   close_deadline_.get(), expiry});
}

void Session::OnTimer() {
  if (closed_) return;
  const absl::Time now = absl::Now();
  if (now >= close_deadline_) {
    close_deadline_ = absl::InfiniteFuture();
    CloseAfterFlush(1001, "going away");
    return;
  }
  if (now >= stuck_deadline_) {
    bool drained;
    {
      absl::MutexLock lock(&q_mu_);
      drained = head_ == queue_.size();
    }
    if (!drained) {
      hub_.metrics.stuck_closes->Increment();
      log::Info("ws_stuck_close").Kv("connection_id", connection_id_);
      Abort();
      return;
    }
    stuck_deadline_ = absl::InfiniteFuture();
  }
  if (!user_id().empty() && now >= token_expires()) SignedIn(now);  // downgraded and told now
  if (now >= last_rx_ + hub_.options.idle_timeout) {
    log::Debug("ws_idle_close").Kv("connection_id", connection_id_);
    last_rx_ = absl::InfiniteFuture() - hub_.options.idle_timeout;  // once
    CloseAfterFlush(4000, "idle timeout");
    return;
  }
  Rearm();
}

// ---- client frames --------------------------------------------------------------------------

absl::Duration Session::TakeFrameToken(absl::Time now) {
  const WsOptions& o = hub_.options;
  tokens_ =
      std::min<double>(o.client_frame_burst, tokens_ + absl::ToDoubleSeconds(now - tokens_at_) *
                                                           o.client_frames_per_second);
  tokens_at_ = now;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return absl::ZeroDuration();
  }
  if (o.client_frames_per_second <= 0) return absl::Seconds(1);
  return absl::Seconds((1 - tokens_) / o.client_frames_per_second);
}

void Session::BadFrame(const absl::Status& status, const std::string& frame_id) {
  hub_.metrics.bad_frames->Increment();
  ++bad_frames_;
  const bool fatal = bad_frames_ >= hub_.options.max_bad_frames;
  SendError(status, frame_id, fatal);
  if (fatal) {
    log::Info("ws_abuse_close").Kv("connection_id", connection_id_).Kv("reason", ReasonOf(status));
    CloseAfterFlush(1008, "too many bad frames");
  }
}

bool Session::SignedIn(absl::Time now) {
  if (user_id().empty()) return false;
  if (now < token_expires()) return true;
  LoseSignIn(Unauthenticated("TOKEN_EXPIRED", "the access token expired; authenticate again"));
  return false;
}

void Session::RecheckRevocation() {
  OnStrand([](Session& s) {
    if (s.sign_in_ == nullptr || s.hub_.access == nullptr) return;
    absl::Status revoked = s.hub_.access->CheckRevoked(s.sign_in_->claims);
    if (revoked.ok()) return;
    log::Info("ws_token_revoked").Kv("connection_id", s.connection_id_);
    s.LoseSignIn(Unauthenticated("TOKEN_REVOKED",
                                 "the session was ended (signed out, password changed or account "
                                 "deleted); authenticate again"));
  });
}

void Session::LoseSignIn(const absl::Status& why) {
  const std::string old_token = std::move(sign_in_->token);
  sign_in_.reset();
  lost_sign_in_ = why;
  StopNotifications();
  // Presence moves to the anonymous session, as a new sign-in moves it: left with the old token
  // (realtime-push still takes it within its clock-skew leeway, and the timer downgrades right at
  // the expiry), joined again without one — never counted twice.
  for (RoomSub& r : rooms_) {
    if (!r.presence_joined) continue;
    PresenceLeave(r.stream_id, old_token);
    r.presence_joined = false;
    PresenceJoin(r.stream_id);
  }
  if (ReasonOf(why) == "TOKEN_EXPIRED")
    log::Info("ws_token_expired").Kv("connection_id", connection_id_);
  SendError(why, "");
}

absl::Status Session::SignInRequired(const char* message) const {
  if (!lost_sign_in_.ok()) return lost_sign_in_;
  return Unauthenticated("LOGIN_REQUIRED", message);
}

void Session::OnMessage(const std::string& bytes, bool binary) {
  if (closed_) return;
  hub_.metrics.frames_in->Increment();
  const absl::Time now = absl::Now();
  last_rx_ = now;
  // Read first (at most max_client_frame_bytes), so that a dropped frame's refusal names it and
  // the client's request does not wait for an answer that never comes.
  absl::StatusOr<v1::ClientFrame> frame = ReadClientFrame(protocol_, binary, bytes);
  if (const absl::Duration wait = TakeFrameToken(now); wait > absl::ZeroDuration()) {
    BadFrame(RateLimited(wait, "FRAME_RATE_LIMITED",
                         "too many frames on this connection; this one was dropped"),
             frame.ok() ? frame->frame_id() : "");
    return;
  }
  if (!frame.ok()) {
    BadFrame(frame.status(), "");
    return;
  }
  if (authenticating_) {
    // Frames after an `authenticate` are answered after it, in order, as the client sent them
    // (a subscribe_notifications sent right behind its authenticate must see the sign-in). The
    // frame budget above bounds how fast they come; kMaxHeldFrames how many may wait.
    if (held_ == nullptr) held_ = std::make_unique<std::deque<v1::ClientFrame>>();
    if (held_->size() >= kMaxHeldFrames) {
      BadFrame(RateLimited(absl::Seconds(1), "AUTHENTICATION_PENDING",
                           "too many frames while authenticate is checked; this one was dropped"),
               frame->frame_id());
      return;
    }
    held_->push_back(*std::move(frame));
    return;
  }
  Dispatch(*frame);
}

void Session::Dispatch(const v1::ClientFrame& frame) {
  const std::string& id = frame.frame_id();
  switch (frame.body_case()) {
    case v1::ClientFrame::kAuthenticate:
      return HandleAuthenticate(id, frame.authenticate());
    case v1::ClientFrame::kSubscribeRoom:
      return HandleSubscribe(id, frame.subscribe_room());
    case v1::ClientFrame::kUnsubscribeRoom:
      return HandleUnsubscribe(id, frame.unsubscribe_room());
    case v1::ClientFrame::kSendChat:
      return HandleChat(id, frame.send_chat());
    case v1::ClientFrame::kLike:
      return HandleLike(id, frame.like());
    case v1::ClientFrame::kHeartbeat:
      return HandleHeartbeat(id, frame.heartbeat());
    case v1::ClientFrame::kSubscribeNotifications:
      return HandleNotifications(id, frame.subscribe_notifications());
    case v1::ClientFrame::BODY_NOT_SET:
      break;
  }
}

void Session::HandleAuthenticate(const std::string& frame_id, const v1::Authenticate& a) {
  if (a.access_token().empty() || a.access_token().size() > auth::kMaxTokenBytes) {
    SendError(Unauthenticated("TOKEN_MALFORMED", "access_token is missing or too long"), frame_id);
    return;
  }
  std::weak_ptr<Session> weak = weak_from_this();
  AccessCheck* access = hub_.access;
  authenticating_ = true;
  // AccessCheck may block briefly (a key fetch): off the socket's strand.
  boost::asio::post(hub_.background, [weak, access, frame_id, token = a.access_token()] {
    absl::StatusOr<auth::Claims> claims = access->Verify(token, absl::Now());
    auto session = weak.lock();
    if (session == nullptr) return;
    session->OnStrand([frame_id, token, claims = std::move(claims)](Session& s) {
      s.authenticating_ = false;
      s.AnswerAuthenticate(frame_id, token, claims);
      s.ReleaseHeld();
    });
  });
}

void Session::ReleaseHeld() {
  // A held `authenticate` starts another check: what follows it waits again.
  while (!closed_ && !authenticating_ && held_ != nullptr && !held_->empty()) {
    v1::ClientFrame frame = std::move(held_->front());
    held_->pop_front();
    Dispatch(frame);
  }
  if (held_ != nullptr && (held_->empty() || closed_)) held_.reset();
}

void Session::AnswerAuthenticate(const std::string& frame_id, const std::string& token,
                                 const absl::StatusOr<auth::Claims>& claims) {
  if (!claims.ok()) {
    SendError(claims.status(), frame_id);
    return;
  }
  if (claims->expires_at <= absl::Now()) {
    // Inside the verifier's clock-skew leeway, but the socket would be downgraded at once.
    SendError(Unauthenticated("TOKEN_EXPIRED", "access token expired"), frame_id);
    return;
  }
  const std::string old_token = this->token();
  const bool user_changed = user_id() != claims->subject;
  sign_in_ = std::make_unique<SignIn>(SignIn{claims->subject, token, claims->expires_at, *claims});
  lost_sign_in_ = absl::OkStatus();
  if (user_changed) {
    // Presence counted under the old identity moves to the new one.
    for (RoomSub& r : rooms_) {
      if (!r.presence_joined) continue;
      PresenceLeave(r.stream_id, old_token);
      PresenceJoin(r.stream_id);
    }
    if (notifications_ != nullptr) {
      StopNotifications();
      StartNotifications();
    }
  }
  v1::ServerFrame f;
  f.mutable_ack()->set_frame_id(frame_id);
  f.mutable_ack()->mutable_authenticated()->set_user_id(user_id());
  *f.mutable_ack()->mutable_authenticated()->mutable_token_expires_at() = ToProto(token_expires());
  SendFrame(f);
  Rearm();  // the timer downgrades the socket at the expiry
}

void Session::HandleSubscribe(const std::string& frame_id, const v1::SubscribeRoom& req) {
  if (!ids::IsValidId(req.stream_id(), "str")) {
    SendError(InvalidArgument("subscribe_room.stream_id", "STREAM_ID_INVALID", "not a stream id"),
              frame_id);
    return;
  }
  if (req.after_sequence() < 0) {
    SendError(InvalidArgument("subscribe_room.after_sequence", "SEQUENCE_INVALID",
                              "after_sequence must not be negative"),
              frame_id);
    return;
  }
  if (draining_) {
    SendError(Error(absl::StatusCode::kUnavailable, "GATEWAY_DRAINING",
                    "this gateway is shutting down; reconnect"),
              frame_id);
    return;
  }
  RoomSub* existing = FindRoom(req.stream_id());
  if (existing == nullptr &&
      rooms_.size() >= static_cast<size_t>(hub_.options.max_rooms_per_socket)) {
    SendError(Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_ROOMS",
                    "this connection follows the most rooms it may"),
              frame_id);
    return;
  }
  if (existing != nullptr) {
    // Restart from the new after_sequence; presence carries on.
    hub_.rooms->Leave(req.stream_id(), id_);
  } else {
    rooms_.push_back(RoomSub{req.stream_id(), false, false, absl::InfinitePast()});
    existing = &rooms_.back();
  }
  const bool want_presence = !req.skip_presence();
  hub_.rooms->Join(req.stream_id(), shared_from_this(), req.after_sequence(), frame_id);
  if (want_presence && !existing->presence) {
    existing->presence = true;
    PresenceJoin(req.stream_id());
  } else if (!want_presence && existing->presence_joined) {
    existing->presence = false;
    existing->presence_joined = false;
    PresenceLeave(req.stream_id(), token());
  }
}

void Session::HandleUnsubscribe(const std::string& frame_id, const v1::UnsubscribeRoom& u) {
  if (FindRoom(u.stream_id()) == nullptr) {
    SendError(NotFound("ROOM_NOT_SUBSCRIBED", "this connection does not follow that room"),
              frame_id);
    return;
  }
  const int64_t last = hub_.rooms->Leave(u.stream_id(), id_);
  ForgetRoom(u.stream_id(), /*leave_presence=*/true);
  v1::ServerFrame ack;
  ack.mutable_ack()->set_frame_id(frame_id);
  ack.mutable_ack()->set_done(true);
  SendFrame(ack);
  v1::ServerFrame ended;
  ended.mutable_room_ended()->set_stream_id(u.stream_id());
  ended.mutable_room_ended()->set_reason(v1::ROOM_END_REASON_UNSUBSCRIBED);
  ended.mutable_room_ended()->set_last_sequence(std::max<int64_t>(last, 0));
  SendFrame(ended);
}

template <typename Resp, typename Req, typename StartFn>
void Session::Unary(Req request, const std::string& token, StartFn start,
                    std::function<void(Session&, const absl::Status&, Resp&)> done) {
  struct Call {
    explicit Call(Rooms* r) : guard(r) {}
    Rooms::CallGuard guard;  // first member: counts until the context is gone
    grpc::ClientContext ctx;
    Req request;
    Resp response;
  };
  auto call = std::make_shared<Call>(hub_.rooms.get());
  call->request = std::move(request);
  PrepareCall(call->ctx, token, connection_id_, hub_.options.call_timeout);
  std::weak_ptr<Session> weak = weak_from_this();
  start(hub_.rooms->stub(), &call->ctx, &call->request, &call->response,
        [weak, call, done = std::move(done)](grpc::Status status) mutable {
          if (done == nullptr) return;
          auto session = weak.lock();
          if (session == nullptr) return;
          absl::Status result = FromUpstream(status, ReasonTrailer(call->ctx));
          session->OnStrand([call, result, done = std::move(done)](Session& s) mutable {
            done(s, result, call->response);
          });
        });
}

void Session::HandleChat(const std::string& frame_id, const v1::SendChat& c) {
  const absl::Time now = absl::Now();
  if (!SignedIn(now)) {
    SendError(SignInRequired("sign in to chat"), frame_id);
    return;
  }
  if (hub_.limits != nullptr) {
    const absl::Duration wait = hub_.limits->Take(RateAction::kChat, "u:" + user_id(), now);
    if (wait > absl::ZeroDuration()) {
      SendError(RateLimited(wait), frame_id);
      return;
    }
  }
  rp::SendChatRequest request;
  request.set_stream_id(c.stream_id());
  request.set_text(c.text());
  request.set_client_message_id(c.client_message_id());
  Unary<rp::SendChatResponse>(
      std::move(request), token(),
      [](rp::RealtimePushService::Stub& stub, grpc::ClientContext* ctx,
         const rp::SendChatRequest* req, rp::SendChatResponse* resp,
         std::function<void(grpc::Status)> cb) {
        stub.async()->SendChat(ctx, req, resp, std::move(cb));
      },
      [frame_id](Session& s, const absl::Status& status, rp::SendChatResponse& resp) {
        if (!status.ok()) return s.SendError(status, frame_id);
        v1::ServerFrame f;
        f.mutable_ack()->set_frame_id(frame_id);
        *f.mutable_ack()->mutable_chat_sent() = std::move(resp);
        s.SendFrame(f);
      });
}

void Session::HandleLike(const std::string& frame_id, const v1::Like& l) {
  const absl::Time now = absl::Now();
  if (!SignedIn(now)) {
    SendError(SignInRequired("sign in to react"), frame_id);
    return;
  }
  if (hub_.limits != nullptr) {
    const absl::Duration wait = hub_.limits->Take(RateAction::kReaction, "u:" + user_id(), now);
    if (wait > absl::ZeroDuration()) {
      SendError(RateLimited(wait), frame_id);
      return;
    }
  }
  rp::SetReactionRequest request;
  request.set_stream_id(l.stream_id());
  request.set_session_id(connection_id_);
  request.set_reaction(l.reaction());
  Unary<rp::SetReactionResponse>(
      std::move(request), token(),
      [](rp::RealtimePushService::Stub& stub, grpc::ClientContext* ctx,
         const rp::SetReactionRequest* req, rp::SetReactionResponse* resp,
         std::function<void(grpc::Status)> cb) {
        stub.async()->SetReaction(ctx, req, resp, std::move(cb));
      },
      [frame_id](Session& s, const absl::Status& status, rp::SetReactionResponse& resp) {
        if (!status.ok()) return s.SendError(status, frame_id);
        v1::ServerFrame f;
        f.mutable_ack()->set_frame_id(frame_id);
        *f.mutable_ack()->mutable_like_accepted() = std::move(resp);
        s.SendFrame(f);
      });
}

void Session::HandleHeartbeat(const std::string& frame_id, const v1::Heartbeat& h) {
  (void)frame_id;
  const absl::Time now = absl::Now();
  SignedIn(now);  // an expired sign-in is downgraded (and told) here at the latest
  v1::ServerFrame f;
  if (h.has_client_time()) *f.mutable_heartbeat_ack()->mutable_client_time() = h.client_time();
  *f.mutable_heartbeat_ack()->mutable_server_time() = ToProto(now);
  SendFrame(f);
  for (RoomSub& r : rooms_) {
    if (r.presence_joined && now - r.last_beat >= hub_.options.heartbeat_interval / 2) {
      r.last_beat = now;
      PresenceBeat(r.stream_id);
    }
  }
}

void Session::HandleNotifications(const std::string& frame_id,
                                  const v1::SubscribeNotifications& n) {
  if (n.enabled()) {
    if (!SignedIn(absl::Now())) {
      SendError(SignInRequired("sign in to get notifications"), frame_id);
      return;
    }
    if (notifications_ == nullptr) StartNotifications();
  } else {
    StopNotifications();
  }
  v1::ServerFrame f;
  f.mutable_ack()->set_frame_id(frame_id);
  f.mutable_ack()->set_done(true);
  SendFrame(f);
}

void Session::StartNotifications() {
  notifications_ = std::make_shared<NotificationsCall>(hub_.rooms.get(), hub_.notification_calls,
                                                       weak_from_this(), protocol_);
  notifications_->Start(hub_.rooms->stub(), token(), connection_id_, notifications_);
}

void Session::StopNotifications() {
  if (notifications_ == nullptr) return;
  notifications_->Cancel();
  notifications_.reset();
}

// ---- presence -------------------------------------------------------------------------------

void Session::PresenceJoin(const std::string& stream_id) {
  rp::JoinRoomRequest request;
  request.set_stream_id(stream_id);
  request.set_session_id(connection_id_);
  Unary<rp::JoinRoomResponse>(
      std::move(request), token(),
      [](rp::RealtimePushService::Stub& stub, grpc::ClientContext* ctx,
         const rp::JoinRoomRequest* req, rp::JoinRoomResponse* resp,
         std::function<void(grpc::Status)> cb) {
        stub.async()->JoinRoom(ctx, req, resp, std::move(cb));
      },
      [stream_id](Session& s, const absl::Status& status, rp::JoinRoomResponse&) {
        RoomSub* r = s.FindRoom(stream_id);
        if (r == nullptr || !r->presence) {
          // Left (or unsubscribed) while the join was on its way: undo it.
          if (status.ok()) s.PresenceLeave(stream_id, s.token());
          return;
        }
        if (!status.ok()) {
          log::Debug("ws_presence_join_failed")
              .Kv("stream_id", stream_id)
              .Kv("reason", ReasonOf(status));
          return;
        }
        r->presence_joined = true;
        r->last_beat = absl::Now();
      });
}

void Session::PresenceBeat(const std::string& stream_id) {
  rp::HeartbeatRequest request;
  request.set_stream_id(stream_id);
  request.set_session_id(connection_id_);
  Unary<rp::HeartbeatResponse>(
      std::move(request), token(),
      [](rp::RealtimePushService::Stub& stub, grpc::ClientContext* ctx,
         const rp::HeartbeatRequest* req, rp::HeartbeatResponse* resp,
         std::function<void(grpc::Status)> cb) {
        stub.async()->Heartbeat(ctx, req, resp, std::move(cb));
      },
      [stream_id](Session& s, const absl::Status& status, rp::HeartbeatResponse&) {
        if (status.code() == absl::StatusCode::kNotFound) {
          // The lease lapsed: join again.
          if (RoomSub* r = s.FindRoom(stream_id); r != nullptr && r->presence) {
            r->presence_joined = false;
            s.PresenceJoin(stream_id);
          }
        }
      });
}

void Session::PresenceLeave(const std::string& stream_id, const std::string& token) {
  rp::LeaveRoomRequest request;
  request.set_stream_id(stream_id);
  request.set_session_id(connection_id_);
  // Fire and forget (also after the socket is gone): the lease would lapse anyway.
  struct Call {
    explicit Call(Rooms* r) : guard(r) {}
    Rooms::CallGuard guard;
    grpc::ClientContext ctx;
    rp::LeaveRoomRequest request;
    rp::LeaveRoomResponse response;
  };
  auto call = std::make_shared<Call>(hub_.rooms.get());
  call->request = std::move(request);
  PrepareCall(call->ctx, token, connection_id_, hub_.options.call_timeout);
  hub_.rooms->stub().async()->LeaveRoom(&call->ctx, &call->request, &call->response,
                                        [call](grpc::Status) {});
}

}  // namespace shopcast::gateway::ws
