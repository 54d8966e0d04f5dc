#include "srt/srt_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <srt/access_control.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "srt/reject_code.h"
#include "srt/stream_id.h"

namespace shopcast::video_ingest::srt {
namespace {

// Short enough that admission results and disconnect requests (which cannot wake
// srt_epoll_uwait) are acted on promptly, long enough to cost nothing when idle.
constexpr int64_t kPollIntervalMs = 50;
constexpr std::chrono::milliseconds kIdleCheckInterval(200);
// How often a resting port checks that libsrt has let go of it (a second or two).
constexpr std::chrono::milliseconds kRetireCheckInterval(50);
constexpr std::chrono::seconds kRetireWarnAfter(10);
// Beyond the agreed latency, for the encoder's and our clocks to drift apart and for the poller
// to come round: a hung-up encoder's last packet is due at most its latency after it arrived.
constexpr std::chrono::milliseconds kDrainMargin(250);
constexpr int kMaxEventsPerWait = 64;
// Bounds one connection's turn so a fast encoder cannot starve the others.
constexpr int kMaxMessagesPerTurn = 128;
constexpr int kListenBacklog = 64;
constexpr size_t kMaxSrtPayload = 1456;

std::string AddressOf(const sockaddr* address) {
  if (address == nullptr) return "unknown";
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    return std::string(text.data()) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    return "[" + std::string(text.data()) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "unknown";
}

absl::Status SrtFailure(const char* what) {
  return Error(absl::StatusCode::kInternal, "SRT_SOCKET_FAILED",
               std::string(what) + ": " + srt_getlasterror_str());
}

template <typename T>
absl::Status SetOption(SRTSOCKET socket, SRT_SOCKOPT option, T value, const char* name) {
  if (srt_setsockflag(socket, option, &value, sizeof(value)) == SRT_ERROR) {
    return SrtFailure(name);
  }
  return absl::OkStatus();
}

}  // namespace

struct SrtListener::Connection {
  uint64_t id = 0;
  SRTSOCKET socket = SRT_INVALID_SOCK;
  std::string remote;
  Clock::time_point opened;
  Clock::time_point last_data;
  // The receive latency agreed in the handshake: the larger of ours and the encoder's.
  Clock::duration latency{};
  uint64_t bytes = 0;
  std::shared_ptr<MediaSession> session;  // Null while admission runs.
  std::vector<uint8_t> pending;           // Media received before admission finished.

