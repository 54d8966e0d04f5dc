// UserInternalService.ListFollowerContacts as realtime-push calls it: over the internal listener
// with a service certificate, paging through every follower of a host that went live.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/testing/temp_dir.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

// The lowest and the highest well-formed user ids (the top two bits of an id are zero).
constexpr char kLowestId[] = "usr_00000000000000000000000000";
constexpr char kHighestId[] = "usr_7ZZZZZZZZZZZZZZZZZZZZZZZZZ";

// The user service with its internal listener, and a peer's mutual-TLS channel to it.
struct Env {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "realtime-push", "video-ingest"}};
  UserServiceFixture f{shopcast::user::AccountsOptions{}, pki.Of("user")};
  std::unique_ptr<v1::UserInternalService::Stub> internal;

  Env() {
    auto channel = shopcast::clients::MakeInternalChannel(
        "user", "127.0.0.1:" + std::to_string(f.internal_grpc_port()), pki.Of("realtime-push"));
    REQUIRE(channel.ok());
    internal = v1::UserInternalService::NewStub(*channel);
  }

  struct Page {
    grpc::Status status;
    std::string reason;
    v1::ListFollowerContactsResponse response;
  };
  Page List(const std::string& host_id, const std::string& after, int limit) {
    v1::ListFollowerContactsRequest req;
    req.set_host_id(host_id);
    req.set_after_user_id(after);
    req.set_limit(limit);
    Page page;
    auto ctx = Ctx();
    page.status = internal->ListFollowerContacts(ctx.get(), req, &page.response);
    page.reason = ReasonOf(*ctx);
    return page;
  }
  // A page that must succeed.
  v1::ListFollowerContactsResponse Ok(const std::string& host_id, const std::string& after,
                                      int limit) {
    Page page = List(host_id, after, limit);
    INFO(page.status.error_message());
    REQUIRE(page.status.ok());
    return page.response;
  }
  // Every follower from the first page on, by user id.
  std::map<std::string, v1::FollowerContact> All(const std::string& host_id) {
    std::map<std::string, v1::FollowerContact> out;
    std::string after;
    do {
      v1::ListFollowerContactsResponse page = Ok(host_id, after, 0);
      for (const auto& c : page.followers()) out[c.user_id()] = c;
      after = page.next_after_user_id();
    } while (!after.empty());
    return out;
  }
};

std::vector<std::string> IdsOf(const v1::ListFollowerContactsResponse& page) {
  std::vector<std::string> ids;
  for (const auto& c : page.followers()) ids.push_back(c.user_id());
  return ids;
}

void Follow(UserServiceFixture& f, const std::string& token, const std::string& user_id) {
  v1::FollowRequest req;
  req.set_user_id(user_id);
  v1::FollowResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().Follow(ctx.get(), req, &res).ok());
}

}  // namespace

TEST_CASE("pages of 500 list 1,203 followers each exactly once, in user-id order") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  std::vector<std::string> fans = env.f.MakeFollowers(host, 1203);
  std::sort(fans.begin(), fans.end());

  std::vector<std::string> seen;
  std::vector<int> sizes;
  std::string after;
  do {
    v1::ListFollowerContactsResponse page = env.Ok(host, after, 500);
    sizes.push_back(page.followers_size());
    for (const std::string& id : IdsOf(page)) seen.push_back(id);
    if (!page.next_after_user_id().empty()) {
      // The cursor is the last id of the page.
      CHECK(page.next_after_user_id() == page.followers(page.followers_size() - 1).user_id());
    }
    after = page.next_after_user_id();
  } while (!after.empty());
  CHECK(sizes == std::vector<int>{500, 500, 203});
  CHECK(seen == fans);  // sorted and complete: each once, in order

  // A contact carries what a notifier needs; new accounts have the default preferences.
  v1::ListFollowerContactsResponse first = env.Ok(host, "", 1);
  REQUIRE(first.followers_size() == 1);
  const v1::FollowerContact& c = first.followers(0);
  CHECK(c.user_id() == fans[0]);
  CHECK(c.display_name() == "Fan " + fans[0]);
  CHECK(c.email() == absl::AsciiStrToLower(fans[0]) + "@example.com");
  CHECK(c.preferences().followed_host_live());
  CHECK(c.preferences().outbid());
  CHECK(c.preferences().order_updates());
  CHECK_FALSE(c.preferences().marketing());
  CHECK(first.next_after_user_id() == fans[0]);

  // Limit 0 is 500; 1000 is allowed.
  CHECK(env.Ok(host, "", 0).followers_size() == 500);
  CHECK(env.Ok(host, "", 1000).followers_size() == 1000);
  // Exactly a page's worth left: a full page, and then nothing more is promised.
  v1::ListFollowerContactsResponse last = env.Ok(host, fans[fans.size() - 4], 3);
  CHECK(IdsOf(last) == std::vector<std::string>(fans.end() - 3, fans.end()));
  CHECK(last.next_after_user_id().empty());
}

