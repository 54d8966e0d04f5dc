#pragma once

// The streams API running in-process on an ephemeral port against a fresh database of the test
// run's PostgreSQL, a fake ingest runtime behind LiveControl, and helpers to act as hosts,
// viewers and admins and to read what was committed (rows, outbox events).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/pg.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "streams/live_control.h"
#include "streams/pass_event_sink.h"
#include "streams/store/pass_store.h"
#include "streams/store/stream_store.h"
#include "streams/stream_service.h"
#include "streams/streams.h"

namespace shopcast::video_ingest::streams::testing {

inline constexpr char kIssuer[] = "shopcast-user-test";
inline constexpr char kAudience[] = "shopcast-test";
inline constexpr char kPlaybackBase[] = "http://localhost:8088";
// The outbox destination the tests read events from.
inline constexpr char kDestination[] = "realtime-push";

// Records StopPublishing calls; `on_stop` plays the runtime (flush, release) if set.
class FakeLiveControl : public LiveControl {
 public:
  struct Call {
    std::string stream_id;
    vpb::SessionEndReason why;
  };
  void StopPublishing(const std::string& stream_id, vpb::SessionEndReason why) override;
  std::vector<Call> calls() const;
  std::function<void(const std::string&, vpb::SessionEndReason)> on_stop;

 private:
  mutable absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

class StreamsFixture {
 public:
  static constexpr char kInstance[] = "video-ingest-0";

  explicit StreamsFixture(int max_open_streams_per_host = 5);
  ~StreamsFixture();

  vpb::VideoIngestService::Stub& stub() { return *stub_; }
  vpb::VideoIngestInternalService::Stub& internal() { return *internal_stub_; }
  // The EventSink the order service's relay delivers access pass events to.
  common::v1::EventSink::Stub& sink() { return *sink_stub_; }
  PassStore& passes() { return *passes_; }
  db::Pool& pool() { return *pool_; }
  const std::string& dsn() const { return db_.dsn(); }
  // Delivers one order.access_pass_granted / _revoked event (a fresh id unless `event_id`)
  // through DeliverEvents; returns the accepted ids.
  std::vector<std::string> DeliverPass(bool granted, const std::string& order_id,
                                       const std::string& stream_id, const std::string& viewer_id,
                                       const std::string& event_id = "");
  StreamStore& store() { return *store_; }
  FakeLiveControl& live() { return live_; }
  const StoreOptions& store_options() const { return store_->options(); }
  // The store of another replica (instance) on the same database; store() is kInstance.
  // `hls_origin`: where that replica serves HLS (recorded with its heartbeat).
  std::unique_ptr<StreamStore> StoreOfInstance(const std::string& instance_id,
                                               const std::string& hls_origin = "");
  // The codec the service seals page tokens with (to make genuine tokens in tests).
  const pagetoken::Codec& page_tokens() const { return streams_->options().page_tokens; }

  // A token for a new user (usr_ id in *user_id) with `role`.
  std::string TokenFor(auth::Role role, std::string* user_id = nullptr);
  // CreateStream as the holder of `token`; fails the test on error.
  vpb::CreateStreamResponse Create(const std::string& token, const std::string& title,
                                   const std::string& idempotency_key);

  int64_t Count(const std::string& table);
  // The first column of the first row of `sql` as text ("" for NULL or no row).
  std::string Scalar(const std::string& sql);
  // Every text column of every table, concatenated (to look for a leaked secret).
  std::string AllText();
  // Events written for kDestination, in commit order, optionally of one type.
  std::vector<common::v1::Event> Events(const std::string& type = "");

 private:
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<db::Pool> pool_;
  auth::SigningKey key_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  FakeLiveControl live_;
  std::unique_ptr<StreamStore> store_;
  std::unique_ptr<PassStore> passes_;
  std::unique_ptr<Streams> streams_;
  std::unique_ptr<server::ServiceHost> host_;
  std::unique_ptr<StreamServiceImpl> service_;
  std::unique_ptr<StreamInternalServiceImpl> internal_service_;
  std::unique_ptr<PassEventSink> pass_events_;
  std::unique_ptr<vpb::VideoIngestService::Stub> stub_;
  std::unique_ptr<vpb::VideoIngestInternalService::Stub> internal_stub_;
  std::unique_ptr<common::v1::EventSink::Stub> sink_stub_;
};

// A client context with a 10 s deadline and, if given, a bearer token.
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "");

// The shopcast-error-reason trailer of a finished call.
std::string ReasonOf(const grpc::ClientContext& ctx);

// Unpacks an event's payload; fails the test if it is not a `T`.
template <typename T>
T Payload(const common::v1::Event& e) {
  T out;
  if (!e.payload().UnpackTo(&out)) throw std::runtime_error("unexpected payload " + e.type());
  return out;
}

// A plausible closed segment `sequence` of `duration`, starting at `pdt`.
SegmentInfo Segment(const std::string& stream_id, int64_t sequence, absl::Time pdt,
                    absl::Duration media_offset, absl::Duration duration = absl::Seconds(2));

}  // namespace shopcast::video_ingest::streams::testing
