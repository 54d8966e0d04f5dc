#include "rtmp/rtmp_session.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <span>
#include <utility>

#include "rtmp/handshake.h"
#include "rtmp/rtmp_server_messages.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr size_t kReadBufferBytes = 64 * 1024;
// Batched reads: the byte rate is measured over this long before the low-water mark follows it
// (long enough that one keyframe's burst does not set it, short enough to follow a new bitrate
// within a second or two).
constexpr std::chrono::seconds kRateWindow{1};
// The highest low-water mark (30 ms of about 17 Mbit/s); the read buffer is twice the mark.
constexpr size_t kMaxLowWaterBytes = 64 * 1024;
// Before admission a client sends a few small commands: a small buffer keeps unauthenticated
// connections cheap.
constexpr size_t kPendingReadBufferBytes = 4 * 1024;
// A peer may announce any window; acknowledging more often than this would let it make us
// write as much as it sends.
constexpr uint32_t kMinAckWindow = 4096;
constexpr uint32_t kFirstStreamId = 1;
// After refusing its media, how long we wait for the encoder to read our status and hang up.
constexpr std::chrono::seconds kRefusalLinger{3};
// Tags held before the tracks are known: kAudioOnlyAfterTags AAC frames and the metadata fit
// many times over; a publisher sending only data messages is passed on as audio and video.
constexpr size_t kMaxHeldTagBytes = 1 << 20;
// What connect's _result says we are; publishers only check that the fields exist.
constexpr char kFmsVersion[] = "FMS/3,0,1,123";
constexpr double kCapabilities = 31;

auto Awaitable(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

absl::Status ProtocolError(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, message);
}

// The rtmp_connections_rejected_total label for a connection that ended with `why`, or "" when
// it ended normally (the encoder left, the service or the server stopped it).
std::string RejectReasonFor(const absl::Status& why, bool refused) {
  if (refused) return "admission_refused";
  const std::string reason = ReasonOf(why);
  if (reason == "RTMP_HANDSHAKE_INVALID") return "handshake_invalid";
  if (reason == "RTMP_HANDSHAKE_TIMEOUT") return "handshake_timeout";
  if (reason == "RTMP_PUBLISH_TIMEOUT") return "publish_timeout";
  if (reason == "RTMP_IDLE_TIMEOUT") return "idle_timeout";
  if (reason == "RTMP_EVICTED") return "evicted";
  if (reason == "UNSUPPORTED_CODEC") return "unsupported_codec";
  if (why.code() == absl::StatusCode::kInvalidArgument) return "protocol_error";
  return "";
}

// The app part of a connect's "app" property: without a query and a trailing slash.
std::string NormalizeApp(std::string app) {
  app = app.substr(0, app.find('?'));
  while (!app.empty() && app.back() == '/') app.pop_back();
  return app;
}

Message Result(double txn, Amf0Value value) {
  return CommandMessage(kCommandChunkStream, 0,
                        {AmfString("_result"), AmfNumber(txn), AmfNull(), std::move(value)});
}

Message OnStatus(uint32_t stream_id, std::string level, std::string code, std::string text) {
  return CommandMessage(kStatusChunkStream, stream_id,
                        {AmfString("onStatus"), AmfNumber(0), AmfNull(),
                         StatusInfo(std::move(level), std::move(code), std::move(text))});
}

// The onStatus code telling the encoder why it may not publish.
std::string RefusalCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
      return "NetStream.Publish.BadName";
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return "NetStream.Publish.Denied";
    default:
      return "NetStream.Publish.Failed";
  }
}

std::string Describe(const absl::Status& s) {
  const std::string reason = ReasonOf(s);
  const std::string message(s.message());
  return reason.empty() ? message : reason + ": " + message;
}

}  // namespace

RtmpSession::RtmpSession(uint64_t id, asio::ip::tcp::socket socket, SessionContext& context)
    : id_(id),
      socket_(std::move(socket)),
      executor_(socket_.get_executor()),
      context_(context),
      timer_(executor_),
      read_bound_(executor_),
      reader_(context.options.pending_chunk_limits),
      codecs_(context.options.codecs) {
  error_code ec;
  const asio::ip::tcp::endpoint peer = socket_.remote_endpoint(ec);
  remote_ = ec ? "unknown" : peer.address().to_string() + ":" + std::to_string(peer.port());
}

