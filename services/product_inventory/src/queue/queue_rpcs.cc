#include "queue/queue_rpcs.h"

#include <utility>

#include "queue/queue_rules.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {
namespace {

absl::Status CheckTicketId(const std::string& id) {
  return CheckId(id, "qtk", "queue_ticket_id", reason::kTicketNotFound);
}

}  // namespace

QueueRpcs::QueueRpcs(QueueStore& store, QueueAdvancer& advancer, QueueEvents& events,
                     const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
                     server::Executor& executor,
                     std::function<void(const std::string&)> stock_changed)
    : store_(store),
      advancer_(advancer),
      events_(events),
      callers_(verifier, revoked),
      executor_(executor),
      stock_changed_(std::move(stock_changed)) {}

grpc::ServerUnaryReactor* QueueRpcs::ConfigureQueue(grpc::CallbackServerContext* ctx,
                                                    const v1::ConfigureQueueRequest* request,
                                                    v1::ConfigureQueueResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", reason::kProductNotFound));
    if (!request->has_settings()) {
      return InvalidArgument("settings", reason::kSettingsRequired, "settings are required");
    }
    ASSIGN_OR_RETURN(QueueConfig config, ConfigFromProto(request->settings()));
    ASSIGN_OR_RETURN(ConfigureResult result,
                     store_.Configure(caller, request->product_id(), config));
    advancer_.Wake();
    *response->mutable_settings() = ConfigToProto(result.config);
    response->set_queue_length(result.queue_length);
    response->set_cancelled_tickets(result.cancelled);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueueRpcs::Enqueue(grpc::CallbackServerContext* ctx,
                                             const v1::EnqueueRequest* request,
                                             v1::EnqueueResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", reason::kProductNotFound));
    RETURN_IF_ERROR(CheckQuantity(request->quantity()));
    ASSIGN_OR_RETURN(TicketView view,
                     store_.Enqueue(caller, request->product_id(), request->quantity()));
    events_.MarkDirty(request->product_id());
    advancer_.Wake();
    *response->mutable_ticket() = TicketToProto(view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueueRpcs::GetQueuePosition(grpc::CallbackServerContext* ctx,
                                                      const v1::GetQueuePositionRequest* request,
                                                      v1::GetQueuePositionResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckTicketId(request->queue_ticket_id()));
    ASSIGN_OR_RETURN(TicketView view, store_.Get(caller, request->queue_ticket_id()));
    *response->mutable_ticket() = TicketToProto(view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueueRpcs::LeaveQueue(grpc::CallbackServerContext* ctx,
                                                const v1::LeaveQueueRequest* request,
                                                v1::LeaveQueueResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckTicketId(request->queue_ticket_id()));
    ASSIGN_OR_RETURN(TicketView view, store_.Leave(caller, request->queue_ticket_id()));
    events_.MarkDirty(view.ticket.product_id);
    if (!view.ticket.hold_id.empty() && stock_changed_) stock_changed_(view.ticket.product_id);
    advancer_.Wake();
    *response->mutable_ticket() = TicketToProto(view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueueRpcs::ClaimQueueOffer(grpc::CallbackServerContext* ctx,
                                                     const v1::ClaimQueueOfferRequest* request,
                                                     v1::ClaimQueueOfferResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckTicketId(request->queue_ticket_id()));
    absl::StatusOr<ClaimResult> claimed = store_.Claim(caller, request->queue_ticket_id());
    if (!claimed.ok()) {
      // A lapsed offer found here freed its units: the next in line's turn.
      if (ReasonOf(claimed.status()) == reason::kOfferLapsed) advancer_.Wake();
      return claimed.status();
    }
    *response->mutable_ticket() = TicketToProto(claimed->ticket);
    *response->mutable_reservation() = claimed->reservation;
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::queue
