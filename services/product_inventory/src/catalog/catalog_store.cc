#include "catalog/catalog_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "catalog/catalog_sql.h"
#include "catalog/product_rules.h"
#include "catalog/schema.h"
#include "common/pg_time.h"
#include "common/room_events.h"
#include "common/streams.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/details.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::catalog {
namespace {

pqxx::binarystring Blob(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

std::string BytesOf(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

// Runs `fn` (one transaction) again with fresh ids while the row it inserted collides on the
// primary key `pkey` (a CSPRNG id colliding is all but impossible, but the database decides,
// and a collision is never the caller's problem), or on `retry_constraint` (a concurrent retry
// of the same request won the race; the next run finds its row).
template <typename Fn>
auto RetryCollisions(absl::string_view pkey, absl::string_view retry_constraint, Fn fn)
    -> decltype(fn()) {
  for (int attempt = 1;; ++attempt) {
    auto result = fn();
    if (result.ok() || !absl::IsAlreadyExists(result.status()) || attempt >= kIdAttempts) {
      return result;
    }
    const std::string constraint = db::ConstraintOf(result.status());
    if (constraint != pkey && (retry_constraint.empty() || constraint != retry_constraint)) {
      return result;
    }
  }
}

// ---- rows ----

v1::ProductType TypeFromRow(const std::string& id, const pqxx::row& r) {
  v1::ProductType t;
  t.ParseFromString(BytesOf(r[3]));
  t.set_id(id);
  t.clear_owner_id();
  t.set_archived(r[0].as<bool>());
  t.set_version(r[2].as<int64_t>());
  ToProto(FromMicros(r[4].as<int64_t>()), t.mutable_created_at());
  ToProto(FromMicros(r[5].as<int64_t>()), t.mutable_updated_at());
  return t;
}

absl::StatusOr<v1::ProductType> ReadType(pqxx::work& tx, const std::string& id, int64_t version) {
  pqxx::result r = tx.exec_prepared("pi_cat_select_type", id, version);
  if (r.empty()) {
    if (version > 0 && !tx.exec_prepared("pi_cat_select_type", id, 0).empty()) {
      return NotFound("PRODUCT_TYPE_VERSION_NOT_FOUND", "the product type has no such version");
    }
    return NotFound("PRODUCT_TYPE_NOT_FOUND", "no such product type");
  }
  return TypeFromRow(id, r[0]);
}

v1::ShippingProfile ProfileFromRow(const std::string& id, const pqxx::row& r) {
  v1::ShippingProfile p;
  p.ParseFromString(BytesOf(r[1]));
  p.set_id(id);
  p.set_owner_id(r[0].as<std::string>());
  p.set_version(r[2].as<int64_t>());
  ToProto(FromMicros(r[3].as<int64_t>()), p.mutable_created_at());
  ToProto(FromMicros(r[4].as<int64_t>()), p.mutable_updated_at());
  return p;
}

absl::StatusOr<v1::ShippingProfile> ReadProfile(pqxx::work& tx, const std::string& id) {
  pqxx::result r = tx.exec_prepared("pi_cat_select_profile", id);
  if (r.empty()) return NotFound("SHIPPING_PROFILE_NOT_FOUND", "no such shipping profile");
  return ProfileFromRow(id, r[0]);
}

std::string ProfileBody(v1::ShippingProfile p) {
  p.clear_id();
  p.clear_owner_id();
  p.clear_version();
  p.clear_created_at();
  p.clear_updated_at();
  return p.SerializeAsString();
}

v1::Product ProductFromRow(const std::string& id, const pqxx::row& r) {
  v1::Product p;
  p.ParseFromString(BytesOf(r[3]));
  p.set_id(id);
  p.set_seller_id(r[0].as<std::string>());
  p.set_stream_id(r[1].as<std::string>());
  p.set_status(static_cast<v1::ProductStatus>(r[2].as<int>()));
  p.set_version(r[4].as<int64_t>());
  ToProto(FromMicros(r[5].as<int64_t>()), p.mutable_created_at());
  ToProto(FromMicros(r[6].as<int64_t>()), p.mutable_updated_at());
  return p;
}

// The stored body: the product's own fields, none of the columns or read-only parts.
std::string ProductBody(v1::Product p) {
  p.clear_id();
  p.clear_seller_id();
  p.clear_stream_id();
  p.clear_version();
  p.clear_created_at();
  p.clear_updated_at();
  p.clear_stock();
  p.clear_queue();
  p.clear_open_auction_id();
  p.clear_status();
  p.clear_images();
  return p.SerializeAsString();
}

// The column price: the fixed price, or the starting bid of an auction.
const common::v1::Money& ListedPrice(const v1::Product& p) {
  return p.sale_mode() == v1::SALE_MODE_AUCTION ? p.auction_settings().starting_bid() : p.price();
}

absl::StatusOr<std::optional<v1::Product>> ReadProduct(pqxx::work& tx, const std::string& id,
                                                       bool lock) {
  pqxx::result r = tx.exec_prepared(lock ? "pi_cat_lock_product" : "pi_cat_select_product", id);
  if (r.empty()) return std::optional<v1::Product>();
  return std::optional<v1::Product>(ProductFromRow(id, r[0]));
}

// Stock, images, the open auction and the queue, the parts other areas own.
absl::Status FillStock(pqxx::work& tx, StockHooks* stock, ImageHooks* images,
                       std::vector<v1::Product*> products) {
  if (products.empty()) return absl::OkStatus();
  std::vector<std::string> ids;
  for (const v1::Product* p : products) ids.push_back(p->id());
  const std::string id_list = absl::StrJoin(ids, ",");
  // The auctions' own table says which product is under the hammer right now.
  std::map<std::string, std::string> open_auctions;
  for (const auto& row : tx.exec_prepared("pi_cat_open_auctions", id_list)) {
    open_auctions[row[0].as<std::string>()] = row[1].as<std::string>();
  }
  // And the queue's (one query for the whole page): a product without a row has no queue.
  std::map<std::string, v1::QueueSettings> queues;
  for (const auto& row : tx.exec_prepared("pi_cat_queues", id_list)) {
    v1::QueueSettings& q = queues[row[0].as<std::string>()];
    q.set_enabled(row[1].as<bool>());
    q.mutable_claim_window()->set_seconds(row[2].as<int64_t>());
    q.set_max_length(row[3].as<int>());
  }
  for (v1::Product* p : products) {
    auto it = open_auctions.find(p->id());
    if (it == open_auctions.end()) {
      p->clear_open_auction_id();
    } else {
      p->set_open_auction_id(it->second);
    }
    auto queue = queues.find(p->id());
    if (queue == queues.end()) {
      p->clear_queue();
    } else {
      *p->mutable_queue() = queue->second;
    }
  }
  if (images != nullptr) {
    ASSIGN_OR_RETURN(auto images_by_id, images->ReadImages(tx, ids));
    for (v1::Product* p : products) {
      p->clear_images();
      auto it = images_by_id.find(p->id());
      if (it == images_by_id.end()) continue;
      for (const v1::ProductImage& image : it->second) *p->add_images() = image;
    }
  }
  if (stock == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto by_id, stock->ReadStock(tx, ids));
  for (v1::Product* p : products) {
    auto it = by_id.find(p->id());
    if (it != by_id.end()) *p->mutable_stock() = it->second;
  }
  return absl::OkStatus();
}

// The stream a host may attach products to: known, theirs (or the caller is an admin), not
// over.
absl::Status CheckStream(pqxx::work& tx, const auth::Caller& caller, const std::string& seller,
                         const std::string& stream_id) {
  std::optional<StreamInfo> stream = LookupStream(tx, stream_id);
  if (!stream.has_value()) return NotFound("STREAM_NOT_FOUND", "no such stream");
  if (stream->host_id != seller && !IsAdmin(caller)) {
    return PermissionDenied("NOT_STREAM_OWNER", "the stream is another host's");
  }
  if (stream->ended) {
    return Error(absl::StatusCode::kFailedPrecondition, "STREAM_ENDED", "the stream has ended");
  }
  return absl::OkStatus();
}

// A product's changes reach the room of its stream in the same transaction.
void AnnounceProduct(pqxx::work& tx, const v1::Product& product, bool created,
                     const std::string& stream_id) {
  if (stream_id.empty()) return;
  realtime_push::v1::RoomEvent event;
  if (created) {
    *event.mutable_product_created()->mutable_product() = CardOf(product);
  } else {
    *event.mutable_product_updated()->mutable_product() = CardOf(product);
  }
  EnqueueRoomEvent(tx, stream_id, created ? "product_created" : "product_updated", event);
}

absl::Status StaleVersion(absl::string_view what, const google::protobuf::Message& current) {
  absl::Status s = Error(absl::StatusCode::kAborted, "VERSION_MISMATCH",
                         absl::StrCat("the ", what,
                                      " changed since it was read; the current one is in the "
                                      "details: re-apply the change to it"));
  AttachDetail(s, current.GetDescriptor()->full_name(), current.SerializeAsString());
  return s;
}

// The cursor's created_at as a timestamptz parameter; INVALID_ARGUMENT PAGE_TOKEN_INVALID for
// a time no row can have (a forged token cannot get past the MAC; this guards our own bugs).
absl::StatusOr<std::string> CursorTime(const pagetoken::Cursor& after) {
  if (after.key == std::numeric_limits<int64_t>::max()) return std::string("infinity");
  if (after.key < 0 || after.key > 4'102'444'800'000'000) {  // 2100-01-01
    return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "the page token is not valid");
  }
  return PgTime(FromMicros(after.key));
}

template <typename T>
Page<T> CutPage(std::vector<T> items, int limit,
                const std::function<pagetoken::Cursor(const T&)>& cursor_of) {
  Page<T> page;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    page.next = cursor_of(items.back());
  }
  page.items = std::move(items);
  return page;
}

}  // namespace