  // Set once the encoder is gone: why, and until when its buffered packets are read.
  bool draining = false;
  absl::Status gone;
  Clock::time_point drain_until;
  bool released = false;  // libsrt has let go of the socket: nothing more can be read.
};

// Where other threads leave work for the poller: admission results from the worker pool and
// disconnect requests from the service. Shared so a DisconnectFn outliving the listener is
// harmless.
struct SrtListener::Inbox {
  struct Admitted {
    SRTSOCKET socket;
    uint64_t id;
    absl::StatusOr<std::shared_ptr<MediaSession>> result;
  };
  struct Disconnect {
    SRTSOCKET socket;
    uint64_t id;
  };
  absl::Mutex mu;
  std::vector<Admitted> admitted ABSL_GUARDED_BY(mu);
  std::vector<Disconnect> disconnects ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
};

SrtListener::SrtListener(SrtOptions options, PublishAdmission& admission,
                         prometheus::Registry* registry)
    : options_(std::move(options)),
      admission_(admission),
      metrics_(registry),
      inbox_(std::make_shared<Inbox>()) {}

SrtListener::~SrtListener() { Stop(); }

absl::Status SrtListener::Start() {
  if (started_) {
    return Error(absl::StatusCode::kFailedPrecondition, "SRT_ALREADY_STARTED",
                 "the SRT listener was already started");
  }
  started_ = true;
  RETURN_IF_ERROR(ValidateSrtOptions(options_));
  RETURN_IF_ERROR(library_.Acquire());
  absl::Status opened = udp_port_.Open(options_.bind_address, options_.port);
  if (opened.ok()) {
    port_ = udp_port_.port();
    opened = CheckOptions();
  }
  if (opened.ok() && options_.rest_after == absl::InfiniteDuration()) opened = Wake();
  if (!opened.ok()) {
    Stop();
    return opened;
  }
  if (!awake_.load()) LetGoOfLibsrt();  // the port starts resting
  admission_pool_ =
      std::make_unique<boost::asio::thread_pool>(static_cast<size_t>(options_.admission_threads));
  poller_ = std::thread([this] { PollLoop(); });
  log::Info("srt_listening")
      .Kv("address", options_.bind_address)
      .Kv("port", static_cast<int>(port_))
      .Kv("latency_ms", static_cast<int64_t>(absl::ToInt64Milliseconds(options_.latency)))
      .Kv("encrypted", !options_.passphrase.empty());
  return absl::OkStatus();
}

absl::Status SrtListener::Configure(SRTSOCKET socket) const {
  // TRANSTYPE first: it resets the options that depend on it. Accepted sockets inherit all of
  // these, including non-blocking receive.
  RETURN_IF_ERROR(SetOption(socket, SRTO_TRANSTYPE, SRTT_LIVE, "SRTO_TRANSTYPE"));
  const int latency_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.latency));
  RETURN_IF_ERROR(SetOption(socket, SRTO_LATENCY, latency_ms, "SRTO_LATENCY"));
  RETURN_IF_ERROR(SetOption(socket, SRTO_RCVLATENCY, latency_ms, "SRTO_RCVLATENCY"));
  RETURN_IF_ERROR(SetOption(socket, SRTO_PAYLOADSIZE, options_.payload_size, "SRTO_PAYLOADSIZE"));
  RETURN_IF_ERROR(SetOption(socket, SRTO_RCVSYN, false, "SRTO_RCVSYN"));
  if (!options_.passphrase.empty()) {
    RETURN_IF_ERROR(SetOption(socket, SRTO_PBKEYLEN, options_.pbkeylen, "SRTO_PBKEYLEN"));
    if (srt_setsockflag(socket, SRTO_PASSPHRASE, options_.passphrase.data(),
                        static_cast<int>(options_.passphrase.size())) == SRT_ERROR) {
      return SrtFailure("SRTO_PASSPHRASE");
    }
  }
  return absl::OkStatus();
}

// libsrt accepts or refuses options when they are set: try them once at Start, so a bad
// configuration fails there rather than at the first encoder.
absl::Status SrtListener::CheckOptions() const {
  SRTSOCKET trial = srt_create_socket();
  if (trial == SRT_INVALID_SOCK) return SrtFailure("srt_create_socket");
  absl::Status configured = Configure(trial);
  srt_close(trial);
  return configured;
}

// A resting port holds nothing of libsrt: not even the library, whose garbage collector thread
// (libsrt 1.5) wakes every second for as long as anyone holds it.
void SrtListener::LetGoOfLibsrt() {
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  epoll_ = -1;
  library_.Release();
}

absl::Status SrtListener::Wake() {
  RETURN_IF_ERROR(library_.Acquire());
  if (epoll_ < 0) {
    epoll_ = srt_epoll_create();
    if (epoll_ < 0) {
      absl::Status failed = SrtFailure("srt_epoll_create");
      LetGoOfLibsrt();
      return failed;
    }
  }
  const int lent = udp_port_.DuplicateForLibsrt();
  if (lent < 0) {
    absl::Status failed =
        Error(absl::StatusCode::kInternal, "SRT_SOCKET_FAILED",
              std::string("cannot duplicate the SRT port: ") + std::strerror(errno));
    LetGoOfLibsrt();
    return failed;
  }
  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) {
    close(lent);
    absl::Status failed = SrtFailure("srt_create_socket");
    LetGoOfLibsrt();
    return failed;
  }
  absl::Status ready = Configure(listener_);
  if (!ready.ok()) {
    // libsrt has not seen the duplicate: still ours to close, and the port rests as before.
    close(lent);
    srt_close(listener_);
    listener_ = SRT_INVALID_SOCK;
    LetGoOfLibsrt();
    return ready;
  }
  // A failure here may come after libsrt took the duplicate (it closes it as it cleans up):
  // from here on the duplicate is libsrt's either way, and the port waits for it (retiring_).
  if (srt_bind_acquire(listener_, lent) == SRT_ERROR) ready = SrtFailure("srt_bind_acquire");
  if (ready.ok() && srt_listen_callback(listener_, &SrtListener::OnListen, this) == SRT_ERROR) {
    ready = SrtFailure("srt_listen_callback");
  }
  if (ready.ok() && srt_listen(listener_, kListenBacklog) == SRT_ERROR) {
    ready = SrtFailure("srt_listen");
  }
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (ready.ok() && srt_epoll_add_usock(epoll_, listener_, &events) == SRT_ERROR) {
    ready = SrtFailure("srt_epoll_add_usock");
  }
  if (!ready.ok()) {
    // libsrt gives the duplicate back once this socket is closed.
    srt_close(listener_);
    listener_ = SRT_INVALID_SOCK;
    retiring_ = true;
    return ready;
  }
  MarkUsed(Clock::now());
  awake_.store(true);
  metrics_.PortAwake();
  log::Debug("srt_port_awake").Kv("port", static_cast<int>(port_));
  return absl::OkStatus();
}

