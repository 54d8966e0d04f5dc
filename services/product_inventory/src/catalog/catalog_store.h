#pragma once

// The catalogue on PostgreSQL: product types with every schema version, shipping profiles and
// products, each write one transaction. A product's write, its stock row (StockHooks) and its
// room event (outbox) commit together or not at all. Checks that need stored state (the type,
// the profile, the stream's host, the current version) run inside the same transaction as the
// write, so nothing can change in between.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "catalog/pricing.h"
#include "common/hooks.h"
#include "google/protobuf/field_mask.pb.h"
#include "shopcast/auth/caller.h"
#include "shopcast/db/pool.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

// Makes "<prefix>_…" ids.
using IdMaker = std::function<std::string(absl::string_view prefix)>;

// A page of ids' rows, in list order, and the cursor after the last one (if more may follow).
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<pagetoken::Cursor> next;
};

struct NewProduct {
  v1::Product draft;  // normalized (NormalizeDraft)
  int64_t initial_stock = 0;
  std::string idempotency_key;
};

// Attempts at a fresh id when the one made collides with an existing row.
inline constexpr int kIdAttempts = 5;

class CatalogStore {
 public:
  // `stock` may be null (no stock area): products then carry no Stock; `images` likewise for
  // Product.images. `guards` (may be null; the App's list, filled before serving) refuse an
  // archive or update that would break a running auction or lottery.
  CatalogStore(db::Pool& pool, IdMaker new_id, StockHooks* stock, ImageHooks* images = nullptr,
               const SaleGuards* guards = nullptr);

  // ---- product types (admin-only checks are the caller's) ----
  absl::StatusOr<v1::ProductType> CreateType(v1::ProductType type, absl::Time now);
  // version 0 = latest. NOT_FOUND PRODUCT_TYPE_NOT_FOUND / PRODUCT_TYPE_VERSION_NOT_FOUND.
  absl::StatusOr<v1::ProductType> GetType(const std::string& id, int64_t version);
  absl::StatusOr<Page<v1::ProductType>> ListTypes(bool include_archived,
                                                  const std::string& after_id, int limit);
  // Applies `mask` paths of `update` to the latest schema if update.version() is current, and
  // stores it as a new version; ABORTED VERSION_MISMATCH (current type in the details)
  // otherwise. `validate` checks the merged type.
  absl::StatusOr<v1::ProductType> UpdateType(
      const google::protobuf::FieldMask& mask, const v1::ProductType& update, absl::Time now,
      const std::function<absl::Status(v1::ProductType&)>& validate);
  absl::StatusOr<v1::ProductType> ArchiveType(const std::string& id, absl::Time now);

  // ---- shipping profiles (owner checks here: PERMISSION_DENIED NOT_SHIPPING_PROFILE_OWNER) ----
  absl::StatusOr<v1::ShippingProfile> CreateProfile(const std::string& owner_id,
                                                    v1::ShippingProfile profile, absl::Time now);
  absl::StatusOr<v1::ShippingProfile> GetProfile(const std::string& id);
  absl::StatusOr<Page<v1::ShippingProfile>> ListProfiles(const std::string& owner_id,
                                                         const std::string& after_id, int limit);
  absl::StatusOr<v1::ShippingProfile> UpdateProfile(
      const auth::Caller& caller, const google::protobuf::FieldMask& mask,
      const v1::ShippingProfile& update, absl::Time now,
      const std::function<absl::Status(const v1::ShippingProfile&)>& validate);
  absl::Status DeleteProfile(const auth::Caller& caller, const std::string& id, absl::Time now);

  // ---- products ----
  // Validates and creates (see CreateProduct in the contract); a repeated idempotency key
  // returns the first product. A stream product also enqueues its product_created room event.
  absl::StatusOr<v1::Product> CreateProduct(const auth::Caller& caller, const NewProduct& input,
                                            const PricingRules& rules, absl::Time now);
  // The violations CreateProduct would answer (empty: it would accept), with lookups.
  absl::StatusOr<v1::FieldViolations> ValidateProduct(const auth::Caller& caller,
                                                      const v1::Product& draft,
                                                      int64_t initial_stock,
                                                      const PricingRules& rules);
  // `caller` null for anonymous readers: DRAFT products are only their seller's (and admins').
  absl::StatusOr<v1::Product> GetProduct(const std::string& id, const auth::Caller* caller);
  absl::StatusOr<v1::Product> UpdateProduct(const auth::Caller& caller,
                                            const google::protobuf::FieldMask& mask,
                                            const v1::Product& update, const PricingRules& rules,
                                            absl::Time now);
  absl::StatusOr<v1::Product> ArchiveProduct(const auth::Caller& caller, const std::string& id,
                                             absl::Time now);
  absl::StatusOr<Page<v1::Product>> ListStreamProducts(const std::string& stream_id,
                                                       const std::vector<int>& statuses,
                                                       const auth::Caller* caller,
                                                       const pagetoken::Cursor& after, int limit);
  absl::StatusOr<Page<v1::Product>> ListMyProducts(const std::string& seller_id,
                                                   const std::vector<int>& statuses,
                                                   const std::string& stream_id,
                                                   const pagetoken::Cursor& after, int limit);

  // ---- for other areas changing a product inside their own transaction ----
  // The product locked FOR UPDATE with its stock and images; nullopt when there is none.
  absl::StatusOr<std::optional<v1::Product>> LockProduct(pqxx::work& tx, const std::string& id);
  // Enqueues the product's product_updated room event (nothing for a product in no stream).
  static void AnnounceUpdated(pqxx::work& tx, const v1::Product& product);
  // Enqueues product `id`'s product_updated room event as it stands in `tx`, locking its row
  // (after another area changed a read-only part of it, e.g. ConfigureQueue its queue; the
  // card's version stays: that part is not the product's own). Nothing for an unknown product
  // or one in no stream.
  absl::Status AnnounceCurrent(pqxx::work& tx, const std::string& id);

 private:
  db::Pool& pool_;
  IdMaker new_id_;
  StockHooks* stock_;
  ImageHooks* images_;
  const SaleGuards* guards_;
};

}  // namespace shopcast::product_inventory::catalog