TEST_CASE("each follower is listed with their own notification preferences") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  std::string quiet_id, loud_id;
  const std::string quiet = env.f.TokenFor("quiet", shopcast::auth::Role::kViewer, &quiet_id);
  const std::string loud = env.f.TokenFor("loud", shopcast::auth::Role::kViewer, &loud_id);
  Follow(env.f, quiet, host);
  Follow(env.f, loud, host);
  // "quiet" confirmed their address; "loud" has not yet, so no e-mail may go there.
  env.f.ConfirmEmail(quiet_id);

  // "quiet" turns go-live notifications off and marketing on, through the public API.
  v1::UpdateNotificationPreferencesRequest req;
  req.mutable_update_mask()->add_paths("followed_host_live");
  req.mutable_update_mask()->add_paths("marketing");
  req.mutable_preferences()->set_followed_host_live(false);
  req.mutable_preferences()->set_marketing(true);
  v1::UpdateNotificationPreferencesResponse res;
  auto ctx = Ctx(quiet);
  REQUIRE(env.f.stub().UpdateNotificationPreferences(ctx.get(), req, &res).ok());

  auto all = env.All(host);
  REQUIRE(all.size() == 2);
  const v1::FollowerContact& q = all.at(quiet_id);
  CHECK_FALSE(q.preferences().followed_host_live());
  CHECK(q.preferences().marketing());
  CHECK(q.preferences().outbid());
  CHECK(q.email() == "quiet@example.com");
  CHECK(q.display_name() == "quiet");
  const v1::FollowerContact& l = all.at(loud_id);
  CHECK(l.preferences().followed_host_live());
  CHECK_FALSE(l.preferences().marketing());
  CHECK(l.email().empty());
  CHECK(l.display_name() == "loud");
  // Once confirmed, the address is listed.
  env.f.ConfirmEmail(loud_id);
  CHECK(env.All(host).at(loud_id).email() == "loud@example.com");
}

TEST_CASE("deleted followers are not listed, and a deleted or unknown host has no followers") {
  Env env;
  std::string host;
  const std::string host_token = env.f.TokenFor("host", shopcast::auth::Role::kHost, &host);
  std::string leaver_id, stayer_id;
  const std::string leaver = env.f.TokenFor("leaver", shopcast::auth::Role::kViewer, &leaver_id);
  const std::string stayer = env.f.TokenFor("stayer", shopcast::auth::Role::kViewer, &stayer_id);
  Follow(env.f, leaver, host);
  Follow(env.f, stayer, host);
  REQUIRE(env.All(host).size() == 2);

  v1::DeleteAccountRequest del;
  del.set_user_id(leaver_id);
  v1::DeleteAccountResponse del_res;
  auto c1 = Ctx(leaver);
  REQUIRE(env.f.stub().DeleteAccount(c1.get(), del, &del_res).ok());
  auto all = env.All(host);
  CHECK(all.size() == 1);
  CHECK(all.count(stayer_id) == 1);

  // The host deletes their account while a notifier is still at work: an empty page, not an
  // error, and so for an id that never existed.
  del.set_user_id(host);
  auto c2 = Ctx(host_token);
  REQUIRE(env.f.stub().DeleteAccount(c2.get(), del, &del_res).ok());
  for (const std::string& gone : {host, std::string(kHighestId)}) {
    Env::Page page = env.List(gone, "", 0);
    INFO(page.status.error_message());
    REQUIRE(page.status.ok());
    CHECK(page.response.followers_size() == 0);
    CHECK(page.response.next_after_user_id().empty());
  }
}