bool SrtListener::TimeToRest(Clock::time_point now) const {
  // A key still being checked may come back with a session to release (DrainInbox).
  if (listener_ == SRT_INVALID_SOCK || !connections_.empty() || admissions_running_ > 0) {
    return false;
  }
  if (options_.rest_after == absl::InfiniteDuration()) return false;
  const Clock::time_point last_used{Clock::duration(last_used_ns_.load())};
  return now - last_used >= absl::ToChronoNanoseconds(options_.rest_after);
}

// Closes the listening socket; libsrt stops the port's threads and closes its copy of the
// socket a second or two later (its garbage collector), and until then datagrams may still
// reach it (an encoder's handshake is retried every 250 ms, so one that arrives meanwhile is
// answered once the port is ours again).
void SrtListener::Rest() {
  srt_epoll_remove_usock(epoll_, listener_);
  srt_close(listener_);
  listener_ = SRT_INVALID_SOCK;
  retiring_ = true;
  retire_started_ = Clock::now();
  retire_warned_ = false;
  log::Debug("srt_port_resting").Kv("port", static_cast<int>(port_));
}

void SrtListener::Stop() {
  if (stopping_.exchange(true)) return;
  // The poller owns the listening socket until it has stopped (within a poll interval; a
  // resting one at once). Handshakes meanwhile are refused: Screen sees stopping_.
  udp_port_.Interrupt();
  if (poller_.joinable()) poller_.join();
  // No new handshakes: once srt_close returns, libsrt no longer calls OnListen.
  if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
  if (admission_pool_ != nullptr) {
    // Queued admissions are dropped (their connections are closed below); running ones
    // finish, and any session they return is closed by DrainInbox/End.
    admission_pool_->stop();
    admission_pool_->join();
  }
  DrainInbox();
  // Encoders still sending are cut; those that already hung up get their buffered tail
  // delivered first, which takes at most their latency plus a margin.
  std::vector<SRTSOCKET> sending;
  for (const auto& [socket, connection] : connections_) {
    if (!connection->draining) sending.push_back(socket);
  }
  for (SRTSOCKET socket : sending) {
    End(socket, Error(absl::StatusCode::kUnavailable, "SRT_LISTENER_STOPPED",
                      "the SRT listener is shutting down"));
  }
  while (!connections_.empty()) {
    ContinueDrains(Clock::now());
    if (!connections_.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
  {
    absl::MutexLock lock(&inbox_->mu);
    inbox_->closed = true;
  }
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  epoll_ = -1;
  listener_ = SRT_INVALID_SOCK;
  library_.Release();
  udp_port_.Close();
  if (awake_.exchange(false)) metrics_.PortResting();
  if (started_ && port_ != 0) log::Info("srt_stopped").Kv("port", static_cast<int>(port_));
}

int SrtListener::OnListen(void* self, SRTSOCKET socket, int /*hs_version*/, const sockaddr* peer,
                          const char* stream_id) {
  return static_cast<SrtListener*>(self)->Screen(socket, peer, stream_id);
}

// Runs on a libsrt thread during the handshake: must be quick and must not block.
int SrtListener::Screen(SRTSOCKET socket, const sockaddr* peer, const char* stream_id) {
  MarkUsed(Clock::now());  // An encoder backing off keeps trying: the port stays awake for it.
  absl::Status refusal;
  if (stopping_.load()) {
    refusal = Error(absl::StatusCode::kUnavailable, "SRT_LISTENER_STOPPED", "shutting down");
  } else if (connection_count_.load() >= options_.max_connections) {
    refusal = Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_CONNECTIONS",
                    "the SRT port is at its connection limit");
  } else {
    absl::StatusOr<ParsedStreamId> parsed = ParseStreamId(stream_id == nullptr ? "" : stream_id);
    refusal = parsed.status();
    if (parsed.ok()) {
      // A key and address that keep being refused are turned away here, with a code the
      // encoder can show, before a connection exists to be cut (GStreamer's srtsink would
      // otherwise reconnect at once, forever).
      refusal = admission_.Prescreen(
          PublishRequest{IngestProtocol::kSrt, std::move(parsed->key), AddressOf(peer)});
    }
  }
  if (refusal.ok()) return 0;
  const std::string reason = ReasonOf(refusal);
  srt_setrejectreason(socket, RejectCodeFor(refusal));
  metrics_.Rejected(reason);
  // Backing off is counted (ingest_admission_backoffs_total) rather than logged per attempt.
  if (reason != "PUBLISH_BACKOFF") {
    log::Warn("srt_refused")
        .Kv("stage", "handshake")
        .Kv("remote", AddressOf(peer))
        .Kv("reason", reason);
  }
  return -1;
}

void SrtListener::PollLoop() {
  std::array<SRT_EPOLL_EVENT, kMaxEventsPerWait> events;
  Clock::time_point next_idle_check = Clock::now() + kIdleCheckInterval;
  while (!stopping_.load()) {
    if (retiring_) {
      // Nothing is registered with the epoll now (an empty one would not wait): check back.
      if (!udp_port_.Released()) {
        // libsrt lets go a second or two after the close; an encoder trying meanwhile is not
        // answered, so a port that stays held this long is worth a line (once).
        if (!retire_warned_ && Clock::now() - retire_started_ > kRetireWarnAfter) {
          retire_warned_ = true;
          log::Warn("srt_port_not_released").Kv("port", static_cast<int>(port_));
        }
        std::this_thread::sleep_for(kRetireCheckInterval);
        continue;
      }
      retiring_ = false;
      awake_.store(false);
      LetGoOfLibsrt();
      metrics_.PortResting();
      log::Debug("srt_port_rested").Kv("port", static_cast<int>(port_));
    }
    if (listener_ == SRT_INVALID_SOCK) {
      if (!udp_port_.WaitForDatagram() || stopping_.load()) break;
      if (absl::Status woken = Wake(); !woken.ok()) {
        // Dropped, so one bad moment does not spin: the encoder sends its handshake again.
        udp_port_.DropOne();
        log::Error("srt_wake_failed")
            .Kv("port", static_cast<int>(port_))
            .Kv("reason", ReasonOf(woken))
            .Kv("detail", std::string(woken.message()));
      }
      continue;
    }
    int ready = srt_epoll_uwait(epoll_, events.data(), kMaxEventsPerWait, kPollIntervalMs);
    for (int i = 0; i < ready; ++i) {
      const SRT_EPOLL_EVENT& event = events[static_cast<size_t>(i)];
      if (event.fd == listener_) {
        AcceptOne();
        continue;
      }
      auto found = connections_.find(event.fd);
      if (found == connections_.end()) continue;
      Connection& connection = *found->second;
      ReadFrom(connection);
      if ((event.events & SRT_EPOLL_ERR) != 0 && connections_.contains(event.fd)) {
        StartDrain(connection, Error(absl::StatusCode::kUnavailable, "SRT_CONNECTION_LOST",
                                     "the encoder closed the connection or it broke"));
      }
    }
    DrainInbox();
    const Clock::time_point now = Clock::now();
    ContinueDrains(now);
    if (now >= next_idle_check) {
      CutIdle(now);
      next_idle_check = now + kIdleCheckInterval;
      if (TimeToRest(now)) Rest();
    }
  }
}

// One accept per readiness event: the epoll is level-triggered, so further pending connections
// are reported again, and an accept on an empty queue makes libsrt log an error.
void SrtListener::AcceptOne() {
  sockaddr_storage peer{};
  int peer_size = sizeof(peer);
  SRTSOCKET socket = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &peer_size);
  if (socket == SRT_INVALID_SOCK) return;  // Raced with a timeout or shutdown.
  const std::string remote = AddressOf(reinterpret_cast<sockaddr*>(&peer));

  std::array<char, kMaxStreamIdBytes + 1> stream_id{};
  int stream_id_size = static_cast<int>(stream_id.size());
  absl::StatusOr<ParsedStreamId> parsed =
      srt_getsockflag(socket, SRTO_STREAMID, stream_id.data(), &stream_id_size) == SRT_ERROR
          ? Error(absl::StatusCode::kInvalidArgument, "STREAM_ID_INVALID", "no stream id")
          : ParseStreamId(std::string_view(stream_id.data(), static_cast<size_t>(stream_id_size)));
  absl::Status refusal = parsed.status();
  // The handshake check can be overtaken by other handshakes finishing at the same time.
  if (refusal.ok() && connection_count_.load() >= options_.max_connections) {
    refusal = Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_CONNECTIONS",
                    "the SRT port is at its connection limit");
  }
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (refusal.ok() && srt_epoll_add_usock(epoll_, socket, &events) == SRT_ERROR) {
    refusal = SrtFailure("srt_epoll_add_usock");
  }
  if (!refusal.ok()) {
    metrics_.Rejected(ReasonOf(refusal));
    log::Warn("srt_refused")
        .Kv("stage", "accept")
        .Kv("remote", remote)
        .Kv("reason", ReasonOf(refusal));
    srt_close(socket);
    return;
  }

  auto connection = std::make_unique<Connection>();
  connection->id = next_connection_id_++;
  connection->socket = socket;
  connection->remote = remote;
  connection->opened = Clock::now();
  connection->last_data = connection->opened;
  MarkUsed(connection->opened);
  int latency_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.latency));
  int latency_size = sizeof(latency_ms);
  // Connected, libsrt reports the latency agreed with this encoder; ours is the floor.
  srt_getsockflag(socket, SRTO_RCVLATENCY, &latency_ms, &latency_size);
  connection->latency = std::chrono::milliseconds(
      std::max<int64_t>(latency_ms, absl::ToInt64Milliseconds(options_.latency)));
  connection_count_.fetch_add(1);
  metrics_.ConnectionOpened();
  log::Info("srt_accepted")
      .Kv("remote", remote)
      .Kv("connection", connection->id)
      .Kv("connections", connection_count_.load());
  StartAdmission(*connection, std::move(parsed->key));
  connections_.emplace(socket, std::move(connection));
}