CatalogStore::CatalogStore(db::Pool& pool, IdMaker new_id, StockHooks* stock, ImageHooks* images,
                           const SaleGuards* guards)
    : pool_(pool), new_id_(std::move(new_id)), stock_(stock), images_(images), guards_(guards) {}

// ---- product types ----

absl::StatusOr<v1::ProductType> CatalogStore::CreateType(v1::ProductType type, absl::Time now) {
  now = TruncateToMicros(now);
  absl::StatusOr<v1::ProductType> created =
      RetryCollisions("product_types_pkey", "", [&]() -> absl::StatusOr<v1::ProductType> {
        return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::ProductType> {
          v1::ProductType body = type;
          body.clear_id();
          body.clear_version();
          body.clear_created_at();
          body.clear_updated_at();
          const std::string id = new_id_("pty");
          tx.exec_prepared0("pi_cat_insert_type", id, type.name(), PgTime(now));
          tx.exec_prepared0("pi_cat_insert_type_version", id, 1, Blob(body.SerializeAsString()),
                            PgTime(now));
          return ReadType(tx, id, 0);
        });
      });
  if (!created.ok() && db::ConstraintOf(created.status()) == "product_types_owner_name_key") {
    return Error(absl::StatusCode::kAlreadyExists, "PRODUCT_TYPE_NAME_TAKEN",
                 "a product type with this name exists", "product_type.name");
  }
  return created;
}

