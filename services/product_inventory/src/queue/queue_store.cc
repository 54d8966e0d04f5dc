#include "queue/queue_store.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/pg_time.h"
#include "common/room_events.h"
#include "common/user_notifications.h"
#include "queue/offer_hold.h"
#include "queue/offer_notice.h"
#include "queue/queue_rules.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {
namespace {

constexpr int kListed = v1::PRODUCT_STATUS_LISTED;
constexpr int kArchived = v1::PRODUCT_STATUS_ARCHIVED;
// Attempts at a fresh qtk_ id when one collides.
constexpr int kIdAttempts = 5;

std::string PgNow(absl::Time t) { return PgTime(t); }

struct Product {
  std::string seller_id;
  std::string stream_id;
  int status = 0;
  int sale_mode = 0;
  int64_t price_minor = 0;
  std::string currency;
  bool stream_ended = false;
  std::string title;
};

struct Queue {
  QueueConfig config;
  int64_t next_sequence = 1;
  int64_t waiting = 0;
};

struct StockRow {
  int64_t total = 0;
  int64_t held = 0;
  int64_t sold = 0;
  int32_t per_user_limit = 0;
  int32_t limit_window_seconds = 0;
  int32_t hold_seconds = 300;
};

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

absl::StatusOr<Product> ReadProduct(pqxx::work& tx, const std::string& id, bool lock = false) {
  const pqxx::result r = tx.exec_prepared(lock ? "pi_queue_lock_product" : "pi_queue_product", id);
  if (r.empty()) return NotFound(reason::kProductNotFound, "no such product");
  Product p;
  p.seller_id = r[0][0].as<std::string>();
  p.stream_id = r[0][1].as<std::string>();
  p.status = r[0][2].as<int>();
  p.sale_mode = r[0][3].as<int>();
  p.price_minor = r[0][4].as<int64_t>();
  p.currency = r[0][5].as<std::string>();
  p.stream_ended = r[0][6].as<bool>();
  p.title = r[0][7].as<std::string>();
  return p;
}

std::optional<Queue> QueueFromResult(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  Queue q;
  q.config.enabled = r[0][0].as<bool>();
  q.config.claim_window = absl::Seconds(r[0][1].as<int>());
  q.config.max_length = r[0][2].as<int>();
  q.next_sequence = r[0][3].as<int64_t>();
  q.waiting = r[0][4].as<int64_t>();
  return q;
}

std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  const int64_t us = f.as<int64_t>();
  if (us == 0) return std::nullopt;
  return FromMicros(us);
}

Ticket TicketFromRow(const pqxx::row& r) {
  Ticket t;
  t.id = r[0].as<std::string>();
  t.product_id = r[1].as<std::string>();
  t.user_id = r[2].as<std::string>();
  t.sequence = r[3].as<int64_t>();
  t.quantity = r[4].as<int>();
  t.status = TicketStatusFromName(r[5].as<std::string>()).value_or(TicketStatus::kWaiting);
  t.hold_id = r[6].as<std::string>();
  t.offered_quantity = r[7].as<int>();
  t.enqueued_at = FromMicros(r[8].as<int64_t>());
  t.offered_at = OptionalTime(r[9]);
  t.offered_until = OptionalTime(r[10]);
  t.settled_at = OptionalTime(r[11]);
  t.cancel_reason = r[12].as<std::string>();
  return t;
}

absl::StatusOr<Ticket> ReadTicket(pqxx::work& tx, const std::string& id) {
  const pqxx::result r = tx.exec_prepared("pi_queue_ticket", id);
  if (r.empty()) return NotFound(reason::kTicketNotFound, "no such queue ticket");
  return TicketFromRow(r[0]);
}

