// The lottery winner's notice (lottery/won_notice.h): what it says and where it leads.

#include "lottery/won_notice.h"

#include <catch2/catch.hpp>

namespace shopcast::product_inventory::lottery {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

TEST_CASE("lottery won notice: names the product, the price and the hold's deadline") {
  LotteryWonNotice won;
  won.product_id = "prd_1";
  won.product_title = "Limited sneakers";
  won.stream_id = "str_1";
  won.price.set_amount_minor(12000);
  won.price.set_currency("USD");
  won.hold_until = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 4, 30, 5), absl::UTCTimeZone());
  rp::Notification n = LotteryWonNotification(won);
  CHECK(n.kind() == rp::NOTIFICATION_KIND_LOTTERY_WON);
  CHECK(n.title() == "You won: Limited sneakers");
  CHECK(n.body() ==
        "You were drawn in the lottery for \"Limited sneakers\": it is yours for 120.00 USD. It is "
        "held for you until 2026-12-07 04:30:05 UTC: check out before then, or the hold lapses.");
  CHECK(n.product_id() == "prd_1");
  CHECK(n.stream_id() == "str_1");
  CHECK(n.link() == "/live/str_1");

  won.stream_id.clear();
  won.product_title = std::string(120, 'x');
  n = LotteryWonNotification(won);
  CHECK(n.title() == "You won a lottery");
  CHECK(n.link() == "/products/prd_1");
}

}  // namespace
}  // namespace shopcast::product_inventory::lottery