asio::awaitable<void> RtmpSession::Run() {
  const RtmpOptions& options = context_.options;
  accepted_at_ = Clock::now();
  SetDeadline(accepted_at_ + options.handshake_timeout,
              Error(absl::StatusCode::kDeadlineExceeded, "RTMP_HANDSHAKE_TIMEOUT",
                    "no complete handshake in time"));
  asio::co_spawn(executor_, Watchdog(), [self = shared_from_this()](std::exception_ptr) {});
  log::Debug("rtmp_connection_accepted").Kv("conn", id_).Kv("remote", remote_);

  absl::Status result;
  try {
    result = co_await Handshake();
    if (result.ok()) {
      SetDeadline(accepted_at_ + options.publish_timeout,
                  Error(absl::StatusCode::kDeadlineExceeded, "RTMP_PUBLISH_TIMEOUT",
                        "no admitted publish in time"));
      result = co_await ReadLoop();
      // The encoder hanging up after we refused its media ends the connection for that reason.
      if (state_ == State::kRefused) result = media_refusal_;
    }
  } catch (const std::exception& e) {
    result = Error(absl::StatusCode::kInternal, "RTMP_SESSION_FAILED", e.what());
  }
  Shutdown(result);  // Keeps an earlier reason (watchdog, DisconnectFn, Stop).
  EndMedia(close_reason_);
  ChargePending(0);

  const std::string reject = RejectReasonFor(close_reason_, refused_);
  if (!reject.empty()) context_.metrics.Rejected(reject);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - accepted_at_).count();
  log::Info("rtmp_connection_closed")
      .Kv("conn", id_)
      .Kv("remote", remote_)
      .Kv("reason", close_reason_.ok() ? std::string("OK") : ReasonOf(close_reason_))
      .Kv("message", std::string(close_reason_.message()))
      .Kv("rejected", reject)
      .Kv("bytes_in", total_bytes_in_)
      .Kv("duration_ms", static_cast<int64_t>(ms));
}

void RtmpSession::Shutdown(absl::Status why) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::move(why);
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
  read_bound_.cancel();
}

void RtmpSession::SetDeadline(Clock::time_point at, absl::Status on_expiry) {
  deadline_ = at;
  deadline_status_ = std::move(on_expiry);
  timer_.cancel();  // The watchdog re-arms with the new deadline.
}

asio::awaitable<void> RtmpSession::Watchdog() {
  while (!closed_) {
    timer_.expires_at(deadline_);
    error_code ec;
    co_await timer_.async_wait(Awaitable(ec));
    if (closed_) break;
    // Reads push an idle deadline forward without waking us: re-arm until it really passed.
    if (Clock::now() >= deadline_) {
      Shutdown(deadline_status_);
      break;
    }
  }
}

void RtmpSession::ReleaseHeldTags(uint8_t track_flags) {
  flv_.WriteHeader(track_flags, flv_out_);
  flv_out_.insert(flv_out_.end(), held_tags_.begin(), held_tags_.end());
  held_tags_ = {};
  header_written_ = true;
}

void RtmpSession::EndMedia(const absl::Status& why) {
  if (media_ == nullptr) return;
  if (!header_written_ && !held_tags_.empty()) {
    // A publish that ended before its tracks were known still delivers what it sent.
    flv_out_.clear();
    ReleaseHeldTags(codecs_.track_flags_at_end());
    media_->Write(flv_out_);  // If the session already ended, there is nothing to keep.
  }
  std::shared_ptr<MediaSession> media = std::move(media_);
  media_.reset();
  media->Close(why);
}

DisconnectFn RtmpSession::MakeDisconnectFn() {
  return [weak = weak_from_this(), gate = context_.gate]() {
    gate->RunIfOpen([&weak] {
      std::shared_ptr<RtmpSession> self = weak.lock();
      if (self == nullptr) return;
      asio::post(self->executor_, [self] {
        self->Shutdown(Error(absl::StatusCode::kAborted, "RTMP_DISCONNECTED",
                             "the service ended this publish"));
      });
    });
  };
}

