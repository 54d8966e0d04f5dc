#pragma once

// Helpers for the auctions' pg tests: a host's live stream with auction products (the
// catalogue's own RPCs make them), the auction RPCs with their status, and what the database
// holds (a fingerprint for "nothing changed", the room events in the outbox).

#include <chrono>
#include <string>
#include <vector>

#include "../catalog/catalog_client.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::testing {

using Stub = pb::ProductInventoryService::Stub;

// The metadata value `key` of a failed call's ErrorInfo, or "".
inline std::string MetadataOf(const grpc::Status& s, const std::string& key) {
  common::v1::ErrorInfo info;
  if (!DetailOf(s, &info)) return "";
  auto it = info.metadata().find(key);
  return it == info.metadata().end() ? "" : it->second;
}

// The catalogue's cast plus a live stream of usr_host and an Apparel type and profile.
class Auctions : public Catalog {
 public:
  Auctions(AppFixture& f, Replica& r)
      : Catalog(f, r), f_(f), type_(CreateApparelType()), profile_(CreateProfile(host())) {
    stream_ = f.AddStream("usr_host");
  }

  const std::string& stream() const { return stream_; }

  // An auction product of usr_host in the stream: start 10.00, no reserve, buy-now 50.00,
  // anti-sniping as the contract's defaults; `edit` changes the settings.
  pb::Product Product(const std::function<void(pb::AuctionSettings&)>& edit = nullptr) {
    pb::CreateProductRequest req = Catalog::Auction(type_, profile_, "p" + std::to_string(++n_));
    req.mutable_product()->set_stream_id(stream_);
    req.mutable_product()->mutable_auction_settings()->clear_reserve_price();
    if (edit) edit(*req.mutable_product()->mutable_auction_settings());
    auto r = Create(host(), req);
    if (!r.status.ok()) throw std::runtime_error("product: " + r.status.error_message());
    return r.response.product();
  }

  Result<pb::StartAuctionResponse> TryStart(const std::string& token, const std::string& product,
                                            int duration_s = 0, const std::string& key = "") {
    pb::StartAuctionRequest req;
    req.set_product_id(product);
    if (duration_s > 0) req.mutable_duration()->set_seconds(duration_s);
    req.set_idempotency_key(key.empty() ? "s" + std::to_string(++n_) : key);
    return Call(&Stub::StartAuction, token, req);
  }

  pb::Auction Start(const std::string& product, int duration_s = 0) {
    auto r = TryStart(host(), product, duration_s);
    if (!r.status.ok()) throw std::runtime_error("start: " + r.status.error_message());
    return r.response.auction();
  }

  Result<pb::PlaceBidResponse> Bid(const std::string& token, const std::string& auction,
                                   int64_t minor, const std::string& key = "",
                                   const std::string& currency = "USD") {
    pb::PlaceBidRequest req;
    req.set_auction_id(auction);
    *req.mutable_amount() = Money(minor, currency);
    req.set_idempotency_key(key.empty() ? "b" + std::to_string(++n_) : key);
    return Call(&Stub::PlaceBid, token, req);
  }

  Result<pb::BuyNowResponse> BuyNow(const std::string& token, const std::string& auction,
                                    int64_t expected_minor) {
    pb::BuyNowRequest req;
    req.set_auction_id(auction);
    *req.mutable_expected_price() = Money(expected_minor);
    req.set_idempotency_key("n" + std::to_string(++n_));
    return Call(&Stub::BuyNow, token, req);
  }

  Result<pb::CloseAuctionResponse> Close(const std::string& token, const std::string& auction,
                                         bool cancel) {
    pb::CloseAuctionRequest req;
    req.set_auction_id(auction);
    req.set_cancel(cancel);
    return Call(&Stub::CloseAuction, token, req);
  }

  pb::Auction Get(const std::string& auction, const std::string& token = "") {
    pb::GetAuctionRequest req;
    req.set_auction_id(auction);
    auto r = Call(&Stub::GetAuction, token, req);
    if (!r.status.ok()) throw std::runtime_error("get: " + r.status.error_message());
    return r.response.auction();
  }

  // Every visible bid, highest first, read page by page.
  std::vector<pb::Bid> AllBids(const std::string& auction, int page_size = 7) {
    std::vector<pb::Bid> out;
    pb::ListBidsRequest req;
    req.set_auction_id(auction);
    req.mutable_page()->set_page_size(page_size);
    for (;;) {
      auto r = Call(&Stub::ListBids, "", req);
      if (!r.status.ok()) throw std::runtime_error("bids: " + r.status.error_message());
      for (const auto& b : r.response.bids()) out.push_back(b);
      if (r.response.page().next_page_token().empty()) return out;
      req.mutable_page()->set_page_token(r.response.page().next_page_token());
    }
  }

  // What the auctions' tables and the outbox hold, as one comparable string.
  std::string Fingerprint() const {
    return std::to_string(f_.Count("SELECT count(*) FROM auctions")) + "/" +
           std::to_string(f_.Count("SELECT coalesce(sum(version), 0) FROM auctions")) + "/" +
           std::to_string(f_.Count("SELECT count(*) FROM auction_bids")) + "/" +
           std::to_string(f_.Count("SELECT count(*) FROM auction_requests")) + "/" +
           std::to_string(f_.Count("SELECT count(*) FROM outbox"));
  }

 private:
  AppFixture& f_;
  pb::ProductType type_;
  pb::ShippingProfile profile_;
  std::string stream_;
  int n_ = 0;
};

// The room events the outbox holds for `stream`, in commit order.
std::vector<realtime_push::v1::RoomEvent> RoomEvents(const AppFixture& f,
                                                     const std::string& stream);
// Their payload kinds ("auction_started", ...), in order.
std::vector<std::string> RoomEventTypes(const AppFixture& f, const std::string& stream);

}  // namespace shopcast::product_inventory::testing
