// Bad input to the catalogue, as a table: each case asserts the status code, the reason (and,
// where several fields are wrong, every violation at once) and that nothing was stored — no
// product, no room event. ValidateProduct gives the same violations without writing.

#include <catch2/catch.hpp>
#include <functional>

#include "catalog_client.h"

namespace shopcast::product_inventory::testing {
namespace {

using Stub = pb::ProductInventoryService::Stub;

struct Case {
  const char* name;
  // Spoils a valid fixed-price (or, with auction, auction) draft.
  std::function<void(pb::CreateProductRequest&)> spoil;
  grpc::StatusCode code;
  const char* reason;
  bool auction = false;
  // Expected (field, reason) violations, when more than the reason is asserted.
  std::vector<std::pair<std::string, std::string>> violations = {};
};

pb::Product& P(pb::CreateProductRequest& r) { return *r.mutable_product(); }
pb::AuctionSettings& A(pb::CreateProductRequest& r) {
  return *r.mutable_product()->mutable_auction_settings();
}

TEST_CASE("catalog bad input: CreateProduct refuses with a reason and stores nothing") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  pb::ShippingProfile others_profile = c.CreateProfile(c.other_host());
  const std::string others_stream = f.AddStream("usr_other");
  const std::string ended_stream = f.AddStream("usr_host", /*ended=*/true);
  using grpc::StatusCode;
  const std::vector<Case> cases = {
      {"unknown type", [](auto& r) { P(r).set_product_type_id("pty_00000000000000000000000000"); },
       StatusCode::NOT_FOUND, "PRODUCT_TYPE_NOT_FOUND"},
      {"parameters outside the schema, all reported at once",
       [](auto& r) {
         auto& params = *P(r).mutable_parameters();
         params["size"] = Choice("XL");
         params.erase("colour");
         params["chest_cm"] = Integer(500);
         params["vintage"] = Text("yes");
         params["brand"] = Text("Levi's");
       },
       StatusCode::INVALID_ARGUMENT,
       "PARAMETER_NOT_A_CHOICE",
       false,
       {{"product.parameters[size]", "PARAMETER_NOT_A_CHOICE"},
        {"product.parameters[colour]", "PARAMETER_REQUIRED"},
        {"product.parameters[chest_cm]", "PARAMETER_OUT_OF_RANGE"},
        {"product.parameters[vintage]", "PARAMETER_TYPE_MISMATCH"},
        {"product.parameters[brand]", "PARAMETER_UNKNOWN"}}},
      {"text not matching the pattern",
       [](auto& r) { (*P(r).mutable_parameters())["colour"] = Text("blue-ish #2"); },
       StatusCode::INVALID_ARGUMENT, "PARAMETER_PATTERN_MISMATCH"},
      {"several fields wrong at once",
       [](auto& r) {
         P(r).set_title("");
         *P(r).mutable_price() = Money(0);
         r.set_initial_stock(0);
       },
       StatusCode::INVALID_ARGUMENT,
       "TITLE_INVALID",
       false,
       {{"product.title", "TITLE_INVALID"},
        {"initial_stock", "STOCK_OUT_OF_RANGE"},
        {"product.price", "PRICE_OUT_OF_RANGE"}}},
      {"absurd price", [](auto& r) { *P(r).mutable_price() = Money(1'000'000'000'000); },
       StatusCode::INVALID_ARGUMENT, "PRICE_OUT_OF_RANGE"},
      {"negative price", [](auto& r) { *P(r).mutable_price() = Money(-100); },
       StatusCode::INVALID_ARGUMENT, "PRICE_OUT_OF_RANGE"},
      {"price below the currency's minimum", [](auto& r) { *P(r).mutable_price() = Money(99); },
       StatusCode::INVALID_ARGUMENT, "PRICE_OUT_OF_RANGE"},
      {"price off the currency step", [](auto& r) { *P(r).mutable_price() = Money(1003, "CHF"); },
       StatusCode::INVALID_ARGUMENT, "PRICE_OFF_STEP"},
      {"unsupported currency", [](auto& r) { *P(r).mutable_price() = Money(1000, "XYZ"); },
       StatusCode::INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY"},
      {"fixed price missing", [](auto& r) { P(r).clear_price(); }, StatusCode::INVALID_ARGUMENT,
       "PRICE_REQUIRED"},
      {"stock out of range", [](auto& r) { r.set_initial_stock(2'000'000); },
       StatusCode::INVALID_ARGUMENT, "STOCK_OUT_OF_RANGE"},
      {"no idempotency key", [](auto& r) { r.clear_idempotency_key(); },
       StatusCode::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID"},
      {"reserve below the starting bid",
       [](auto& r) { *A(r).mutable_reserve_price() = Money(900); }, StatusCode::INVALID_ARGUMENT,
       "RESERVE_BELOW_STARTING_BID", true},
      {"buy-now without the premium over the starting bid",
       [](auto& r) {
         A(r).clear_reserve_price();
         *A(r).mutable_buy_now_price() = Money(1100);
       },
       StatusCode::INVALID_ARGUMENT, "BUY_NOW_TOO_LOW", true},
      {"buy-now below the reserve", [](auto& r) { *A(r).mutable_buy_now_price() = Money(1900); },
       StatusCode::INVALID_ARGUMENT, "BUY_NOW_TOO_LOW", true},
      {"starting bid below the minimum", [](auto& r) { *A(r).mutable_starting_bid() = Money(50); },
       StatusCode::INVALID_ARGUMENT, "STARTING_BID_OUT_OF_RANGE", true},
      {"auction amounts in two currencies",
       [](auto& r) { *A(r).mutable_reserve_price() = Money(2000, "EUR"); },
       StatusCode::INVALID_ARGUMENT, "CURRENCY_MISMATCH", true},
      {"increment table with a bounded last step",
       [](auto& r) {
         auto* step = A(r).add_increments();
         *step->mutable_below() = Money(5000);
         *step->mutable_increment() = Money(100);
       },
       StatusCode::INVALID_ARGUMENT, "INCREMENT_TABLE_INVALID", true},
      {"auction too long", [](auto& r) { A(r).mutable_duration()->set_seconds(7200); },
       StatusCode::INVALID_ARGUMENT, "DURATION_OUT_OF_RANGE", true},
      {"auction with a fixed price too", [](auto& r) { *P(r).mutable_price() = Money(1000); },
       StatusCode::INVALID_ARGUMENT, "PRICE_NOT_ALLOWED", true},
      {"someone else's shipping profile",
       [&](auto& r) { P(r).set_shipping_profile_id(others_profile.id()); },
       StatusCode::PERMISSION_DENIED, "NOT_SHIPPING_PROFILE_OWNER"},
      {"someone else's stream", [&](auto& r) { P(r).set_stream_id(others_stream); },
       StatusCode::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"a stream that ended", [&](auto& r) { P(r).set_stream_id(ended_stream); },
       StatusCode::FAILED_PRECONDITION, "STREAM_ENDED"},
      {"an unknown stream", [](auto& r) { P(r).set_stream_id("str_00000000000000000000000000"); },
       StatusCode::NOT_FOUND, "STREAM_NOT_FOUND"},
  };
  for (const Case& k : cases) {
    SECTION(k.name) {
      pb::CreateProductRequest req =
          k.auction ? Catalog::Auction(type, profile) : Catalog::FixedPrice(type, profile);
      k.spoil(req);
      auto r = c.Create(c.host(), req);
      CHECK(r.status.error_code() == k.code);
      CHECK(ReasonOf(r.status) == k.reason);
      if (!k.violations.empty()) {
        auto got = ViolationsOf(r.status);
        std::sort(got.begin(), got.end());
        auto want = k.violations;
        std::sort(want.begin(), want.end());
        CHECK(got == want);
      }
      CHECK(f.Count("SELECT count(*) FROM products") == 0);
      CHECK(f.Count("SELECT count(*) FROM outbox") == 0);

      // The dry run says the same for the field-level problems, and writes nothing either.
      if (k.code == StatusCode::INVALID_ARGUMENT &&
          k.reason != std::string("IDEMPOTENCY_KEY_INVALID")) {
        pb::ValidateProductRequest validate;
        *validate.mutable_product() = req.product();
        validate.set_initial_stock(req.initial_stock());
        auto v = c.Call(&Stub::ValidateProduct, c.host(), validate);
        REQUIRE(v.status.ok());
        bool found = false;
        for (const auto& violation : v.response.violations()) {
          found = found || violation.reason() == k.reason;
        }
        CHECK(found);
        if (!k.violations.empty())
          CHECK(v.response.violations_size() == static_cast<int>(k.violations.size()));
        CHECK(f.Count("SELECT count(*) FROM products") == 0);
      }
    }
  }
}

TEST_CASE("catalog bad input: who may do what") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());

