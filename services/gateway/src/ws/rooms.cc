#include "ws/rooms.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <thread>
#include <utility>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::gateway::ws {

HubMetrics::HubMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) {
    // Unregistered instruments keep the code free of null checks.
    static auto* fallback = new prometheus::Registry();
    registry = fallback;
  }
  auto gauge = [&](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry).Add({});
  };
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(*registry).Add({});
  };
  sockets = gauge("shopcast_gateway_ws_sockets", "Open WebSockets");
  rooms =
      gauge("shopcast_gateway_ws_rooms", "Rooms followed by at least one socket (or lingering)");
  upstream_feeds = gauge("shopcast_gateway_ws_upstream_subscriptions",
                         "Shared upstream realtime-push Subscribe calls (one per room)");
  upstream_catchups = gauge("shopcast_gateway_ws_upstream_catchups",
                            "Per-socket catch-up Subscribe calls (resumes beyond the ring)");
  upstream_reconnects = counter("shopcast_gateway_ws_upstream_reconnects_total",
                                "Shared upstream subscriptions restarted after a failure");
  frames_in = counter("shopcast_gateway_ws_frames_in_total", "Client frames received");
  frames_out = counter("shopcast_gateway_ws_frames_out_total", "Server frames written");
  bad_frames = counter("shopcast_gateway_ws_bad_frames_total",
                       "Client frames refused (malformed, rate-limited)");
  slow_cuts = counter("shopcast_gateway_ws_slow_cuts_total",
                      "Room subscriptions ended TOO_SLOW (send queue full)");
  stuck_closes = counter("shopcast_gateway_ws_stuck_closes_total",
                         "Sockets closed because their send queue never drained");
  ephemeral_drops = counter("shopcast_gateway_ws_ephemeral_drops_total",
                            "Count updates not queued to a socket whose queue was full");
  events_in = counter("shopcast_gateway_ws_upstream_events_total",
                      "Room events received on shared upstream subscriptions");
  catchups_started = counter("shopcast_gateway_ws_catchups_total",
                             "Catch-up Subscribe calls made for single sockets");
  snapshot_refreshes =
      counter("shopcast_gateway_ws_snapshot_refreshes_total",
              "Shared Subscribe calls made to refresh a room's snapshot for joins");
  upstream_unavailable = counter("shopcast_gateway_ws_upstream_unavailable_total",
                                 "Rooms ended UPSTREAM_UNAVAILABLE after reconnects failed");
}

// ---------------------------------------------------------------------------------------------

SubscribeCall::SubscribeCall(Rooms& rooms, OnMessage m, OnEnd e)
    : rooms_(&rooms), on_message_(std::move(m)), on_end_(std::move(e)) {
  rooms_->CallStarted();
}

SubscribeCall* SubscribeCall::Create(Rooms& rooms, const std::string& stream_id,
                                     int64_t after_sequence, OnMessage on_message, OnEnd on_end,
                                     absl::Time deadline) {
  auto* call = new SubscribeCall(rooms, std::move(on_message), std::move(on_end));
  if (deadline != absl::InfiniteFuture()) call->ctx_.set_deadline(absl::ToChronoTime(deadline));
  call->request_.set_stream_id(stream_id);
  call->request_.set_after_sequence(after_sequence);
  // Several events per message when this gateway is behind (a catch-up page, a busy room):
  // fewer upstream reads; each still reaches the room as one message (OnReadDone).
  call->request_.set_max_events_per_message(kUpstreamEventsPerMessage);
  rooms.stub().async()->Subscribe(&call->ctx_, &call->request_, call);
  return call;
}

void SubscribeCall::Go() {
  StartRead(&response_);
  StartCall();
}

void SubscribeCall::OnReadDone(bool ok) {
  if (!ok) return;  // OnDone follows
  if (response_.has_events()) {
    rp::SubscribeResponse one;
    for (rp::RoomEvent& e : *response_.mutable_events()->mutable_events()) {
      one.mutable_event()->Swap(&e);
      on_message_(one);
    }
  } else {
    on_message_(response_);
  }
  StartRead(&response_);
}

void SubscribeCall::OnDone(const grpc::Status& status) {
  std::string reason;
  const auto& trailers = ctx_.GetServerTrailingMetadata();
  if (auto it = trailers.find("shopcast-error-reason"); it != trailers.end()) {
    reason.assign(it->second.data(), it->second.size());
  }
  on_end_(status, reason);
  Rooms* rooms = rooms_;
  delete this;
  rooms->CallEnded();
}

