// The catalogue under concurrent writers on two replicas: of many updates made from the same
// version exactly one wins and the rest are ABORTED with the winner's state; many retries of
// one CreateProduct make one product.

#include <catch2/catch.hpp>
#include <thread>

#include "catalog_client.h"

namespace shopcast::product_inventory::testing {
namespace {

using Stub = pb::ProductInventoryService::Stub;

TEST_CASE("catalog concurrency: updates from one version, exactly one wins") {
  AppFixture f;
  Replica& a = f.AddReplica();
  Replica& b = f.AddReplica();
  Catalog ca(f, a);
  pb::ProductType type = ca.CreateApparelType();
  pb::ShippingProfile profile = ca.CreateProfile(ca.host());
  pb::Product p = ca.Create(ca.host(), Catalog::FixedPrice(type, profile)).response.product();

  constexpr int kWriters = 8;
  std::vector<Result<pb::UpdateProductResponse>> results(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      Catalog c(f, i % 2 == 0 ? a : b);
      pb::UpdateProductRequest update;
      update.mutable_update_mask()->add_paths("title");
      *update.mutable_product() = p;
      update.mutable_product()->set_title("Writer " + std::to_string(i));
      results[i] = c.Call(&Stub::UpdateProduct, c.host(), update);
    });
  }
  for (std::thread& t : threads) t.join();
  int won = 0;
  std::string winner_title;
  for (const auto& r : results) {
    if (r.status.ok()) {
      ++won;
      winner_title = r.response.product().title();
    }
  }
  REQUIRE(won == 1);
  for (const auto& r : results) {
    if (r.status.ok()) continue;
    CHECK(r.status.error_code() == grpc::StatusCode::ABORTED);
    pb::Product current;
    REQUIRE(DetailOf(r.status, &current));
    CHECK(current.version() == 2);
    CHECK(current.title() == winner_title);
  }
  CHECK(f.Count("SELECT version FROM products") == 2);
}

TEST_CASE("catalog concurrency: retries of one CreateProduct make one product") {
  AppFixture f;
  Replica& a = f.AddReplica();
  Replica& b = f.AddReplica();
  Catalog ca(f, a);
  pb::ProductType type = ca.CreateApparelType();
  pb::ShippingProfile profile = ca.CreateProfile(ca.host());
  constexpr int kRetries = 8;
  std::vector<Result<pb::CreateProductResponse>> results(kRetries);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRetries; ++i) {
    threads.emplace_back([&, i] {
      Catalog c(f, i % 2 == 0 ? a : b);
      results[i] = c.Create(c.host(), Catalog::FixedPrice(type, profile, "once"));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) {
    REQUIRE(r.status.ok());
    CHECK(r.response.product().id() == results[0].response.product().id());
  }
  CHECK(f.Count("SELECT count(*) FROM products") == 1);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
