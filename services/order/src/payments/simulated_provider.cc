#include "payments/simulated_provider.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <pqxx/result>
#include <pqxx/transaction>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "payments/payments_sql.h"
#include "payments/reasons.h"
#include "payments/test_tokens.h"
#include "payments/validation.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::order::payments {
namespace {

constexpr char kProviderName[] = "placeholder";
// The provider's references: opaque to the saga, never parsed.
constexpr char kReferencePrefix[] = "sim";
constexpr char kReferenceConstraint[] = "provider_payments_reference_unique";
// Bounds the timeout token's wait whatever the options say, so a misconfigured wait can never
// hold a saga thread for good.
constexpr absl::Duration kMaxTimeoutWait = absl::Minutes(5);

// A payment row as read back (payments_sql.h, ORDER_PAY_COLUMNS).
struct Record {
  ProviderPayment payment;
  bool tombstone = false;
  std::string order_id;
  std::string buyer_id;
  std::string method_token;
};

ProviderState ParseState(const std::string& s) {
  if (s == "pending") return ProviderState::kPending;
  if (s == "authorized") return ProviderState::kAuthorized;
  if (s == "declined") return ProviderState::kDeclined;
  if (s == "captured") return ProviderState::kCaptured;
  if (s == "voided") return ProviderState::kVoided;
  if (s == "refunded") return ProviderState::kRefunded;
  return ProviderState::kNone;  // The table's CHECK admits nothing else.
}

absl::Time TimeOrPast(const pqxx::field& f) {
  return f.is_null() ? absl::InfinitePast() : absl::FromUnixMicros(f.as<int64_t>());
}

Record ReadRecord(const pqxx::row& row) {
  Record r;
  r.payment.state = ParseState(row[0].as<std::string>());
  r.payment.reference = row[1].as<std::string>();
  r.tombstone = row[2].as<bool>();
  r.order_id = row[3].as<std::string>();
  r.buyer_id = row[4].as<std::string>();
  r.method_token = row[5].as<std::string>();
  r.payment.amount_minor = row[6].as<int64_t>();
  r.payment.currency = row[7].as<std::string>();
  r.payment.captured_minor = row[8].as<int64_t>();
  r.payment.refunded_minor = row[9].as<int64_t>();
  r.payment.decline_code = row[10].as<std::string>();
  r.payment.authorized_at = TimeOrPast(row[11]);
  r.payment.captured_at = TimeOrPast(row[12]);
  r.payment.settled_at = TimeOrPast(row[13]);
  return r;
}

// A timestamptz literal in UTC, to the microsecond (the column's precision).
std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

std::optional<Record> LockRecord(pqxx::work& tx, const std::string& payment_id) {
  const pqxx::result r = tx.exec_prepared(sql::kLockPaymentName, payment_id);
  if (r.empty()) return std::nullopt;
  return ReadRecord(r[0]);
}

// Runs one of the UPDATEs of payments_sql.h on a locked row and reads it back.
template <typename... Args>
Record Transition(pqxx::work& tx, const char* statement, const Args&... args) {
  const pqxx::result r = tx.exec_prepared(statement, args...);
  if (r.empty()) throw std::logic_error("a locked payment row vanished");  // Never deleted.
  return ReadRecord(r[0]);
}

// `refund_id` is null except for refunds.
void AppendEntry(pqxx::work& tx, const std::string& payment_id, const char* kind,
                 int64_t amount_minor, const std::string& currency, const char* refund_id,
                 const std::string& at) {
  tx.exec_prepared(sql::kInsertEntryName, payment_id, kind, amount_minor, currency, refund_id, at);
}

absl::Status Precondition(const char* reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

absl::Status NotInState(const char* reason, ProviderState state) {
  return Precondition(reason, absl::StrCat("the payment is ", ProviderStateName(state)));
}

// `run` again when a freshly drawn reference collided with another payment's (2^-128 per
// draw: never in practice, and then retried rather than surfaced, like every id here).
template <typename T, typename Fn>
absl::StatusOr<T> WithFreshReference(Fn run) {
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<T> r = run();
    if (r.ok() || attempt >= 3 || db::ConstraintOf(r.status()) != kReferenceConstraint) return r;
  }
}

}  // namespace