namespace {

v1::ServerFrame AckSubscribed(const std::string& frame_id, const std::string& stream_id) {
  v1::ServerFrame f;
  f.mutable_ack()->set_frame_id(frame_id);
  f.mutable_ack()->set_room_subscribed(stream_id);
  return f;
}

v1::ServerFrame StartedFrame(const std::string& stream_id, const rp::SubscribeStarted& started) {
  v1::ServerFrame f;
  f.mutable_room_started()->set_stream_id(stream_id);
  *f.mutable_room_started()->mutable_started() = started;
  return f;
}

bool PermanentBeforeStart(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::FAILED_PRECONDITION ||
         code == grpc::StatusCode::PERMISSION_DENIED || code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::OUT_OF_RANGE;
}

}  // namespace

// One socket catching up with its own Subscribe until it meets the room's ring.
class CatchUp : public std::enable_shared_from_this<CatchUp> {
 public:
  CatchUp(std::shared_ptr<Room> room, std::shared_ptr<Peer> peer, int64_t after,
          std::string frame_id)
      : room_(std::move(room)),
        peer_(std::move(peer)),
        after_(after),
        frame_id_(std::move(frame_id)) {}

  int64_t after() const { return after_.load(); }

  // Under the room's lock.
  void Start() {
    auto self = shared_from_this();
    room_->rooms_.metrics().upstream_catchups->Increment();
    room_->rooms_.metrics().catchups_started->Increment();
    room_->rooms_.upstream_calls_.fetch_add(1);
    call_ = SubscribeCall::Create(
        room_->rooms_, room_->stream_id(), after_.load(),
        [self](rp::SubscribeResponse& m) { self->OnMessage(m); },
        [self](const grpc::Status& s, const std::string& reason) { self->OnEnd(s, reason); });
    room_->to_go_.push_back(call_);
  }

  const std::shared_ptr<Peer>& peer() const { return peer_; }
  // Under the room's lock.
  void Cancel() {
    done_.store(true);
    if (call_ != nullptr) call_->Cancel();
  }

 private:
  void OnMessage(rp::SubscribeResponse& m) {
    if (done_.load()) return;
    const Subprotocol sp = peer_->subprotocol();
    const std::string& stream = room_->stream_id();
    if (m.has_started() || m.has_resync()) {
      rp::SubscribeStarted started;
      if (m.has_started()) {
        started = m.started();
      } else {
        started.set_head_sequence(m.resync().snapshot().sequence());
        *started.mutable_snapshot() = m.resync().snapshot();
      }
      if (!acked_) {
        peer_->Send(WriteServerFrame(AckSubscribed(frame_id_, stream), sp), SendKind::kControl);
        acked_ = true;
      }
      peer_->Send(WriteServerFrame(StartedFrame(stream, started), sp), SendKind::kControl);
      if (started.has_snapshot()) after_.store(started.snapshot().sequence());
    } else if (m.has_event()) {
      const rp::RoomEvent& e = m.event();
      v1::ServerFrame f;
      *f.mutable_room_event() = e;
      if (e.ephemeral()) {
        peer_->Send(WriteServerFrame(f, sp), SendKind::kEphemeral);
      } else if (e.sequence() > after_.load()) {
        if (!peer_->Send(WriteServerFrame(f, sp), SendKind::kEvent)) {
          Cut();
          return;
        }
        after_.store(e.sequence());
      }
    } else {
      return;  // keep_alive
    }
    TryHandOff();
  }

  void Cut() {
    {
      absl::MutexLock lock(&room_->mu_);
      auto it = room_->catchups_.find(peer_->id());
      if (it == room_->catchups_.end() || it->second.get() != this) return;
      room_->catchups_.erase(it);
      Cancel();
      room_->MaybeLinger();
    }
    room_->rooms_.metrics().slow_cuts->Increment();
    peer_->RoomEnded(room_->stream_id(), v1::ROOM_END_REASON_TOO_SLOW, after_.load(),
                     absl::ZeroDuration());
  }

