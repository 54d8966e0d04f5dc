// The catalogue through the whole App over a fresh database: product types, shipping profiles,
// products (fixed price and auction), validation without writes, optimistic concurrency,
// lists, idempotent creation, id collisions retried, room events written to the outbox.

#include <atomic>
#include <catch2/catch.hpp>

#include "catalog_client.h"
#include "google/protobuf/util/message_differencer.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory::testing {
namespace {

using Stub = pb::ProductInventoryService::Stub;

TEST_CASE("catalog: a host creates a fixed-price product of an admin's type and anyone reads it") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());

  auto created = c.Create(c.host(), Catalog::FixedPrice(type, profile));
  REQUIRE(created.status.ok());
  const pb::Product& p = created.response.product();
  CHECK(ids::IsValidId(p.id(), "prd"));
  CHECK(p.seller_id() == "usr_host");
  CHECK(p.status() == pb::PRODUCT_STATUS_LISTED);
  CHECK(p.version() == 1);
  CHECK(p.product_type_version() == 1);
  CHECK(p.parameters().at("size").choice_value() == "M");
  CHECK(p.price().amount_minor() == 4500);

  pb::GetProductRequest get;
  get.set_product_id(p.id());
  auto got = c.Call(&Stub::GetProduct, "", get);
  REQUIRE(got.status.ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(got.response.product(), p));

  pb::ListMyProductsRequest mine;
  auto listed = c.Call(&Stub::ListMyProducts, c.host(), mine);
  REQUIRE(listed.status.ok());
  REQUIRE(listed.response.products_size() == 1);
  CHECK(listed.response.products(0).id() == p.id());
  // Not attached to a stream: no room event.
  CHECK(f.Count("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("catalog: an auction product with a reserve and a buy-now price") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  auto created = c.Create(c.host(), Catalog::Auction(type, profile));
  REQUIRE(created.status.ok());
  CHECK(created.response.product().sale_mode() == pb::SALE_MODE_AUCTION);
  CHECK(created.response.product().auction_settings().buy_now_price().amount_minor() == 5000);
  CHECK(f.Count("SELECT price_minor FROM products") == 1000);
}

TEST_CASE("catalog: ValidateProduct answers without writing and prefills the buy-now price") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  pb::CreateProductRequest draft = Catalog::Auction(type, profile);
  draft.mutable_product()->mutable_auction_settings()->clear_reserve_price();
  draft.mutable_product()->mutable_auction_settings()->clear_buy_now_price();
  pb::ValidateProductRequest req;
  *req.mutable_product() = draft.product();
  req.set_initial_stock(1);
  auto r = c.Call(&Stub::ValidateProduct, c.host(), req);
  REQUIRE(r.status.ok());
  CHECK(r.response.violations_size() == 0);
  // Start 10.00: one increment (0.50) above is 10.50, 20 % above is 12.00: minimum 12.00;
  // suggested 2 x 10.00 = 20.00.
  CHECK(r.response.minimum_buy_now_price().amount_minor() == 1200);
  CHECK(r.response.suggested_buy_now_price().amount_minor() == 2000);
  CHECK(f.Count("SELECT count(*) FROM products") == 0);
}

TEST_CASE("catalog: SuggestBuyNowPrice follows the documented rule") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::SuggestBuyNowPriceRequest req;
  *req.mutable_starting_bid() = Money(999);
  auto r = c.Call(&Stub::SuggestBuyNowPrice, c.host(), req);
  REQUIRE(r.status.ok());
  // max(9.99 + 0.50, ceil(9.99 x 1.2) = 11.99) = 11.99; 2 x 9.99 = 19.98 rounded up to the
  // 0.50 increment: 20.00.
  CHECK(r.response.minimum().amount_minor() == 1199);
  CHECK(r.response.suggested().amount_minor() == 2000);
  CHECK(r.response.suggested().currency() == "USD");

  // A reserve above both raises the minimum; CHF rounds to its 5-Rappen step.
  *req.mutable_starting_bid() = Money(1005, "CHF");
  *req.mutable_reserve_price() = Money(3000, "CHF");
  r = c.Call(&Stub::SuggestBuyNowPrice, c.host(), req);
  REQUIRE(r.status.ok());
  CHECK(r.response.minimum().amount_minor() == 3000);
  CHECK(r.response.suggested().amount_minor() == 3000);

  req.clear_reserve_price();
  *req.mutable_starting_bid() = Money(1003, "CHF");
  r = c.Call(&Stub::SuggestBuyNowPrice, c.host(), req);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ReasonOf(r.status) == "PRICE_OFF_STEP");
}