absl::StatusOr<v1::ProductType> CatalogStore::GetType(const std::string& id, int64_t version) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) { return ReadType(tx, id, version); });
}

absl::StatusOr<Page<v1::ProductType>> CatalogStore::ListTypes(bool include_archived,
                                                              const std::string& after_id,
                                                              int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::ProductType>> {
    std::vector<v1::ProductType> items;
    for (const pqxx::row& r :
         tx.exec_prepared("pi_cat_list_types", include_archived, after_id, limit + 1)) {
      ASSIGN_OR_RETURN(v1::ProductType t, ReadType(tx, r[0].as<std::string>(), 0));
      items.push_back(std::move(t));
    }
    return CutPage<v1::ProductType>(std::move(items), limit, [](const v1::ProductType& t) {
      return pagetoken::Cursor{0, t.id()};
    });
  });
}

absl::StatusOr<v1::ProductType> CatalogStore::UpdateType(
    const google::protobuf::FieldMask& mask, const v1::ProductType& update, absl::Time now,
    const std::function<absl::Status(v1::ProductType&)>& validate) {
  now = TruncateToMicros(now);
  absl::StatusOr<v1::ProductType> updated =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::ProductType> {
        if (tx.exec_prepared("pi_cat_lock_type", update.id()).empty()) {
          return NotFound("PRODUCT_TYPE_NOT_FOUND", "no such product type");
        }
        ASSIGN_OR_RETURN(v1::ProductType current, ReadType(tx, update.id(), 0));
        if (update.version() != current.version()) return StaleVersion("product type", current);
        v1::ProductType merged = current;
        for (const std::string& path : mask.paths()) {
          if (path == "name") {
            merged.set_name(update.name());
          } else if (path == "description") {
            merged.set_description(update.description());
          } else if (path == "parameters") {
            *merged.mutable_parameters() = update.parameters();
          } else if (path == "allowed_sale_modes") {
            *merged.mutable_allowed_sale_modes() = update.allowed_sale_modes();
          }
        }
        RETURN_IF_ERROR(validate(merged));
        const int64_t version = current.version() + 1;
        v1::ProductType body = merged;
        body.clear_id();
        body.clear_version();
        body.clear_created_at();
        body.clear_updated_at();
        body.clear_archived();
        tx.exec_prepared0("pi_cat_insert_type_version", update.id(), version,
                          Blob(body.SerializeAsString()), PgTime(now));
        tx.exec_prepared0("pi_cat_update_type", update.id(), merged.name(), version, PgTime(now));
        return ReadType(tx, update.id(), 0);
      });
  if (!updated.ok() && db::ConstraintOf(updated.status()) == "product_types_owner_name_key") {
    return Error(absl::StatusCode::kAlreadyExists, "PRODUCT_TYPE_NAME_TAKEN",
                 "a product type with this name exists", "product_type.name");
  }
  return updated;
}

