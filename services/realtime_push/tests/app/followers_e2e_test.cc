// Go-live notifications end to end: a real encoder goes live on the video-ingest binary; the
// realtime-push binary learns it from the outbox relay, pages the host's followers from the
// user service's internal API, and every follower who wants it gets exactly one notification in
// the inbox and one e-mail on a real SMTP server — also when realtime-push is killed halfway
// through the fan-out and started again.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "e2e/ingest_fixture.h"
#include "notify/email_sender.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"
#include "support/process_fixture.h"
#include "support/smtp_server.h"
#include "user_fixture.h"

namespace rp = shopcast::realtime_push::testing;
namespace vi = shopcast::video_ingest::e2e;
namespace ut = shopcast::user::testing;
namespace pb = shopcast::realtime_push::v1;

namespace {

// How many entries the caller's inbox holds; -1 when the call failed (a loaded machine: the
// waits below just ask again).
int InboxSize(pb::RealtimePushService::Stub& stub, const std::string& token) {
  pb::ListNotificationsRequest req;
  req.mutable_page()->set_page_size(100);
  pb::ListNotificationsResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rp::Authorize(ctx, token);
  return stub.ListNotifications(&ctx, req, &res).ok() ? res.notifications_size() : -1;
}

// The caller's inbox through the public API.
pb::ListNotificationsResponse Inbox(pb::RealtimePushService::Stub& stub, const std::string& token) {
  pb::ListNotificationsRequest req;
  req.mutable_page()->set_page_size(100);
  pb::ListNotificationsResponse res;
  grpc::ClientContext ctx;
  rp::Authorize(ctx, token);
  grpc::Status s = stub.ListNotifications(&ctx, req, &res);
  INFO("ListNotifications: " << s.error_code() << " " << s.error_message());
  REQUIRE(s.ok());
  return res;
}

}  // namespace