void SrtListener::StartAdmission(const Connection& connection, std::string key) {
  PublishRequest request;
  request.protocol = IngestProtocol::kSrt;
  request.stream_key = std::move(key);
  request.remote_address = connection.remote;
  std::weak_ptr<Inbox> weak_inbox = inbox_;
  const SRTSOCKET socket = connection.socket;
  const uint64_t id = connection.id;
  DisconnectFn disconnect = [weak_inbox, socket, id] {
    std::shared_ptr<Inbox> inbox = weak_inbox.lock();
    if (inbox == nullptr) return;
    absl::MutexLock lock(&inbox->mu);
    if (!inbox->closed) inbox->disconnects.push_back({socket, id});
  };
  ++admissions_running_;
  boost::asio::post(*admission_pool_, [this, inbox = inbox_, request = std::move(request),
                                       disconnect = std::move(disconnect), socket, id] {
    absl::StatusOr<std::shared_ptr<MediaSession>> result =
        admission_.Admit(request, MediaFormat::kMpegTs, disconnect);
    absl::MutexLock lock(&inbox->mu);
    inbox->admitted.push_back({socket, id, std::move(result)});
  });
}

void SrtListener::DrainInbox() {
  std::vector<Inbox::Admitted> admitted;
  std::vector<Inbox::Disconnect> disconnects;
  {
    absl::MutexLock lock(&inbox_->mu);
    admitted.swap(inbox_->admitted);
    disconnects.swap(inbox_->disconnects);
  }
  admissions_running_ -= static_cast<int>(admitted.size());
  for (Inbox::Admitted& done : admitted) {
    auto found = connections_.find(done.socket);
    const bool present = found != connections_.end() && found->second->id == done.id;
    if (!present) {
      // The encoder went away while its key was being checked: release the claim.
      if (done.result.ok() && *done.result != nullptr) {
        (*done.result)
            ->Close(Error(absl::StatusCode::kUnavailable, "SRT_CONNECTION_LOST",
                          "the encoder left during admission"));
      }
      continue;
    }
    Connection& connection = *found->second;
    if (!done.result.ok() || *done.result == nullptr) {
      absl::Status refusal = done.result.ok()
                                 ? Error(absl::StatusCode::kInternal, "ADMISSION_FAILED",
                                         "admission returned no session")
                                 : done.result.status();
      // Past the handshake no rejection code reaches the encoder; closing is all we can do.
      metrics_.Rejected(ReasonOf(refusal));
      log::Warn("srt_refused")
          .Kv("stage", "admission")
          .Kv("remote", connection.remote)
          .Kv("connection", connection.id)
          .Kv("reason", ReasonOf(refusal));
      End(done.socket, refusal);
      continue;
    }
    connection.session = std::move(*done.result);
    log::Info("srt_admitted")
        .Kv("remote", connection.remote)
        .Kv("connection", connection.id)
        .Kv("buffered_bytes", static_cast<uint64_t>(connection.pending.size()));
    std::vector<uint8_t> pending = std::move(connection.pending);
    connection.pending = {};
    if (!pending.empty() && !connection.session->Write(pending)) {
      End(done.socket, Error(absl::StatusCode::kAborted, "SESSION_ENDED",
                             "the media session refused more data"));
    }
  }
  for (const Inbox::Disconnect& request : disconnects) {
    auto found = connections_.find(request.socket);
    if (found == connections_.end() || found->second->id != request.id) continue;
    End(request.socket, Error(absl::StatusCode::kAborted, "DISCONNECTED_BY_SERVICE",
                              "the service ended this publisher"));
  }
}