absl::StatusOr<v1::ProductType> CatalogStore::ArchiveType(const std::string& id, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::ProductType> {
    tx.exec_prepared0("pi_cat_archive_type", id, PgTime(TruncateToMicros(now)));
    return ReadType(tx, id, 0);
  });
}

// ---- shipping profiles ----

absl::StatusOr<v1::ShippingProfile> CatalogStore::CreateProfile(const std::string& owner_id,
                                                                v1::ShippingProfile profile,
                                                                absl::Time now) {
  now = TruncateToMicros(now);
  absl::StatusOr<v1::ShippingProfile> created =
      RetryCollisions("shipping_profiles_pkey", "", [&]() -> absl::StatusOr<v1::ShippingProfile> {
        return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::ShippingProfile> {
          const std::string id = new_id_("shp");
          tx.exec_prepared0("pi_cat_insert_profile", id, owner_id, profile.name(),
                            Blob(ProfileBody(profile)), PgTime(now));
          return ReadProfile(tx, id);
        });
      });
  if (!created.ok() && db::ConstraintOf(created.status()) == "shipping_profiles_owner_name_key") {
    return Error(absl::StatusCode::kAlreadyExists, "SHIPPING_PROFILE_NAME_TAKEN",
                 "you have a shipping profile with this name", "shipping_profile.name");
  }
  return created;
}

absl::StatusOr<v1::ShippingProfile> CatalogStore::GetProfile(const std::string& id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) { return ReadProfile(tx, id); });
}

absl::StatusOr<Page<v1::ShippingProfile>> CatalogStore::ListProfiles(const std::string& owner_id,
                                                                     const std::string& after_id,
                                                                     int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::ShippingProfile>> {
    std::vector<v1::ShippingProfile> items;
    for (const pqxx::row& r :
         tx.exec_prepared("pi_cat_list_profiles", owner_id, after_id, limit + 1)) {
      ASSIGN_OR_RETURN(v1::ShippingProfile p, ReadProfile(tx, r[0].as<std::string>()));
      items.push_back(std::move(p));
    }
    return CutPage<v1::ShippingProfile>(std::move(items), limit, [](const v1::ShippingProfile& p) {
      return pagetoken::Cursor{0, p.id()};
    });
  });
}

absl::StatusOr<v1::ShippingProfile> CatalogStore::UpdateProfile(
    const auth::Caller& caller, const google::protobuf::FieldMask& mask,
    const v1::ShippingProfile& update, absl::Time now,
    const std::function<absl::Status(const v1::ShippingProfile&)>& validate) {
  now = TruncateToMicros(now);
  absl::StatusOr<v1::ShippingProfile> updated =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::ShippingProfile> {
        pqxx::result lock = tx.exec_prepared("pi_cat_lock_profile", update.id());
        if (lock.empty()) return NotFound("SHIPPING_PROFILE_NOT_FOUND", "no such shipping profile");
        if (lock[0][0].as<std::string>() != caller.user_id && !IsAdmin(caller)) {
          return PermissionDenied("NOT_SHIPPING_PROFILE_OWNER", "the profile is another host's");
        }
        ASSIGN_OR_RETURN(v1::ShippingProfile current, ReadProfile(tx, update.id()));
        if (update.version() != current.version()) return StaleVersion("shipping profile", current);
        v1::ShippingProfile merged = current;
        for (const std::string& path : mask.paths()) {
          if (path == "name") {
            merged.set_name(update.name());
          } else if (path == "origin_country_code") {
            merged.set_origin_country_code(update.origin_country_code());
          } else if (path == "handling_time") {
            *merged.mutable_handling_time() = update.handling_time();
          } else if (path == "rates") {
            *merged.mutable_rates() = update.rates();
          }
        }
        RETURN_IF_ERROR(validate(merged));
        tx.exec_prepared0("pi_cat_update_profile", update.id(), merged.name(),
                          Blob(ProfileBody(merged)), current.version() + 1, PgTime(now));
        return ReadProfile(tx, update.id());
      });
  if (!updated.ok() && db::ConstraintOf(updated.status()) == "shipping_profiles_owner_name_key") {
    return Error(absl::StatusCode::kAlreadyExists, "SHIPPING_PROFILE_NAME_TAKEN",
                 "you have a shipping profile with this name", "shipping_profile.name");
  }
  return updated;
}