namespace {

// The status for a failed read or write: the reason we closed, or the peer's doing.
absl::Status ConnectionError(const error_code& ec, bool closed, const absl::Status& reason) {
  if (closed) return reason;
  if (ec == asio::error::eof) {
    return Error(absl::StatusCode::kUnavailable, "RTMP_CONNECTION_CLOSED",
                 "the encoder closed the connection");
  }
  return Error(absl::StatusCode::kUnavailable, "RTMP_CONNECTION_LOST", ec.message());
}

}  // namespace

asio::awaitable<absl::Status> RtmpSession::Handshake() {
  error_code ec;
  std::vector<uint8_t> c0c1(1 + kHandshakeSize);
  co_await asio::async_read(socket_, asio::buffer(c0c1), Awaitable(ec));
  if (ec) co_return ConnectionError(ec, closed_, close_reason_);
  bytes_in_ += static_cast<uint32_t>(c0c1.size());
  total_bytes_in_ += c0c1.size();
  context_.metrics.BytesReceived(c0c1.size());

  absl::StatusOr<std::vector<uint8_t>> s0s1s2 = AnswerC0C1(c0c1);
  if (!s0s1s2.ok()) co_return s0s1s2.status();
  if (absl::Status st = co_await SendBytes(*s0s1s2); !st.ok()) co_return st;

  std::vector<uint8_t> c2(kHandshakeSize);
  co_await asio::async_read(socket_, asio::buffer(c2), Awaitable(ec));
  if (ec) co_return ConnectionError(ec, closed_, close_reason_);
  bytes_in_ += static_cast<uint32_t>(c2.size());
  total_bytes_in_ += c2.size();
  context_.metrics.BytesReceived(c2.size());
  state_ = State::kHandshaken;
  co_return absl::OkStatus();
}

void RtmpSession::ChargePending(size_t held) {
  context_.metrics.PendingBytes(static_cast<int64_t>(held) - static_cast<int64_t>(pending_charge_));
  pending_charge_ = held;
}

asio::awaitable<absl::Status> RtmpSession::ReadLoop() {
  std::vector<uint8_t> buffer(kPendingReadBufferBytes);
  std::vector<Message> messages;
  for (;;) {
    const bool admitted = state_ == State::kPublishing || state_ == State::kUnpublished;
    // Room for what one wake-up finds queued: the mark, and what arrived while we were woken.
    const size_t want = std::max(kReadBufferBytes, 2 * low_water_);
    if (admitted && buffer.size() < want) buffer.resize(want);
    error_code ec;
    const size_t n = co_await socket_.async_read_some(asio::buffer(buffer), Awaitable(ec));
    if (ec) co_return ConnectionError(ec, closed_, close_reason_);
    bytes_in_ += static_cast<uint32_t>(n);
    total_bytes_in_ += n;
    context_.metrics.BytesReceived(n);
    if (state_ == State::kPublishing) {
      const Clock::time_point now = Clock::now();
      deadline_ = now + context_.options.idle_timeout;
      last_read_ = now;
      PaceReads(now, n);
      ArmReadBound();
    }

    // The last batch's payloads are handled: the reader assembles new messages in them. Only
    // once admitted: before, a connection's memory is held to its small pending budget.
    if (admitted) {
      for (Message& m : messages) reader_.Recycle(std::move(m.payload));
    }
    messages.clear();
    if (absl::Status st = reader_.Feed(std::span<const uint8_t>(buffer.data(), n), messages);
        !st.ok()) {
      co_return st;
    }
    if (!admitted) ChargePending(buffer.capacity() + reader_.buffered_bytes());
    for (const Message& m : messages) {
      absl::Status st = co_await Handle(m);
      if (!st.ok()) co_return st;
      if (closed_) co_return close_reason_;
    }

    const uint32_t window = std::max(
        kMinAckWindow, peer_window_ != 0 ? peer_window_ : context_.options.window_ack_size);
    if (static_cast<uint32_t>(bytes_in_ - last_ack_) >= window) {
      last_ack_ = bytes_in_;
      const std::vector<uint8_t> ack = Encode({AcknowledgementMessage(bytes_in_)});
      if (absl::Status st = co_await SendBytes(ack); !st.ok()) co_return st;
    }
  }
}

