#pragma once

// realtime-push in-process for tests: replicas (each a whole App, built from a Config exactly as
// the binary builds it, with its own pool, feed hub and gRPC host) over one fresh test
// database, and a subscriber that records what its Subscribe call receives.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "app/app.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "rooms/feed_hub.h"
#include "rooms/room_log.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::realtime_push::testing {

// Adds `authorization: Bearer <token>` to `ctx`.
void Authorize(grpc::ClientContext& ctx, const std::string& token);

namespace pb = ::shopcast::realtime_push::v1;

// Edits a replica's Config before it is built (ports, database, keys and credentials are set
// by the fixture).
using ConfigEdit = std::function<void(Config&)>;

class Replica {
 public:
  // `overrides`: stand-ins for peers (app.h), e.g. a fake follower source.
  explicit Replica(const Config& config, const AppOverrides& overrides = {});
  ~Replica();

  std::unique_ptr<pb::RealtimePushService::Stub> PublicStub(int window_bytes = 0) const;
  // Stubs on the internal listener, presenting `client`'s certificate.
  std::unique_ptr<pb::RealtimePushInternalService::Stub> InternalStub(
      const auth::ServiceTls& client) const;
  std::unique_ptr<common::v1::EventSink::Stub> SinkStub(const auth::ServiceTls& client) const;
  std::string internal_target() const;

  rooms::RoomLog& log() { return app_->room_log(); }
  rooms::FeedHub& hub() { return app_->hub(); }
  server::ServiceHost& host() const { return app_->host(); }
  App& app() { return *app_; }

 private:
  std::unique_ptr<App> app_;
};

class RoomsFixture {
 public:
  RoomsFixture();

  // A replica with the fixture's defaults: production fan-out settings, a 200 ms poll.
  Replica& AddReplica(const ConfigEdit& edit = nullptr, const AppOverrides& overrides = {});
  // The Config AddReplica starts from.
  Config BaseConfig() const;
  // A signed access token for `user_id` with `role` ("viewer", "host", "admin"), carrying
  // `name` as its display name when not empty, issued at `issued_at` (15 min lifetime).
  std::string TokenFor(const std::string& user_id, const std::string& role = "viewer",
                       const std::string& name = "", absl::Time issued_at = absl::Now()) const;
  const std::string& dsn() const { return db_.dsn(); }
  // A fresh str_ id and its open room, hosted by `host_id`.
  std::string OpenRoom(const std::string& host_id = "usr_host");
  // The credential of a peer service ("video-ingest").
  auth::ServiceTls Peer() const { return pki_.Of("video-ingest"); }
  db::Pool& pool() { return *pool_; }

 private:
  shopcast::testing::TempDir dir_;
  auth::testing::DevPki pki_;
  std::string signing_key_file_;
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<db::Pool> pool_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

// A product card event, `title` padded to `pad` bytes when asked.
pb::RoomEvent ProductEvent(const std::string& product_id, const std::string& title,
                           int64_t version = 1, size_t pad = 0);

// Publishes through the internal API; the assigned sequence (fails the test otherwise).
int64_t Publish(pb::RealtimePushInternalService::Stub& stub, const std::string& stream_id,
                const std::string& event_id, const pb::RoomEvent& event);

// A Subscribe call read on its own thread; everything received is kept in order.
class Subscriber {
 public:
  // `max_events_per_message` as in SubscribeRequest: above 1, events may come in batches.
  Subscriber(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
             int64_t after_sequence, bool paused = false, int max_events_per_message = 0);
  ~Subscriber();  // Cancels and joins.

  // Starts reading (for one created paused).
  void Resume();
  void Cancel();

  std::vector<pb::SubscribeResponse> Received() const;
  // When each message of Received() arrived (wall clock, for latency measurements).
  std::vector<absl::Time> ReceivedAt() const;
  // Durable sequences of the events received (alone or in batches), in order.
  std::vector<int64_t> Sequences() const;
  int64_t LastSequence() const;
  bool WaitForSequence(int64_t seq, absl::Duration timeout = absl::Seconds(30)) const;
  bool WaitForCount(size_t messages, absl::Duration timeout = absl::Seconds(30)) const;
  // Waits for the call to end and returns its status.
  grpc::Status Wait(absl::Duration timeout = absl::Seconds(30));
  bool finished() const;

 private:
  void Run();

  const int64_t after_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<pb::SubscribeResponse>> reader_;
  mutable absl::Mutex mu_;
  bool paused_ ABSL_GUARDED_BY(mu_);
  std::vector<pb::SubscribeResponse> received_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> received_at_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::testing
