// Inboxes through the whole App on real PostgreSQL: Notify (idempotent, validated), listing
// newest first with pages and the unread filter, marking read, live subscriptions across two
// replicas, a slow subscriber cut, and expiry.
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "notify/inbox_store.h"
#include "notify/notify_pg_support.h"
#include "notify/notify_sql.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
namespace pb = shopcast::realtime_push::v1;
namespace notify = shopcast::realtime_push::notify;

namespace {

pb::ListNotificationsResponse List(pb::RealtimePushService::Stub& stub, const std::string& token,
                                   bool unread_only = false, int page_size = 0,
                                   const std::string& page_token = "",
                                   grpc::Status* status = nullptr) {
  pb::ListNotificationsRequest req;
  req.set_unread_only(unread_only);
  req.mutable_page()->set_page_size(page_size);
  req.mutable_page()->set_page_token(page_token);
  pb::ListNotificationsResponse res;
  grpc::ClientContext ctx;
  if (!token.empty()) Authorize(ctx, token);
  grpc::Status s = stub.ListNotifications(&ctx, req, &res);
  if (status != nullptr) {
    *status = s;
  } else {
    REQUIRE(s.ok());
  }
  return res;
}

pb::MarkNotificationsReadResponse Mark(pb::RealtimePushService::Stub& stub,
                                       const std::string& token,
                                       const pb::MarkNotificationsReadRequest& req) {
  pb::MarkNotificationsReadResponse res;
  grpc::ClientContext ctx;
  Authorize(ctx, token);
  REQUIRE(stub.MarkNotificationsRead(&ctx, req, &res).ok());
  return res;
}

std::unique_ptr<shopcast::db::Pool> NotifyPool(const std::string& dsn) {
  auto pool = shopcast::db::Pool::Create(shopcast::db::PoolOptions{
      dsn, 2, absl::Seconds(10), notify::sql::PreparedStatements(), "rp-notify-test"});
  REQUIRE(pool.ok());
  return *std::move(pool);
}

}  // namespace

TEST_CASE("Notify creates one entry per user and key, listed newest first in pages") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto internal = a.InternalStub(f.Peer());
  auto stub = b.PublicStub();
  const std::string ada = shopcast::ids::NewId("usr");
  const std::string bob = shopcast::ids::NewId("usr");
  const std::string token = f.TokenFor(ada);

  for (int i = 0; i < 25; ++i) {
    int64_t created = 0;
    REQUIRE(Notify(*internal, {ada}, absl::StrCat("k", i), absl::StrCat("n", i), &created).ok());
    REQUIRE(created == 1);
  }
  int64_t created = -1;
  // A repeat is a no-op; a repeated recipient in one call counts once.
  REQUIRE(Notify(*internal, {ada, bob, bob}, "k24", "again", &created).ok());
  REQUIRE(created == 1);

  pb::ListNotificationsResponse first = List(*stub, token);
  REQUIRE(first.notifications_size() == 20);
  REQUIRE(first.unread_count() == 25);
  REQUIRE(first.notifications(0).title() == "n24");
  REQUIRE(first.notifications(19).title() == "n5");
  REQUIRE(first.notifications(0).user_id() == ada);
  REQUIRE(first.notifications(0).kind() == pb::NOTIFICATION_KIND_SYSTEM);
  REQUIRE(first.notifications(0).link() == "/orders");
  REQUIRE_FALSE(first.notifications(0).has_read_at());
  const auto ttl =
      first.notifications(0).expires_at().seconds() - first.notifications(0).created_at().seconds();
  REQUIRE(ttl >= 30 * 86400 - 1);
  REQUIRE(ttl <= 30 * 86400 + 1);
  REQUIRE_FALSE(first.page().next_page_token().empty());
  pb::ListNotificationsResponse second =
      List(*stub, token, false, 0, first.page().next_page_token());
  REQUIRE(second.notifications_size() == 5);
  REQUIRE(second.notifications(0).title() == "n4");
  REQUIRE(second.notifications(4).title() == "n0");
  REQUIRE(second.page().next_page_token().empty());

  // Bob sees only his own.
  pb::ListNotificationsResponse bobs = List(*stub, f.TokenFor(bob));
  REQUIRE(bobs.notifications_size() == 1);
  REQUIRE(bobs.notifications(0).title() == "again");

  SECTION("bad pages and missing auth") {
    grpc::Status s;
    List(*stub, token, false, 101, "", &s);
    REQUIRE(s.error_code() == grpc::INVALID_ARGUMENT);
    REQUIRE(ReasonOf(s) == "PAGE_SIZE_INVALID");
    List(*stub, token, false, 0, "garbage!", &s);
    REQUIRE(ReasonOf(s) == "PAGE_TOKEN_INVALID");
    List(*stub, "", false, 0, "", &s);
    REQUIRE(s.error_code() == grpc::UNAUTHENTICATED);
  }
}