TEST_CASE(
    "catalog: UpdateProduct with the version read, and a stale one is ABORTED with the current "
    "product") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  pb::Product p = c.Create(c.host(), Catalog::FixedPrice(type, profile)).response.product();

  pb::UpdateProductRequest update;
  update.mutable_update_mask()->add_paths("title");
  update.mutable_update_mask()->add_paths("price");
  *update.mutable_product() = p;
  update.mutable_product()->set_title("Denim jacket, indigo");
  *update.mutable_product()->mutable_price() = Money(3900);
  auto first = c.Call(&Stub::UpdateProduct, c.host(), update);
  REQUIRE(first.status.ok());
  CHECK(first.response.product().version() == 2);
  CHECK(first.response.product().title() == "Denim jacket, indigo");
  CHECK(first.response.product().price().amount_minor() == 3900);

  // The same request again carries version 1: someone else's change won in between.
  update.mutable_product()->set_title("Something else");
  auto stale = c.Call(&Stub::UpdateProduct, c.host(), update);
  CHECK(stale.status.error_code() == grpc::StatusCode::ABORTED);
  CHECK(ReasonOf(stale.status) == "VERSION_MISMATCH");
  pb::Product current;
  REQUIRE(DetailOf(stale.status, &current));
  CHECK(current.version() == 2);
  CHECK(current.title() == "Denim jacket, indigo");
  CHECK(f.Count("SELECT version FROM products") == 2);

  // Merged onto the current state, it goes through.
  update.mutable_product()->set_version(current.version());
  CHECK(c.Call(&Stub::UpdateProduct, c.host(), update).status.ok());
  CHECK(f.Count("SELECT version FROM products") == 3);
}

TEST_CASE("catalog: a repeated idempotency key returns the first product") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  auto first = c.Create(c.host(), Catalog::FixedPrice(type, profile, "same"));
  auto again = c.Create(c.host(), Catalog::FixedPrice(type, profile, "same"));
  REQUIRE(first.status.ok());
  REQUIRE(again.status.ok());
  CHECK(again.response.product().id() == first.response.product().id());
  CHECK(f.Count("SELECT count(*) FROM products") == 1);
}

TEST_CASE("catalog: an id collision is retried inside the service, never surfaced") {
  AppFixture f;
  // The first two product ids made are the same one: the second product's first insert
  // collides with the first product's row.
  std::atomic<int> products{0};
  const std::string fixed = ids::NewId("prd");
  AppOverrides overrides;
  overrides.new_id = [&](absl::string_view prefix) {
    if (prefix == "prd" && products.fetch_add(1) < 2) return fixed;
    return ids::NewId(prefix);
  };
  Catalog c(f, f.AddReplica(nullptr, overrides));
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  auto first = c.Create(c.host(), Catalog::FixedPrice(type, profile, "k1"));
  auto second = c.Create(c.host(), Catalog::FixedPrice(type, profile, "k2"));
  REQUIRE(first.status.ok());
  REQUIRE(second.status.ok());
  CHECK(first.response.product().id() == fixed);
  CHECK(second.response.product().id() != fixed);
  CHECK(ids::IsValidId(second.response.product().id(), "prd"));
  CHECK(products.load() == 3);
  CHECK(f.Count("SELECT count(*) FROM products") == 2);
}

TEST_CASE("catalog: a product dropped in a stream writes its room event in the same transaction") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  const std::string stream = f.AddStream("usr_host");
  pb::CreateProductRequest req = Catalog::FixedPrice(type, profile);
  req.mutable_product()->set_stream_id(stream);
  auto created = c.Create(c.host(), req);
  REQUIRE(created.status.ok());
  CHECK(created.response.product().stream_id() == stream);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE destination = 'realtime_push' AND "
                "aggregate_id = '" +
                stream + "' AND type = 'product_inventory.product_created'") == 1);

  pb::UpdateProductRequest update;
  update.mutable_update_mask()->add_paths("status");
  *update.mutable_product() = created.response.product();
  update.mutable_product()->set_status(pb::PRODUCT_STATUS_PAUSED);
  REQUIRE(c.Call(&Stub::UpdateProduct, c.host(), update).status.ok());
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = "
                "'product_inventory.product_updated'") == 1);

  pb::ArchiveProductRequest archive;
  archive.set_product_id(created.response.product().id());
  auto archived = c.Call(&Stub::ArchiveProduct, c.host(), archive);
  REQUIRE(archived.status.ok());
  CHECK(archived.response.product().status() == pb::PRODUCT_STATUS_ARCHIVED);
  // Idempotent: no second change, no second event.
  REQUIRE(c.Call(&Stub::ArchiveProduct, c.host(), archive).status.ok());
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = "
                "'product_inventory.product_updated'") == 2);
}