absl::Status CatalogStore::DeleteProfile(const auth::Caller& caller, const std::string& id,
                                         absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result lock = tx.exec_prepared("pi_cat_lock_profile", id);
    if (lock.empty()) return NotFound("SHIPPING_PROFILE_NOT_FOUND", "no such shipping profile");
    if (lock[0][0].as<std::string>() != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_SHIPPING_PROFILE_OWNER", "the profile is another host's");
    }
    if (!tx.exec_prepared("pi_cat_profile_in_use", id).empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, "SHIPPING_PROFILE_IN_USE",
                   "a listed or paused product uses this profile");
    }
    tx.exec_prepared0("pi_cat_delete_profile", id, PgTime(TruncateToMicros(now)));
    return absl::OkStatus();
  });
}

// ---- products ----

absl::StatusOr<v1::Product> CatalogStore::CreateProduct(const auth::Caller& caller,
                                                        const NewProduct& input,
                                                        const PricingRules& rules, absl::Time now) {
  now = TruncateToMicros(now);
  const v1::Product& draft = input.draft;
  return RetryCollisions(
      "products_pkey", "products_idempotency_key", [&]() -> absl::StatusOr<v1::Product> {
        return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Product> {
          pqxx::result seen =
              tx.exec_prepared("pi_cat_product_by_key", caller.user_id, input.idempotency_key);
          if (!seen.empty()) {
            ASSIGN_OR_RETURN(std::optional<v1::Product> first,
                             ReadProduct(tx, seen[0][0].as<std::string>(), false));
            RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&*first}));
            return *first;
          }
          if (!draft.stream_id().empty() && ids::IsValidId(draft.stream_id(), "str")) {
            RETURN_IF_ERROR(CheckStream(tx, caller, caller.user_id, draft.stream_id()));
          }
          std::optional<v1::ProductType> type;
          if (!draft.product_type_id().empty()) {
            ASSIGN_OR_RETURN(type, ReadType(tx, draft.product_type_id(), 0));
            if (type->archived()) {
              return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_TYPE_ARCHIVED",
                           "this product type takes no new products", "product.product_type_id");
            }
          }
          std::optional<v1::ShippingProfile> profile;
          if (!draft.shipping_profile_id().empty()) {
            ASSIGN_OR_RETURN(profile, ReadProfile(tx, draft.shipping_profile_id()));
            if (profile->owner_id() != caller.user_id) {
              return PermissionDenied("NOT_SHIPPING_PROFILE_OWNER",
                                      "the shipping profile is another host's");
            }
          }
          Violations violations;
          ValidateDraft(draft,
                        DraftContext{type ? &*type : nullptr, profile ? &*profile : nullptr,
                                     input.initial_stock},
                        rules, violations);
          RETURN_IF_ERROR(violations.ToStatus());

          v1::Product product = draft;
          product.set_id(new_id_("prd"));
          product.set_seller_id(caller.user_id);
          product.set_product_type_version(type->version());
          product.set_version(1);
          ToProto(now, product.mutable_created_at());
          ToProto(now, product.mutable_updated_at());
          const common::v1::Money& price = ListedPrice(product);
          tx.exec_prepared0("pi_cat_insert_product", product.id(), caller.user_id,
                            product.stream_id(), product.product_type_id(), type->version(),
                            product.title(), static_cast<int>(product.status()),
                            static_cast<int>(product.sale_mode()), price.amount_minor(),
                            price.currency(), product.shipping_profile_id(),
                            Blob(ProductBody(product)), input.idempotency_key, PgTime(now));
          // The stock area's row, in this transaction (common/hooks.h).
          if (stock_ != nullptr) {
            RETURN_IF_ERROR(stock_->CreateStock(tx, product.id(), input.initial_stock, now));
            RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&product}));
          }
          AnnounceProduct(tx, product, /*created=*/true, product.stream_id());
          return product;
        });
      });
}

