#pragma once

// recording-lifecycle in-process for tests: an App (built from a Config exactly as the binary
// builds it) over a fresh test database, the peers' service credentials to deliver events to
// its EventSink as their relays do, tokens for any user and role, builders for the events the
// peers send, and a direct connection to check what was stored.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::recording_lifecycle::testing {

namespace pb = ::shopcast::recording_lifecycle::v1;

constexpr int64_t kSecond = 1'000'000;
// 2026-12-05T10:00:00Z in microseconds.
constexpr int64_t kT0 = 1796551200LL * kSecond;

// Adds `authorization: Bearer <token>` (none if empty) and a 30 s deadline to `ctx`.
void Prepare(grpc::ClientContext& ctx, const std::string& token);
// The reason / field (ErrorInfo) of a failed call, or "".
std::string ReasonOf(const grpc::Status& s);
std::string FieldOf(const grpc::Status& s);

// ---- the peers' events ----
common::v1::Event WentLiveEvent(const std::string& stream, const std::string& host,
                                const std::string& title, bool resumed = false);
// Segment `sequence` of `stream`: program date time `pdt_us`, `duration_us`, media offset
// `offset_us`; path "<stream>/<sequence, 6 digits>.ts", a checksum derived from them.
common::v1::Event SegmentEvent(const std::string& stream, int64_t sequence, int64_t pdt_us,
                               int64_t duration_us, int64_t offset_us, bool discontinuity = false,
                               const std::string& session = "ses_1");
video_ingest::v1::SegmentClosed SegmentOf(const common::v1::Event& event);
common::v1::Event SegmentEventFrom(const video_ingest::v1::SegmentClosed& segment);
common::v1::Event EndedEvent(
    const std::string& stream, const std::string& host, int64_t segment_count,
    video_ingest::v1::RecordingChoice choice = video_ingest::v1::RECORDING_CHOICE_UNDECIDED,
    const std::string& poster = "");
common::v1::Event SaleEvent(const std::string& stream, const std::string& host,
                            const std::string& order_id, const std::string& product_id,
                            int64_t moment_us, const std::string& auction_id = "");
common::v1::Event SaleCancelledEvent(const std::string& order_id, const std::string& product_id);
// video-ingest's stream_created / stream_updated (with `version`) saying whether it is gated.
common::v1::Event CreatedEvent(const std::string& stream, const std::string& host, bool gated);
common::v1::Event UpdatedEvent(const std::string& stream, bool gated, int64_t version);
// order's access_pass_granted / access_pass_revoked for `viewer`'s pass `order_id`.
common::v1::Event PassGrantedEvent(const std::string& order_id, const std::string& stream,
                                   const std::string& viewer);
common::v1::Event PassRevokedEvent(const std::string& order_id, const std::string& stream,
                                   const std::string& viewer);

// For a recording-lifecycle binary a test starts: the settings of the tiers, playback and clips
// it needs beyond the hot root, under `base` (created: warm root, VOD cache, scratch, VOD token
// key). The cold store is a loopback address nothing listens on: these tests never age media.
std::vector<std::string> StorageEnv(const std::string& base);
// The same for an in-process App.
void SetStorage(Config& c, const std::string& base);

class AppFixture {
 public:
  explicit AppFixture(const std::function<void(Config&)>& edit = nullptr);
  ~AppFixture();

  App& app() { return *app_; }
  std::unique_ptr<pb::RecordingLifecycleService::Stub> Stub() const;
  // The EventSink as `peer` ("video-ingest", "order", "product-inventory") reaches it.
  std::unique_ptr<common::v1::EventSink::Stub> Sink(const std::string& peer) const;
  // Delivers `events` as `peer`'s relay does; the accepted ids (throws if the call fails).
  std::vector<std::string> Deliver(const std::string& peer,
                                   const std::vector<common::v1::Event>& events) const;
  // Delivers one event from the peer its source names; throws unless it was accepted.
  void Deliver(const common::v1::Event& event) const;

  std::string TokenFor(const std::string& user_id, const std::string& role = "host") const;
  Config BaseConfig() const;
  const std::string& dsn() const { return db_.dsn(); }
  // For a binary a test starts beside the App (same database, keys and credentials).
  const auth::testing::DevPki& pki() const { return pki_; }
  std::string verify_key_file() const { return dir_.File("signing.pub.pem"); }
  std::string page_token_key_file() const { return dir_.File("page-token.key"); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  // The single value of `sql` on the service's database.
  int64_t Count(const std::string& sql) const;
  std::string Text(const std::string& sql) const;
  // Runs `sql` and commits (tests ageing rows, as time passing would).
  void Exec(const std::string& sql) const;
  // GETs `url`'s /vod/… path from the App's VOD origin with curl: the HTTP status; the body into
  // `body` (may be null).
  int FetchVod(const std::string& url, std::string* body = nullptr) const;

 private:
  shopcast::testing::TempDir dir_;
  auth::testing::DevPki pki_;
  std::string signing_key_file_;
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<App> app_;
};

}  // namespace shopcast::recording_lifecycle::testing
