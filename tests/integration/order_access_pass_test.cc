// Paid access to a gated stream end to end, with the real parts: the video-ingest binary (its
// database, RTMP ingest, HLS origin, internal listener with mutual TLS) fed by a real ffmpeg
// encoder, and the order service (its App in-process on its own database, the built-in
// simulated provider and its ledger) pricing the pass with video-ingest's LookupStreams and
// delivering the grant from its outbox to video-ingest's EventSink. A viewer without a pass
// gets no playback token and the origin refuses every file; a declined payment grants nothing;
// a paid pass lets ffprobe play the stream from the token URL; refunded (RefundOrder), the pass
// is revoked and the origin refuses the viewer again; bought again, it plays again.

#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ingest_fixture.h"  // video-ingest's e2e world: the binary, encoders, players
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"  // order's App fixture

namespace shopcast::order::testing {
namespace {

namespace vie = ::shopcast::video_ingest::e2e;
namespace vi = ::shopcast::video_ingest::v1;

constexpr char kHost[] = "usr_host1";
constexpr char kViewer[] = "usr_viewer1";
constexpr char kDeclined[] = "usr_viewer2";

std::string Reason(const grpc::Status& s) { return s.error_message() + " " + s.error_details(); }

pb::PlaceOrderRequest PassRequest(const std::string& stream_id, const std::string& key,
                                  const std::string& token = "pm_test_approve") {
  pb::PlaceOrderRequest r;
  r.set_access_stream_id(stream_id);
  r.set_idempotency_key(key);
  r.mutable_payment_method()->mutable_placeholder()->set_token(token);
  return r;
}

grpc::Status Place(pb::OrderService::Stub& stub, const std::string& token,
                   const pb::PlaceOrderRequest& request, pb::Order* order) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::PlaceOrderResponse response;
  grpc::Status s = stub.PlaceOrder(&ctx, request, &response);
  *order = response.order();
  return s;
}

std::string FirstSegment(const std::string& playlist) {
  for (absl::string_view line : absl::StrSplit(playlist, '\n', absl::SkipEmpty())) {
    if (line[0] != '#') return std::string(line.substr(0, line.find('?')));
  }
  return "";
}

std::set<std::string> Played(const std::string& url) {
  std::vector<std::string> codecs = vie::ProbeCodecs(url);
  return std::set<std::string>(codecs.begin(), codecs.end());
}

TEST_CASE("a viewer buys a pass to a gated stream and plays it until it is refunded",
          "[integration][e2e]") {
  // order's world first: its CA signs video-ingest's certificate too, so each trusts the other.
  AppFixture f;
  vie::ServerOptions ingest_options;
  ingest_options.service_pki_dir = f.File("pki");
  vie::IngestServer ingest(ingest_options);
  const std::string ingest_internal = absl::StrCat("127.0.0.1:", ingest.internal_grpc_port());
  Replica& order = f.AddReplica(
      [&](Config& c) {
        c.video_ingest_addr = ingest_internal;
        c.event_sinks["video_ingest"] = ingest_internal;
        // The same user service signs every token: order accepts video-ingest's test issuer.
        c.verify_key_files.push_back(ingest.verify_key_file());
      },
      {}, Peers{false, true});
  auto orders = order.Stub();
  const std::string viewer = ingest.Token(kViewer, "viewer");

  // The host's gated stream (4.99 USD), published by ffmpeg, playing for the host.
  vie::CreatedStream s = ingest.CreateStream(kHost, /*gated=*/true);
  const std::string live = "/live/" + s.id + "/";
  vie::Publisher ffmpeg(vie::Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, ingest.LogPath("rtmp"));
  INFO(ingest.log());
  REQUIRE(ingest.WaitForStatus(s.id, common::v1::STREAM_STATUS_LIVE, absl::Seconds(30)));
  vi::GetPlaybackTokenResponse host;
  REQUIRE(ingest.PlaybackToken(s.id, kHost, "host", &host).ok());
  std::string media;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        shopcast::testing::HttpResponse r = ingest.Get(live + "live.m3u8?token=" + host.token());
        media = r.body;
        return r.status == 200 && !FirstSegment(media).empty();
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  const std::string segment = FirstSegment(media);

  // No pass: no token, and the origin serves no byte of the stream.
  vi::GetPlaybackTokenResponse refused;
  CHECK(ingest.PlaybackToken(s.id, kViewer, "viewer", &refused).error_code() ==
        grpc::PERMISSION_DENIED);
  for (const std::string& file : {std::string("index.m3u8"), std::string("live.m3u8"), segment}) {
    INFO(file);
    shopcast::testing::HttpResponse r = ingest.Get(live + file);
    CHECK(r.status == 401);
    CHECK(absl::StartsWith(r.body, "playback token required"));  // no media byte
    shopcast::testing::HttpResponse forged =
        ingest.Get(live + file + "?token=" + host.token() + "x");
    CHECK(forged.status == 403);
    CHECK(absl::StartsWith(forged.body, "playback refused"));
  }

  // What the order service refuses, from video-ingest's real answers.
  pb::Order o;
  grpc::Status st = Place(*orders, ingest.Token(kHost, "host"), PassRequest(s.id, "own"), &o);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(Reason(st), Catch::Contains("OWN_STREAM"));
  vie::CreatedStream open = ingest.CreateStream(kHost, /*gated=*/false);
  st = Place(*orders, viewer, PassRequest(open.id, "open"), &o);
  CHECK(st.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(Reason(st), Catch::Contains("STREAM_NOT_GATED"));
  st = Place(*orders, viewer, PassRequest("str_0123456789ABCDEFGHJKMNPQRS", "unknown"), &o);
  CHECK(st.error_code() == grpc::NOT_FOUND);
  CHECK_THAT(Reason(st), Catch::Contains("STREAM_NOT_FOUND"));

  // A declined card: the order fails, nothing is charged, nothing is granted.
  st = Place(*orders, ingest.Token(kDeclined, "viewer"),
             PassRequest(s.id, "declined", "pm_test_card_declined"), &o);
  INFO(Reason(st));
  REQUIRE(st.ok());
  CHECK(o.status() == pb::ORDER_STATUS_FAILED);
  CHECK(o.failure_reason() == pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED);

  // The viewer pays the stream's access price through the checkout.
  st = Place(*orders, viewer, PassRequest(s.id, "buy-1"), &o);
  INFO(Reason(st));
  REQUIRE(st.ok());
  CHECK(o.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(o.total().amount_minor() == 499);
  CHECK(o.total().currency() == "USD");
  CHECK(o.seller_id() == kHost);

  // The grant reaches video-ingest through the outbox: a token, and ffprobe plays the stream
  // given nothing but the master playlist URL with it.
  vi::GetPlaybackTokenResponse granted;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return ingest.PlaybackToken(s.id, kViewer, "viewer", &granted).ok(); },
      absl::Seconds(15), absl::Milliseconds(100)));
  CHECK(granted.gated());
  CHECK(Played(ingest.PlaybackUrl(s.id) + "?token=" + granted.token()) ==
        std::set<std::string>{"h264", "aac"});
  CHECK(ingest.Get(live + segment + "?token=" + granted.token()).status == 200);