absl::StatusOr<v1::FieldViolations> CatalogStore::ValidateProduct(const auth::Caller& caller,
                                                                  const v1::Product& draft,
                                                                  int64_t initial_stock,
                                                                  const PricingRules& rules) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::FieldViolations> {
    Violations violations;
    if (!draft.stream_id().empty() && ids::IsValidId(draft.stream_id(), "str")) {
      absl::Status stream = CheckStream(tx, caller, caller.user_id, draft.stream_id());
      if (!stream.ok()) {
        violations.Add("product.stream_id", ReasonOf(stream), stream.message());
      }
    }
    std::optional<v1::ProductType> type;
    if (!draft.product_type_id().empty()) {
      absl::StatusOr<v1::ProductType> read = ReadType(tx, draft.product_type_id(), 0);
      if (read.ok()) type = *std::move(read);
    }
    std::optional<v1::ShippingProfile> profile;
    if (!draft.shipping_profile_id().empty()) {
      absl::StatusOr<v1::ShippingProfile> read = ReadProfile(tx, draft.shipping_profile_id());
      if (read.ok() && read->owner_id() == caller.user_id) profile = *std::move(read);
    }
    ValidateDraft(
        draft, DraftContext{type ? &*type : nullptr, profile ? &*profile : nullptr, initial_stock},
        rules, violations);
    return violations.list();
  });
}

absl::StatusOr<v1::Product> CatalogStore::GetProduct(const std::string& id,
                                                     const auth::Caller* caller) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Product> {
    ASSIGN_OR_RETURN(std::optional<v1::Product> product, ReadProduct(tx, id, false));
    const bool seller = caller != nullptr && product.has_value() &&
                        (caller->user_id == product->seller_id() || IsAdmin(*caller));
    if (!product.has_value() || (product->status() == v1::PRODUCT_STATUS_DRAFT && !seller)) {
      return NotFound("PRODUCT_NOT_FOUND", "no such product");
    }
    RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&*product}));
    return *product;
  });
}