TEST_CASE("MarkNotificationsRead by ids (others' ignored) or up to a time, idempotently") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto internal = a.InternalStub(f.Peer());
  auto stub = a.PublicStub();
  const std::string ada = shopcast::ids::NewId("usr");
  const std::string bob = shopcast::ids::NewId("usr");
  for (int i = 0; i < 4; ++i)
    REQUIRE(Notify(*internal, {ada, bob}, absl::StrCat("k", i), "t").ok());
  const std::string token = f.TokenFor(ada);
  auto mine = List(*stub, token);
  auto bobs = List(*stub, f.TokenFor(bob));

  pb::MarkNotificationsReadRequest by_ids;
  by_ids.mutable_ids()->add_ids(mine.notifications(0).id());
  by_ids.mutable_ids()->add_ids(mine.notifications(1).id());
  by_ids.mutable_ids()->add_ids(bobs.notifications(0).id());  // not Ada's: ignored
  auto marked = Mark(*stub, token, by_ids);
  REQUIRE(marked.marked_count() == 2);
  REQUIRE(marked.unread_count() == 2);
  marked = Mark(*stub, token, by_ids);
  REQUIRE(marked.marked_count() == 0);
  REQUIRE(marked.unread_count() == 2);
  REQUIRE(List(*stub, f.TokenFor(bob)).unread_count() == 4);

  auto unread = List(*stub, token, true);
  REQUIRE(unread.notifications_size() == 2);
  REQUIRE(unread.unread_count() == 2);
  REQUIRE(List(*stub, token).notifications(0).has_read_at());

  pb::MarkNotificationsReadRequest up_to;
  *up_to.mutable_up_to() = mine.notifications(0).created_at();
  marked = Mark(*stub, token, up_to);
  REQUIRE(marked.marked_count() == 2);
  REQUIRE(marked.unread_count() == 0);

  pb::MarkNotificationsReadRequest empty;
  pb::MarkNotificationsReadResponse res;
  grpc::ClientContext ctx;
  Authorize(ctx, token);
  grpc::Status s = stub->MarkNotificationsRead(&ctx, empty, &res);
  REQUIRE(s.error_code() == grpc::INVALID_ARGUMENT);
  REQUIRE(ReasonOf(s) == "SELECTOR_MISSING");
}

TEST_CASE("Notify validation: bad fields are INVALID_ARGUMENT with their reason") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto internal = a.InternalStub(f.Peer());
  const std::string ada = shopcast::ids::NewId("usr");
  struct Case {
    std::vector<std::string> users;
    std::string key;
    std::string title;
    std::string reason;
  };
  std::vector<std::string> many;
  for (int i = 0; i < 1001; ++i) many.push_back(shopcast::ids::NewId("usr"));
  const std::vector<Case> cases = {
      {{}, "k", "t", "RECIPIENTS_MISSING"},
      {many, "k", "t", "TOO_MANY_RECIPIENTS"},
      {{"usr_nope"}, "k", "t", "USER_ID_INVALID"},
      {{ada}, "", "t", "DEDUPE_KEY_INVALID"},
      {{ada}, "k", "", "TITLE_EMPTY"},
      {{ada}, "k", std::string(121, 't'), "TITLE_TOO_LONG"},
  };
  for (const Case& c : cases) {
    INFO(c.reason);
    grpc::Status s = Notify(*internal, c.users, c.key, c.title);
    REQUIRE(s.error_code() == grpc::INVALID_ARGUMENT);
    REQUIRE(ReasonOf(s) == c.reason);
  }
  pb::NotifyRequest no_kind;
  no_kind.add_user_ids(ada);
  no_kind.set_dedupe_key("k");
  no_kind.mutable_notification()->set_title("t");
  pb::NotifyResponse res;
  grpc::ClientContext ctx;
  grpc::Status s = internal->Notify(&ctx, no_kind, &res);
  REQUIRE(ReasonOf(s) == "KIND_MISSING");
  REQUIRE(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
}