absl::StatusOr<Ticket> OwnTicket(pqxx::work& tx, const auth::Caller& caller, const std::string& id,
                                 bool admin_may) {
  ASSIGN_OR_RETURN(Ticket t, ReadTicket(tx, id));
  if (t.user_id != caller.user_id && !(admin_may && IsAdmin(caller))) {
    return PermissionDenied(reason::kNotTicketOwner, "this ticket is someone else's");
  }
  return t;
}

StockRow ReadStock(pqxx::work& tx, const std::string& product_id) {
  const pqxx::result r = tx.exec_prepared("pi_queue_stock", product_id);
  StockRow s;
  if (r.empty()) return s;
  s.total = r[0][0].as<int64_t>();
  s.held = r[0][1].as<int64_t>();
  s.sold = r[0][2].as<int64_t>();
  s.per_user_limit = r[0][3].as<int>();
  s.limit_window_seconds = r[0][4].as<int>();
  s.hold_seconds = r[0][5].as<int>();
  return s;
}

// Position, length and estimated wait of `t` (read in `tx`).
TicketView ViewOf(pqxx::work& tx, Ticket t, absl::Time now) {
  TicketView v;
  const std::optional<Queue> q = QueueFromResult(tx.exec_prepared("pi_queue_read", t.product_id));
  v.queue_length = q ? q->waiting : 0;
  if (t.status == TicketStatus::kWaiting) {
    v.position =
        tx.exec_prepared("pi_queue_position", t.product_id, t.sequence)[0][0].as<int64_t>();
    const pqxx::result recent =
        tx.exec_prepared("pi_queue_recent_offers", t.product_id, PgNow(now - kWaitWindow));
    const int64_t offers = recent[0][0].as<int64_t>();
    if (offers > 0) {
      v.estimated_wait =
          EstimatedWait(v.position, offers, now - FromMicros(recent[0][1].as<int64_t>()));
    }
  }
  v.ticket = std::move(t);
  return v;
}

// queue_updated (or queue_offer_made with `offered`) for the room of `stream_id`.
void Announce(pqxx::work& tx, const std::string& stream_id, const std::string& product_id,
              bool enabled, int64_t length, const std::vector<std::string>& offered,
              absl::Time now) {
  if (stream_id.empty()) return;
  realtime_push::v1::RoomEvent event;
  event.set_stream_id(stream_id);
  ToProto(now, event.mutable_occurred_at());
  realtime_push::v1::QueueUpdated* u = event.mutable_queue_updated();
  u->set_product_id(product_id);
  u->set_enabled(enabled);
  u->set_queue_length(length);
  for (const std::string& id : offered) u->add_offered_ticket_ids(id);
  tx.exec_prepared0("pi_queue_announced", product_id, length);
  EnqueueRoomEvent(tx, stream_id, offered.empty() ? "queue_updated" : "queue_offer_made", event);
}

}  // namespace

QueueStore::QueueStore(db::Pool& pool, WallClock clock, NewId new_id,
                       AnnounceProduct announce_product)
    : pool_(pool),
      clock_(std::move(clock)),
      new_id_(std::move(new_id)),
      announce_product_(std::move(announce_product)) {}

absl::Time QueueStore::Now() const { return TruncateToMicros(clock_()); }