  void TryHandOff() {
    absl::MutexLock lock(&room_->mu_);
    if (!room_->ever_started_ || room_->state_ == Room::State::kClosed) return;
    auto it = room_->catchups_.find(peer_->id());
    if (it == room_->catchups_.end() || it->second.get() != this) return;
    const int64_t after = after_.load();
    if (after != room_->head_ && !room_->RingCovers(after)) return;
    auto keep = it->second;  // this, alive until the end of the function
    room_->catchups_.erase(it);
    Cancel();
    room_->AttachFromRing(peer_, after);
  }

  void OnEnd(const grpc::Status& status, const std::string& reason) {
    room_->rooms_.metrics().upstream_catchups->Decrement();
    room_->rooms_.upstream_calls_.fetch_sub(1);
    {
      absl::MutexLock lock(&room_->mu_);
      call_ = nullptr;
      auto it = room_->catchups_.find(peer_->id());
      if (it == room_->catchups_.end() || it->second.get() != this) return;  // handed off
      room_->catchups_.erase(it);
      room_->MaybeLinger();
    }
    if (done_.load()) return;
    const std::string& stream = room_->stream_id();
    if (!acked_) {
      peer_->RoomFailed(stream, frame_id_,
                        status.ok() ? shopcast::Error(absl::StatusCode::kFailedPrecondition,
                                                      "ROOM_CLOSED", "the room has closed")
                                    : FromUpstream(status, reason));
    } else if (status.ok()) {
      peer_->RoomEnded(stream, v1::ROOM_END_REASON_ROOM_CLOSED, after_.load(),
                       absl::ZeroDuration());
    } else {
      peer_->RoomEnded(stream, v1::ROOM_END_REASON_UPSTREAM_UNAVAILABLE, after_.load(),
                       room_->rooms_.options().upstream_retry_after);
    }
  }

  std::shared_ptr<Room> room_;
  std::shared_ptr<Peer> peer_;
  std::atomic<int64_t> after_;
  std::string frame_id_;
  bool acked_ = false;  // only touched by the call's (sequential) callbacks
  std::atomic<bool> done_{false};
  SubscribeCall* call_ = nullptr;  // guarded by the room's mu_
};

// ---------------------------------------------------------------------------------------------

Room::Room(Rooms& rooms, std::string stream_id)
    : rooms_(rooms),
      stream_id_(std::move(stream_id)),
      linger_timer_(rooms.timers()),
      retry_timer_(rooms.timers()),
      counts_timer_(rooms.timers()) {}

void Room::GoPending() {
  std::vector<SubscribeCall*> calls;
  {
    absl::MutexLock lock(&mu_);
    calls.swap(to_go_);
  }
  for (SubscribeCall* c : calls) c->Go();
}

Room::~Room() = default;

size_t Room::PeerCount() const {
  absl::MutexLock lock(&mu_);
  return followers_.size() + waiting_.size() + catchups_.size() + parked_.size();
}

bool Room::Empty() const {
  return followers_.empty() && waiting_.empty() && catchups_.empty() && parked_.empty();
}

bool Room::Join(const std::shared_ptr<Peer>& peer, int64_t after_sequence,
                const std::string& frame_id) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ == State::kClosed) return false;
    ++linger_epoch_;  // a pending linger no longer applies
    if (!ever_started_) {
      waiting_.push_back(Waiting{peer, after_sequence, frame_id});
      if (upstream_ == nullptr && failures_ == 0) StartUpstream(0);
    } else {
      Admit(Waiting{peer, after_sequence, frame_id});
    }
  }
  GoPending();
  return true;
}

int64_t Room::Leave(uint64_t peer_id) {
  absl::MutexLock lock(&mu_);
  int64_t last = -1;
  if (auto it = followers_.find(peer_id); it != followers_.end()) {
    last = it->second.after;
    followers_.erase(it);
  } else if (auto c = catchups_.find(peer_id); c != catchups_.end()) {
    last = c->second->after();
    c->second->Cancel();
    catchups_.erase(c);
  } else {
    for (std::vector<Waiting>* list : {&waiting_, &parked_}) {
      auto w = std::find_if(list->begin(), list->end(),
                            [&](const Waiting& x) { return x.peer->id() == peer_id; });
      if (w != list->end()) {
        last = w->after;
        list->erase(w);
        break;
      }
    }
  }
  MaybeLinger();
  return last;
}

