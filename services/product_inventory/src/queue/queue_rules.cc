#include "queue/queue_rules.h"

#include <algorithm>

#include "common/pg_time.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {

const char* TicketStatusName(TicketStatus s) {
  switch (s) {
    case TicketStatus::kWaiting:
      return "waiting";
    case TicketStatus::kOffered:
      return "offered";
    case TicketStatus::kClaimed:
      return "claimed";
    case TicketStatus::kLapsed:
      return "lapsed";
    case TicketStatus::kLeft:
      return "left";
    case TicketStatus::kCancelled:
      return "cancelled";
  }
  return "waiting";
}

std::optional<TicketStatus> TicketStatusFromName(const std::string& name) {
  for (TicketStatus s : {TicketStatus::kWaiting, TicketStatus::kOffered, TicketStatus::kClaimed,
                         TicketStatus::kLapsed, TicketStatus::kLeft, TicketStatus::kCancelled}) {
    if (name == TicketStatusName(s)) return s;
  }
  return std::nullopt;
}

absl::StatusOr<QueueConfig> ConfigFromProto(const v1::QueueSettings& settings) {
  QueueConfig c;
  c.enabled = settings.enabled();
  if (settings.has_claim_window()) {
    const google::protobuf::Duration& d = settings.claim_window();
    const absl::Duration window = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    if (d.nanos() != 0 || window < kMinClaimWindow || window > kMaxClaimWindow) {
      return InvalidArgument("settings.claim_window", reason::kClaimWindowOutOfRange,
                             "claim_window is 10 s..10 min in whole seconds");
    }
    c.claim_window = window;
  }
  if (settings.max_length() < 0 || settings.max_length() > kMaxMaxLength) {
    return InvalidArgument("settings.max_length", reason::kMaxLengthOutOfRange,
                           "max_length is 0 (default) or 1..100000");
  }
  if (settings.max_length() > 0) c.max_length = settings.max_length();
  return c;
}

v1::QueueSettings ConfigToProto(const QueueConfig& config) {
  v1::QueueSettings s;
  s.set_enabled(config.enabled);
  s.mutable_claim_window()->set_seconds(absl::ToInt64Seconds(config.claim_window));
  s.set_max_length(config.max_length);
  return s;
}

absl::Status CheckQuantity(int64_t quantity) {
  if (quantity >= 1 && quantity <= kMaxQuantity) return absl::OkStatus();
  return InvalidArgument("quantity", reason::kQuantityOutOfRange, "quantity is 1..100");
}

std::optional<absl::Duration> EstimatedWait(int64_t position, int64_t offers, absl::Duration span) {
  if (position <= 0 || offers <= 0 || span <= absl::ZeroDuration()) return std::nullopt;
  return absl::Seconds(
      absl::ToInt64Seconds(span * static_cast<double>(position) / static_cast<double>(offers)));
}

int32_t OfferQuantity(int32_t wanted, int64_t available) {
  if (available <= 0 || wanted <= 0) return 0;
  return static_cast<int32_t>(std::min<int64_t>(wanted, available));
}

v1::QueueTicketStatus StatusToProto(TicketStatus s) {
  switch (s) {
    case TicketStatus::kWaiting:
      return v1::QUEUE_TICKET_STATUS_WAITING;
    case TicketStatus::kOffered:
      return v1::QUEUE_TICKET_STATUS_OFFERED;
    case TicketStatus::kClaimed:
      return v1::QUEUE_TICKET_STATUS_CLAIMED;
    case TicketStatus::kLapsed:
      return v1::QUEUE_TICKET_STATUS_LAPSED;
    case TicketStatus::kLeft:
      return v1::QUEUE_TICKET_STATUS_LEFT;
    case TicketStatus::kCancelled:
      return v1::QUEUE_TICKET_STATUS_CANCELLED;
  }
  return v1::QUEUE_TICKET_STATUS_UNSPECIFIED;
}

v1::QueueTicket TicketToProto(const TicketView& view) {
  const Ticket& t = view.ticket;
  v1::QueueTicket out;
  out.set_id(t.id);
  out.set_product_id(t.product_id);
  out.set_user_id(t.user_id);
  out.set_status(StatusToProto(t.status));
  out.set_position(t.status == TicketStatus::kWaiting ? view.position : 0);
  out.set_queue_length(view.queue_length);
  if (t.status == TicketStatus::kWaiting && view.estimated_wait) {
    out.mutable_estimated_wait()->set_seconds(absl::ToInt64Seconds(*view.estimated_wait));
  }
  out.set_quantity(t.quantity);
  ToProto(t.enqueued_at, out.mutable_enqueued_at());
  if (t.status == TicketStatus::kOffered && t.offered_until) {
    ToProto(*t.offered_until, out.mutable_offer_expires_at());
  }
  out.set_sequence(t.sequence);
  out.set_reservation_id(t.hold_id);
  out.set_offered_quantity(t.offered_quantity);
  if (t.offered_at) ToProto(*t.offered_at, out.mutable_offered_at());
  if (t.settled_at) ToProto(*t.settled_at, out.mutable_settled_at());
  out.set_cancel_reason(t.cancel_reason);
  return out;
}

}  // namespace shopcast::product_inventory::queue