TEST_CASE(
    "every follower who wants it gets one go-live notification and one e-mail, across a crash") {
  rp::Deployment deployment;
  auto user_tls = shopcast::auth::LoadServiceTls(deployment.TlsOf("user"));
  REQUIRE(user_tls.ok());
  ut::UserServiceFixture users({}, *user_tls);
  const std::string host_id = users.MakeUser("livehost");
  std::vector<std::string> fans = users.MakeFollowers(host_id, 600);
  // The fan-out pages in id order: fans.back() is the last one it reaches.
  std::sort(fans.begin(), fans.end());
  // One fan turned go-live notifications off.
  users.Exec("UPDATE notification_preferences SET followed_host_live = false WHERE user_id = '" +
             fans[0] + "'");
  const std::string verify_key = deployment.LogPath("user-signing.pub.pem");
  std::ofstream(verify_key) << users.key().public_pem;

  rp::SmtpTestServer smtp;
  const std::vector<std::string> env = {
      "SHOPCAST_REALTIME_PUSH_USER_INTERNAL_ADDR=127.0.0.1:" +
          std::to_string(users.internal_grpc_port()),
      "SHOPCAST_REALTIME_PUSH_VERIFY_KEY_FILES=" + verify_key,
      std::string("SHOPCAST_REALTIME_PUSH_TOKEN_ISSUER=") + ut::kIssuer,
      std::string("SHOPCAST_REALTIME_PUSH_TOKEN_AUDIENCE=") + ut::kAudience,
      "SHOPCAST_REALTIME_PUSH_SMTP_URL=" + smtp.url(),
      "SHOPCAST_REALTIME_PUSH_SMTP_FROM=live@shopcast.test",
      // Small pages, so the fan-out is still running when the process is killed.
      "SHOPCAST_REALTIME_PUSH_FOLLOWER_PAGE_SIZE=5",
      "SHOPCAST_REALTIME_PUSH_FANOUT_INTERVAL=200ms",
      // The killed process's job is resumed after this (not the production minute).
      "SHOPCAST_REALTIME_PUSH_FANOUT_LEASE=2s",
      "SHOPCAST_REALTIME_PUSH_EMAIL_INTERVAL=200ms",
  };
  auto push = std::make_unique<rp::Process>(deployment, "realtime-push-1", env);

  vi::ServerOptions options;
  options.service_pki_dir = deployment.pki_dir();
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_EVENT_SINKS=realtime_push=" +
                       push->internal_target()};
  vi::IngestServer ingest(options);
  vi::CreatedStream stream = ingest.CreateStream(host_id);
  vi::Publisher encoder(vi::Publisher::Kind::kFfmpegRtmp, stream.rtmp_url, 3,
                        ingest.LogPath("ffmpeg"));

  // Named by its public half, as realtime-push names the key file it loads.
  shopcast::auth::SigningKey key = users.key();
  key.kid = shopcast::auth::KeyIdFor(key.public_pem);
  shopcast::auth::TokenIssuer issuer(key, ut::kIssuer, ut::kAudience, absl::Minutes(15));
  auto token_of = [&](const std::string& user_id) {
    auto t = issuer.Issue(user_id, shopcast::auth::Role::kViewer, absl::Now());
    REQUIRE(t.ok());
    return t->token;
  };
  // Kill the service once the fan-out has begun (the last fan has nothing yet).
  auto stub = push->PublicStub();
  REQUIRE(shopcast::testing::WaitUntil([&] { return InboxSize(*stub, token_of(fans[1])) > 0; },
                                       absl::Seconds(60)));
  const bool interrupted = InboxSize(*stub, token_of(fans.back())) == 0;
  push->Kill();
  // Every e-mail the killed process claimed has a lease ending by this time plus the e-mail
  // lease; every one the new process claims, a later one.
  const absl::Time killed_at = absl::Now();
  push = std::make_unique<rp::Process>(deployment, "realtime-push-2", env);
  stub = push->PublicStub();
  INFO("killed while the fan-out was still running: " << interrupted);

  REQUIRE(shopcast::testing::WaitUntil([&] { return InboxSize(*stub, token_of(fans.back())) > 0; },
                                       absl::Seconds(120)));
  for (size_t i = 0; i < fans.size(); ++i) {
    auto inbox = Inbox(*stub, token_of(fans[i]));
    if (i == 0) {
      CHECK(inbox.notifications_size() == 0);
      continue;
    }
    REQUIRE(inbox.notifications_size() == 1);
    CHECK(inbox.notifications(0).kind() == pb::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE);
    CHECK(inbox.notifications(0).stream_id() == stream.id);
    CHECK(inbox.notifications(0).link() == "/live/" + stream.id);
  }
  // One e-mail per notified fan, none twice. An e-mail the killed process was sending has an
  // unknown outcome and is never resent (at most once): it is recorded as such instead.
  // (state counts: pending, lost = sending under the dead process's lease or unknown, sent,
  // and sending by the live process — a batch in flight, not lost: waited out.)
  const std::string old_leases_end = absl::StrCat(
      "to_timestamp(",
      absl::ToUnixMicros(killed_at + shopcast::realtime_push::notify::EmailOptions().lease),
      " / 1e6)");
  auto states = [&] {
    pqxx::connection conn(deployment.dsn());
    pqxx::nontransaction tx(conn);
    pqxx::row r = tx.exec1(
        "SELECT count(*) FILTER (WHERE state = 'pending'), "
        "count(*) FILTER (WHERE state = 'unknown' OR (state = 'sending' AND lease_until <= " +
        old_leases_end + ")), count(*) FILTER (WHERE state = 'sent'), " +
        "count(*) FILTER (WHERE state = 'sending' AND lease_until > " + old_leases_end +
        ") FROM notification_emails");
    return std::array<int64_t, 4>{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
                                  r[3].as<int64_t>()};
  };
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        auto s = states();
        return s[0] == 0 && s[3] == 0 && s[1] + s[2] == static_cast<int64_t>(fans.size() - 1);
      },
      absl::Seconds(120)));
  const auto final_states = states();
  CHECK(final_states[1] <= 20);  // at most the batch the killed process held
  REQUIRE(smtp.WaitForMessages(static_cast<size_t>(final_states[2]), absl::Seconds(60)));
  std::map<std::string, int> per_recipient;
  for (const auto& m : smtp.Messages()) {
    for (const auto& to : m.rcpt_tos) ++per_recipient[to];
  }
  CHECK(per_recipient.size() + static_cast<size_t>(final_states[1]) >= fans.size() - 1);
  for (const auto& [to, n] : per_recipient) CHECK(n == 1);
  encoder.Wait(absl::Seconds(60));
}