void Room::StartUpstream(int64_t after) {
  auto self = shared_from_this();
  rooms_.metrics().upstream_feeds->Increment();
  rooms_.upstream_calls_.fetch_add(1);
  upstream_ = SubscribeCall::Create(
      rooms_, stream_id_, after, [self](rp::SubscribeResponse& m) { self->OnUpstream(m); },
      [self](const grpc::Status& s, const std::string& reason) { self->OnUpstreamEnd(s, reason); });
  to_go_.push_back(upstream_);
  log::Debug("ws_upstream_subscribe").Kv("stream_id", stream_id_).Kv("after_sequence", after);
}

bool Room::RingCovers(int64_t after) const {
  return !ring_.empty() && after < head_ && ring_.front().sequence <= after + 1;
}

void Room::AttachFromRing(const std::shared_ptr<Peer>& peer, int64_t after,
                          absl::Time counts_after) {
  const Subprotocol sp = peer->subprotocol();
  int64_t last = after;
  for (const RingEntry& e : ring_) {
    if (e.sequence <= after) continue;
    if (!peer->Send(e.frame.For(sp), SendKind::kEvent)) {
      rooms_.metrics().slow_cuts->Increment();
      peer->RoomEnded(stream_id_, v1::ROOM_END_REASON_TOO_SLOW, last, absl::ZeroDuration());
      MaybeLinger();
      return;
    }
    last = e.sequence;
  }
  for (const std::optional<LatestCount>& c : latest_counts_) {
    if (c && c->received > counts_after) peer->Send(c->frame.For(sp), SendKind::kEphemeral);
  }
  followers_[peer->id()] = Follower{peer, std::max(last, after)};
}

bool Room::SnapshotFresh() const {
  return snapshot_ && absl::Now() - snapshot_taken_ <= rooms_.options().snapshot_max_age &&
         (snapshot_sequence_ == head_ || RingCovers(snapshot_sequence_));
}

void Room::Admit(Waiting w) {
  const Subprotocol sp = w.peer->subprotocol();
  if (w.after == 0) {
    if (SnapshotFresh()) {
      w.peer->Send(WriteServerFrame(AckSubscribed(w.frame_id, stream_id_), sp), SendKind::kControl);
      w.peer->Send(snapshot_->For(sp), SendKind::kControl);
      AttachFromRing(w.peer, snapshot_sequence_, snapshot_taken_);
      return;
    }
    parked_.push_back(std::move(w));
    if (refresh_ == nullptr && !pending_snapshot_) StartRefresh();
    return;
  } else if (w.after == head_ || RingCovers(w.after)) {
    rp::SubscribeStarted started;
    started.set_head_sequence(head_);
    started.set_resumed(true);
    w.peer->Send(WriteServerFrame(AckSubscribed(w.frame_id, stream_id_), sp), SendKind::kControl);
    w.peer->Send(WriteServerFrame(StartedFrame(stream_id_, started), sp), SendKind::kControl);
    AttachFromRing(w.peer, w.after);
    return;
  }
  StartCatchUp(std::move(w));
}

void Room::StartCatchUp(Waiting w) {
  // Beyond what memory holds: this socket's own Subscribe.
  auto catchup = std::make_shared<CatchUp>(shared_from_this(), w.peer, w.after, w.frame_id);
  catchups_[w.peer->id()] = catchup;
  catchup->Start();
}

void Room::StartRefresh() {
  auto self = shared_from_this();
  refresh_got_snapshot_ = false;
  rooms_.metrics().snapshot_refreshes->Increment();
  rooms_.upstream_calls_.fetch_add(1);
  // The callbacks learn their own call through this slot (set before the call can report).
  auto slot = std::make_shared<SubscribeCall*>(nullptr);
  refresh_ = SubscribeCall::Create(
      rooms_, stream_id_, 0,
      [self, slot](rp::SubscribeResponse& m) { self->OnRefreshMessage(*slot, m); },
      [self, slot](const grpc::Status&, const std::string&) { self->OnRefreshEnd(*slot); },
      absl::Now() + rooms_.options().call_timeout);
  *slot = refresh_;
  to_go_.push_back(refresh_);
}

