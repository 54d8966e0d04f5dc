// The auction winner's notice (auctions/won_notice.h): what it says and where it leads.

#include "auctions/won_notice.h"

#include <catch2/catch.hpp>

namespace shopcast::product_inventory::auctions {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

TEST_CASE("won notice: names the lot, the price and the hold's deadline, and links to the show") {
  WonNotice won;
  won.lot.auction_id = "auc_1";
  won.lot.product_id = "prd_1";
  won.lot.product_title = "Signed jersey";
  won.lot.stream_id = "str_1";
  won.price.set_amount_minor(1150);
  won.price.set_currency("USD");
  won.hold_until = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 4, 30, 5), absl::UTCTimeZone());
  rp::Notification n = WonNotification(won);
  CHECK(n.kind() == rp::NOTIFICATION_KIND_AUCTION_WON);
  CHECK(n.title() == "You won: Signed jersey");
  CHECK(n.body() ==
        "\"Signed jersey\" is yours for 11.50 USD. It is held for you until 2026-12-07 04:30:05 "
        "UTC: check out before then, or the hold lapses.");
  CHECK(n.auction_id() == "auc_1");
  CHECK(n.product_id() == "prd_1");
  CHECK(n.stream_id() == "str_1");
  CHECK(n.link() == "/live/str_1");

  // No stream; a title too long to prefix (120 characters, multi-byte); yen have no decimals.
  won.lot.stream_id.clear();
  std::string long_title;
  for (int i = 0; i < 120; ++i) long_title += "\xc3\xa9";  // é
  won.lot.product_title = long_title;
  won.price.set_amount_minor(1500);
  won.price.set_currency("JPY");
  n = WonNotification(won);
  CHECK(n.title() == "You won an auction");
  CHECK(n.body().rfind("\"" + long_title + "\" is yours for 1500 JPY.", 0) == 0);
  CHECK(n.stream_id().empty());
  CHECK(n.link() == "/products/prd_1");
}

}  // namespace
}  // namespace shopcast::product_inventory::auctions
