#include "catalog/catalog_rpcs.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "catalog/product_rules.h"
#include "catalog/schema.h"
#include "catalog/shipping_rules.h"
#include "common/paging.h"
#include "shopcast/auth/caller.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::catalog {
namespace {

bool PrintableAscii(const std::string& s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

absl::Status RequireAdmin(const auth::Caller& caller) {
  return auth::RequireRole(caller, auth::Role::kAdmin);
}

absl::Status RequireHost(const auth::Caller& caller) {
  return auth::RequireRole(caller, auth::Role::kHost);
}

// Every path of `mask` is one of `allowed`; the mask is not empty.
absl::Status CheckMask(const google::protobuf::FieldMask& mask,
                       const std::set<std::string>& allowed) {
  if (mask.paths().empty()) {
    return InvalidArgument("update_mask", "UPDATE_MASK_REQUIRED", "name the fields to change");
  }
  for (const std::string& path : mask.paths()) {
    if (allowed.count(path) == 0) {
      return InvalidArgument("update_mask", "FIELD_NOT_UPDATABLE",
                             "update_mask names a field that cannot be changed here");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckId(const std::string& id, absl::string_view prefix, absl::string_view field,
                     absl::string_view not_found_reason) {
  if (id.empty()) return InvalidArgument(field, "ID_REQUIRED", absl::StrCat(field, " is required"));
  // A malformed id names nothing: NOT_FOUND, as for an unknown one, keeps ids opaque.
  if (!ids::IsValidId(id, prefix)) return NotFound(not_found_reason, "no such id");
  return absl::OkStatus();
}

std::vector<int> StatusesOf(const google::protobuf::RepeatedField<int>& statuses) {
  std::set<int> unique(statuses.begin(), statuses.end());
  return {unique.begin(), unique.end()};
}

absl::Status CheckStatuses(const std::vector<int>& statuses) {
  for (int s : statuses) {
    if (s < v1::PRODUCT_STATUS_DRAFT || s > v1::PRODUCT_STATUS_ARCHIVED) {
      return InvalidArgument("statuses", "STATUS_INVALID", "unknown product status");
    }
  }
  return absl::OkStatus();
}

void SetNext(const pagetoken::Codec& codec, absl::string_view list,
             const std::optional<pagetoken::Cursor>& next, common::v1::PageResponse* page) {
  if (next.has_value()) page->set_next_page_token(codec.Encode(list, *next));
}

}  // namespace

CatalogRpcs::CatalogRpcs(CatalogStore& store, const auth::TokenVerifier& verifier,
                         const auth::RevocationList* revoked, const pagetoken::Codec& page_tokens,
                         server::Executor& executor, CatalogOptions options)
    : store_(store),
      verifier_(verifier),
      revoked_(revoked),
      page_tokens_(page_tokens),
      executor_(executor),
      options_(options) {}

absl::StatusOr<auth::Caller> CatalogRpcs::Authenticate(
    const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, absl::Now());
}

absl::StatusOr<std::optional<auth::Caller>> CatalogRpcs::MaybeAuthenticate(
    const grpc::CallbackServerContext& ctx) const {
  if (ctx.client_metadata().find("authorization") == ctx.client_metadata().end()) {
    return std::optional<auth::Caller>();
  }
  ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(ctx));
  return std::optional<auth::Caller>(std::move(caller));
}

// ---- products ----

grpc::ServerUnaryReactor* CatalogRpcs::CreateProduct(grpc::CallbackServerContext* ctx,
                                                     const v1::CreateProductRequest* request,
                                                     v1::CreateProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    if (!PrintableAscii(request->idempotency_key(), 1, 64)) {
      return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_INVALID",
                             "idempotency_key is 1..64 printable ASCII characters");
    }
    NewProduct input;
    input.draft = request->product();
    NormalizeDraft(input.draft, /*creating=*/true);
    input.initial_stock = request->initial_stock();
    input.idempotency_key = request->idempotency_key();
    ASSIGN_OR_RETURN(*response->mutable_product(),
                     store_.CreateProduct(caller, input, options_.pricing, absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::GetProduct(grpc::CallbackServerContext* ctx,
                                                  const v1::GetProductRequest* request,
                                                  v1::GetProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_product(),
                     store_.GetProduct(request->product_id(), caller ? &*caller : nullptr));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::UpdateProduct(grpc::CallbackServerContext* ctx,
                                                     const v1::UpdateProductRequest* request,
                                                     v1::UpdateProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    RETURN_IF_ERROR(CheckMask(request->update_mask(),
                              {"title", "description", "image_urls", "parameters", "sale_mode",
                               "price", "auction_settings", "shipping_profile_id", "purchase_limit",
                               "hold_duration", "status", "stream_id", "weight_grams"}));
    RETURN_IF_ERROR(CheckId(request->product().id(), "prd", "product.id", "PRODUCT_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_product(),
                     store_.UpdateProduct(caller, request->update_mask(), request->product(),
                                          options_.pricing, absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ArchiveProduct(grpc::CallbackServerContext* ctx,
                                                      const v1::ArchiveProductRequest* request,
                                                      v1::ArchiveProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_product(),
                     store_.ArchiveProduct(caller, request->product_id(), absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ListStreamProducts(
    grpc::CallbackServerContext* ctx, const v1::ListStreamProductsRequest* request,
    v1::ListStreamProductsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id", "STREAM_NOT_FOUND"));
    std::vector<int> statuses = StatusesOf(request->statuses());
    RETURN_IF_ERROR(CheckStatuses(statuses));
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list =
        absl::StrCat("stream_products;", request->stream_id(), ";", absl::StrJoin(statuses, ","),
                     ";", caller ? caller->user_id : "");
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(Page<v1::Product> page,
                     store_.ListStreamProducts(request->stream_id(), statuses,
                                               caller ? &*caller : nullptr, after, limit));
    for (v1::Product& p : page.items) *response->add_products() = std::move(p);
    SetNext(page_tokens_, list, page.next, response->mutable_page());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ListMyProducts(grpc::CallbackServerContext* ctx,
                                                      const v1::ListMyProductsRequest* request,
                                                      v1::ListMyProductsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    std::vector<int> statuses = StatusesOf(request->statuses());
    RETURN_IF_ERROR(CheckStatuses(statuses));
    if (!request->stream_id().empty() && !ids::IsValidId(request->stream_id(), "str")) {
      return InvalidArgument("stream_id", "STREAM_ID_INVALID", "stream_id is a str_… id");
    }
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("my_products;", caller.user_id, ";",
                                          absl::StrJoin(statuses, ","), ";", request->stream_id());
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(
        Page<v1::Product> page,
        store_.ListMyProducts(caller.user_id, statuses, request->stream_id(), after, limit));
    for (v1::Product& p : page.items) *response->add_products() = std::move(p);
    SetNext(page_tokens_, list, page.next, response->mutable_page());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ValidateProduct(grpc::CallbackServerContext* ctx,
                                                       const v1::ValidateProductRequest* request,
                                                       v1::ValidateProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    v1::Product draft = request->product();
    NormalizeDraft(draft, /*creating=*/true);
    ASSIGN_OR_RETURN(
        v1::FieldViolations violations,
        store_.ValidateProduct(caller, draft, request->initial_stock(), options_.pricing));
    *response->mutable_violations() = violations.violations();
    // The buy-now prefill, whenever the starting bid and the increments allow one.
    if (draft.sale_mode() == v1::SALE_MODE_AUCTION && draft.has_auction_settings()) {
      const v1::AuctionSettings& settings = draft.auction_settings();
      Violations bid;
      ValidateAuctionSettings(settings, "s", options_.pricing, bid);
      bool usable = settings.has_starting_bid();
      for (const v1::FieldViolation& v : bid.list().violations()) {
        if (v.field() == "s.starting_bid" || v.field() == "s.increments") usable = false;
      }
      if (usable) {
        BuyNowPrices bounds = BuyNowBounds(
            settings.starting_bid(), settings.increments(),
            settings.has_reserve_price() && !bid.Has("s.reserve_price") ? &settings.reserve_price()
                                                                        : nullptr,
            options_.pricing);
        *response->mutable_minimum_buy_now_price() = bounds.minimum;
        *response->mutable_suggested_buy_now_price() = bounds.suggested;
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::SuggestBuyNowPrice(
    grpc::CallbackServerContext* ctx, const v1::SuggestBuyNowPriceRequest* request,
    v1::SuggestBuyNowPriceResponse* response) {
  // Pure arithmetic: answered on the reactor thread, no blocking work.
  absl::Status s = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    // The same checks as the auction settings' starting bid, increments and reserve.
    v1::AuctionSettings settings;
    *settings.mutable_starting_bid() = request->starting_bid();
    *settings.mutable_increments() = request->increments();
    if (request->has_reserve_price()) *settings.mutable_reserve_price() = request->reserve_price();
    settings.mutable_duration()->set_seconds(60);  // not asked about here
    Violations violations;
    if (!request->has_starting_bid()) {
      violations.Add("starting_bid", "STARTING_BID_OUT_OF_RANGE", "a starting bid is required");
    } else {
      Violations checked;
      ValidateAuctionSettings(settings, "", options_.pricing, checked);
      for (const v1::FieldViolation& v : checked.list().violations()) {
        violations.Add(v.field().substr(1), v.reason(), v.description());
      }
    }
    RETURN_IF_ERROR(violations.ToStatus());
    BuyNowPrices bounds = BuyNowBounds(
        request->starting_bid(), request->increments(),
        request->has_reserve_price() ? &request->reserve_price() : nullptr, options_.pricing);
    *response->mutable_minimum() = bounds.minimum;
    *response->mutable_suggested() = bounds.suggested;
    return absl::OkStatus();
  }();
  return server::FinishNow(ctx, s);
}

// ---- product types ----

grpc::ServerUnaryReactor* CatalogRpcs::CreateProductType(
    grpc::CallbackServerContext* ctx, const v1::CreateProductTypeRequest* request,
    v1::CreateProductTypeResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireAdmin(caller));
    v1::ProductType type = request->product_type();
    NormalizeProductType(type);
    Violations violations;
    ValidateProductType(type, "product_type", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    ASSIGN_OR_RETURN(*response->mutable_product_type(), store_.CreateType(type, absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::GetProductType(grpc::CallbackServerContext* ctx,
                                                      const v1::GetProductTypeRequest* request,
                                                      v1::GetProductTypeResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(
        CheckId(request->product_type_id(), "pty", "product_type_id", "PRODUCT_TYPE_NOT_FOUND"));
    if (request->version() < 0) {
      return InvalidArgument("version", "VERSION_INVALID", "version is 0 (latest) or more");
    }
    ASSIGN_OR_RETURN(*response->mutable_product_type(),
                     store_.GetType(request->product_type_id(), request->version()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ListProductTypes(grpc::CallbackServerContext* ctx,
                                                        const v1::ListProductTypesRequest* request,
                                                        v1::ListProductTypesResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("types;", request->include_archived());
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(Page<v1::ProductType> page,
                     store_.ListTypes(request->include_archived(), after.id, limit));
    for (v1::ProductType& t : page.items) *response->add_product_types() = std::move(t);
    SetNext(page_tokens_, list, page.next, response->mutable_page());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::UpdateProductType(
    grpc::CallbackServerContext* ctx, const v1::UpdateProductTypeRequest* request,
    v1::UpdateProductTypeResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireAdmin(caller));
    RETURN_IF_ERROR(CheckMask(request->update_mask(),
                              {"name", "description", "parameters", "allowed_sale_modes"}));
    RETURN_IF_ERROR(
        CheckId(request->product_type().id(), "pty", "product_type.id", "PRODUCT_TYPE_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_product_type(),
                     store_.UpdateType(request->update_mask(), request->product_type(), absl::Now(),
                                       [](v1::ProductType& merged) {
                                         NormalizeProductType(merged);
                                         Violations violations;
                                         ValidateProductType(merged, "product_type", violations);
                                         return violations.ToStatus();
                                       }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ArchiveProductType(
    grpc::CallbackServerContext* ctx, const v1::ArchiveProductTypeRequest* request,
    v1::ArchiveProductTypeResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireAdmin(caller));
    RETURN_IF_ERROR(
        CheckId(request->product_type_id(), "pty", "product_type_id", "PRODUCT_TYPE_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_product_type(),
                     store_.ArchiveType(request->product_type_id(), absl::Now()));
    return absl::OkStatus();
  });
}

// ---- shipping profiles ----

grpc::ServerUnaryReactor* CatalogRpcs::CreateShippingProfile(
    grpc::CallbackServerContext* ctx, const v1::CreateShippingProfileRequest* request,
    v1::CreateShippingProfileResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    Violations violations;
    ValidateShippingProfile(request->shipping_profile(), "shipping_profile", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    ASSIGN_OR_RETURN(
        *response->mutable_shipping_profile(),
        store_.CreateProfile(caller.user_id, request->shipping_profile(), absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::GetShippingProfile(
    grpc::CallbackServerContext* ctx, const v1::GetShippingProfileRequest* request,
    v1::GetShippingProfileResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckId(request->shipping_profile_id(), "shp", "shipping_profile_id",
                            "SHIPPING_PROFILE_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_shipping_profile(),
                     store_.GetProfile(request->shipping_profile_id()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::ListShippingProfiles(
    grpc::CallbackServerContext* ctx, const v1::ListShippingProfilesRequest* request,
    v1::ListShippingProfilesResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("profiles;", caller.user_id);
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(Page<v1::ShippingProfile> page,
                     store_.ListProfiles(caller.user_id, after.id, limit));
    for (v1::ShippingProfile& p : page.items) *response->add_shipping_profiles() = std::move(p);
    SetNext(page_tokens_, list, page.next, response->mutable_page());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::UpdateShippingProfile(
    grpc::CallbackServerContext* ctx, const v1::UpdateShippingProfileRequest* request,
    v1::UpdateShippingProfileResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    RETURN_IF_ERROR(CheckMask(request->update_mask(),
                              {"name", "origin_country_code", "handling_time", "rates"}));
    RETURN_IF_ERROR(CheckId(request->shipping_profile().id(), "shp", "shipping_profile.id",
                            "SHIPPING_PROFILE_NOT_FOUND"));
    ASSIGN_OR_RETURN(
        *response->mutable_shipping_profile(),
        store_.UpdateProfile(caller, request->update_mask(), request->shipping_profile(),
                             absl::Now(), [](const v1::ShippingProfile& merged) {
                               Violations violations;
                               ValidateShippingProfile(merged, "shipping_profile", violations);
                               return violations.ToStatus();
                             }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogRpcs::DeleteShippingProfile(
    grpc::CallbackServerContext* ctx, const v1::DeleteShippingProfileRequest* request,
    v1::DeleteShippingProfileResponse* /*response*/) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    RETURN_IF_ERROR(RequireHost(caller));
    RETURN_IF_ERROR(CheckId(request->shipping_profile_id(), "shp", "shipping_profile_id",
                            "SHIPPING_PROFILE_NOT_FOUND"));
    return store_.DeleteProfile(caller, request->shipping_profile_id(), absl::Now());
  });
}

}  // namespace shopcast::product_inventory::catalog