asio::awaitable<absl::Status> RtmpSession::Handle(const Message& m) {
  switch (m.type) {
    case kWindowAckSize:
      if (std::optional<uint32_t> w = ReadBigEndian32(m.payload, 0)) peer_window_ = *w;
      co_return absl::OkStatus();
    case kUserControl: {
      std::optional<uint16_t> event = ReadBigEndian16(m.payload, 0);
      std::optional<uint32_t> timestamp = ReadBigEndian32(m.payload, 2);
      if (event == kEventPingRequest && timestamp) {
        const std::vector<uint8_t> pong = Encode({PingResponseMessage(*timestamp)});
        co_return co_await SendBytes(pong);
      }
      co_return absl::OkStatus();
    }
    case kCommandAmf0:
    case kCommandAmf3:
      co_return co_await HandleCommand(m);
    case kAudio:
    case kVideo:
    case kDataAmf0:
    case kDataAmf3:
    case kAggregate:
      co_return co_await HandleMedia(m);
    default:
      // SetChunkSize and Abort were applied by the reader; the peer's acknowledgements and
      // bandwidth limits need nothing from a server that only receives media.
      co_return absl::OkStatus();
  }
}

asio::awaitable<absl::Status> RtmpSession::HandleCommand(const Message& m) {
  std::span<const uint8_t> body(m.payload);
  // An AMF3 command starts with a format byte; publishers send AMF0 values after it.
  if (m.type == kCommandAmf3 && !body.empty() && body[0] == 0) body = body.subspan(1);
  absl::StatusOr<std::vector<Amf0Value>> decoded = DecodeAmf0(body);
  if (!decoded.ok()) co_return decoded.status();
  const std::vector<Amf0Value>& values = *decoded;
  if (values.empty() || values[0].string() == nullptr) {
    co_return ProtocolError("RTMP_COMMAND_INVALID", "a command without a name");
  }
  const std::string& name = *values[0].string();
  const double txn = values.size() > 1 && values[1].number() ? *values[1].number() : 0;

  if (name == "connect") co_return co_await Connect(txn, values);
  if (state_ == State::kHandshaken) {
    co_return ProtocolError("RTMP_COMMAND_UNEXPECTED", "a command before connect");
  }
  if (name == "releaseStream") {
    const std::vector<uint8_t> out = Encode({Result(txn, AmfUndefined())});
    co_return co_await SendBytes(out);
  }
  if (name == "FCPublish") {
    const std::vector<uint8_t> out =
        Encode({Result(txn, AmfUndefined()),
                CommandMessage(kCommandChunkStream, 0,
                               {AmfString("onFCPublish"), AmfNumber(0), AmfNull(),
                                StatusInfo("status", "NetStream.Publish.Start", "FCPublish")})});
    co_return co_await SendBytes(out);
  }
  if (name == "createStream") {
    const std::vector<uint8_t> out = Encode({Result(txn, AmfNumber(publish_stream_id_))});
    co_return co_await SendBytes(out);
  }
  if (name == "publish") co_return co_await Publish(m, values);
  if (name == "FCUnpublish" || name == "deleteStream" || name == "closeStream") {
    // A deliberate stop: the stream side may end or wait for a reconnect, its choice.
    EndMedia(absl::OkStatus());
    if (state_ == State::kPublishing) {
      state_ = State::kUnpublished;
      if (low_water_ > 1) SetLowWater(1);  // Its last commands and hang-up are read at once.
      // Encoders send more commands and hang up themselves (GStreamer's rtmp2sink fails if we
      // hang up first), so the connection stays until they do, or this runs out.
      SetDeadline(Clock::now() + context_.options.idle_timeout,
                  Error(absl::StatusCode::kDeadlineExceeded, "RTMP_CLOSE_TIMEOUT",
                        "the encoder did not hang up after unpublishing"));
    }
    co_return absl::OkStatus();
  }
  if (name == "_result" || name == "_error" || name == "onStatus" || name == "_checkbw" ||
      name == "onBWDone" || txn == 0) {
    co_return absl::OkStatus();  // Replies and notifications need no answer.
  }
  const std::vector<uint8_t> out = Encode(
      {CommandMessage(kCommandChunkStream, 0,
                      {AmfString("_error"), AmfNumber(txn), AmfNull(),
                       StatusInfo("error", "NetConnection.Call.Failed", "unsupported command")})});
  co_return co_await SendBytes(out);
}

