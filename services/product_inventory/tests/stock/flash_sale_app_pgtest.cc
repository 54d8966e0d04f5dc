// Flash sales through the whole App (ScheduleFlashSale / EndFlashSale, Reserve at the deal,
// the room's stock event carrying the sale), and UpdateProduct's sale rules reaching the stock.

#include <pqxx/pqxx>
#include <string>

#include "catch2/catch.hpp"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/testing/wait.h"
#include "stock_client.h"

namespace shopcast::product_inventory::testing {
namespace {

pb::ScheduleFlashSaleRequest SaleOn(const std::string& product, int64_t deal, int64_t cap,
                                    int countdown_s, int duration_s) {
  pb::ScheduleFlashSaleRequest req;
  req.set_product_id(product);
  *req.mutable_sale()->mutable_deal_price() = Money(deal);
  req.mutable_sale()->set_stock_cap(cap);
  req.mutable_sale()->set_per_user_cap(1);
  req.mutable_countdown()->set_seconds(countdown_s);
  req.mutable_duration()->set_seconds(duration_s);
  return req;
}

// The newest stock room event of `product` in the outbox (empty if none).
realtime_push::v1::StockChanged LastStockEvent(AppFixture& f, const std::string& product) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  for (const auto& row : tx.exec("SELECT payload FROM outbox WHERE type LIKE "
                                 "'product_inventory.stock_%' ORDER BY id DESC")) {
    common::v1::Event e;
    const pqxx::binarystring bytes(row[0]);
    realtime_push::v1::RoomEvent room;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        e.payload().UnpackTo(&room) && room.stock_changed().product_id() == product) {
      return room.stock_changed();
    }
  }
  return {};
}