absl::StatusOr<ConfigureResult> QueueStore::Configure(const auth::Caller& caller,
                                                      const std::string& product_id,
                                                      const QueueConfig& config) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ConfigureResult> {
    // The product's row first, then the queue's (no path takes them the other way round).
    ASSIGN_OR_RETURN(Product p, ReadProduct(tx, product_id, /*lock=*/true));
    if (p.seller_id != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied(reason::kNotProductOwner, "only the product's host configures it");
    }
    if (p.sale_mode == v1::SALE_MODE_AUCTION) {
      return Error(absl::StatusCode::kFailedPrecondition, reason::kProductIsAuction,
                   "auction products are sold by bidding");
    }
    if (p.status == kArchived) {
      return Error(absl::StatusCode::kFailedPrecondition, reason::kProductArchived,
                   "the product is archived");
    }
    ConfigureResult out;
    out.config = config;
    const pqxx::result up = tx.exec_prepared(
        "pi_queue_upsert", product_id, config.enabled,
        static_cast<int>(absl::ToInt64Seconds(config.claim_window)), config.max_length, PgNow(now));
    out.queue_length = up[0][0].as<int64_t>();
    if (!config.enabled && out.queue_length > 0) {
      out.cancelled = tx.exec_prepared("pi_queue_cancel_waiting", product_id, PgNow(now),
                                       reason::kQueueDisabled)[0][0]
                          .as<int64_t>();
      out.queue_length =
          tx.exec_prepared("pi_queue_add_waiting", product_id, -out.cancelled, PgNow(now))[0][0]
              .as<int64_t>();
    }
    Announce(tx, p.stream_id, product_id, config.enabled, out.queue_length, {}, now);
    // Cards say whether a product sells through its queue: viewers see the switch.
    if (announce_product_) RETURN_IF_ERROR(announce_product_(tx, product_id));
    return out;
  });
}

absl::StatusOr<TicketView> QueueStore::Enqueue(const auth::Caller& caller,
                                               const std::string& product_id, int32_t quantity) {
  for (int attempt = 1;; ++attempt) {
    const absl::Time now = Now();
    const std::string id = new_id_("qtk");
    absl::StatusOr<TicketView> view =
        db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<TicketView> {
          ASSIGN_OR_RETURN(Product p, ReadProduct(tx, product_id));
          // The queue row's lock orders Enqueues: sequences commit in order (V007's header).
          const std::optional<Queue> q =
              QueueFromResult(tx.exec_prepared("pi_queue_lock", product_id));
          if (!q || !q->config.enabled) {
            return Error(absl::StatusCode::kFailedPrecondition, reason::kQueueNotActive,
                         "the product has no active queue");
          }
          const pqxx::result live =
              tx.exec_prepared("pi_queue_live_ticket", product_id, caller.user_id);
          if (!live.empty()) return ViewOf(tx, TicketFromRow(live[0]), now);
          if (p.seller_id == caller.user_id) {
            return PermissionDenied(reason::kSellerCannotBuy,
                                    "a host cannot buy their own product");
          }
          if (p.status != kListed || p.stream_ended) {
            return Error(absl::StatusCode::kFailedPrecondition, reason::kProductNotOnSale,
                         "the product is not on sale");
          }
          if (q->waiting >= q->config.max_length) {
            return Error(absl::StatusCode::kResourceExhausted, reason::kQueueFull,
                         "the queue is full");
          }
          const StockRow s = ReadStock(tx, product_id);
          if (s.total <= s.sold) {
            return Error(absl::StatusCode::kResourceExhausted, reason::kSoldOut,
                         "every unit is sold");
          }
          if (s.per_user_limit > 0) {
            const int64_t used = tx.exec_prepared("pi_queue_buyer_used", product_id, caller.user_id,
                                                  PgNow(now), s.limit_window_seconds)[0][0]
                                     .as<int64_t>();
            if (used + quantity > s.per_user_limit) {
              absl::Status limit = Error(absl::StatusCode::kResourceExhausted,
                                         reason::kPurchaseLimitReached, "over the purchase limit");
              // ErrorInfo metadata "limit-remaining", as Reserve answers it.
              limit.SetPayload(
                  "type.shopcast.dev/limit-remaining",
                  absl::Cord(absl::StrCat(std::max<int64_t>(s.per_user_limit - used, 0))));
              return limit;
            }
          }
          const pqxx::result seq =
              tx.exec_prepared("pi_queue_take_sequence", product_id, PgNow(now));
          Ticket t;
          t.id = id;
          t.product_id = product_id;
          t.user_id = caller.user_id;
          t.sequence = seq[0][0].as<int64_t>();
          t.quantity = quantity;
          t.status = TicketStatus::kWaiting;
          t.enqueued_at = now;
          tx.exec_prepared0("pi_queue_insert_ticket", t.id, product_id, caller.user_id, t.sequence,
                            quantity, PgNow(now));
          return ViewOf(tx, std::move(t), now);
        });
    // A qtk_ id collision (the primary key) is retried with a fresh id, never surfaced.
    if (view.ok() || view.status().code() != absl::StatusCode::kAlreadyExists ||
        attempt >= kIdAttempts) {
      return view;
    }
  }
}

