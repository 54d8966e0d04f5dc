#include "auctions/auction_rpcs.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/paging.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions {
AuctionRpcs::AuctionRpcs(AuctionStore& store, const auth::TokenVerifier& verifier,
                         const auth::RevocationList* revoked, const pagetoken::Codec& page_tokens,
                         server::Executor& executor)
    : store_(store), callers_(verifier, revoked), page_tokens_(page_tokens), executor_(executor) {}

grpc::ServerUnaryReactor* AuctionRpcs::StartAuction(grpc::CallbackServerContext* ctx,
                                                    const v1::StartAuctionRequest* request,
                                                    v1::StartAuctionResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckIdempotencyKey(request->idempotency_key()));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
    absl::Duration duration;
    if (request->has_duration()) {
      duration = product_inventory::DurationOf(request->duration());
      if (duration < kMinDuration || duration > kMaxDuration) {
        return InvalidArgument("duration", "DURATION_OUT_OF_RANGE", "duration must be 10 s..1 h");
      }
    }
    ASSIGN_OR_RETURN(
        *response->mutable_auction(),
        store_.Start(caller, request->product_id(), duration, request->idempotency_key()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::PlaceBid(grpc::CallbackServerContext* ctx,
                                                const v1::PlaceBidRequest* request,
                                                v1::PlaceBidResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckIdempotencyKey(request->idempotency_key()));
    RETURN_IF_ERROR(CheckId(request->auction_id(), "auc", "auction_id", "AUCTION_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response, store_.PlaceBid(caller, request->auction_id(), request->amount(),
                                                request->idempotency_key()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::GetAuction(grpc::CallbackServerContext* ctx,
                                                  const v1::GetAuctionRequest* request,
                                                  v1::GetAuctionResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, callers_.MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->auction_id(), "auc", "auction_id", "AUCTION_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_auction(),
                     store_.Get(request->auction_id(), caller ? &*caller : nullptr));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::ListAuctions(grpc::CallbackServerContext* ctx,
                                                    const v1::ListAuctionsRequest* request,
                                                    v1::ListAuctionsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, callers_.MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id", "STREAM_NOT_FOUND"));
    const int status = request->status();
    if (status < 0 || status > v1::AUCTION_STATUS_CLOSED) {
      return InvalidArgument("status", "STATUS_INVALID", "unknown auction status");
    }
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("auctions;", request->stream_id(), ";", status);
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(
        Page<v1::Auction> page,
        store_.List(request->stream_id(), status, caller ? &*caller : nullptr, after, limit));
    for (v1::Auction& a : page.items) *response->add_auctions() = std::move(a);
    if (page.next) {
      response->mutable_page()->set_next_page_token(page_tokens_.Encode(list, *page.next));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::ListBids(grpc::CallbackServerContext* ctx,
                                                const v1::ListBidsRequest* request,
                                                v1::ListBidsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckId(request->auction_id(), "auc", "auction_id", "AUCTION_NOT_FOUND"));
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("bids;", request->auction_id());
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(Page<v1::Bid> page, store_.ListBids(request->auction_id(), after, limit));
    for (v1::Bid& b : page.items) *response->add_bids() = std::move(b);
    if (page.next) {
      response->mutable_page()->set_next_page_token(page_tokens_.Encode(list, *page.next));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::BuyNow(grpc::CallbackServerContext* ctx,
                                              const v1::BuyNowRequest* request,
                                              v1::BuyNowResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckIdempotencyKey(request->idempotency_key()));
    RETURN_IF_ERROR(CheckId(request->auction_id(), "auc", "auction_id", "AUCTION_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response,
                     store_.BuyNow(caller, request->auction_id(), request->expected_price(),
                                   request->idempotency_key()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuctionRpcs::CloseAuction(grpc::CallbackServerContext* ctx,
                                                    const v1::CloseAuctionRequest* request,
                                                    v1::CloseAuctionResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->auction_id(), "auc", "auction_id", "AUCTION_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_auction(),
                     store_.Close(caller, request->auction_id(), request->cancel()));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::auctions
