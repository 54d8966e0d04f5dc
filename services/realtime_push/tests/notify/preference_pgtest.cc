// Notify with a preference (NotifyRequest.preference), as product-inventory sends OUTBID: the
// notice is queued, a worker reads each recipient's contact and writes the inbox entry (and the
// e-mail) only for those whose flag is on, once however often the call is repeated; an unknown
// preference is refused and queues nothing.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "notify/notify_pg_support.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "support/smtp_server.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
using shopcast::realtime_push::AppOverrides;
using shopcast::realtime_push::Config;
using shopcast::realtime_push::UserContact;
namespace pb = shopcast::realtime_push::v1;

namespace {

pb::NotifyRequest Outbid(const std::vector<std::string>& users, const std::string& key) {
  pb::NotifyRequest req;
  for (const auto& u : users) req.add_user_ids(u);
  req.set_dedupe_key(key);
  req.set_preference("outbid");
  pb::Notification* n = req.mutable_notification();
  n->set_kind(pb::NOTIFICATION_KIND_OUTBID);
  n->set_title("Outbid: Signed jersey");
  n->set_body("Someone bid 12.00 USD on \"Signed jersey\".");
  n->set_auction_id("auc_1");
  n->set_link("/live/str_1");
  return req;
}

grpc::Status Call(pb::RealtimePushInternalService::Stub& stub, const pb::NotifyRequest& req,
                  pb::NotifyResponse* res) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return stub.Notify(&ctx, req, res);
}

int64_t Entries(RoomsFixture& f, const std::string& user_id) {
  return Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                      user_id, "' AND kind = ", pb::NOTIFICATION_KIND_OUTBID));
}

}  // namespace

TEST_CASE("Notify with a preference: only recipients whose flag is on get the entry and e-mail") {
  SmtpTestServer smtp;
  RoomsFixture f;
  const std::string keen = shopcast::ids::NewId("usr");
  const std::string quiet = shopcast::ids::NewId("usr");
  UserContact quiet_contact{quiet, "Quinn", "quinn@example.test"};
  quiet_contact.outbid = false;
  FixedContacts contacts({UserContact{keen, "Kim", "kim@example.test"}, quiet_contact});
  auto& replica = f.AddReplica(
      [&](Config& c) {
        c.smtp_url = smtp.url();
        c.smtp_from = "noreply@shopcast.test";
      },
      AppOverrides{.contacts = &contacts});
  auto internal = replica.InternalStub(f.Peer());

  pb::NotifyResponse res;
  REQUIRE(Call(*internal, Outbid({keen, quiet}, "outbid:bid_1"), &res).ok());
  CHECK(res.queued_count() == 2);
  CHECK(res.created_count() == 0);
  // Delivered again (the producer's relay retries): nothing more is queued.
  REQUIRE(Call(*internal, Outbid({keen, quiet}, "outbid:bid_1"), &res).ok());
  CHECK(res.queued_count() == 0);

  REQUIRE(shopcast::testing::WaitUntil([&] { return Entries(f, keen) == 1; }, absl::Seconds(30)));
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(),
                     "SELECT count(*) FROM notification_personal WHERE done_at IS NULL") == 0;
      },
      absl::Seconds(30)));
  CHECK(Entries(f, quiet) == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_personal WHERE outcome = 'declined'") ==
        1);
  const auto mails = smtp.Messages();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].raw.find("kim@example.test") != std::string::npos);
  CHECK(mails[0].raw.find("quinn@example.test") == std::string::npos);
  CHECK(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '", keen,
                                     "' AND auction_id = 'auc_1' AND link = '/live/str_1'")) == 1);
}

TEST_CASE("Notify with an unknown preference is refused and queues nothing") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto internal = replica.InternalStub(f.Peer());
  pb::NotifyRequest req = Outbid({shopcast::ids::NewId("usr")}, "outbid:bid_2");
  for (const char* bad : {"Outbid", "newsletter", "outbid "}) {
    INFO(bad);
    req.set_preference(bad);
    pb::NotifyResponse res;
    const grpc::Status s = Call(*internal, req, &res);
    CHECK(s.error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(s) == "PREFERENCE_INVALID");
  }
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_personal") == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
}