absl::StatusOr<v1::Product> CatalogStore::UpdateProduct(const auth::Caller& caller,
                                                        const google::protobuf::FieldMask& mask,
                                                        const v1::Product& update,
                                                        const PricingRules& rules, absl::Time now) {
  now = TruncateToMicros(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Product> {
    ASSIGN_OR_RETURN(std::optional<v1::Product> found, ReadProduct(tx, update.id(), true));
    if (!found.has_value() || (found->status() == v1::PRODUCT_STATUS_DRAFT &&
                               found->seller_id() != caller.user_id && !IsAdmin(caller))) {
      return NotFound("PRODUCT_NOT_FOUND", "no such product");
    }
    v1::Product current = *std::move(found);
    if (current.seller_id() != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_PRODUCT_OWNER", "the product is another host's");
    }
    RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&current}));
    if (update.version() != current.version()) return StaleVersion("product", current);
    if (current.status() == v1::PRODUCT_STATUS_ARCHIVED) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_ARCHIVED",
                   "an archived product cannot change");
    }
    v1::Product merged = current;
    bool parameters_changed = false;
    for (const std::string& path : mask.paths()) {
      if (path == "title") {
        merged.set_title(update.title());
      } else if (path == "description") {
        merged.set_description(update.description());
      } else if (path == "image_urls") {
        *merged.mutable_image_urls() = update.image_urls();
      } else if (path == "parameters") {
        *merged.mutable_parameters() = update.parameters();
        parameters_changed = true;
      } else if (path == "sale_mode") {
        merged.set_sale_mode(update.sale_mode());
      } else if (path == "price") {
        if (update.has_price()) {
          *merged.mutable_price() = update.price();
        } else {
          merged.clear_price();
        }
      } else if (path == "auction_settings") {
        if (update.has_auction_settings()) {
          *merged.mutable_auction_settings() = update.auction_settings();
        } else {
          merged.clear_auction_settings();
        }
      } else if (path == "shipping_profile_id") {
        merged.set_shipping_profile_id(update.shipping_profile_id());
      } else if (path == "purchase_limit") {
        *merged.mutable_purchase_limit() = update.purchase_limit();
      } else if (path == "hold_duration") {
        *merged.mutable_hold_duration() = update.hold_duration();
      } else if (path == "weight_grams") {
        merged.set_weight_grams(update.weight_grams());
      } else if (path == "status") {
        if (update.status() == v1::PRODUCT_STATUS_DRAFT &&
            current.status() != v1::PRODUCT_STATUS_DRAFT) {
          return Error(absl::StatusCode::kFailedPrecondition, "STATUS_TRANSITION_INVALID",
                       "a product that was on sale cannot become a draft again", "product.status");
        }
        merged.set_status(update.status());
      } else if (path == "stream_id") {
        merged.set_stream_id(update.stream_id());
      }
    }
    // A running auction's or lottery's refusal comes first: it is why, whatever else is wrong.
    if (guards_ != nullptr) {
      for (SaleGuard* guard : *guards_) {
        RETURN_IF_ERROR(merged.status() == v1::PRODUCT_STATUS_ARCHIVED
                            ? guard->CheckArchive(tx, current.id())
                            : guard->CheckUpdate(tx, current, merged));
      }
    }
    if (merged.stream_id() != current.stream_id() && !merged.stream_id().empty() &&
        ids::IsValidId(merged.stream_id(), "str")) {
      RETURN_IF_ERROR(CheckStream(tx, caller, current.seller_id(), merged.stream_id()));
    }
    // The schema the product was made with, unless its parameters change: then the latest.
    ASSIGN_OR_RETURN(v1::ProductType type,
                     ReadType(tx, merged.product_type_id(),
                              parameters_changed ? 0 : current.product_type_version()));
    // An archived type keeps its products; only new ones are refused.
    type.set_archived(false);
    std::optional<v1::ShippingProfile> profile;
    {
      absl::StatusOr<v1::ShippingProfile> read = ReadProfile(tx, merged.shipping_profile_id());
      if (read.ok() && read->owner_id() == current.seller_id()) profile = *std::move(read);
    }
    Violations violations;
    ValidateDraft(merged, DraftContext{&type, profile ? &*profile : nullptr, std::nullopt}, rules,
                  violations);
    RETURN_IF_ERROR(violations.ToStatus());

    if (stock_ != nullptr) RETURN_IF_ERROR(stock_->UpdateRules(tx, current, merged, now));
    merged.set_product_type_version(type.version());
    merged.set_version(current.version() + 1);
    ToProto(now, merged.mutable_updated_at());
    const common::v1::Money& price = ListedPrice(merged);
    tx.exec_prepared0("pi_cat_update_product", merged.id(), merged.stream_id(), type.version(),
                      merged.title(), static_cast<int>(merged.status()),
                      static_cast<int>(merged.sale_mode()), price.amount_minor(), price.currency(),
                      merged.shipping_profile_id(), Blob(ProductBody(merged)), merged.version(),
                      PgTime(now));
    AnnounceProduct(tx, merged, /*created=*/false, merged.stream_id());
    if (current.stream_id() != merged.stream_id()) {
      AnnounceProduct(tx, merged, /*created=*/false, current.stream_id());
    }
    return merged;
  });
}

absl::StatusOr<v1::Product> CatalogStore::ArchiveProduct(const auth::Caller& caller,
                                                         const std::string& id, absl::Time now) {
  now = TruncateToMicros(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Product> {
    ASSIGN_OR_RETURN(std::optional<v1::Product> found, ReadProduct(tx, id, true));
    if (!found.has_value() || (found->status() == v1::PRODUCT_STATUS_DRAFT &&
                               found->seller_id() != caller.user_id && !IsAdmin(caller))) {
      return NotFound("PRODUCT_NOT_FOUND", "no such product");
    }
    v1::Product product = *std::move(found);
    if (product.seller_id() != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_PRODUCT_OWNER", "the product is another host's");
    }
    RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&product}));
    if (product.status() == v1::PRODUCT_STATUS_ARCHIVED) return product;  // idempotent
    // Under the product's row lock, which an auction's or lottery's start also takes: a start
    // and an archive never both succeed.
    if (guards_ != nullptr) {
      for (SaleGuard* guard : *guards_) RETURN_IF_ERROR(guard->CheckArchive(tx, product.id()));
    }
    product.set_status(v1::PRODUCT_STATUS_ARCHIVED);
    product.set_version(product.version() + 1);
    ToProto(now, product.mutable_updated_at());
    const common::v1::Money& price = ListedPrice(product);
    tx.exec_prepared0("pi_cat_update_product", product.id(), product.stream_id(),
                      product.product_type_version(), product.title(),
                      static_cast<int>(product.status()), static_cast<int>(product.sale_mode()),
                      price.amount_minor(), price.currency(), product.shipping_profile_id(),
                      Blob(ProductBody(product)), product.version(), PgTime(now));
    AnnounceProduct(tx, product, /*created=*/false, product.stream_id());
    return product;
  });
}