void SrtListener::ReadFrom(Connection& connection) {
  std::array<uint8_t, kMaxSrtPayload> buffer;
  for (int i = 0; i < kMaxMessagesPerTurn; ++i) {
    int size = srt_recvmsg(connection.socket, reinterpret_cast<char*>(buffer.data()),
                           static_cast<int>(buffer.size()));
    if (size > 0) {
      const SRTSOCKET socket = connection.socket;
      Deliver(connection, buffer.data(), static_cast<size_t>(size));
      if (!connections_.contains(socket)) return;  // Deliver ended it.
      continue;
    }
    if (size == 0) return;
    const int error = srt_getlasterror(nullptr);
    if (error == SRT_EASYNCRCV) return;  // Nothing more for now.
    if (connection.draining) {
      // The peer is gone: "connection lost" now only means the next packet's play time has not
      // come yet. Any other error means libsrt has released the socket.
      if (error != SRT_ECONNLOST) connection.released = true;
      return;
    }
    StartDrain(connection, Error(absl::StatusCode::kUnavailable, "SRT_CONNECTION_LOST",
                                 std::string("receive failed: ") + srt_getlasterror_str()));
    return;
  }
}

void SrtListener::Deliver(Connection& connection, const uint8_t* data, size_t size) {
  connection.last_data = Clock::now();
  connection.bytes += size;
  metrics_.BytesReceived(size);
  if (connection.session == nullptr) {
    if (connection.pending.size() + size > options_.max_pending_bytes) {
      End(connection.socket, Error(absl::StatusCode::kResourceExhausted, "ADMISSION_BUFFER_FULL",
                                   "too much media arrived before the key was checked"));
      return;
    }
    connection.pending.insert(connection.pending.end(), data, data + size);
    return;
  }
  if (!connection.session->Write(std::span<const uint8_t>(data, size))) {
    End(connection.socket,
        Error(absl::StatusCode::kAborted, "SESSION_ENDED", "the media session refused more data"));
  }
}