SimulatedProvider::SimulatedProvider(db::Pool& pool, SimulatedProviderOptions options)
    : pool_(pool), options_(std::move(options)) {}

std::string SimulatedProvider::name() const { return kProviderName; }

std::vector<std::pair<std::string, std::string>> SimulatedProvider::PreparedStatements() {
  return sql::PreparedStatements();
}

absl::Time SimulatedProvider::Now() const {
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  // Stored to the microsecond: rounding down here makes what is read back equal what was meant.
  return absl::FromUnixMicros(absl::ToUnixMicros(now));
}

absl::Status SimulatedProvider::WaitOutTimeout(absl::Time deadline) const {
  const absl::Duration wait = std::clamp(deadline - Now(), absl::ZeroDuration(),
                                         std::min(options_.timeout_wait, kMaxTimeoutWait));
  // Real time on the steady clock: `clock` may be a test's clock that stands still.
  const auto until = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(wait);
  for (auto now = std::chrono::steady_clock::now(); now < until;
       now = std::chrono::steady_clock::now()) {
    absl::SleepFor(absl::FromChrono(until - now));
  }
  return Error(absl::StatusCode::kDeadlineExceeded, reason::kProviderTimeout,
               "the payment provider did not answer in time");
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Authorize(const AuthorizeRequest& request,
                                                             absl::Time deadline) {
  RETURN_IF_ERROR(ValidateAuthorizeRequest(request));
  ASSIGN_OR_RETURN(const TestToken token, ParseTestToken(request.method_token));
  if (token.behaviour == TokenBehaviour::kTimeout) {
    // Nothing is recorded: to the saga the provider never saw the call.
    log::Info("payment_simulated_timeout").Kv("payment_id", request.payment_id);
    return WaitOutTimeout(deadline);
  }
  const ProviderState initial =
      token.behaviour == TokenBehaviour::kDecline   ? ProviderState::kDeclined
      : token.behaviour == TokenBehaviour::kPending ? ProviderState::kPending
                                                    : ProviderState::kAuthorized;
  const std::string now = PgTime(Now());

  struct Outcome {
    Record record;
    bool created = false;  // This call made the payment (false: it found it).
  };
  absl::StatusOr<Outcome> outcome = WithFreshReference<Outcome>([&] {
    return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Outcome> {
      const pqxx::result inserted = tx.exec_prepared(
          sql::kInsertPaymentName, request.payment_id, ids::NewId(kReferencePrefix),
          request.order_id, request.buyer_id, request.method_token, ProviderStateName(initial),
          request.amount_minor, request.currency, token.decline_code, now,
          initial == ProviderState::kAuthorized ? now.c_str() : nullptr);
      if (inserted.empty()) {
        const pqxx::result found = tx.exec_prepared(sql::kSelectPaymentName, request.payment_id);
        if (found.empty()) throw std::logic_error("a conflicting payment row is absent");
        return Outcome{ReadRecord(found[0]), false};
      }
      if (initial == ProviderState::kAuthorized) {
        AppendEntry(tx, request.payment_id, "authorize", request.amount_minor, request.currency,
                    nullptr, now);
      } else if (initial == ProviderState::kDeclined) {
        AppendEntry(tx, request.payment_id, "decline", request.amount_minor, request.currency,
                    nullptr, now);
      }
      return Outcome{ReadRecord(inserted[0]), true};
    });
  });
  if (!outcome.ok()) return outcome.status();
  const Record& r = outcome->record;
  if (!outcome->created) {
    // Voided before the provider saw it: the saga gave up on this id, so nothing is taken.
    if (r.tombstone) return r.payment;
    if (r.order_id != request.order_id || r.buyer_id != request.buyer_id ||
        r.payment.amount_minor != request.amount_minor || r.payment.currency != request.currency ||
        r.method_token != request.method_token) {
      return InvalidArgument("payment_id", reason::kPaymentIdReused,
                             "the payment id was used for another authorization");
    }
    return r.payment;
  }
  if (token.behaviour == TokenBehaviour::kErrorAfterCharge) {
    log::Info("payment_simulated_error_after_charge").Kv("payment_id", request.payment_id);
    return Error(absl::StatusCode::kUnavailable, reason::kProviderError,
                 "the payment provider failed to answer");
  }
  return r.payment;
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Capture(const std::string& payment_id,
                                                           absl::Time /*deadline*/) {
  RETURN_IF_ERROR(ValidateId(payment_id, "payment_id", reason::kPaymentIdInvalid));
  const std::string now = PgTime(Now());
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ProviderPayment> {
    const std::optional<Record> r = LockRecord(tx, payment_id);
    if (!r) return Precondition(reason::kPaymentNotFound, "the provider has no such payment");
    switch (r->payment.state) {
      case ProviderState::kCaptured:
      case ProviderState::kRefunded:
        return r->payment;
      case ProviderState::kAuthorized:
        break;
      default:
        return NotInState(reason::kPaymentNotAuthorized, r->payment.state);
    }
    const Record captured = Transition(tx, sql::kSetCapturedName, payment_id, now);
    AppendEntry(tx, payment_id, "capture", captured.payment.captured_minor,
                captured.payment.currency, nullptr, now);
    return captured.payment;
  });
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Void(const std::string& payment_id,
                                                        absl::Time /*deadline*/) {
  RETURN_IF_ERROR(ValidateId(payment_id, "payment_id", reason::kPaymentIdInvalid));
  const std::string now = PgTime(Now());
  return WithFreshReference<ProviderPayment>([&] {
    return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ProviderPayment> {
      std::optional<Record> r = LockRecord(tx, payment_id);
      if (!r) {
        const pqxx::result tombstone = tx.exec_prepared(sql::kInsertTombstoneName, payment_id,
                                                        ids::NewId(kReferencePrefix), now);
        if (!tombstone.empty()) {
          AppendEntry(tx, payment_id, "void", 0, "", nullptr, now);
          return ReadRecord(tombstone[0]).payment;
        }
        // An authorization committed meanwhile (the insert waited for it): void that instead.
        r = LockRecord(tx, payment_id);
        if (!r) throw std::logic_error("a conflicting payment row is absent");
      }
      const ProviderPayment& p = r->payment;
      switch (p.state) {
        case ProviderState::kVoided:
        case ProviderState::kDeclined:  // Nothing is held: as good as voided for the caller.
          return p;
        case ProviderState::kCaptured:
        case ProviderState::kRefunded:
          return NotInState(reason::kPaymentAlreadyCaptured, p.state);
        default:
          break;
      }
      const int64_t released = p.state == ProviderState::kAuthorized ? p.amount_minor : 0;
      const Record voided = Transition(tx, sql::kSetVoidedName, payment_id, now);
      AppendEntry(tx, payment_id, "void", released, p.currency, nullptr, now);
      return voided.payment;
    });
  });
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Refund(const std::string& payment_id,
                                                          const std::string& refund_id,
                                                          int64_t amount_minor,
                                                          absl::Time /*deadline*/) {
  RETURN_IF_ERROR(ValidateId(payment_id, "payment_id", reason::kPaymentIdInvalid));
  RETURN_IF_ERROR(ValidateId(refund_id, "refund_id", reason::kRefundIdInvalid));
  RETURN_IF_ERROR(ValidateAmount(amount_minor, "amount_minor"));
  const std::string now = PgTime(Now());
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ProviderPayment> {
    const std::optional<Record> r = LockRecord(tx, payment_id);
    if (!r) return Precondition(reason::kPaymentNotFound, "the provider has no such payment");
    const ProviderPayment& p = r->payment;
    const pqxx::result prior = tx.exec_prepared(sql::kSelectRefundName, payment_id, refund_id);
    if (!prior.empty()) {
      if (prior[0][0].as<int64_t>() != amount_minor) {
        return InvalidArgument("refund_id", reason::kRefundIdReused,
                               "the refund id was used for another amount");
      }
      return p;
    }
    if (p.state != ProviderState::kCaptured && p.state != ProviderState::kRefunded) {
      return NotInState(reason::kPaymentNotCaptured, p.state);
    }
    const int64_t remaining = p.captured_minor - p.refunded_minor;
    if (amount_minor > remaining) {
      return InvalidArgument("amount_minor", reason::kRefundAmountInvalid,
                             absl::StrCat("at most ", remaining, " can be refunded"));
    }
    const Record refunded = Transition(tx, sql::kAddRefundName, payment_id, now, amount_minor);
    AppendEntry(tx, payment_id, "refund", amount_minor, p.currency, refund_id.c_str(), now);
    return refunded.payment;
  });
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Lookup(const std::string& payment_id,
                                                          absl::Time /*deadline*/) {
  RETURN_IF_ERROR(ValidateId(payment_id, "payment_id", reason::kPaymentIdInvalid));
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ProviderPayment> {
    const pqxx::result r = tx.exec_prepared(sql::kSelectPaymentName, payment_id);
    if (r.empty()) return ProviderPayment{};
    return ReadRecord(r[0]).payment;
  });
}