  // Everything the order service had to tell video-ingest is delivered, and it held one grant:
  // the declined viewer still has no pass.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return f.Count(
                   "SELECT count(*) FROM outbox WHERE destination = 'video_ingest' "
                   "AND delivered_at IS NULL") == 0;
      },
      absl::Seconds(15), absl::Milliseconds(100)));
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE destination = 'video_ingest'") == 1);
  CHECK(ingest.PlaybackToken(s.id, kDeclined, "viewer", &refused).error_code() ==
        grpc::PERMISSION_DENIED);
  // One charge in the simulated provider's ledger: the pass.
  CHECK(f.Count("SELECT COALESCE(sum(captured_minor), 0)::bigint FROM provider_payments") == 499);

  // The host refunds the pass: video-ingest hears of it through the same outbox, the viewer
  // gets no new token and the origin refuses the one they hold.
  grpc::ClientContext refund_ctx;
  Prepare(refund_ctx, ingest.Token(kHost, "host"));
  pb::RefundOrderRequest refund;
  refund.set_order_id(o.id());
  refund.set_refund_key("refund-1");
  pb::RefundOrderResponse refunded;
  st = orders->RefundOrder(&refund_ctx, refund, &refunded);
  INFO(Reason(st));
  REQUIRE(st.ok());
  CHECK(refunded.order().status() == pb::ORDER_STATUS_REFUNDED);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return ingest.PlaybackToken(s.id, kViewer, "viewer", &refused).error_code() ==
               grpc::PERMISSION_DENIED;
      },
      absl::Seconds(15), absl::Milliseconds(100)));
  CHECK(shopcast::testing::WaitUntil(
      [&] { return ingest.Get(live + "live.m3u8?token=" + granted.token()).status == 403; },
      absl::Seconds(15), absl::Milliseconds(100)));
  shopcast::testing::HttpResponse revoked =
      ingest.Get(live + segment + "?token=" + granted.token());
  CHECK(revoked.status == 403);
  CHECK(absl::StartsWith(revoked.body, "playback refused"));
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE destination = 'video_ingest' "
                "AND type = 'order.access_pass_revoked'") == 1);

  // Refunded, the viewer may buy the pass again, and plays again.
  st = Place(*orders, viewer, PassRequest(s.id, "buy-2"), &o);
  INFO(Reason(st));
  REQUIRE(st.ok());
  CHECK(o.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return ingest.PlaybackToken(s.id, kViewer, "viewer", &granted).ok(); },
      absl::Seconds(15), absl::Milliseconds(100)));
  // The origin's cache of passes learns of the new one within its refresh (about 0.5 s).
  CHECK(shopcast::testing::WaitUntil(
      [&] { return ingest.Get(live + "live.m3u8?token=" + granted.token()).status == 200; },
      absl::Seconds(15), absl::Milliseconds(100)));

  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::order::testing
