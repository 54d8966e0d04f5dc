#include "naive_engine.h"

#include <pqxx/transaction>

#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "stock/pg_values.h"

namespace shopcast::bench::flash_sale {
namespace stock = product_inventory::stock;
namespace {

constexpr char kLock[] = R"~(
SELECT total, held, sold, per_user_limit, hold_seconds FROM stock WHERE product_id = $1
FOR UPDATE)~";
constexpr char kExisting[] = R"~(
SELECT id FROM holds WHERE buyer_id = $1 AND idempotency_key = $2)~";
constexpr char kUsed[] = R"~(
SELECT coalesce(sum(quantity), 0) FROM holds
WHERE product_id = $1 AND buyer_id = $2
  AND (state = 'committed' OR (state = 'active' AND expires_at > $3::timestamptz)))~";
constexpr char kInsert[] = R"~(
INSERT INTO holds (id, product_id, buyer_id, quantity, idempotency_key, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz + make_interval(secs => $7)))~";
constexpr char kTake[] = R"~(
UPDATE stock SET held = held + $2, revision = revision + 1, updated_at = $3::timestamptz
WHERE product_id = $1)~";

}  // namespace

std::vector<std::pair<std::string, std::string>> NaiveEngine::PreparedStatements() {
  return {{"naive_lock", kLock},
          {"naive_existing", kExisting},
          {"naive_used", kUsed},
          {"naive_insert", kInsert},
          {"naive_take", kTake}};
}

absl::StatusOr<stock::Hold> NaiveEngine::Reserve(const stock::ReserveRequest& request,
                                                 absl::Time now) {
  const std::string at = stock::pg::Time(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<stock::Hold> {
    const pqxx::result row = tx.exec_prepared("naive_lock", request.product_id);
    if (row.empty()) return NotFound("PRODUCT_NOT_FOUND", "no such product");
    const int64_t available =
        row[0][0].as<int64_t>() - row[0][1].as<int64_t>() - row[0][2].as<int64_t>();
    const int64_t limit = row[0][3].as<int64_t>();
    const int64_t hold_seconds = row[0][4].as<int64_t>();
    const pqxx::result existing =
        tx.exec_prepared("naive_existing", request.buyer_id, request.idempotency_key);
    stock::Hold h;
    h.product_id = request.product_id;
    h.buyer_id = request.buyer_id;
    h.quantity = request.quantity;
    if (!existing.empty()) {
      h.id = existing[0][0].as<std::string>();
      return h;
    }
    if (limit > 0) {
      const int64_t used =
          tx.exec_prepared("naive_used", request.product_id, request.buyer_id, at)[0][0]
              .as<int64_t>();
      if (used + request.quantity > limit) {
        return Error(absl::StatusCode::kResourceExhausted, "PURCHASE_LIMIT_REACHED", "limit");
      }
    }
    if (request.quantity > available) {
      return Error(absl::StatusCode::kResourceExhausted, "SOLD_OUT", "sold out");
    }
    h.id = ids::NewId("res");
    tx.exec_prepared0("naive_insert", h.id, request.product_id, request.buyer_id, request.quantity,
                      request.idempotency_key, at, hold_seconds);
    tx.exec_prepared0("naive_take", request.product_id, request.quantity, at);
    return h;
  });
}

}  // namespace shopcast::bench::flash_sale