void Room::OnRefreshMessage(SubscribeCall* call, rp::SubscribeResponse& m) {
  absl::MutexLock lock(&mu_);
  if (refresh_ != call || refresh_got_snapshot_ || state_ == State::kClosed) return;
  const rp::RoomSnapshot* snapshot = nullptr;
  if (m.has_started() && m.started().has_snapshot()) snapshot = &m.started().snapshot();
  if (m.has_resync()) snapshot = &m.resync().snapshot();
  if (snapshot == nullptr) return;  // events after it, keep-alives: the room's feed has them
  rp::SubscribeStarted started;
  if (m.has_started()) {
    started = std::move(*m.mutable_started());
  } else {
    started.set_head_sequence(snapshot->sequence());
    *started.mutable_snapshot() = *snapshot;
  }
  refresh_got_snapshot_ = true;
  refresh_->Cancel();  // only its snapshot was wanted
  pending_snapshot_ = PendingSnapshot{EncodeBoth(StartedFrame(stream_id_, started)),
                                      started.snapshot().sequence(), absl::Now()};
  MaybeInstallPending();
}

void Room::OnRefreshEnd(SubscribeCall* call) {
  rooms_.upstream_calls_.fetch_sub(1);
  absl::MutexLock lock(&mu_);
  if (refresh_ != call) return;
  refresh_ = nullptr;
  if (refresh_got_snapshot_ || state_ == State::kClosed) return;
  // No snapshot (realtime-push slow, unavailable, or the room refused): each parked socket asks
  // on its own, which answers it with the upstream's own error if it persists.
  AdmitParked(/*via_catchup=*/true);
}

void Room::MaybeInstallPending() {
  if (!pending_snapshot_ || head_ < pending_snapshot_->sequence) return;
  const bool bridged =
      pending_snapshot_->sequence == head_ || RingCovers(pending_snapshot_->sequence);
  if (bridged) {
    snapshot_ = std::move(pending_snapshot_->frame);
    snapshot_sequence_ = pending_snapshot_->sequence;
    snapshot_taken_ = pending_snapshot_->received;  // counts that came later are newer than its
  }
  pending_snapshot_.reset();
  AdmitParked(/*via_catchup=*/!bridged);
}

void Room::AdmitParked(bool via_catchup) {
  std::vector<Waiting> parked = std::move(parked_);
  parked_.clear();
  for (Waiting& w : parked) {
    if (via_catchup || !SnapshotFresh()) {
      StartCatchUp(std::move(w));
    } else {
      Admit(std::move(w));
    }
  }
}

void Room::ResetFromSnapshot(const rp::RoomSnapshot& snapshot,
                             const rp::SubscribeStarted& started) {
  ring_.clear();
  head_ = snapshot.sequence();
  snapshot_ = EncodeBoth(StartedFrame(stream_id_, started));
  snapshot_sequence_ = snapshot.sequence();
  snapshot_taken_ = absl::Now();
  for (auto& c : latest_counts_) c.reset();  // the snapshot's counts are the newest
}

void Room::Broadcast(const EncodedFrame& frame, int64_t sequence, bool durable) {
  for (auto it = followers_.begin(); it != followers_.end();) {
    Follower& f = it->second;
    const Subprotocol sp = f.peer->subprotocol();
    if (!durable) {
      if (!f.peer->Send(frame.For(sp), SendKind::kEphemeral)) {
        rooms_.metrics().ephemeral_drops->Increment();
      }
      ++it;
      continue;
    }
    if (sequence <= f.after) {
      ++it;
      continue;
    }
    if (!f.peer->Send(frame.For(sp), SendKind::kEvent)) {
      std::shared_ptr<Peer> peer = std::move(f.peer);
      const int64_t last = f.after;
      followers_.erase(it++);
      rooms_.metrics().slow_cuts->Increment();
      peer->RoomEnded(stream_id_, v1::ROOM_END_REASON_TOO_SLOW, last, absl::ZeroDuration());
      continue;
    }
    f.after = sequence;
    ++it;
  }
}

void Room::OnUpstream(rp::SubscribeResponse& m) {
  OnUpstreamLocked(m);
  GoPending();
}