TEST_CASE("flash sale app: a countdown, the deal for one unit each, the room told, then ended") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  const std::string stream = f.AddStream("usr_host");
  pb::Product p = w.Product(10, "p1", [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  });
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");

  // Scheduled an hour out: the product shows it and nothing can be bought yet.
  auto later = CallOn(w.stub(), &Stub::ScheduleFlashSale, w.catalog().host(),
                      SaleOn(p.id(), 2500, 3, 3600, 60));
  REQUIRE(later.status.ok());
  REQUIRE(later.response.stock().has_flash_sale());
  const pb::FlashSale& sale = later.response.stock().flash_sale();
  CHECK(sale.status() == pb::FLASH_SALE_STATUS_SCHEDULED);
  CHECK(sale.closes_at().seconds() - sale.opens_at().seconds() == 60);
  auto early = w.Reserve(buyer, p.id(), 1, "k0");
  CHECK(early.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(early.status) == "SALE_NOT_OPEN");
  // The room hears of the sale with its countdown.
  REQUIRE(shopcast::testing::WaitUntil([&] { return LastStockEvent(f, p.id()).has_flash_sale(); },
                                       absl::Seconds(30)));
  CHECK(LastStockEvent(f, p.id()).flash_sale().deal_price().amount_minor() == 2500);
  CHECK(LastStockEvent(f, p.id()).flash_sale().opens_at().seconds() == sale.opens_at().seconds());
  // So does video-ingest, for the live playlist's timed metadata (nothing taken yet).
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type LIKE 'product_inventory.stock_%' AND "
                "destination = 'video_ingest'") >= 1);

  // Replaced by one that opens now: the deal price, one each.
  auto now_on = CallOn(w.stub(), &Stub::ScheduleFlashSale, w.catalog().host(),
                       SaleOn(p.id(), 2500, 3, 0, 600));
  REQUIRE(now_on.status.ok());
  CHECK(now_on.response.stock().flash_sale().status() == pb::FLASH_SALE_STATUS_LIVE);
  auto deal = w.Reserve(buyer, p.id(), 1, "k1");
  REQUIRE(deal.status.ok());
  CHECK(deal.response.reservation().unit_price().amount_minor() == 2500);
  CHECK(ReasonOf(w.Reserve(buyer, p.id(), 1, "k2").status) == "PURCHASE_LIMIT_REACHED");
  // A running sale cannot be replaced, and the price cannot move under it.
  CHECK(ReasonOf(CallOn(w.stub(), &Stub::ScheduleFlashSale, w.catalog().host(),
                        SaleOn(p.id(), 2000, 3, 0, 600))
                     .status) == "FLASH_SALE_LIVE");
  pb::GetProductRequest get;
  get.set_product_id(p.id());
  auto product = w.catalog().Call(&Stub::GetProduct, w.catalog().host(), get);
  REQUIRE(product.status.ok());
  CHECK(product.response.product().stock().flash_sale().taken() == 1);
  pb::UpdateProductRequest cheaper;
  *cheaper.mutable_product() = product.response.product();
  *cheaper.mutable_product()->mutable_price() = Money(2000);
  cheaper.mutable_update_mask()->add_paths("price");
  auto conflict = w.catalog().Call(&Stub::UpdateProduct, w.catalog().host(), cheaper);
  CHECK(conflict.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(conflict.status) == "FLASH_SALE_CONFLICT");

  // Ended: the regular price again, and the room's card loses the sale.
  pb::EndFlashSaleRequest end;
  end.set_product_id(p.id());
  auto ended = CallOn(w.stub(), &Stub::EndFlashSale, w.catalog().host(), end);
  REQUIRE(ended.status.ok());
  CHECK_FALSE(ended.response.stock().has_flash_sale());
  auto regular = w.Reserve(buyer, p.id(), 1, "k3");
  REQUIRE(regular.status.ok());
  CHECK(regular.response.reservation().unit_price().amount_minor() == 4500);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        const realtime_push::v1::StockChanged s = LastStockEvent(f, p.id());
        return !s.has_flash_sale() && s.held() == 2;
      },
      absl::Seconds(30)));
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("flash sale app: bad sales and strangers are refused and change nothing") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  pb::Product p = w.Product(10, "p1");
  const pb::Stock before = w.StockOf(p.id());
  struct Case {
    const char* name;
    std::string token;
    pb::ScheduleFlashSaleRequest request;
    grpc::StatusCode code;
    const char* reason;
  };
  auto sale = [&](const std::function<void(pb::ScheduleFlashSaleRequest&)>& edit) {
    pb::ScheduleFlashSaleRequest r = SaleOn(p.id(), 2500, 3, 0, 60);
    edit(r);
    return r;
  };
  const std::string host = w.catalog().host();
  std::vector<Case> cases = {
      {"deal at the regular price", host,
       sale([](auto& r) { r.mutable_sale()->mutable_deal_price()->set_amount_minor(4500); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"zero deal", host,
       sale([](auto& r) { r.mutable_sale()->mutable_deal_price()->set_amount_minor(0); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"another currency", host,
       sale([](auto& r) { *r.mutable_sale()->mutable_deal_price() = Money(2500, "EUR"); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"cap above the stock", host, sale([](auto& r) { r.mutable_sale()->set_stock_cap(11); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"no cap", host, sale([](auto& r) { r.mutable_sale()->set_stock_cap(0); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"negative per-user cap", host, sale([](auto& r) { r.mutable_sale()->set_per_user_cap(-1); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"too short", host, sale([](auto& r) { r.mutable_duration()->set_seconds(5); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"too long", host, sale([](auto& r) { r.mutable_duration()->set_seconds(90000); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"countdown too long", host, sale([](auto& r) { r.mutable_countdown()->set_seconds(7200); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"opening in the past", host,
       sale([](auto& r) { r.mutable_sale()->mutable_opens_at()->set_seconds(1000); }),
       grpc::StatusCode::INVALID_ARGUMENT, "FLASH_SALE_INVALID"},
      {"another host", w.catalog().other_host(), sale([](auto&) {}),
       grpc::StatusCode::PERMISSION_DENIED, "NOT_PRODUCT_OWNER"},
      {"a viewer", w.catalog().viewer(), sale([](auto&) {}), grpc::StatusCode::PERMISSION_DENIED,
       "ROLE_REQUIRED"},
      {"unknown product", host,
       sale([](auto& r) { r.set_product_id("prd_AAAAAAAAAAAAAAAAAAAAAA"); }),
       grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto r = CallOn(w.stub(), &Stub::ScheduleFlashSale, c.token, c.request);
    CHECK(r.status.error_code() == c.code);
    CHECK(ReasonOf(r.status) == c.reason);
  }
  const pb::Stock after = w.StockOf(p.id());
  CHECK_FALSE(after.has_flash_sale());
  CHECK(after.revision() == before.revision());
}

TEST_CASE("flash sale app: UpdateProduct's hold duration and purchase limit reach Reserve") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  pb::Product p = w.Product(10, "p1");
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");
  pb::UpdateProductRequest update;
  *update.mutable_product() = p;
  update.mutable_product()->mutable_hold_duration()->set_seconds(120);
  update.mutable_product()->mutable_purchase_limit()->set_max_quantity_per_user(2);
  update.mutable_update_mask()->add_paths("hold_duration");
  update.mutable_update_mask()->add_paths("purchase_limit");
  auto updated = w.catalog().Call(&Stub::UpdateProduct, w.catalog().host(), update);
  REQUIRE(updated.status.ok());

  auto held = w.Reserve(buyer, p.id(), 2, "k1");
  REQUIRE(held.status.ok());
  const pb::Reservation& r = held.response.reservation();
  CHECK(r.expires_at().seconds() - r.created_at().seconds() == 120);
  CHECK(ReasonOf(w.Reserve(buyer, p.id(), 1, "k2").status) == "PURCHASE_LIMIT_REACHED");
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