void SrtListener::CutIdle(Clock::time_point now) {
  const auto idle_timeout = absl::ToChronoMilliseconds(options_.idle_timeout);
  std::vector<SRTSOCKET> idle;
  for (const auto& [socket, connection] : connections_) {
    if (connection->draining) continue;  // Ended by ContinueDrains.
    if (now - connection->last_data >= idle_timeout) idle.push_back(socket);
  }
  for (SRTSOCKET socket : idle) {
    End(socket, Error(absl::StatusCode::kDeadlineExceeded, "SRT_IDLE_TIMEOUT",
                      "no media within the idle timeout"));
  }
}

void SrtListener::StartDrain(Connection& connection, absl::Status why) {
  if (connection.draining) return;
  connection.draining = true;
  connection.gone = std::move(why);
  connection.drain_until = Clock::now() + connection.latency + kDrainMargin;
  // The epoll is level-triggered and a broken socket stays in error: it is read on each turn of
  // the poller instead (ContinueDrains).
  if (epoll_ >= 0) srt_epoll_remove_usock(epoll_, connection.socket);
  log::Debug("srt_draining")
      .Kv("remote", connection.remote)
      .Kv("connection", connection.id)
      .Kv("latency_ms",
          static_cast<int64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(connection.latency).count()));
}

