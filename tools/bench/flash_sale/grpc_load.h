#pragma once

// Buyers calling Reserve over gRPC: `buyers` outstanding calls spread over several channels
// (each its own TCP connection), each answer sending that buyer slot's next request (gRPC's
// callback API: no thread per buyer), with a real bearer token per buyer.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

namespace shopcast::bench::flash_sale {

namespace v1 = ::shopcast::product_inventory::v1;

// The i-th request of a run: the request and the `authorization` header of its buyer.
struct BuyerRequest {
  v1::ReserveRequest request;
  const std::string* authorization = nullptr;
};
using MakeBuyerRequest = std::function<BuyerRequest(int64_t i)>;

struct LoadResult {
  int64_t requests = 0, granted = 0, refused = 0, errors = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// `channels` channels to `target` ("127.0.0.1:port").
std::vector<std::unique_ptr<v1::ProductInventoryService::Stub>> MakeStubs(const std::string& target,
                                                                          int channels);

// Sends until `count` requests are sent (count > 0) or `seconds` pass, `buyers` at a time.
// OK = granted, RESOURCE_EXHAUSTED (sold out, limit) = refused, anything else an error.
LoadResult RunLoad(const std::vector<std::unique_ptr<v1::ProductInventoryService::Stub>>& stubs,
                   int buyers, int64_t count, double seconds, const MakeBuyerRequest& make);

}  // namespace shopcast::bench::flash_sale