void Room::OnUpstreamLocked(rp::SubscribeResponse& m) {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kClosed) return;
  if (m.has_started() || m.has_resync()) {
    rp::SubscribeStarted started;
    if (m.has_started()) {
      started = std::move(*m.mutable_started());
    } else {
      started.set_head_sequence(m.resync().snapshot().sequence());
      *started.mutable_snapshot() = std::move(*m.mutable_resync()->mutable_snapshot());
    }
    state_ = State::kLive;
    failures_ = 0;
    if (started.has_snapshot()) {
      // A first start, a reconnect whose resume point left the log, or a resync: sockets
      // already following get the snapshot as a restarted room (their state is replaced).
      ResetFromSnapshot(started.snapshot(), started);
      for (auto& [id, f] : followers_) {
        f.peer->Send(snapshot_->For(f.peer->subprotocol()), SendKind::kControl);
        f.after = snapshot_sequence_;
      }
    } else if (!ever_started_) {
      head_ = started.head_sequence();
    }
    ever_started_ = true;
    std::vector<Waiting> waiting = std::move(waiting_);
    waiting_.clear();
    for (Waiting& w : waiting) Admit(std::move(w));
    if (started.has_snapshot()) {
      pending_snapshot_.reset();  // the feed's own snapshot is the freshest
      AdmitParked(/*via_catchup=*/false);
    }
    return;
  }
  if (!m.has_event()) return;  // keep_alive
  rooms_.metrics().events_in->Increment();
  rp::RoomEvent* e = m.mutable_event();
  const bool durable = !e->ephemeral();
  const int64_t seq = e->sequence();
  if (durable && seq <= head_) return;  // already had it (a resumed reconnect's overlap)
  if (durable && seq != head_ + 1) {
    // realtime-push promises no gap; if one shows, the ring cannot vouch for the past.
    log::Error("ws_upstream_gap").Kv("stream_id", stream_id_).Kv("head", head_).Kv("got", seq);
    ring_.clear();
    snapshot_.reset();
  }
  v1::ServerFrame frame;
  frame.set_allocated_room_event(e);
  EncodedFrame encoded = EncodeBoth(frame);
  (void)frame.release_room_event();
  if (durable) {
    ring_.push_back(RingEntry{seq, encoded});
    while (ring_.size() > rooms_.options().room_ring_events) ring_.pop_front();
    head_ = seq;
    if (snapshot_ && !RingCovers(snapshot_sequence_) && snapshot_sequence_ != head_) {
      snapshot_.reset();
    }
  }
  if (!durable && (e->has_reaction_counts() || e->has_viewer_count())) {
    const size_t kind = e->has_reaction_counts() ? 0 : 1;
    latest_counts_[kind] = LatestCount{encoded, absl::Now()};
    if (rooms_.options().counts_interval > absl::ZeroDuration()) {
      BroadcastCounts(kind, std::move(encoded));
      return;
    }
  }
  Broadcast(encoded, seq, durable);
  if (durable) MaybeInstallPending();
}

void Room::BroadcastCounts(size_t kind, EncodedFrame frame) {
  CountsGate& gate = counts_[kind];
  const absl::Time now = absl::Now();
  const absl::Duration interval = rooms_.options().counts_interval;
  if (!gate.pending && now - gate.last_sent >= interval) {
    gate.last_sent = now;
    Broadcast(frame, 0, /*durable=*/false);
    return;
  }
  gate.pending = std::move(frame);  // a newer count replaces one not sent yet
  if (counts_timer_armed_) return;
  counts_timer_armed_ = true;
  counts_timer_.expires_after(std::chrono::microseconds(
      absl::ToInt64Microseconds(std::max(absl::ZeroDuration(), gate.last_sent + interval - now))));
  std::weak_ptr<Room> weak = weak_from_this();
  counts_timer_.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->FlushCounts();
  });
}

void Room::FlushCounts() {
  absl::MutexLock lock(&mu_);
  counts_timer_armed_ = false;
  if (state_ == State::kClosed) return;
  std::optional<EncodedFrame> later[2];
  for (size_t kind = 0; kind < 2; ++kind) {
    CountsGate& gate = counts_[kind];
    if (!gate.pending) continue;
    later[kind] = std::move(gate.pending);
    gate.pending.reset();
  }
  // Through the gate again: sent now if its interval has passed, else re-armed.
  for (size_t kind = 0; kind < 2; ++kind) {
    if (later[kind]) BroadcastCounts(kind, std::move(*later[kind]));
  }
}

