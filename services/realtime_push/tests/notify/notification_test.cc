// The Notify contract's field rules, the go-live content and the e-mail text.
#include "notify/notification.h"

#include <catch2/catch.hpp>
#include <string>

#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

pb::NotifyRequest Valid() {
  pb::NotifyRequest r;
  r.add_user_ids(ids::NewId("usr"));
  r.set_dedupe_key("order:ord_1:shipped");
  r.mutable_notification()->set_kind(pb::NOTIFICATION_KIND_ORDER_UPDATE);
  r.mutable_notification()->set_title("Your order shipped");
  r.mutable_notification()->set_body("It arrives Friday.");
  r.mutable_notification()->set_link("/orders/ord_1");
  return r;
}

}  // namespace

TEST_CASE("Notify validation: each field's rule, with its reason") {
  REQUIRE(ValidateNotify(Valid()).ok());
  struct Case {
    const char* name;
    void (*edit)(pb::NotifyRequest&);
    const char* reason;
  };
  const Case cases[] = {
      {"no recipients", [](pb::NotifyRequest& r) { r.clear_user_ids(); }, "RECIPIENTS_MISSING"},
      {"1001 recipients",
       [](pb::NotifyRequest& r) {
         for (int i = 0; i < 1000; ++i) r.add_user_ids(ids::NewId("usr"));
       },
       "TOO_MANY_RECIPIENTS"},
      {"bad user id", [](pb::NotifyRequest& r) { r.add_user_ids("bob"); }, "USER_ID_INVALID"},
      {"no dedupe key", [](pb::NotifyRequest& r) { r.clear_dedupe_key(); }, "DEDUPE_KEY_INVALID"},
      {"long dedupe key", [](pb::NotifyRequest& r) { r.set_dedupe_key(std::string(129, 'k')); },
       "DEDUPE_KEY_INVALID"},
      {"no kind", [](pb::NotifyRequest& r) { r.mutable_notification()->clear_kind(); },
       "KIND_MISSING"},
      {"unknown kind",
       [](pb::NotifyRequest& r) {
         r.mutable_notification()->set_kind(static_cast<pb::NotificationKind>(99));
       },
       "KIND_INVALID"},
      {"empty title", [](pb::NotifyRequest& r) { r.mutable_notification()->clear_title(); },
       "TITLE_EMPTY"},
      {"121-character title",
       [](pb::NotifyRequest& r) { r.mutable_notification()->set_title(std::string(121, 't')); },
       "TITLE_TOO_LONG"},
      {"control character in title",
       [](pb::NotifyRequest& r) { r.mutable_notification()->set_title("a\x07"); }, "TEXT_INVALID"},
      {"501-character body",
       [](pb::NotifyRequest& r) { r.mutable_notification()->set_body(std::string(501, 'b')); },
       "BODY_TOO_LONG"},
      {"bad UTF-8 body", [](pb::NotifyRequest& r) { r.mutable_notification()->set_body("\xff"); },
       "TEXT_INVALID"},
      {"513-byte link",
       [](pb::NotifyRequest& r) {
         r.mutable_notification()->set_link("/" + std::string(512, 'l'));
       },
       "LINK_TOO_LONG"},
      {"absolute link",
       [](pb::NotifyRequest& r) { r.mutable_notification()->set_link("https://evil.test/"); },
       "LINK_INVALID"},
      {"bad related id",
       [](pb::NotifyRequest& r) { r.mutable_notification()->set_order_id("ord 1"); },
       "RELATED_ID_INVALID"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    pb::NotifyRequest r = Valid();
    c.edit(r);
    absl::Status s = ValidateNotify(r);
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    REQUIRE(ReasonOf(s) == c.reason);
  }
  SECTION("the edges are allowed") {
    pb::NotifyRequest r = Valid();
    r.mutable_notification()->set_title(std::string(120, 't'));
    r.mutable_notification()->set_body(std::string(500, 'b'));
    r.mutable_notification()->set_link("/" + std::string(511, 'l'));
    for (int i = 1; i < 1000; ++i) r.add_user_ids(ids::NewId("usr"));
    REQUIRE(ValidateNotify(r).ok());
    r.mutable_notification()->set_title("€" + std::string(119, 't'));  // characters, not bytes
    REQUIRE(ValidateNotify(r).ok());
  }
}

TEST_CASE("recipients named twice get one entry") {
  pb::NotifyRequest r = Valid();
  r.add_user_ids(r.user_ids(0));
  REQUIRE(Recipients(r).size() == 1);
}

TEST_CASE("go-live content: kind, link and a title cut to 120 characters") {
  Content c = GoLiveContent("str_1", std::string(200, 'x'));
  REQUIRE(c.kind == pb::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE);
  REQUIRE(c.link == "/live/str_1");
  REQUIRE(c.stream_id == "str_1");
  REQUIRE(c.title.size() == 120);
  REQUIRE(GoLiveContent("str_1", "").title == "A host you follow is live");
  const Content utf8 = GoLiveContent(
      "str_1", std::string(60, 'x') + std::string(40, 'e') + std::string(30, '\xe2'));  // broken
  REQUIRE(utf8.title == "A host you follow is live");
  REQUIRE(GoLiveDedupeKey("str_1") == "live:str_1");
}

TEST_CASE("e-mail text: greeting, title, body and link") {
  EmailText t = RenderEmail(GoLiveContent("str_1", "Spring sale"), "Ada");
  REQUIRE(t.subject == "Live now: Spring sale");
  REQUIRE(t.body.find("Hi Ada,") == 0);
  REQUIRE(t.body.find("\nOpen in Shopcast: /live/str_1\n") != std::string::npos);
  // with the web app's address the link is one a mail reader opens
  t = RenderEmail(GoLiveContent("str_1", "Spring sale"), "Ada", "https://shop.example");
  REQUIRE(t.body.find("\nOpen in Shopcast: https://shop.example/live/str_1\n") !=
          std::string::npos);
  Content none = GoLiveContent("str_1", "Spring sale");
  none.link.clear();
  REQUIRE(RenderEmail(none, "", "https://shop.example").body.find("Open in") == std::string::npos);
}

TEST_CASE("the web app's address for e-mail links") {
  for (const char* ok : {"", "https://shop.example", "http://127.0.0.1:8080",
                         "https://example.com/shopcast", "http://[::1]:8080"}) {
    INFO(ok);
    CHECK(IsWebBaseUrl(ok));
  }
  for (const char* bad :
       {"shop.example", "https://", "https://shop.example/", "ftp://shop.example",
        "https://shop example", "https://shop.example?x=1", "https://shop.example#top",
        "javascript:alert(1)", "https:///path", "https://a\"b", "https://a<b>",
        "https://shop.example\n", "https://\xc3\xa9.example"}) {
    INFO(bad);
    CHECK_FALSE(IsWebBaseUrl(bad));
  }
  CHECK_FALSE(IsWebBaseUrl("https://" + std::string(200, 'a')));
}

}  // namespace shopcast::realtime_push::notify