absl::StatusOr<TicketView> QueueStore::Get(const auth::Caller& caller,
                                           const std::string& ticket_id) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<TicketView> {
    ASSIGN_OR_RETURN(Ticket t, OwnTicket(tx, caller, ticket_id, /*admin_may=*/true));
    return ViewOf(tx, std::move(t), now);
  });
}

absl::StatusOr<TicketView> QueueStore::Leave(const auth::Caller& caller,
                                             const std::string& ticket_id) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<TicketView> {
    ASSIGN_OR_RETURN(Ticket t, OwnTicket(tx, caller, ticket_id, /*admin_may=*/false));
    tx.exec_prepared("pi_queue_lock", t.product_id);
    ASSIGN_OR_RETURN(t, ReadTicket(tx, ticket_id));  // As of the lock.
    switch (t.status) {
      case TicketStatus::kClaimed:
        return Error(absl::StatusCode::kFailedPrecondition, reason::kTicketClaimed,
                     "the offer was claimed; release the reservation instead");
      case TicketStatus::kWaiting:
        tx.exec_prepared("pi_queue_add_waiting", t.product_id, -1, PgNow(now));
        break;
      case TicketStatus::kOffered:
        // Its units go back at once; the advancer offers them to the next in line.
        tx.exec_prepared("pi_queue_release_hold", t.hold_id, t.user_id, PgNow(now));
        break;
      default:
        return ViewOf(tx, std::move(t), now);  // Settled already: idempotent.
    }
    tx.exec_prepared0("pi_queue_settle_ticket", t.id, TicketStatusName(TicketStatus::kLeft),
                      PgNow(now), nullptr);
    t.status = TicketStatus::kLeft;
    t.settled_at = now;
    return ViewOf(tx, std::move(t), now);
  });
}