void SrtListener::ContinueDrains(Clock::time_point now) {
  std::vector<SRTSOCKET> draining;
  for (const auto& [socket, connection] : connections_) {
    if (connection->draining) draining.push_back(socket);
  }
  for (SRTSOCKET socket : draining) {
    auto found = connections_.find(socket);
    if (found == connections_.end()) continue;
    Connection& connection = *found->second;
    ReadFrom(connection);
    if (!connections_.contains(socket)) continue;  // Deliver ended it.
    if (DrainFinished(connection, now)) End(socket, absl::Status(connection.gone));
  }
}

bool SrtListener::DrainFinished(const Connection& connection, Clock::time_point now) const {
  if (connection.released) return true;
  if (now < connection.drain_until) return false;
  // Past the window, but never by more than the idle timeout: packets still queued in order
  // are due later than expected (the encoder's clock runs slow against ours) and are read as
  // they come due; media kept while the key is checked waits for the answer (after Stop none
  // can come).
  const bool within_bound =
      now < connection.drain_until + absl::ToChronoMilliseconds(options_.idle_timeout);
  if (!within_bound) return true;
  int32_t queued = 0;
  int queued_size = sizeof(queued);
  if (srt_getsockflag(connection.socket, SRTO_RCVDATA, &queued, &queued_size) == 0 && queued > 0) {
    return false;
  }
  return connection.session != nullptr || stopping_.load();
}

void SrtListener::End(SRTSOCKET socket, const absl::Status& why) {
  auto found = connections_.find(socket);
  if (found == connections_.end()) return;
  std::unique_ptr<Connection> connection = std::move(found->second);
  connections_.erase(found);
  if (epoll_ >= 0 && !connection->draining) srt_epoll_remove_usock(epoll_, socket);
  srt_close(socket);
  MarkUsed(Clock::now());
  connection_count_.fetch_sub(1);
  metrics_.ConnectionClosed();
  if (connection->session != nullptr) connection->session->Close(why);
  log::Info("srt_closed")
      .Kv("remote", connection->remote)
      .Kv("connection", connection->id)
      .Kv("reason", ReasonOf(why))
      .Kv("admitted", connection->session != nullptr)
      .Kv("bytes", connection->bytes)
      .Kv("seconds", std::chrono::duration<double>(Clock::now() - connection->opened).count());
}

}  // namespace shopcast::video_ingest::srt
