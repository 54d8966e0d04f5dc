// The outbid bidder's notice (auctions/outbid_notice.h): what it says and where it leads.

#include "auctions/outbid_notice.h"

#include <catch2/catch.hpp>

namespace shopcast::product_inventory::auctions {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

TEST_CASE("outbid notice: names the lot, the price now and the end, and links to the show") {
  OutbidNotice outbid;
  outbid.lot.auction_id = "auc_1";
  outbid.lot.product_id = "prd_1";
  outbid.lot.product_title = "Signed jersey";
  outbid.lot.stream_id = "str_1";
  outbid.price.set_amount_minor(1250);
  outbid.price.set_currency("USD");
  outbid.ends_at = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 4, 30, 5), absl::UTCTimeZone());
  rp::Notification n = OutbidNotification(outbid);
  CHECK(n.kind() == rp::NOTIFICATION_KIND_OUTBID);
  CHECK(n.title() == "Outbid: Signed jersey");
  CHECK(n.body() ==
        "Someone else leads on \"Signed jersey\" at 12.50 USD. The auction ends at 2026-12-07 "
        "04:30:05 UTC: bid again to win it.");
  CHECK(n.auction_id() == "auc_1");
  CHECK(n.product_id() == "prd_1");
  CHECK(n.stream_id() == "str_1");
  CHECK(n.link() == "/live/str_1");

  // No stream; a title too long to prefix (120 characters, multi-byte); dinars have three
  // decimals.
  outbid.lot.stream_id.clear();
  std::string long_title;
  for (int i = 0; i < 120; ++i) long_title += "\xc3\xa9";  // é
  outbid.lot.product_title = long_title;
  outbid.price.set_amount_minor(1250);
  outbid.price.set_currency("KWD");
  n = OutbidNotification(outbid);
  CHECK(n.title() == "You were outbid");
  CHECK(n.body().rfind("Someone else leads on \"" + long_title + "\" at 1.250 KWD.", 0) == 0);
  CHECK(n.stream_id().empty());
  CHECK(n.link() == "/products/prd_1");
}

}  // namespace
}  // namespace shopcast::product_inventory::auctions
