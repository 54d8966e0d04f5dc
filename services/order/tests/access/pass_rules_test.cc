// Access passes: which requests are well formed, and who may buy a pass to which stream at
// what price. Pure rules.

#include "access/pass_rules.h"

#include <catch2/catch.hpp>

#include "checkout/validation.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::access {
namespace {

namespace vi = ::shopcast::video_ingest::v1;
using checkout::Violation;

v1::PlaceOrderRequest GoodPass() {
  v1::PlaceOrderRequest r;
  r.set_access_stream_id(ids::NewId("str"));
  r.set_idempotency_key("pass-1");
  r.mutable_payment_method()->mutable_placeholder()->set_token("pm_test_approve");
  return r;
}

std::vector<std::string> Reasons(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) out.push_back(x.field + ":" + x.reason);
  return out;
}

vi::StreamRef Gated(common::v1::StreamStatus status = common::v1::STREAM_STATUS_LIVE) {
  vi::StreamRef s;
  s.set_stream_id("str_1");
  s.set_host_id("usr_host");
  s.set_status(status);
  s.set_gated(true);
  s.mutable_access_price()->set_amount_minor(499);
  s.mutable_access_price()->set_currency("EUR");
  return s;
}

TEST_CASE("a pass request needs no address, and refuses one", "[validation]") {
  CHECK(checkout::ValidatePassOrder(GoodPass()).empty());
  // An empty address message (a client's "{}") is no address.
  v1::PlaceOrderRequest empty_address = GoodPass();
  empty_address.mutable_shipping_address();
  CHECK(checkout::ValidatePassOrder(empty_address).empty());
  v1::PlaceOrderRequest with_address = GoodPass();
  with_address.mutable_shipping_address()->set_city("Paris");
  CHECK(Reasons(checkout::ValidatePassOrder(with_address)) ==
        std::vector<std::string>{"shipping_address:SHIPPING_ADDRESS_NOT_ALLOWED"});
}

TEST_CASE("every bad part of a pass request is named", "[validation]") {
  v1::PlaceOrderRequest r = GoodPass();
  r.set_access_stream_id("res_0123456789ABCDEFGHJKMNPQRS");
  r.set_idempotency_key(std::string(65, 'k'));
  r.mutable_payment_method()->mutable_placeholder()->set_token("pm_live_card");
  CHECK(Reasons(checkout::ValidatePassOrder(r)) ==
        std::vector<std::string>{"access_stream_id:ID_INVALID",
                                 "idempotency_key:IDEMPOTENCY_KEY_INVALID",
                                 "payment_method.placeholder.token:PAYMENT_METHOD_INVALID"});
  v1::PlaceOrderRequest none;
  none.set_access_stream_id("");
  CHECK(Reasons(checkout::ValidatePassOrder(none)) ==
        std::vector<std::string>{"access_stream_id:ITEM_REQUIRED",
                                 "idempotency_key:IDEMPOTENCY_KEY_REQUIRED",
                                 "payment_method:PAYMENT_METHOD_REQUIRED"});
  absl::Status s = checkout::ToStatus(checkout::ValidatePassOrder(none));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "ITEM_REQUIRED");
}

TEST_CASE("a viewer's pass costs the stream's access price, paid to its host", "[pass]") {
  for (auto status : {common::v1::STREAM_STATUS_PREPARING, common::v1::STREAM_STATUS_LIVE,
                      common::v1::STREAM_STATUS_RECONNECTING}) {
    auto quote = QuotePass(Gated(status), "usr_viewer", auth::Role::kViewer);
    REQUIRE(quote.ok());
    CHECK(quote->stream_id == "str_1");
    CHECK(quote->seller_id == "usr_host");
    CHECK(quote->price.amount_minor() == 499);
    CHECK(quote->price.currency() == "EUR");
  }
  // Another host may buy a pass like any viewer.
  CHECK(QuotePass(Gated(), "usr_other_host", auth::Role::kHost).ok());
}

TEST_CASE("after the show a pass is sold for its replay, only while one is kept", "[pass]") {
  for (auto status : {common::v1::STREAM_STATUS_ENDED, common::v1::STREAM_STATUS_ERROR}) {
    CHECK(StreamOver(Gated(status)));
    auto quote = QuotePass(Gated(status), "usr_viewer", auth::Role::kViewer, true);
    REQUIRE(quote.ok());
    CHECK(quote->price.amount_minor() == 499);
    CHECK(quote->seller_id == "usr_host");
    CHECK(ReasonOf(QuotePass(Gated(status), "usr_viewer", auth::Role::kViewer, false).status()) ==
          "STREAM_ENDED");
  }
  for (auto status : {common::v1::STREAM_STATUS_PREPARING, common::v1::STREAM_STATUS_LIVE,
                      common::v1::STREAM_STATUS_RECONNECTING}) {
    CHECK_FALSE(StreamOver(Gated(status)));
  }
  CHECK(ReasonOf(
            QuotePass(Gated(common::v1::STREAM_STATUS_ENDED), "usr_host", auth::Role::kHost, true)
                .status()) == "OWN_STREAM");
}

TEST_CASE("no pass is sold where there is nothing to buy", "[pass]") {
  auto reason = [](const vi::StreamRef& s, const std::string& buyer, auth::Role role) {
    auto quote = QuotePass(s, buyer, role);
    REQUIRE(!quote.ok());
    CHECK(quote.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(FieldOf(quote.status()) == "access_stream_id");
    return ReasonOf(quote.status());
  };
  vi::StreamRef open = Gated();
  open.set_gated(false);
  CHECK(reason(open, "usr_viewer", auth::Role::kViewer) == "STREAM_NOT_GATED");
  CHECK(reason(Gated(), "usr_host", auth::Role::kHost) == "OWN_STREAM");
  CHECK(reason(Gated(), "usr_admin", auth::Role::kAdmin) == "ALREADY_ENTITLED");
  CHECK(reason(Gated(common::v1::STREAM_STATUS_ENDED), "usr_viewer", auth::Role::kViewer) ==
        "STREAM_ENDED");
  CHECK(reason(Gated(common::v1::STREAM_STATUS_ERROR), "usr_viewer", auth::Role::kViewer) ==
        "STREAM_ENDED");
  vi::StreamRef free = Gated();
  free.mutable_access_price()->set_amount_minor(0);
  // A replay kept does not make a pass out of nothing: the rules before it still hold.
  vi::StreamRef ended_open = Gated(common::v1::STREAM_STATUS_ENDED);
  ended_open.set_gated(false);
  CHECK(ReasonOf(QuotePass(ended_open, "usr_viewer", auth::Role::kViewer, true).status()) ==
        "STREAM_NOT_GATED");
  CHECK(reason(free, "usr_viewer", auth::Role::kViewer) == "ACCESS_PRICE_UNAVAILABLE");
  vi::StreamRef no_currency = Gated();
  no_currency.mutable_access_price()->set_currency("eur");
  CHECK(reason(no_currency, "usr_viewer", auth::Role::kViewer) == "ACCESS_PRICE_UNAVAILABLE");
}

}  // namespace
}  // namespace shopcast::order::access