TEST_CASE("catalog: ListStreamProducts pages newest first, drafts only for their seller") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  const std::string stream = f.AddStream("usr_host");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    pb::CreateProductRequest req = Catalog::FixedPrice(type, profile, "k" + std::to_string(i));
    req.mutable_product()->set_stream_id(stream);
    if (i == 4) req.mutable_product()->set_status(pb::PRODUCT_STATUS_DRAFT);
    auto r = c.Create(c.host(), req);
    REQUIRE(r.status.ok());
    ids.push_back(r.response.product().id());
  }
  auto list_all = [&](const std::string& token) {
    std::vector<std::string> seen;
    pb::ListStreamProductsRequest req;
    req.set_stream_id(stream);
    req.mutable_page()->set_page_size(2);
    for (int pages = 0; pages < 10; ++pages) {
      auto r = c.Call(&Stub::ListStreamProducts, token, req);
      REQUIRE(r.status.ok());
      for (const auto& p : r.response.products()) seen.push_back(p.id());
      if (r.response.page().next_page_token().empty()) break;
      req.mutable_page()->set_page_token(r.response.page().next_page_token());
    }
    return seen;
  };
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  CHECK(list_all(c.host()) == newest_first);
  std::vector<std::string> public_view(newest_first.begin() + 1, newest_first.end());
  CHECK(list_all("") == public_view);
  CHECK(list_all(c.viewer()) == public_view);
}

TEST_CASE("catalog: product types keep every schema version and products keep theirs") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  pb::Product p = c.Create(c.host(), Catalog::FixedPrice(type, profile)).response.product();

  // A new required parameter: version 2.
  pb::UpdateProductTypeRequest update;
  update.mutable_update_mask()->add_paths("parameters");
  *update.mutable_product_type() = type;
  auto* grade = update.mutable_product_type()->add_parameters();
  grade->set_key("grade");
  grade->set_label("Grade");
  grade->set_kind(pb::PARAMETER_KIND_CHOICE);
  grade->set_required(true);
  grade->add_choices("A");
  auto updated = c.Call(&Stub::UpdateProductType, c.admin(), update);
  REQUIRE(updated.status.ok());
  CHECK(updated.response.product_type().version() == 2);
  // Stale: ABORTED with the current type.
  auto stale = c.Call(&Stub::UpdateProductType, c.admin(), update);
  CHECK(stale.status.error_code() == grpc::StatusCode::ABORTED);
  pb::ProductType current;
  REQUIRE(DetailOf(stale.status, &current));
  CHECK(current.version() == 2);

  pb::GetProductTypeRequest get;
  get.set_product_type_id(type.id());
  get.set_version(1);
  auto v1 = c.Call(&Stub::GetProductType, "", get);
  REQUIRE(v1.status.ok());
  CHECK(v1.response.product_type().parameters_size() == 4);
  get.set_version(3);
  CHECK(ReasonOf(c.Call(&Stub::GetProductType, "", get).status) ==
        "PRODUCT_TYPE_VERSION_NOT_FOUND");

  // The existing product still changes its title (checked against version 1)...
  pb::UpdateProductRequest title;
  title.mutable_update_mask()->add_paths("title");
  *title.mutable_product() = p;
  title.mutable_product()->set_title("Renamed");
  auto renamed = c.Call(&Stub::UpdateProduct, c.host(), title);
  REQUIRE(renamed.status.ok());
  CHECK(renamed.response.product().product_type_version() == 1);
  // ...but a new product needs the new parameter.
  auto fresh = c.Create(c.host(), Catalog::FixedPrice(type, profile, "k2"));
  CHECK(fresh.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ReasonOf(fresh.status) == "PARAMETER_REQUIRED");

  // Archived: no new products, the old one stays.
  pb::ArchiveProductTypeRequest archive;
  archive.set_product_type_id(type.id());
  REQUIRE(c.Call(&Stub::ArchiveProductType, c.admin(), archive).status.ok());
  pb::CreateProductRequest req = Catalog::FixedPrice(type, profile, "k3");
  (*req.mutable_product()->mutable_parameters())["grade"] = Choice("A");
  auto refused = c.Create(c.host(), req);
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(refused.status) == "PRODUCT_TYPE_ARCHIVED");
  pb::ListProductTypesRequest list;
  CHECK(c.Call(&Stub::ListProductTypes, c.host(), list).response.product_types_size() == 0);
  list.set_include_archived(true);
  CHECK(c.Call(&Stub::ListProductTypes, c.host(), list).response.product_types_size() == 1);
}