TEST_CASE("a bad limit or id is INVALID_ARGUMENT with a reason") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  struct Case {
    std::string host_id;
    std::string after;
    int limit;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{
           {host, "", 1001, "LIMIT_INVALID"},
           {host, "", -1, "LIMIT_INVALID"},
           {host, "", 1 << 30, "LIMIT_INVALID"},
           {"", "", 0, "USER_ID_INVALID"},
           {"host", "", 0, "USER_ID_INVALID"},
           {host, "usr_nope", 0, "USER_ID_INVALID"},
           {host, "prd_00000000000000000000000000", 0, "USER_ID_INVALID"},
       }) {
    Env::Page page = env.List(c.host_id, c.after, c.limit);
    INFO(c.host_id << " after=" << c.after << " limit=" << c.limit);
    CHECK(page.status.error_code() == grpc::INVALID_ARGUMENT);
    CHECK(page.reason == c.reason);
  }
}

TEST_CASE("follows and unfollows while paging move no one: a cursor on the id, not an offset") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  std::vector<std::string> fans = env.f.MakeFollowers(host, 1200);
  std::sort(fans.begin(), fans.end());

  v1::ListFollowerContactsResponse first = env.Ok(host, "", 500);
  REQUIRE(IdsOf(first) == std::vector<std::string>(fans.begin(), fans.begin() + 500));
  const std::string cursor = first.next_after_user_id();

  // Between pages: someone already listed unfollows (an offset would now skip a follower), and
  // two new followers arrive, one after the cursor's position and one before it.
  env.f.Exec("DELETE FROM follows WHERE follower_id = '" + fans[10] + "'");
  env.f.InsertFollowers({kHighestId, kLowestId}, host);

  std::vector<std::string> rest;
  std::string after = cursor;
  while (!after.empty()) {
    v1::ListFollowerContactsResponse page = env.Ok(host, after, 500);
    for (const std::string& id : IdsOf(page)) rest.push_back(id);
    after = page.next_after_user_id();
  }
  std::vector<std::string> expected(fans.begin() + 500, fans.end());
  expected.push_back(kHighestId);  // after the cursor: in a later page
  CHECK(rest == expected);         // kLowestId was behind the cursor: the next run's business

  // A run from the start sees the follower list as it is now.
  auto all = env.All(host);
  CHECK(all.size() == 1200 - 1 + 2);
  CHECK(all.count(kLowestId) == 1);
  CHECK(all.count(fans[10]) == 0);
}

TEST_CASE("only the notifier's certificate may read follower contacts") {
  Env env;
  // video-ingest holds a valid service certificate but has no business with e-mail addresses.
  auto channel = shopcast::clients::MakeInternalChannel(
      "user", "127.0.0.1:" + std::to_string(env.f.internal_grpc_port()),
      env.pki.Of("video-ingest"));
  REQUIRE(channel.ok());
  auto other = v1::UserInternalService::NewStub(*channel);
  v1::ListFollowerContactsRequest req;
  req.set_host_id(kLowestId);
  req.set_limit(10);
  v1::ListFollowerContactsResponse res;
  auto ctx = Ctx();
  grpc::Status st = other->ListFollowerContacts(ctx.get(), req, &res);
  CHECK(st.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(*ctx) == "PEER_NOT_ALLOWED");
  CHECK(res.followers_size() == 0);
  // Revocations stay open to every service: each one checks tokens.
  v1::ListRevocationsRequest rev;
  v1::ListRevocationsResponse rev_res;
  auto rev_ctx = Ctx();
  CHECK(other->ListRevocations(rev_ctx.get(), rev, &rev_res).ok());
  // And the notifier still may.
  CHECK(env.List(kLowestId, "", 10).status.ok());
}

