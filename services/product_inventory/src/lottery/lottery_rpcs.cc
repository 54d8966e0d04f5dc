#include "lottery/lottery_rpcs.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/paging.h"
#include "common/pg_time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::lottery {
namespace {

absl::Status WindowInvalid(absl::string_view field, absl::string_view message) {
  return InvalidArgument(field, "WINDOW_INVALID", message);
}

}  // namespace

absl::StatusOr<StartParams> CheckStart(const v1::StartLotteryRequest& request, absl::Time now) {
  RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
  RETURN_IF_ERROR(CheckId(request.product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
  StartParams p;
  p.product_id = request.product_id();
  p.key = request.idempotency_key();
  if (request.units() < 1 || request.units() > kMaxUnits) {
    return InvalidArgument("units", "UNITS_OUT_OF_RANGE", "units must be 1..10000");
  }
  p.units = request.units();
  p.opens_at = now;
  if (request.has_opens_at()) {
    p.opens_at = FromProto(request.opens_at());
    if (p.opens_at < now - kClockSkew || p.opens_at > now + kMaxLeadTime) {
      return WindowInvalid("opens_at", "opens_at must be now..7 days ahead");
    }
    if (p.opens_at < now) p.opens_at = now;
  }
  if (request.has_closes_at() == request.has_duration()) {
    return WindowInvalid("closes_at", "exactly one of closes_at and duration is required");
  }
  const absl::Duration window = request.has_duration()
                                    ? DurationOf(request.duration())
                                    : FromProto(request.closes_at()) - p.opens_at;
  if (window < kMinWindow || window > kMaxWindow) {
    return WindowInvalid(request.has_duration() ? "duration" : "closes_at",
                         "the entry window must last 10 s..24 h");
  }
  p.closes_at = p.opens_at + window;
  if (request.has_winner_hold_duration()) {
    p.winner_hold = DurationOf(request.winner_hold_duration());
    if (p.winner_hold < kMinWinnerHold || p.winner_hold > kMaxWinnerHold ||
        p.winner_hold != absl::Seconds(absl::ToInt64Seconds(p.winner_hold))) {
      return InvalidArgument("winner_hold_duration", "HOLD_DURATION_OUT_OF_RANGE",
                             "winner_hold_duration must be whole seconds in 5 min..24 h");
    }
  }
  return p;
}

LotteryRpcs::LotteryRpcs(LotteryStore& store, EntryEvents& entry_events,
                         const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
                         const pagetoken::Codec& page_tokens, server::Executor& executor)
    : store_(store),
      entry_events_(entry_events),
      callers_(verifier, revoked),
      page_tokens_(page_tokens),
      executor_(executor) {}

grpc::ServerUnaryReactor* LotteryRpcs::StartLottery(grpc::CallbackServerContext* ctx,
                                                    const v1::StartLotteryRequest* request,
                                                    v1::StartLotteryResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    ASSIGN_OR_RETURN(StartParams params, CheckStart(*request, TruncateToMicros(absl::Now())));
    ASSIGN_OR_RETURN(*response->mutable_lottery(), store_.Start(caller, params));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LotteryRpcs::EnterLottery(grpc::CallbackServerContext* ctx,
                                                    const v1::EnterLotteryRequest* request,
                                                    v1::EnterLotteryResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->lottery_id(), "lot", "lottery_id", "LOTTERY_NOT_FOUND"));
    ASSIGN_OR_RETURN(Entry entry, store_.Enter(caller, request->lottery_id()));
    if (!entry.already_entered) entry_events_.MarkEntered(request->lottery_id());
    *response->mutable_lottery() = std::move(entry.lottery);
    response->set_already_entered(entry.already_entered);
    ToProto(entry.entered_at, response->mutable_entered_at());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LotteryRpcs::GetLottery(grpc::CallbackServerContext* ctx,
                                                  const v1::GetLotteryRequest* request,
                                                  v1::GetLotteryResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, callers_.MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->lottery_id(), "lot", "lottery_id", "LOTTERY_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_lottery(),
                     store_.Get(request->lottery_id(), caller ? &*caller : nullptr,
                                request->include_entrants()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LotteryRpcs::ListLotteries(grpc::CallbackServerContext* ctx,
                                                     const v1::ListLotteriesRequest* request,
                                                     v1::ListLotteriesResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, callers_.MaybeAuthenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->stream_id(), "str", "stream_id", "STREAM_NOT_FOUND"));
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list = absl::StrCat("lotteries;", request->stream_id());
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    ASSIGN_OR_RETURN(Page<v1::Lottery> page,
                     store_.List(request->stream_id(), caller ? &*caller : nullptr, after, limit));
    for (v1::Lottery& l : page.items) *response->add_lotteries() = std::move(l);
    if (page.next) {
      response->mutable_page()->set_next_page_token(page_tokens_.Encode(list, *page.next));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LotteryRpcs::DrawLottery(grpc::CallbackServerContext* ctx,
                                                   const v1::DrawLotteryRequest* request,
                                                   v1::DrawLotteryResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->lottery_id(), "lot", "lottery_id", "LOTTERY_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_lottery(), store_.Draw(caller, request->lottery_id()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LotteryRpcs::CancelLottery(grpc::CallbackServerContext* ctx,
                                                     const v1::CancelLotteryRequest* request,
                                                     v1::CancelLotteryResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->lottery_id(), "lot", "lottery_id", "LOTTERY_NOT_FOUND"));
    ASSIGN_OR_RETURN(*response->mutable_lottery(), store_.Cancel(caller, request->lottery_id()));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::lottery