void Room::OnUpstreamEnd(const grpc::Status& status, const std::string& reason) {
  rooms_.metrics().upstream_feeds->Decrement();
  rooms_.upstream_calls_.fetch_sub(1);
  bool end_closed = false, fail_waiting = false, give_up = false;
  {
    absl::MutexLock lock(&mu_);
    upstream_ = nullptr;
    if (state_ == State::kClosed) return;
    log::Info("ws_upstream_ended")
        .Kv("stream_id", stream_id_)
        .Kv("code", static_cast<int>(status.error_code()))
        .Kv("reason", reason)
        .Kv("head", head_);
    if (status.ok()) {
      end_closed = true;  // the room closed (stream over)
    } else if (!ever_started_ && PermanentBeforeStart(status.error_code())) {
      fail_waiting = true;
    } else if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      end_closed = true;  // the room is gone
    } else if (Empty()) {
      // Nobody to reconnect for.
    } else {
      const absl::Time now = absl::Now();
      if (failures_ == 0) down_since_ = now;
      ++failures_;
      if (now - down_since_ >= rooms_.options().upstream_give_up_after) {
        give_up = true;
      } else {
        state_ = ever_started_ ? State::kReconnecting : State::kStarting;
        const absl::Duration delay = timing::JitteredBackoff(
            {rooms_.options().upstream_backoff_initial, rooms_.options().upstream_backoff_max},
            failures_);
        retry_timer_.expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(delay)));
        auto self = shared_from_this();
        retry_timer_.async_wait([self](const boost::system::error_code& ec) {
          if (ec) return;
          {
            absl::MutexLock retry_lock(&self->mu_);
            if (self->state_ == State::kClosed || self->upstream_ != nullptr) return;
            self->rooms_.metrics().upstream_reconnects->Increment();
            self->StartUpstream(self->ever_started_ ? self->head_ : 0);
          }
          self->GoPending();
        });
        return;
      }
    }
  }
  if (fail_waiting) {
    FailWaiting(FromUpstream(status, reason));
  } else if (end_closed) {
    EndAll(v1::ROOM_END_REASON_ROOM_CLOSED, absl::ZeroDuration());
  } else if (give_up) {
    rooms_.metrics().upstream_unavailable->Increment();
    EndAll(v1::ROOM_END_REASON_UPSTREAM_UNAVAILABLE, rooms_.options().upstream_retry_after);
  } else {
    rooms_.Remove(this);
  }
}

void Room::FailWaiting(const absl::Status& status) {
  std::vector<Waiting> waiting;
  {
    absl::MutexLock rooms_lock(&rooms_.mu_);
    absl::MutexLock lock(&mu_);
    state_ = State::kClosed;
    if (auto it = rooms_.rooms_.find(stream_id_);
        it != rooms_.rooms_.end() && it->second.get() == this) {
      rooms_.rooms_.erase(it);
      rooms_.metrics().rooms->Set(static_cast<double>(rooms_.rooms_.size()));
    }
    waiting = std::move(waiting_);
    waiting_.clear();
  }
  for (Waiting& w : waiting) w.peer->RoomFailed(stream_id_, w.frame_id, status);
}

void Room::EndAll(v1::RoomEndReason reason, absl::Duration retry_after) {
  absl::flat_hash_map<uint64_t, Follower> followers;
  std::vector<Waiting> waiting;
  absl::flat_hash_map<uint64_t, std::shared_ptr<CatchUp>> catchups;
  {
    absl::MutexLock rooms_lock(&rooms_.mu_);
    absl::MutexLock lock(&mu_);
    state_ = State::kClosed;
    if (auto it = rooms_.rooms_.find(stream_id_);
        it != rooms_.rooms_.end() && it->second.get() == this) {
      rooms_.rooms_.erase(it);
      rooms_.metrics().rooms->Set(static_cast<double>(rooms_.rooms_.size()));
    }
    followers.swap(followers_);
    waiting.swap(waiting_);
    waiting.insert(waiting.end(), std::make_move_iterator(parked_.begin()),
                   std::make_move_iterator(parked_.end()));
    parked_.clear();
    catchups.swap(catchups_);
    for (auto& [id, c] : catchups) c->Cancel();
    if (upstream_ != nullptr) upstream_->Cancel();
    if (refresh_ != nullptr) refresh_->Cancel();
  }
  log::Info("ws_room_ended")
      .Kv("stream_id", stream_id_)
      .Kv("reason", v1::RoomEndReason_Name(reason))
      .Kv("sockets", static_cast<int64_t>(followers.size() + catchups.size()));
  for (auto& [id, f] : followers) f.peer->RoomEnded(stream_id_, reason, f.after, retry_after);
  for (auto& [id, c] : catchups) c->peer()->RoomEnded(stream_id_, reason, c->after(), retry_after);
  for (Waiting& w : waiting) {
    w.peer->RoomFailed(stream_id_, w.frame_id,
                       reason == v1::ROOM_END_REASON_ROOM_CLOSED
                           ? shopcast::Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED",
                                             "the room has closed")
                           : shopcast::Error(absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE",
                                             "realtime-push is unavailable; try again"));
  }
}

