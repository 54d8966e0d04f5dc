#include "pins/pins_rpcs.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::pins {
namespace {

// Ids are checked before any lookup: a malformed one is the caller's bug, not an unknown row.
absl::Status CheckId(const std::string& id, absl::string_view prefix, absl::string_view field) {
  if (id.empty()) return InvalidArgument(field, "ID_REQUIRED", absl::StrCat(field, " is required"));
  if (!ids::IsValidId(id, prefix)) {
    return InvalidArgument(field, "ID_INVALID", absl::StrCat(field, " is not a ", prefix, "_ id"));
  }
  return absl::OkStatus();
}

template <typename Response>
void Fill(PinnedView view, Response* response) {
  for (v1::PinnedProduct& pin : view.pins) *response->add_pins() = std::move(pin);
}

}  // namespace

PinsRpcs::PinsRpcs(PinsStore& store, const auth::TokenVerifier& verifier,
                   const auth::RevocationList* revoked, server::Executor& executor, int max_pins)
    : store_(store), callers_(verifier, revoked), executor_(executor), max_pins_(max_pins) {}

grpc::ServerUnaryReactor* PinsRpcs::PinProduct(grpc::CallbackServerContext* ctx,
                                               const v1::PinProductRequest* request,
                                               v1::PinProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id"));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id"));
    if (request->position() < 0 || request->position() >= max_pins_) {
      return InvalidArgument("position", "POSITION_OUT_OF_RANGE",
                             absl::StrCat("position is 0..", max_pins_ - 1));
    }
    ASSIGN_OR_RETURN(PinnedView view,
                     store_.Pin(caller, request->stream_id(), request->product_id(),
                                request->position(), absl::Now()));
    Fill(std::move(view), response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PinsRpcs::UnpinProduct(grpc::CallbackServerContext* ctx,
                                                 const v1::UnpinProductRequest* request,
                                                 v1::UnpinProductResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id"));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id"));
    ASSIGN_OR_RETURN(PinnedView view,
                     store_.Unpin(caller, request->stream_id(), request->product_id()));
    Fill(std::move(view), response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PinsRpcs::ListPinnedProducts(grpc::CallbackServerContext* ctx,
                                                       const v1::ListPinnedProductsRequest* request,
                                                       v1::ListPinnedProductsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id"));
    ASSIGN_OR_RETURN(PinnedView view, store_.List(request->stream_id()));
    for (v1::Product& p : view.products) *response->add_products() = std::move(p);
    Fill(std::move(view), response);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::pins
