#pragma once

// One RTMP connection from accept to close: handshake, command flow, admission, media. Runs as
// coroutines on its own strand; only the server creates sessions.

// clang-format off
#include <utility>  // First: Boost 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format on

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "publish/publish.h"
#include "rtmp/amf0.h"
#include "rtmp/chunk_stream.h"
#include "rtmp/codec_check.h"
#include "rtmp/flv.h"
#include "rtmp/rtmp_server.h"
#include "rtmp/rtmp_server_metrics.h"

namespace shopcast::video_ingest::rtmp {

// Lets a DisconnectFn outlive the server: it reaches a session's executor only while the
// server's I/O threads still run. Thread-safe.
class DisconnectGate {
 public:
  // Runs `f` under the gate's lock if the gate is open; false if it is closed.
  template <typename F>
  bool RunIfOpen(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return false;
    f();
    return true;
  }
  // After this returns, no RunIfOpen body runs any more.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }

 private:
  std::mutex mu_;
  bool open_ = true;
};

// What every session of one server shares. Outlives all sessions.
struct SessionContext {
  const RtmpOptions& options;
  PublishAdmission& admission;
  boost::asio::thread_pool& admission_pool;
  RtmpServerMetrics& metrics;
  std::shared_ptr<DisconnectGate> gate;
  // The connection's key is being checked (true) or the check said no (false).
  std::function<void(uint64_t id, bool admitting)> admitting;
  // The connection's key was accepted: it leaves the budget of unauthenticated connections.
  std::function<void(uint64_t id)> admitted;
};

class RtmpSession : public std::enable_shared_from_this<RtmpSession> {
 public:
  // `socket` must use a strand executor: every member runs on it.
  RtmpSession(uint64_t id, boost::asio::ip::tcp::socket socket, SessionContext& context);

  // Serves the connection until it closes; on return the socket is closed and the media
  // session, if one was admitted, has had its one Close call.
  boost::asio::awaitable<void> Run();

  // Cuts the connection with `why` (the first reason wins). Call on executor() only.
  void Shutdown(absl::Status why);

  boost::asio::any_io_executor executor() const { return executor_; }

  using Clock = std::chrono::steady_clock;

 private:
  enum class State {
    kHandshake,
    kHandshaken,
    kConnected,
    kAdmitting,
    kPublishing,
    kUnpublished,
    kRefused,  // The media was refused: we told the encoder and wait for it to hang up.
  };

  boost::asio::awaitable<void> Watchdog();
  boost::asio::awaitable<absl::Status> Handshake();
  boost::asio::awaitable<absl::Status> ReadLoop();
  boost::asio::awaitable<absl::Status> Handle(const Message& m);
  boost::asio::awaitable<absl::Status> HandleCommand(const Message& m);
  boost::asio::awaitable<absl::Status> Connect(double txn, const std::vector<Amf0Value>& args);
  boost::asio::awaitable<absl::Status> Publish(const Message& m,
                                               const std::vector<Amf0Value>& args);
  boost::asio::awaitable<absl::Status> HandleMedia(const Message& m);
  // Tells the encoder its media is refused (onStatus error), ends the media session as refused
  // and half-closes, so the status reaches the encoder before it sees the connection end.
  boost::asio::awaitable<absl::Status> RefuseMedia(absl::Status why);
  // Chunks `messages` with our writer (applying our own SetChunkSize as it passes).
  std::vector<uint8_t> Encode(const std::vector<Message>& messages);
  boost::asio::awaitable<absl::Status> SendBytes(const std::vector<uint8_t>& bytes);

  // Moves the deadline (and wakes the watchdog so an earlier one takes effect).
  void SetDeadline(Clock::time_point at, absl::Status on_expiry);
  // Ends the media session once with `why`.
  void EndMedia(const absl::Status& why);
  // Appends the FLV header for `track_flags` and every held tag to flv_out_.
  void ReleaseHeldTags(uint8_t track_flags);
  DisconnectFn MakeDisconnectFn();
  // Reports what this not-yet-admitted connection holds now (0 once admitted or closed).
  void ChargePending(size_t held);
  // After a read of `n` bytes while publishing: measures the byte rate and, once per rate
  // window, sets the low-water mark from it.
  void PaceReads(Clock::time_point now, size_t n);
  // Sets the socket's SO_RCVLOWAT (1: every byte wakes us). A failure leaves reads unbatched.
  void SetLowWater(size_t bytes);
  // The bound on what a raised mark delays (read_batch_max_delay): after every read the
  // connection's own timer is moved to that much later, so it fires only for a connection that
  // went that long unread, and then drops the mark (DropLowWater).
  void ArmReadBound();
  // Drops a raised low-water mark to 1, so whatever bytes are queued are read at once; the
  // next read sets half the old mark.
  void DropLowWater();

  const uint64_t id_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::any_io_executor executor_;
  SessionContext& context_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer read_bound_;  // ArmReadBound's.
  std::string remote_;                    // "ip:port", for logs and the admission request.

  State state_ = State::kHandshake;
  bool closed_ = false;
  bool refused_ = false;  // Admission said no: counted as a rejection.
  absl::Status close_reason_;
  Clock::time_point accepted_at_;
  Clock::time_point deadline_;
  absl::Status deadline_status_;

  ChunkReader reader_;
  ChunkWriter writer_;
  FlvWriter flv_;
  CodecCheck codecs_;
  absl::Status media_refusal_;  // Why the media was refused (state kRefused).
  uint32_t bytes_in_ = 0;       // Modulo 2^32, as acknowledgements count.
  uint64_t total_bytes_in_ = 0;
  uint32_t peer_window_ = 0;
  uint32_t last_ack_ = 0;
  uint32_t publish_stream_id_ = 1;
  size_t pending_charge_ = 0;  // Bytes counted in rtmp_pending_buffered_bytes for us.
  std::shared_ptr<MediaSession> media_;
  std::vector<uint8_t> flv_out_;
  // FLV tags held back until the codec check knows the tracks the header must announce.
  std::vector<uint8_t> held_tags_;
  bool header_written_ = false;

  // Batched reads (the strand's).
  size_t low_water_ = 1;
  size_t low_water_after_drop_ = 0;  // The mark the next read sets after a drop (0: none).
  Clock::time_point rate_window_start_;
  uint64_t rate_window_bytes_ = 0;
  Clock::time_point last_read_;
};

}  // namespace shopcast::video_ingest::rtmp