TEST_CASE("catalog: shipping profiles belong to their host, and one in use cannot be deleted") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  CHECK(ids::IsValidId(profile.id(), "shp"));
  CHECK(profile.owner_id() == "usr_host");

  // Weight-based rates.
  pb::UpdateShippingProfileRequest update;
  update.mutable_update_mask()->add_paths("rates");
  *update.mutable_shipping_profile() = profile;
  pb::ShippingRate* rate = update.mutable_shipping_profile()->mutable_rates(0);
  rate->clear_first_unit();
  rate->clear_additional_unit();
  auto* light = rate->add_weight_tiers();
  light->set_up_to_grams(1000);
  *light->mutable_cost() = Money(500);
  auto* heavy = rate->add_weight_tiers();
  heavy->set_up_to_grams(0);
  *heavy->mutable_cost() = Money(1500);
  CHECK(ReasonOf(c.Call(&Stub::UpdateShippingProfile, c.other_host(), update).status) ==
        "NOT_SHIPPING_PROFILE_OWNER");
  auto updated = c.Call(&Stub::UpdateShippingProfile, c.host(), update);
  REQUIRE(updated.status.ok());
  CHECK(updated.response.shipping_profile().version() == 2);

  // Priced in another currency than the profile charges shipping in: it could never be bought
  // (checkout charges shipping in the price's currency), so it is refused up front.
  {
    pb::CreateProductRequest yen = Catalog::FixedPrice(type, profile, "yen");
    *yen.mutable_product()->mutable_price() = Money(1500, "JPY");
    yen.mutable_product()->set_weight_grams(800);
    auto mismatch = c.Create(c.host(), yen);
    CHECK(ReasonOf(mismatch.status) == "SHIPPING_CURRENCY_MISMATCH");
    CHECK(ViolationsOf(mismatch.status) == std::vector<std::pair<std::string, std::string>>{
                                               {"product.price", "SHIPPING_CURRENCY_MISMATCH"}});
    pb::CreateProductRequest yen_auction = Catalog::Auction(type, profile, "yen-auction");
    *yen_auction.mutable_product()->mutable_auction_settings()->mutable_starting_bid() =
        Money(1000, "JPY");
    yen_auction.mutable_product()->mutable_auction_settings()->clear_buy_now_price();
    yen_auction.mutable_product()->mutable_auction_settings()->clear_reserve_price();
    yen_auction.mutable_product()->set_weight_grams(800);
    auto auction_mismatch = c.Create(c.host(), yen_auction);
    CHECK(ReasonOf(auction_mismatch.status) == "SHIPPING_CURRENCY_MISMATCH");
    CHECK(ViolationsOf(auction_mismatch.status) ==
          std::vector<std::pair<std::string, std::string>>{
              {"product.auction_settings.starting_bid", "SHIPPING_CURRENCY_MISMATCH"}});
  }

  // A product shipped by weight needs its weight.
  auto no_weight = c.Create(c.host(), Catalog::FixedPrice(type, profile));
  CHECK(ReasonOf(no_weight.status) == "WEIGHT_REQUIRED");
  pb::CreateProductRequest req = Catalog::FixedPrice(type, profile);
  req.mutable_product()->set_weight_grams(800);
  REQUIRE(c.Create(c.host(), req).status.ok());

  pb::ListShippingProfilesRequest list;
  CHECK(c.Call(&Stub::ListShippingProfiles, c.host(), list).response.shipping_profiles_size() == 1);
  CHECK(
      c.Call(&Stub::ListShippingProfiles, c.other_host(), list).response.shipping_profiles_size() ==
      0);

  pb::DeleteShippingProfileRequest del;
  del.set_shipping_profile_id(profile.id());
  CHECK(ReasonOf(c.Call(&Stub::DeleteShippingProfile, c.other_host(), del).status) ==
        "NOT_SHIPPING_PROFILE_OWNER");
  auto in_use = c.Call(&Stub::DeleteShippingProfile, c.host(), del);
  CHECK(in_use.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(in_use.status) == "SHIPPING_PROFILE_IN_USE");

  pb::ShippingProfile spare = c.CreateProfile(c.host(), "Spare");
  del.set_shipping_profile_id(spare.id());
  REQUIRE(c.Call(&Stub::DeleteShippingProfile, c.host(), del).status.ok());
  pb::GetShippingProfileRequest get;
  get.set_shipping_profile_id(spare.id());
  CHECK(ReasonOf(c.Call(&Stub::GetShippingProfile, "", get).status) ==
        "SHIPPING_PROFILE_NOT_FOUND");
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