asio::awaitable<absl::Status> RtmpSession::Connect(double txn, const std::vector<Amf0Value>& args) {
  if (state_ != State::kHandshaken) {
    co_return ProtocolError("RTMP_COMMAND_UNEXPECTED", "connect on a connected session");
  }
  const RtmpOptions& options = context_.options;
  std::string app;
  if (args.size() > 2) {
    if (const Amf0Value* p = args[2].property("app"); p != nullptr && p->string() != nullptr) {
      app = NormalizeApp(*p->string());
    }
  }
  if (app != options.app) {
    const std::vector<uint8_t> out = Encode({CommandMessage(
        kCommandChunkStream, 0,
        {AmfString("_error"), AmfNumber(txn), AmfNull(),
         StatusInfo("error", "NetConnection.Connect.Rejected", "unknown application")})});
    absl::Status st = co_await SendBytes(out);
    (void)st;  // Closing either way.
    co_return Error(absl::StatusCode::kNotFound, "RTMP_APP_UNKNOWN", "unknown application");
  }

  Amf0Properties properties;
  properties.emplace_back("fmsVer", AmfString(kFmsVersion));
  properties.emplace_back("capabilities", AmfNumber(kCapabilities));
  Amf0Value info = StatusInfo("status", "NetConnection.Connect.Success", "Connection succeeded.");
  std::get<Amf0Object>(info.v).properties.emplace_back("objectEncoding", AmfNumber(0));
  state_ = State::kConnected;
  const std::vector<uint8_t> out =
      Encode({WindowAckSizeMessage(options.window_ack_size),
              SetPeerBandwidthMessage(options.window_ack_size),
              SetChunkSizeMessage(options.out_chunk_size),
              CommandMessage(kCommandChunkStream, 0,
                             {AmfString("_result"), AmfNumber(txn),
                              AmfObject(std::move(properties)), std::move(info)})});
  co_return co_await SendBytes(out);
}

asio::awaitable<absl::Status> RtmpSession::Publish(const Message& m,
                                                   const std::vector<Amf0Value>& args) {
  if (state_ != State::kConnected) {
    co_return ProtocolError("RTMP_COMMAND_UNEXPECTED", "publish twice on one connection");
  }
  const uint32_t stream_id = m.stream_id != 0 ? m.stream_id : kFirstStreamId;
  const std::string* name = args.size() > 3 ? args[3].string() : nullptr;
  std::string key = name != nullptr ? name->substr(0, name->find('?')) : std::string();
  if (key.empty() || key.size() > kMaxStreamKeyBytes) {
    refused_ = true;
    const std::vector<uint8_t> out =
        Encode({OnStatus(stream_id, "error", "NetStream.Publish.BadName", "invalid stream key")});
    absl::Status st = co_await SendBytes(out);
    (void)st;  // Closing either way.
    co_return Error(absl::StatusCode::kPermissionDenied, "STREAM_KEY_INVALID",
                    "invalid stream key");
  }

  state_ = State::kAdmitting;
  context_.admitting(id_, true);
  const PublishRequest request{IngestProtocol::kRtmp, std::move(key), remote_};
  const DisconnectFn disconnect = MakeDisconnectFn();
  PublishAdmission& admission = context_.admission;
  using Admitted = absl::StatusOr<std::shared_ptr<MediaSession>>;
  // Admit blocks on the database: run it on the admission pool; co_await resumes us on our
  // own strand.
  Admitted admitted = co_await asio::co_spawn(
      context_.admission_pool.get_executor(),
      [&admission, &request, &disconnect]() -> asio::awaitable<Admitted> {
        try {
          co_return admission.Admit(request, MediaFormat::kFlv, disconnect);
        } catch (const std::exception& e) {
          co_return Error(absl::StatusCode::kInternal, "ADMISSION_FAILED", e.what());
        }
      },
      asio::use_awaitable);

  if (closed_) {  // Cut while we waited (timeout, Stop): the claim must be released.
    if (admitted.ok() && *admitted != nullptr) (*admitted)->Close(close_reason_);
    co_return close_reason_;
  }
  if (!admitted.ok() || *admitted == nullptr) {
    const absl::Status why =
        admitted.ok() ? Error(absl::StatusCode::kInternal, "ADMISSION_FAILED", "no session")
                      : admitted.status();
    refused_ = true;
    context_.admitting(id_, false);
    log::Info("rtmp_publish_refused")
        .Kv("conn", id_)
        .Kv("remote", remote_)
        .Kv("code", absl::StatusCodeToString(why.code()))
        .Kv("reason", ReasonOf(why));
    const std::vector<uint8_t> out =
        Encode({OnStatus(stream_id, "error", RefusalCode(why), Describe(why))});
    absl::Status st = co_await SendBytes(out);
    (void)st;  // Closing either way.
    co_return why;
  }

  media_ = std::move(*admitted);
  state_ = State::kPublishing;
  publish_stream_id_ = stream_id;
  rate_window_start_ = Clock::now();
  rate_window_bytes_ = 0;
  // A valid key: the publisher leaves the budget of unauthenticated connections, and its
  // messages (keyframes) may be as large as the full limits allow.
  context_.admitted(id_);
  reader_.set_limits(context_.options.chunk_limits);
  ChargePending(0);
  log::Info("rtmp_publish_started").Kv("conn", id_).Kv("remote", remote_);
  SetDeadline(Clock::now() + context_.options.idle_timeout,
              Error(absl::StatusCode::kDeadlineExceeded, "RTMP_IDLE_TIMEOUT",
                    "no data from the encoder in time"));
  const std::vector<uint8_t> started =
      Encode({StreamBeginMessage(stream_id),
              OnStatus(stream_id, "status", "NetStream.Publish.Start", "Publishing.")});
  co_return co_await SendBytes(started);
}