absl::StatusOr<ProviderPayment> SimulatedProvider::Settle(const std::string& payment_id,
                                                          bool approve,
                                                          const std::string& decline_code) {
  RETURN_IF_ERROR(ValidateId(payment_id, "payment_id", reason::kPaymentIdInvalid));
  const std::string code = approve                ? std::string()
                           : decline_code.empty() ? kDeclineCardDeclined
                                                  : decline_code;
  if (!approve) RETURN_IF_ERROR(ValidateDeclineCode(code));
  const std::string now = PgTime(Now());
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ProviderPayment> {
    const std::optional<Record> r = LockRecord(tx, payment_id);
    if (!r) return NotFound(reason::kPaymentNotFound, "the provider has no such payment");
    const ProviderPayment& p = r->payment;
    if (p.state == ProviderState::kPending) {
      if (approve) {
        const Record authorized = Transition(tx, sql::kSetAuthorizedName, payment_id, now);
        AppendEntry(tx, payment_id, "authorize", p.amount_minor, p.currency, nullptr, now);
        return authorized.payment;
      }
      const Record declined = Transition(tx, sql::kSetDeclinedName, payment_id, now, code);
      AppendEntry(tx, payment_id, "decline", p.amount_minor, p.currency, nullptr, now);
      return declined.payment;
    }
    // Settled already (or voided while pending): an approval shows as authorized_at, and lives
    // on through capture, refund or a later void.
    const bool same = approve ? p.authorized_at != absl::InfinitePast()
                              : p.state == ProviderState::kDeclined && p.decline_code == code;
    if (same) return p;
    return NotInState(reason::kPaymentAlreadySettled, p.state);
  });
}

absl::StatusOr<std::vector<SimulatedProvider::LedgerTotal>> SimulatedProvider::Totals() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<LedgerTotal>> {
    std::vector<LedgerTotal> totals;
    for (const auto& row : tx.exec_prepared(sql::kTotalsName)) {
      totals.push_back(LedgerTotal{row[0].as<std::string>(), row[1].as<int64_t>(),
                                   row[2].as<int64_t>(), row[3].as<int64_t>()});
    }
    return totals;
  });
}

}  // namespace shopcast::order::payments