void Room::MaybeLinger() {
  if (!Empty() || state_ == State::kClosed) return;
  const uint64_t epoch = ++linger_epoch_;
  linger_timer_.expires_after(
      std::chrono::microseconds(absl::ToInt64Microseconds(rooms_.options().room_linger)));
  std::weak_ptr<Room> weak = weak_from_this();
  linger_timer_.async_wait([weak, epoch](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (self == nullptr) return;
    {
      absl::MutexLock lock(&self->mu_);
      if (self->linger_epoch_ != epoch) return;
    }
    self->rooms_.RemoveIfIdle(self);
  });
}

// ---------------------------------------------------------------------------------------------

Rooms::Rooms(const WsOptions& options, std::shared_ptr<grpc::Channel> channel, HubMetrics& metrics,
             boost::asio::io_context& timers)
    : options_(options),
      stub_(rp::RealtimePushService::NewStub(std::move(channel))),
      metrics_(metrics),
      timers_(timers) {}

Rooms::~Rooms() {
  std::vector<std::shared_ptr<Room>> rooms;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, r] : rooms_) rooms.push_back(r);
  }
  for (auto& r : rooms) r->EndAll(v1::ROOM_END_REASON_UPSTREAM_UNAVAILABLE, absl::ZeroDuration());
  // The calls hold their rooms; wait until gRPC has finished them all.
  for (int i = 0; i < 10000 && calls_in_flight_.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Rooms::Join(const std::string& stream_id, const std::shared_ptr<Peer>& peer,
                 int64_t after_sequence, const std::string& frame_id) {
  for (;;) {
    std::shared_ptr<Room> room;
    {
      absl::MutexLock lock(&mu_);
      auto& slot = rooms_[stream_id];
      if (slot == nullptr) {
        slot = std::make_shared<Room>(*this, stream_id);
        metrics_.rooms->Set(static_cast<double>(rooms_.size()));
      }
      room = slot;
    }
    if (room->Join(peer, after_sequence, frame_id)) return;
    Remove(room.get());
  }
}

int64_t Rooms::Leave(const std::string& stream_id, uint64_t peer_id) {
  std::shared_ptr<Room> room;
  {
    absl::MutexLock lock(&mu_);
    auto it = rooms_.find(stream_id);
    if (it == rooms_.end()) return -1;
    room = it->second;
  }
  return room->Leave(peer_id);
}

bool Rooms::RemoveIfIdle(const std::shared_ptr<Room>& room) {
  absl::MutexLock lock(&mu_);
  absl::MutexLock room_lock(&room->mu_);
  if (!room->Empty() || room->state_ == Room::State::kClosed) return false;
  room->state_ = Room::State::kClosed;
  if (room->upstream_ != nullptr) room->upstream_->Cancel();
  if (room->refresh_ != nullptr) room->refresh_->Cancel();
  if (auto it = rooms_.find(room->stream_id()); it != rooms_.end() && it->second == room) {
    rooms_.erase(it);
  }
  metrics_.rooms->Set(static_cast<double>(rooms_.size()));
  log::Debug("ws_room_released").Kv("stream_id", room->stream_id());
  return true;
}

void Rooms::Remove(const Room* room) {
  absl::MutexLock lock(&mu_);
  auto it = rooms_.find(room->stream_id());
  if (it != rooms_.end() && it->second.get() == room) {
    absl::MutexLock room_lock(&it->second->mu_);
    if (it->second->Empty() || it->second->state_ == Room::State::kClosed) {
      it->second->state_ = Room::State::kClosed;
      rooms_.erase(it);
    }
  }
  metrics_.rooms->Set(static_cast<double>(rooms_.size()));
}

size_t Rooms::UpstreamCount() const { return static_cast<size_t>(upstream_calls_.load()); }

size_t Rooms::RoomCount() const {
  absl::MutexLock lock(&mu_);
  return rooms_.size();
}

}  // namespace shopcast::gateway::ws