asio::awaitable<absl::Status> RtmpSession::HandleMedia(const Message& m) {
  if (state_ != State::kPublishing) {
    // Stragglers after unpublish or after a refusal.
    if (state_ == State::kUnpublished || state_ == State::kRefused) co_return absl::OkStatus();
    if (m.type == kAudio || m.type == kVideo) {
      co_return ProtocolError("RTMP_MEDIA_BEFORE_PUBLISH", "media before an admitted publish");
    }
    co_return absl::OkStatus();  // Metadata before publish carries nothing we need.
  }
  // Checked before the packager sees it: what it cannot take is refused by name, at once; a
  // malformed video header (RTMP_VIDEO_TAG_INVALID) ends the connection as a protocol error.
  if (absl::Status st = codecs_.Inspect(m); !st.ok()) {
    if (ReasonOf(st) != "UNSUPPORTED_CODEC") co_return st;
    co_return co_await RefuseMedia(st);
  }
  flv_out_.clear();
  if (!header_written_) {
    // The FLV header tells the packager which tracks to wait for, so the first tags wait here
    // until the codec check knows (a fraction of a second, at most kAudioOnlyAfterMs of audio).
    if (absl::Status st = flv_.WriteTag(m, held_tags_); !st.ok()) co_return st;
    const std::optional<uint8_t> flags = codecs_.track_flags();
    if (!flags && held_tags_.size() <= kMaxHeldTagBytes) co_return absl::OkStatus();
    ReleaseHeldTags(flags.value_or(codecs_.track_flags_at_end()));
  } else if (absl::Status st = flv_.WriteTag(m, flv_out_); !st.ok()) {
    co_return st;
  }
  if (!flv_out_.empty() && !media_->Write(flv_out_)) {
    co_return Error(absl::StatusCode::kAborted, "MEDIA_SESSION_ENDED", "the media session ended");
  }
  co_return absl::OkStatus();
}

asio::awaitable<absl::Status> RtmpSession::RefuseMedia(absl::Status why) {
  log::Info("rtmp_media_refused")
      .Kv("conn", id_)
      .Kv("remote", remote_)
      .Kv("reason", ReasonOf(why))
      .Kv("detail", std::string(why.message()));
  state_ = State::kRefused;
  media_refusal_ = why;
  if (low_water_ > 1) SetLowWater(1);
  if (media_ != nullptr) {
    std::shared_ptr<MediaSession> media = std::move(media_);
    media_.reset();
    media->Refuse(why);
  }
  SetDeadline(Clock::now() + kRefusalLinger, why);
  const std::vector<uint8_t> out =
      Encode({OnStatus(publish_stream_id_, "error", "NetStream.Publish.Rejected", Describe(why))});
  if (absl::Status st = co_await SendBytes(out); !st.ok()) co_return why;
  // Closing outright with the encoder's media still unread would reset the connection and
  // could discard our status before the encoder reads it: send FIN, keep reading until it
  // hangs up (or the linger runs out).
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  co_return absl::OkStatus();
}