absl::StatusOr<Page<v1::Product>> CatalogStore::ListStreamProducts(const std::string& stream_id,
                                                                   const std::vector<int>& statuses,
                                                                   const auth::Caller* caller,
                                                                   const pagetoken::Cursor& after,
                                                                   int limit) {
  // Everyone sees LISTED and PAUSED; the seller (and admins) also DRAFT.
  std::vector<int> visible, own;
  const std::vector<int> asked =
      statuses.empty() ? std::vector<int>{v1::PRODUCT_STATUS_DRAFT, v1::PRODUCT_STATUS_LISTED,
                                          v1::PRODUCT_STATUS_PAUSED}
                       : statuses;
  for (int s : asked) {
    if (s != v1::PRODUCT_STATUS_DRAFT) visible.push_back(s);
    own.push_back(s);
  }
  const bool admin = caller != nullptr && IsAdmin(*caller);
  if (admin) visible = own;
  const std::string caller_id = caller != nullptr ? caller->user_id : "";
  ASSIGN_OR_RETURN(std::string after_time, CursorTime(after));
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::Product>> {
    std::vector<v1::Product> items;
    for (const pqxx::row& r :
         tx.exec_prepared("pi_cat_list_stream_products", stream_id, after_time, after.id,
                          db::IntArray(visible), db::IntArray(own), caller_id, limit + 1)) {
      ASSIGN_OR_RETURN(std::optional<v1::Product> p,
                       ReadProduct(tx, r[0].as<std::string>(), false));
      if (p.has_value()) items.push_back(*std::move(p));
    }
    std::vector<v1::Product*> refs;
    for (v1::Product& p : items) refs.push_back(&p);
    RETURN_IF_ERROR(FillStock(tx, stock_, images_, refs));
    return CutPage<v1::Product>(std::move(items), limit, [](const v1::Product& p) {
      return pagetoken::Cursor{absl::ToUnixMicros(FromProto(p.created_at())), p.id()};
    });
  });
}

absl::StatusOr<Page<v1::Product>> CatalogStore::ListMyProducts(const std::string& seller_id,
                                                               const std::vector<int>& statuses,
                                                               const std::string& stream_id,
                                                               const pagetoken::Cursor& after,
                                                               int limit) {
  const std::vector<int> asked =
      statuses.empty() ? std::vector<int>{v1::PRODUCT_STATUS_DRAFT, v1::PRODUCT_STATUS_LISTED,
                                          v1::PRODUCT_STATUS_PAUSED}
                       : statuses;
  ASSIGN_OR_RETURN(std::string after_time, CursorTime(after));
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::Product>> {
    std::vector<v1::Product> items;
    for (const pqxx::row& r :
         tx.exec_prepared("pi_cat_list_my_products", seller_id, after_time, after.id,
                          db::IntArray(asked), stream_id, limit + 1)) {
      ASSIGN_OR_RETURN(std::optional<v1::Product> p,
                       ReadProduct(tx, r[0].as<std::string>(), false));
      if (p.has_value()) items.push_back(*std::move(p));
    }
    std::vector<v1::Product*> refs;
    for (v1::Product& p : items) refs.push_back(&p);
    RETURN_IF_ERROR(FillStock(tx, stock_, images_, refs));
    return CutPage<v1::Product>(std::move(items), limit, [](const v1::Product& p) {
      return pagetoken::Cursor{absl::ToUnixMicros(FromProto(p.created_at())), p.id()};
    });
  });
}

absl::StatusOr<std::optional<v1::Product>> CatalogStore::LockProduct(pqxx::work& tx,
                                                                     const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<v1::Product> product, ReadProduct(tx, id, true));
  if (product.has_value()) RETURN_IF_ERROR(FillStock(tx, stock_, images_, {&*product}));
  return product;
}

void CatalogStore::AnnounceUpdated(pqxx::work& tx, const v1::Product& product) {
  AnnounceProduct(tx, product, /*created=*/false, product.stream_id());
}

absl::Status CatalogStore::AnnounceCurrent(pqxx::work& tx, const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<v1::Product> product, LockProduct(tx, id));
  if (product.has_value()) AnnounceUpdated(tx, *product);
  return absl::OkStatus();
}

}  // namespace shopcast::product_inventory::catalog