// GetUserContacts: realtime-push telling a buyer about their order and a seller about a sale.
TEST_CASE("GetUserContacts answers the known users once each, with their own preferences") {
  Env env;
  std::string buyer_id, seller_id, gone_id;
  const std::string buyer = env.f.TokenFor("buyer", shopcast::auth::Role::kViewer, &buyer_id);
  env.f.TokenFor("seller", shopcast::auth::Role::kHost, &seller_id);
  const std::string gone = env.f.TokenFor("gone", shopcast::auth::Role::kViewer, &gone_id);
  env.f.ConfirmEmail(buyer_id);  // the seller has not confirmed theirs

  // The buyer turns order updates off; the seller keeps the defaults.
  v1::UpdateNotificationPreferencesRequest prefs;
  prefs.mutable_update_mask()->add_paths("order_updates");
  prefs.mutable_preferences()->set_order_updates(false);
  v1::UpdateNotificationPreferencesResponse prefs_res;
  auto prefs_ctx = Ctx(buyer);
  REQUIRE(env.f.stub().UpdateNotificationPreferences(prefs_ctx.get(), prefs, &prefs_res).ok());
  // One account is deleted.
  v1::DeleteAccountRequest del;
  del.set_user_id(gone_id);
  v1::DeleteAccountResponse del_res;
  auto del_ctx = Ctx(gone);
  REQUIRE(env.f.stub().DeleteAccount(del_ctx.get(), del, &del_res).ok());

  v1::GetUserContactsRequest req;
  for (const std::string& id : {buyer_id, seller_id, buyer_id, gone_id, std::string(kLowestId)}) {
    req.add_user_ids(id);
  }
  v1::GetUserContactsResponse res;
  auto ctx = Ctx();
  grpc::Status st = env.internal->GetUserContacts(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  std::map<std::string, v1::FollowerContact> by_id;
  for (const auto& c : res.contacts()) by_id[c.user_id()] = c;
  CHECK(res.contacts_size() == 2);  // the repeat once; the deleted and the unknown left out
  REQUIRE(by_id.count(buyer_id) == 1);
  REQUIRE(by_id.count(seller_id) == 1);
  CHECK(by_id[buyer_id].email() == "buyer@example.com");
  CHECK(by_id[buyer_id].display_name() == "buyer");
  CHECK_FALSE(by_id[buyer_id].preferences().order_updates());
  CHECK(by_id[seller_id].preferences().order_updates());
  CHECK(by_id[seller_id].email().empty());
}

TEST_CASE("GetUserContacts refuses bad ids, bad counts and peers without the right") {
  Env env;
  auto call = [&](v1::UserInternalService::Stub& stub, const std::vector<std::string>& ids) {
    v1::GetUserContactsRequest req;
    for (const std::string& id : ids) req.add_user_ids(id);
    v1::GetUserContactsResponse res;
    auto ctx = Ctx();
    grpc::Status st = stub.GetUserContacts(ctx.get(), req, &res);
    return std::make_pair(st.error_code(), ReasonOf(*ctx));
  };
  using Result = std::pair<grpc::StatusCode, std::string>;
  CHECK(call(*env.internal, {}) == Result{grpc::INVALID_ARGUMENT, "USER_IDS_COUNT_INVALID"});
  CHECK(call(*env.internal, std::vector<std::string>(101, kLowestId)) ==
        Result{grpc::INVALID_ARGUMENT, "USER_IDS_COUNT_INVALID"});
  CHECK(call(*env.internal, std::vector<std::string>(100, kLowestId)).first == grpc::OK);
  CHECK(call(*env.internal, {kLowestId, "usr_x'; DROP TABLE users; --"}) ==
        Result{grpc::INVALID_ARGUMENT, "USER_ID_INVALID"});
  CHECK(call(*env.internal, {"prd_00000000000000000000000000"}) ==
        Result{grpc::INVALID_ARGUMENT, "USER_ID_INVALID"});

  auto channel = shopcast::clients::MakeInternalChannel(
      "user", "127.0.0.1:" + std::to_string(env.f.internal_grpc_port()),
      env.pki.Of("video-ingest"));
  REQUIRE(channel.ok());
  auto other = v1::UserInternalService::NewStub(*channel);
  CHECK(call(*other, {kLowestId}) == Result{grpc::PERMISSION_DENIED, "PEER_NOT_ALLOWED"});
}