absl::StatusOr<ClaimResult> QueueStore::Claim(const auth::Caller& caller,
                                              const std::string& ticket_id) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ClaimResult> {
    ASSIGN_OR_RETURN(Ticket t, OwnTicket(tx, caller, ticket_id, /*admin_may=*/false));
    tx.exec_prepared("pi_queue_lock", t.product_id);
    tx.exec_prepared("pi_queue_lapse", t.product_id, PgNow(now));  // The stock row's lock.
    ASSIGN_OR_RETURN(t, ReadTicket(tx, ticket_id));
    if (t.status == TicketStatus::kWaiting || t.status == TicketStatus::kLeft ||
        t.status == TicketStatus::kCancelled) {
      return Error(absl::StatusCode::kFailedPrecondition, reason::kTicketNotOffered,
                   "this ticket holds no offer");
    }
    if (t.status == TicketStatus::kLapsed) {
      return Error(absl::StatusCode::kFailedPrecondition, reason::kOfferLapsed, "the offer lapsed");
    }
    const pqxx::result h = tx.exec_prepared("pi_queue_lock_hold", t.hold_id);
    if (h.empty()) return absl::InternalError("offered ticket without its hold");
    std::string state = h[0][0].as<std::string>();
    absl::Time expires = FromMicros(h[0][1].as<int64_t>());
    if (t.status == TicketStatus::kOffered) {
      if (state != "active" || (t.offered_until && *t.offered_until <= now)) {
        // Not claimed in time (or released): recorded now rather than at the advancer's round.
        tx.exec_prepared0("pi_queue_settle_ticket", t.id, TicketStatusName(TicketStatus::kLapsed),
                          PgNow(now), nullptr);
        if (state == "active") {
          tx.exec_prepared("pi_queue_release_hold", t.hold_id, t.user_id, PgNow(now));
        }
        return Error(absl::StatusCode::kFailedPrecondition, reason::kOfferLapsed,
                     "the offer lapsed");
      }
      const StockRow s = ReadStock(tx, t.product_id);
      expires = now + absl::Seconds(s.hold_seconds);
      tx.exec_prepared0("pi_queue_extend_hold", t.hold_id, PgNow(expires));
      tx.exec_prepared0("pi_queue_settle_ticket", t.id, TicketStatusName(TicketStatus::kClaimed),
                        PgNow(now), nullptr);
      t.status = TicketStatus::kClaimed;
      t.settled_at = now;
    }
    ASSIGN_OR_RETURN(Product p, ReadProduct(tx, t.product_id));
    ClaimResult out;
    v1::Reservation& r = out.reservation;
    r.set_id(t.hold_id);
    r.set_product_id(t.product_id);
    r.set_buyer_id(t.user_id);
    r.set_seller_id(p.seller_id);
    r.set_stream_id(p.stream_id);
    r.set_quantity(h[0][2].as<int>());
    const int64_t unit = h[0][3].as<int64_t>();
    r.mutable_unit_price()->set_amount_minor(unit >= 0 ? unit : p.price_minor);
    r.mutable_unit_price()->set_currency(p.currency);
    r.set_status(state == "committed" ? v1::RESERVATION_STATUS_COMMITTED
                 : state == "active"  ? v1::RESERVATION_STATUS_HELD
                 : state == "expired" ? v1::RESERVATION_STATUS_EXPIRED
                                      : v1::RESERVATION_STATUS_RELEASED);
    r.set_source(v1::RESERVATION_SOURCE_QUEUE);
    r.set_queue_ticket_id(t.id);
    ToProto(FromMicros(h[0][4].as<int64_t>()), r.mutable_created_at());
    ToProto(expires, r.mutable_expires_at());
    out.ticket = ViewOf(tx, std::move(t), now);
    return out;
  });
}

