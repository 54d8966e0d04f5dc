// Chat's pure rules: message text, ids, the token bucket and the history request.
#include <catch2/catch.hpp>

#include "chat/chat_rpcs.h"
#include "chat/rate_limit.h"
#include "chat/text_rules.h"
#include "shopcast/status/status.h"

namespace chat = shopcast::realtime_push::chat;
namespace pb = shopcast::realtime_push::v1;

namespace {

std::string ReasonOfText(const std::string& text) {
  auto r = chat::NormalizeChatText(text);
  return r.ok() ? "OK" : shopcast::ReasonOf(r.status());
}

}  // namespace

TEST_CASE("chat text is trimmed, and refused when empty, too long or not plain text") {
  CHECK(*chat::NormalizeChatText("  hi there \n") == "hi there");
  CHECK(*chat::NormalizeChatText("line one\nline two") == "line one\nline two");
  CHECK(*chat::NormalizeChatText("\u00e9\u00e8 \U0001F600") == "\u00e9\u00e8 \U0001F600");
  std::string max;
  for (int i = 0; i < 500; ++i) max += "\u4e2d";
  CHECK(chat::NormalizeChatText(max).ok());
  CHECK(ReasonOfText(max + "\u4e2d") == "MESSAGE_TOO_LONG");
  // Surrounding whitespace does not count.
  CHECK(chat::NormalizeChatText("   " + std::string(500, 'a') + "\n\n").ok());
  CHECK(ReasonOfText("") == "MESSAGE_EMPTY");
  CHECK(ReasonOfText(" \t\r\n ") == "MESSAGE_EMPTY");
  CHECK(ReasonOfText("\u200b\u2060") == "MESSAGE_EMPTY");
  CHECK(ReasonOfText("a\tb") == "MESSAGE_INVALID");
  CHECK(ReasonOfText("a\r\nb") == "MESSAGE_INVALID");
  CHECK(ReasonOfText(std::string("a\0b", 3)) == "MESSAGE_INVALID");
  CHECK(ReasonOfText("a\x1b[31m") == "MESSAGE_INVALID");
  CHECK(ReasonOfText("abc\u202e") == "MESSAGE_INVALID");
  CHECK(ReasonOfText("\xed\xa0\x80") == "MESSAGE_INVALID");  // a surrogate
  CHECK(ReasonOfText("\xe4\xb8") == "MESSAGE_INVALID");      // truncated
  CHECK(ReasonOfText(std::string(5000, 'a')) == "MESSAGE_TOO_LONG");
}

TEST_CASE(
    "client message ids and user ids are 1..64 printable ASCII, and message ids are msg_ ids") {
  CHECK(chat::ValidateClientMessageId("a").ok());
  CHECK(chat::ValidateClientMessageId(std::string(64, '~')).ok());
  CHECK_FALSE(chat::ValidateClientMessageId("").ok());
  CHECK_FALSE(chat::ValidateClientMessageId(std::string(65, 'a')).ok());
  CHECK_FALSE(chat::ValidateClientMessageId("a\nb").ok());
  CHECK_FALSE(chat::ValidateClientMessageId("\u00e9").ok());
  CHECK(chat::ValidateUserId("usr_x").ok());
  CHECK(shopcast::ReasonOf(chat::ValidateUserId("")) == "USER_ID_INVALID");
  CHECK(shopcast::ReasonOf(chat::ValidateMessageId("msg_1")) == "MESSAGE_ID_INVALID");
}

TEST_CASE("the token bucket gives a burst, then one token per interval") {
  const chat::RateLimit limit{3, absl::Seconds(1)};
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  std::optional<chat::Bucket> b;
  for (int i = 0; i < 3; ++i) {
    chat::TakeResult r = chat::TakeToken(limit, b, t0);
    REQUIRE(r.allowed);
    b = r.after;
  }
  chat::TakeResult refused = chat::TakeToken(limit, b, t0 + absl::Milliseconds(250));
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after == absl::Milliseconds(750));
  CHECK(chat::TakeToken(limit, b, t0 + absl::Seconds(1)).allowed);
  // Idle for long: back to the burst, never above it.
  b = chat::TakeToken(limit, b, t0 + absl::Hours(1)).after;
  CHECK(b->tokens == 2.0);
  // Another replica's clock a little behind: nothing earned, nothing lost, time kept.
  chat::TakeResult behind = chat::TakeToken(limit, b, t0 + absl::Hours(1) - absl::Seconds(5));
  CHECK(behind.allowed);
  CHECK(behind.after.updated_at == t0 + absl::Hours(1));
  CHECK(behind.after.tokens == 1.0);
}

TEST_CASE("a history request's page size, sequence and token") {
  pb::ListChatMessagesRequest req;
  auto w = chat::ParseListRequest(req);
  REQUIRE(w.ok());
  CHECK(w->page_size == 20);
  CHECK(w->before_seq == std::numeric_limits<int64_t>::max());
  req.set_before_sequence(10);
  req.mutable_page()->set_page_size(100);
  CHECK(chat::ParseListRequest(req)->before_seq == 10);
  CHECK(chat::ParseListRequest(req)->page_size == 100);
  req.mutable_page()->set_page_token("b7");
  CHECK(chat::ParseListRequest(req)->before_seq == 7);
  for (const char* bad : {"7", "b", "b-1", "b0", "bx", "b99999999999999999999999"}) {
    req.mutable_page()->set_page_token(bad);
    CHECK(shopcast::ReasonOf(chat::ParseListRequest(req).status()) == "PAGE_TOKEN_INVALID");
  }
  req.mutable_page()->clear_page_token();
  req.mutable_page()->set_page_size(101);
  CHECK(shopcast::ReasonOf(chat::ParseListRequest(req).status()) == "PAGE_SIZE_INVALID");
}