  SECTION("a viewer cannot create products") {
    auto r = c.Create(c.viewer(), Catalog::FixedPrice(type, profile));
    CHECK(r.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(ReasonOf(r.status) == "ROLE_REQUIRED");
    CHECK(f.Count("SELECT count(*) FROM products") == 0);
  }
  SECTION("no token, no product") {
    auto r = c.Create("", Catalog::FixedPrice(type, profile));
    CHECK(r.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(f.Count("SELECT count(*) FROM products") == 0);
  }
  SECTION("a host cannot define product types") {
    pb::CreateProductTypeRequest req;
    req.mutable_product_type()->set_name("Mine");
    auto r = c.Call(&Stub::CreateProductType, c.host(), req);
    CHECK(r.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(ReasonOf(r.status) == "ROLE_REQUIRED");
    CHECK(f.Count("SELECT count(*) FROM product_types") == 1);
  }
  SECTION("someone else's product cannot be changed or archived; an admin may") {
    pb::Product p = c.Create(c.host(), Catalog::FixedPrice(type, profile)).response.product();
    pb::UpdateProductRequest update;
    update.mutable_update_mask()->add_paths("title");
    *update.mutable_product() = p;
    update.mutable_product()->set_title("Mine now");
    auto r = c.Call(&Stub::UpdateProduct, c.other_host(), update);
    CHECK(r.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(ReasonOf(r.status) == "NOT_PRODUCT_OWNER");
    pb::ArchiveProductRequest archive;
    archive.set_product_id(p.id());
    auto a = c.Call(&Stub::ArchiveProduct, c.other_host(), archive);
    CHECK(ReasonOf(a.status) == "NOT_PRODUCT_OWNER");
    CHECK(f.Count("SELECT count(*) FROM products WHERE version = 1 AND status = 2 AND "
                  "title = 'Vintage denim jacket'") == 1);
    CHECK(c.Call(&Stub::UpdateProduct, c.admin(), update).status.ok());
  }
  SECTION("a draft is its seller's only") {
    pb::CreateProductRequest req = Catalog::FixedPrice(type, profile);
    req.mutable_product()->set_status(pb::PRODUCT_STATUS_DRAFT);
    pb::Product p = c.Create(c.host(), req).response.product();
    pb::GetProductRequest get;
    get.set_product_id(p.id());
    CHECK(ReasonOf(c.Call(&Stub::GetProduct, "", get).status) == "PRODUCT_NOT_FOUND");
    CHECK(ReasonOf(c.Call(&Stub::GetProduct, c.other_host(), get).status) == "PRODUCT_NOT_FOUND");
    CHECK(c.Call(&Stub::GetProduct, c.host(), get).status.ok());
  }
}

TEST_CASE("catalog bad input: updates, types, profiles and pages") {
  AppFixture f;
  Catalog c(f, f.AddReplica());
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  pb::Product p = c.Create(c.host(), Catalog::FixedPrice(type, profile)).response.product();

  SECTION("an update breaking the rules changes nothing") {
    pb::UpdateProductRequest update;
    update.mutable_update_mask()->add_paths("price");
    update.mutable_update_mask()->add_paths("parameters");
    *update.mutable_product() = p;
    *update.mutable_product()->mutable_price() = Money(10, "USD");
    (*update.mutable_product()->mutable_parameters())["size"] = Choice("XXL");
    auto r = c.Call(&Stub::UpdateProduct, c.host(), update);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ViolationsOf(r.status).size() == 2);
    CHECK(f.Count("SELECT version FROM products") == 1);
  }
  SECTION("an update mask naming a read-only field") {
    pb::UpdateProductRequest update;
    update.mutable_update_mask()->add_paths("seller_id");
    *update.mutable_product() = p;
    auto r = c.Call(&Stub::UpdateProduct, c.host(), update);
    CHECK(ReasonOf(r.status) == "FIELD_NOT_UPDATABLE");
  }
  SECTION("a product back to draft") {
    pb::UpdateProductRequest update;
    update.mutable_update_mask()->add_paths("status");
    *update.mutable_product() = p;
    update.mutable_product()->set_status(pb::PRODUCT_STATUS_DRAFT);
    auto r = c.Call(&Stub::UpdateProduct, c.host(), update);
    CHECK(r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(ReasonOf(r.status) == "STATUS_TRANSITION_INVALID");
  }
  SECTION("a schema with several mistakes, all reported") {
    pb::CreateProductTypeRequest req;
    pb::ProductType* t = req.mutable_product_type();
    t->set_name("Broken");
    auto* a = t->add_parameters();
    a->set_key("Bad Key");
    a->set_label("A");
    a->set_kind(pb::PARAMETER_KIND_TEXT);
    a->set_pattern("(unclosed");
    auto* b = t->add_parameters();
    b->set_key("grade");
    b->set_label("Grade");
    b->set_kind(pb::PARAMETER_KIND_CHOICE);
    auto* d = t->add_parameters();
    d->set_key("year");
    d->set_label("Year");
    d->set_kind(pb::PARAMETER_KIND_INTEGER);
    d->set_min_value(2030);
    d->set_max_value(1990);
    auto r = c.Call(&Stub::CreateProductType, c.admin(), req);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    auto got = ViolationsOf(r.status);
    std::vector<std::pair<std::string, std::string>> want = {
        {"product_type.parameters[0].key", "PARAMETER_KEY_INVALID"},
        {"product_type.parameters[0].pattern", "PARAMETER_PATTERN_INVALID"},
        {"product_type.parameters[1].choices", "PARAMETER_CHOICES_INVALID"},
        {"product_type.parameters[2].min_value", "PARAMETER_RANGE_INVALID"}};
    CHECK(got == want);
    CHECK(f.Count("SELECT count(*) FROM product_types") == 1);
  }
  SECTION("a duplicate type name") {
    pb::CreateProductTypeRequest req;
    req.mutable_product_type()->set_name("apparel");
    auto r = c.Call(&Stub::CreateProductType, c.admin(), req);
    CHECK(r.status.error_code() == grpc::StatusCode::ALREADY_EXISTS);
    CHECK(ReasonOf(r.status) == "PRODUCT_TYPE_NAME_TAKEN");
  }
  SECTION("a shipping profile with bad rates") {
    pb::CreateShippingProfileRequest req;
    pb::ShippingProfile* s = req.mutable_shipping_profile();
    s->set_name("Bad");
    s->set_origin_country_code("usa");
    pb::ShippingRate* r1 = s->add_rates();
    r1->add_country_codes("US");
    *r1->mutable_first_unit() = Money(500);
    pb::ShippingRate* r2 = s->add_rates();
    r2->add_country_codes("US");
    *r2->mutable_first_unit() = Money(500, "EUR");
    auto r = c.Call(&Stub::CreateShippingProfile, c.host(), req);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    auto got = ViolationsOf(r.status);
    std::vector<std::pair<std::string, std::string>> want = {
        {"shipping_profile.origin_country_code", "COUNTRY_CODE_INVALID"},
        {"shipping_profile.rates[1].country_codes", "SHIPPING_COUNTRY_DUPLICATE"},
        {"shipping_profile.rates[1].first_unit", "CURRENCY_MISMATCH"}};
    CHECK(got == want);
    CHECK(f.Count("SELECT count(*) FROM shipping_profiles") == 1);
  }
  SECTION("page sizes out of range") {
    for (int size : {-1, 101}) {
      pb::ListMyProductsRequest req;
      req.mutable_page()->set_page_size(size);
      auto r = c.Call(&Stub::ListMyProducts, c.host(), req);
      CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(ReasonOf(r.status) == "PAGE_SIZE_INVALID");
      pb::ListStreamProductsRequest stream;
      stream.set_stream_id(f.AddStream("usr_host"));
      stream.mutable_page()->set_page_size(size);
      CHECK(ReasonOf(c.Call(&Stub::ListStreamProducts, "", stream).status) == "PAGE_SIZE_INVALID");
    }
  }
  SECTION("a page token from another list") {
    for (int i = 0; i < 3; ++i) {
      REQUIRE(c.Create(c.host(), Catalog::FixedPrice(type, profile, "p" + std::to_string(i)))
                  .status.ok());
    }
    pb::ListMyProductsRequest req;
    req.mutable_page()->set_page_size(1);
    auto first = c.Call(&Stub::ListMyProducts, c.host(), req);
    REQUIRE(!first.response.page().next_page_token().empty());
    req.mutable_page()->set_page_token(first.response.page().next_page_token());
    CHECK(ReasonOf(c.Call(&Stub::ListMyProducts, c.other_host(), req).status) ==
          "PAGE_TOKEN_INVALID");
  }
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