absl::StatusOr<AdvanceResult> QueueStore::AdvanceOneDue(const std::vector<std::string>& excluded) {
  const absl::Time now = Now();
  std::string excluded_array = "{";
  for (size_t i = 0; i < excluded.size(); ++i) {
    // Product ids are prd_ + base32: no quoting needed, but quote anyway.
    absl::StrAppend(&excluded_array, i ? "," : "", "\"", excluded[i], "\"");
  }
  excluded_array += "}";
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<AdvanceResult> {
    AdvanceResult out;
    const pqxx::result due = tx.exec_prepared("pi_queue_claim_due", PgNow(now), excluded_array);
    if (due.empty()) return out;
    out.product_id = due[0][0].as<std::string>();
    const std::string& product_id = out.product_id;
    // The row is ours (locked) until commit; read it as it is now.
    std::optional<Queue> q = QueueFromResult(tx.exec_prepared("pi_queue_lock", product_id));
    if (!q) return out;
    ASSIGN_OR_RETURN(Product p, ReadProduct(tx, product_id));
    // Expired holds (offers included) give their units back first; this locks the stock row.
    tx.exec_prepared("pi_queue_lapse", product_id, PgNow(now));
    out.settled =
        static_cast<int>(tx.exec_prepared("pi_queue_settle_offers", product_id, PgNow(now)).size());
    StockRow s = ReadStock(tx, product_id);
    int64_t waiting = q->waiting;
    const char* cancel = nullptr;
    if (!q->config.enabled) {
      cancel = reason::kQueueDisabled;
    } else if (p.status == kArchived) {
      cancel = reason::kProductNotOnSale;
    } else if (p.stream_ended) {
      cancel = reason::kStreamEnded;
    } else if (s.total <= s.sold) {
      cancel = reason::kSoldOut;
    }
    std::vector<std::string> offered;
    if (cancel != nullptr && waiting > 0) {
      out.cancelled = static_cast<int>(
          tx.exec_prepared("pi_queue_cancel_waiting", product_id, PgNow(now), cancel)[0][0]
              .as<int64_t>());
      waiting =
          tx.exec_prepared("pi_queue_add_waiting", product_id, -out.cancelled, PgNow(now))[0][0]
              .as<int64_t>();
    } else if (cancel == nullptr && p.status == kListed) {
      int64_t available = s.total - s.held - s.sold;
      const absl::Time until = now + q->config.claim_window;
      while (available > 0 && waiting > 0) {
        // Each offer takes at least a unit: never more tickets than units are needed.
        const pqxx::result next = tx.exec_prepared("pi_queue_next_waiting", product_id,
                                                   std::min<int64_t>(available, 1000));
        if (next.empty()) break;
        for (const pqxx::row& row : next) {
          if (available <= 0) break;
          Ticket t = TicketFromRow(row);
          const int32_t units = OfferQuantity(t.quantity, available);
          absl::StatusOr<std::string> hold =
              OfferHold(tx, OfferHoldRequest{product_id, t.user_id, t.id, units, until}, now);
          --waiting;
          if (!hold.ok()) {
            if (ReasonOf(hold.status()) != reason::kPurchaseLimitReached) return hold.status();
            // The holder bought up to their limit meanwhile: out of line, the next one's turn.
            tx.exec_prepared0("pi_queue_settle_ticket", t.id,
                              TicketStatusName(TicketStatus::kCancelled), PgNow(now),
                              reason::kPurchaseLimitReached);
            ++out.cancelled;
            continue;
          }
          tx.exec_prepared0("pi_queue_mark_offered", t.id, *hold, units, PgNow(now), PgNow(until));
          // The holder is told personally (rooms only hear ticket ids), with the offer.
          EnqueueUserNotification(
              tx, t.user_id, kOfferNoticeType,
              OfferNotification(OfferNotice{product_id, p.title, p.stream_id, t.id, units, until}));
          available -= units;
          offered.push_back(t.id);
        }
      }
      out.offers = static_cast<int>(offered.size());
      if (waiting != q->waiting) {
        tx.exec_prepared("pi_queue_add_waiting", product_id, waiting - q->waiting, PgNow(now));
      }
    }
    if (!offered.empty() || out.cancelled > 0) {
      Announce(tx, p.stream_id, product_id, q->config.enabled, waiting, offered, now);
    }
    // Touch the row so the next claim looks at other queues first.
    if (offered.empty() && out.cancelled == 0) {
      tx.exec_prepared("pi_queue_add_waiting", product_id, 0, PgNow(now));
    }
    return out;
  });
}

absl::StatusOr<std::optional<absl::Time>> QueueStore::NextDeadline() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<absl::Time>> {
    return OptionalTime(tx.exec_prepared("pi_queue_next_deadline")[0][0]);
  });
}

absl::StatusOr<bool> QueueStore::AnnounceLength(const std::string& product_id) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    const pqxx::result r = tx.exec_prepared("pi_queue_product", product_id);
    if (r.empty() || r[0][1].as<std::string>().empty()) return false;
    // Locked: an offer's or a switch's announcement in flight commits first, and its length
    // is the one compared.
    const pqxx::result q = tx.exec_prepared("pi_queue_lock_announced", product_id);
    if (q.empty()) return false;
    const int64_t waiting = q[0][1].as<int64_t>();
    if (waiting == q[0][2].as<int64_t>()) return false;  // The room knows this length.
    Announce(tx, r[0][1].as<std::string>(), product_id, q[0][0].as<bool>(), waiting, {}, now);
    return true;
  });
}

}  // namespace shopcast::product_inventory::queue
