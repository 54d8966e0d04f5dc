#pragma once

// The lot a personal auction notice (won_notice.h, outbid_notice.h) is about, and what every
// such notice carries of it. Pure.

#include <string>

#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::auctions {

struct NoticeLot {
  std::string auction_id;
  std::string product_id;
  std::string product_title;  // 1..120 characters (the catalogue's rule)
  std::string stream_id;      // "" for a product in no stream
};

// Sets `n`'s auction_id, product_id and stream_id, and its link: "/live/<stream>", where the
// app shows the auction (or "/products/<product>" for a product in no stream).
void AboutLot(const NoticeLot& lot, realtime_push::v1::Notification* n);

}  // namespace shopcast::product_inventory::auctions