TEST_CASE(
    "SubscribeNotifications: the unread count, then the caller's new entries from any replica") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto internal = a.InternalStub(f.Peer());
  auto stub_b = b.PublicStub();
  auto stub_a = a.PublicStub();
  const std::string ada = shopcast::ids::NewId("usr");
  const std::string bob = shopcast::ids::NewId("usr");
  REQUIRE(Notify(*internal, {ada}, "old", "before").ok());

  InboxSubscriber ada_on_b(*stub_b, f.TokenFor(ada));
  InboxSubscriber ada_on_a(*stub_a, f.TokenFor(ada));
  InboxSubscriber bob_on_b(*stub_b, f.TokenFor(bob));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return !ada_on_b.Received().empty() && !ada_on_a.Received().empty() &&
               !bob_on_b.Received().empty();
      },
      absl::Seconds(30)));
  REQUIRE(ada_on_b.Received()[0].unread_count() == 1);
  REQUIRE(bob_on_b.Received()[0].unread_count() == 0);

  for (int i = 0; i < 5; ++i)
    REQUIRE(Notify(*internal, {ada}, absl::StrCat("k", i), absl::StrCat("n", i)).ok());
  REQUIRE(Notify(*internal, {bob}, "b", "for bob").ok());
  REQUIRE(ada_on_b.WaitForNotifications(5));
  REQUIRE(ada_on_a.WaitForNotifications(5));
  REQUIRE(bob_on_b.WaitForNotifications(1));
  for (auto* sub : {&ada_on_a, &ada_on_b}) {
    auto got = sub->Notifications();
    REQUIRE(got.size() == 5);  // each once, none of Bob's, not the old one
    for (int i = 0; i < 5; ++i) REQUIRE(got[i].title() == absl::StrCat("n", i));
  }
  REQUIRE(bob_on_b.Notifications()[0].title() == "for bob");

  grpc::ClientContext ctx;
  auto reader = stub_b->SubscribeNotifications(&ctx, pb::SubscribeNotificationsRequest());
  pb::SubscribeNotificationsResponse m;
  REQUIRE_FALSE(reader->Read(&m));
  REQUIRE(reader->Finish().error_code() == grpc::UNAUTHENTICATED);
}

TEST_CASE("SubscribeNotifications: a subscriber too far behind is cut, not buffered") {
  RoomsFixture f;
  auto& a = f.AddReplica([](shopcast::realtime_push::Config& c) { c.notification_max_lag = 5; });
  auto stub = a.PublicStub();
  const std::string ada = shopcast::ids::NewId("usr");
  InboxSubscriber sub(*stub, f.TokenFor(ada));
  REQUIRE(shopcast::testing::WaitUntil([&] { return !sub.Received().empty(); }, absl::Seconds(30)));
  // Ten entries in one transaction: they become visible together, more than the lag allows.
  auto pool = NotifyPool(f.dsn());
  absl::Status s = shopcast::db::InTransaction(*pool, [&](pqxx::work& tx) -> absl::Status {
    for (int i = 0; i < 10; ++i) {
      notify::NewNotification n;
      n.user_id = ada;
      n.dedupe_key = absl::StrCat("burst", i);
      n.content.kind = pb::NOTIFICATION_KIND_SYSTEM;
      n.content.title = "burst";
      notify::InsertTx(tx, n, absl::Now(), {absl::Hours(1), ""});
    }
    return absl::OkStatus();
  });
  REQUIRE(s.ok());
  grpc::Status end = sub.Wait();
  REQUIRE(end.error_code() == grpc::RESOURCE_EXHAUSTED);
  REQUIRE(ReasonOf(end) == "SUBSCRIBER_TOO_SLOW");
  REQUIRE(sub.Notifications().empty());
}

TEST_CASE("SubscribeNotifications: an idle subscriber gets keep-alives") {
  RoomsFixture f;
  auto& a =
      f.AddReplica([](shopcast::realtime_push::Config& c) { c.keep_alive = absl::Seconds(1); });
  auto stub = a.PublicStub();
  InboxSubscriber sub(*stub, f.TokenFor(shopcast::ids::NewId("usr")));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        auto got = sub.Received();
        return got.size() >= 2 &&
               got[0].message_case() == pb::SubscribeNotificationsResponse::kUnreadCount &&
               got[1].has_keep_alive() && got[1].keep_alive().server_time().seconds() > 0;
      },
      absl::Seconds(30)));
}

TEST_CASE("expired entries are purged and never listed") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto internal = a.InternalStub(f.Peer());
  const std::string ada = shopcast::ids::NewId("usr");
  REQUIRE(Notify(*internal, {ada}, "k", "t").ok());
  auto pool = NotifyPool(f.dsn());
  notify::InboxStore store(*pool, {absl::Hours(24 * 30), ""});
  REQUIRE(*store.Purge(absl::Now(), absl::Now()) == 0);
  const absl::Time later = absl::Now() + absl::Hours(24 * 30) + absl::Minutes(1);
  auto listed = store.List(ada, false, 20, std::nullopt, later);
  REQUIRE(listed.ok());
  REQUIRE(listed->notifications.empty());
  REQUIRE(*store.Purge(later, later) == 1);
  REQUIRE(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
}
