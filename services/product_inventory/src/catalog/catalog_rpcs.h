#pragma once

// The catalogue's RPCs: product types (admin), shipping profiles (their host), products (their
// host, or an admin), the dry-run validation and the buy-now suggestion. Each authenticates the
// caller, checks the request's shape, and runs its store work on the executor; errors carry a
// reason (and, for bad input, every field violation at once).

#include "absl/time/time.h"
#include "catalog/catalog_store.h"
#include "catalog/pricing.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::catalog {

struct CatalogOptions {
  PricingRules pricing;
};

#define SHOPCAST_PI_CATALOG_RPC(Method)                                \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class CatalogRpcs {
 public:
  // `revoked` may be null (no revocation list).
  CatalogRpcs(CatalogStore& store, const auth::TokenVerifier& verifier,
              const auth::RevocationList* revoked, const pagetoken::Codec& page_tokens,
              server::Executor& executor, CatalogOptions options);

  SHOPCAST_PI_CATALOG_RPC(CreateProduct);
  SHOPCAST_PI_CATALOG_RPC(GetProduct);
  SHOPCAST_PI_CATALOG_RPC(UpdateProduct);
  SHOPCAST_PI_CATALOG_RPC(ArchiveProduct);
  SHOPCAST_PI_CATALOG_RPC(ListStreamProducts);
  SHOPCAST_PI_CATALOG_RPC(ListMyProducts);
  SHOPCAST_PI_CATALOG_RPC(ValidateProduct);
  SHOPCAST_PI_CATALOG_RPC(SuggestBuyNowPrice);
  SHOPCAST_PI_CATALOG_RPC(CreateProductType);
  SHOPCAST_PI_CATALOG_RPC(GetProductType);
  SHOPCAST_PI_CATALOG_RPC(ListProductTypes);
  SHOPCAST_PI_CATALOG_RPC(UpdateProductType);
  SHOPCAST_PI_CATALOG_RPC(ArchiveProductType);
  SHOPCAST_PI_CATALOG_RPC(CreateShippingProfile);
  SHOPCAST_PI_CATALOG_RPC(GetShippingProfile);
  SHOPCAST_PI_CATALOG_RPC(ListShippingProfiles);
  SHOPCAST_PI_CATALOG_RPC(UpdateShippingProfile);
  SHOPCAST_PI_CATALOG_RPC(DeleteShippingProfile);

 private:
  // The caller of `ctx`; UNAUTHENTICATED without a valid token.
  absl::StatusOr<auth::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const;
  // As Authenticate, but nullopt (not an error) for a call without any token.
  absl::StatusOr<std::optional<auth::Caller>> MaybeAuthenticate(
      const grpc::CallbackServerContext& ctx) const;

  CatalogStore& store_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  const pagetoken::Codec& page_tokens_;
  server::Executor& executor_;
  CatalogOptions options_;
};

#undef SHOPCAST_PI_CATALOG_RPC

}  // namespace shopcast::product_inventory::catalog