void RtmpSession::PaceReads(Clock::time_point now, size_t n) {
  const std::chrono::milliseconds batch = context_.options.read_batch;
  if (batch.count() <= 0) return;
  if (low_water_after_drop_ > 1) {  // The bytes the tick let in are read: batch again, lower.
    SetLowWater(low_water_after_drop_);
    low_water_after_drop_ = 0;
  }
  rate_window_bytes_ += n;
  const Clock::duration elapsed = now - rate_window_start_;
  if (elapsed < kRateWindow) return;
  const double rate =
      static_cast<double>(rate_window_bytes_) / std::chrono::duration<double>(elapsed).count();
  rate_window_start_ = now;
  rate_window_bytes_ = 0;
  const double wanted = rate * std::chrono::duration<double>(batch).count();
  const size_t mark =
      static_cast<size_t>(std::clamp(wanted, 1.0, static_cast<double>(kMaxLowWaterBytes)));
  // Within an eighth of the current mark: not worth a system call.
  if (mark == low_water_ ||
      (low_water_ > 1 && mark * 8 > low_water_ * 7 && mark * 8 < low_water_ * 9)) {
    return;
  }
  SetLowWater(mark);
}

void RtmpSession::SetLowWater(size_t bytes) {
  if (closed_) return;
  error_code ec;
  socket_.set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)), ec);
  if (ec) {
    if (bytes > 1) {  // Unbatched reads are only dearer; the connection carries on.
      log::Warn("rtmp_read_batch_failed").Kv("conn", id_).Kv("error", ec.message());
    }
    bytes = 1;
  }
  low_water_ = bytes;
}

void RtmpSession::ArmReadBound() {
  if (low_water_ <= 1 || closed_) return;
  // Moving the expiry cancels the wait in progress: its handler returns at once on this strand
  // (no wake-up of its own), so a connection read within the bound never sees its timer fire.
  read_bound_.expires_after(context_.options.read_batch_max_delay);
  read_bound_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) return;
    if (std::shared_ptr<RtmpSession> self = weak.lock()) self->DropLowWater();
  });
}

void RtmpSession::DropLowWater() {
  // A read may have come between the expiry and this handler (too late to cancel it).
  if (closed_ || low_water_ <= 1 ||
      Clock::now() - last_read_ < context_.options.read_batch_max_delay) {
    return;
  }
  // The kernel signals the socket readable at once if bytes are queued (tcp_set_rcvlowat),
  // otherwise at the next byte. The read that follows sets half the mark (a lull, such as the
  // small frames after a large keyframe, is let in sooner next time; a stream that stopped
  // halves it again at every bound) until the rate window sets it from the rate again.
  const size_t half = low_water_ / 2;
  SetLowWater(1);
  low_water_after_drop_ = half;
  context_.metrics.ReadBatchFlushed();
}

std::vector<uint8_t> RtmpSession::Encode(const std::vector<Message>& messages) {
  std::vector<uint8_t> bytes;
  for (const Message& m : messages) {
    writer_.Write(m, bytes);
    // Our SetChunkSize goes out at the old size; everything after it uses the new one.
    if (m.type == kSetChunkSize) {
      if (std::optional<uint32_t> size = ReadBigEndian32(m.payload, 0)) {
        writer_.set_chunk_size(*size);
      }
    }
  }
  return bytes;
}

asio::awaitable<absl::Status> RtmpSession::SendBytes(const std::vector<uint8_t>& bytes) {
  // Written inline: while a peer does not read our replies we do not read its bytes either,
  // so nothing queues up, and the deadline cuts it.
  error_code ec;
  co_await asio::async_write(socket_, asio::buffer(bytes), Awaitable(ec));
  if (ec) co_return ConnectionError(ec, closed_, close_reason_);
  co_return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::rtmp
